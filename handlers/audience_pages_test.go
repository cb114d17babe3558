package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

// sandboxID is the id of the sandbox account every test app starts with.
func (a *testApp) sandboxID() int64 {
	a.t.Helper()
	as, err := a.store.ListProviderAccounts(a.t.Context())
	if err != nil || len(as) == 0 {
		a.t.Fatalf("no sandbox account: %v", err)
	}
	return as[0].ID
}

func TestAudiencePagesSeedFilterPage(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()

	resp, body := b.get("/audience")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audience page: %d", resp.StatusCode)
	}
	d := doc(t, body)
	if d.Find(`[data-testid="empty"]`).Length() != 1 || d.Find(`[data-testid="seed-sandbox"]`).Length() != 1 {
		t.Fatalf("fresh install: want the empty list and the seed button: %s", body)
	}
	resp, _ = b.post("/audience/seed", url.Values{"provider_id": {fmt.Sprint(pid)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("seed: %d", resp.StatusCode)
	}
	n, err := app.store.CountDevices(t.Context(), pid)
	if err != nil || n != 10000 {
		t.Fatalf("seeded %d devices (%v), want the 10,000 of the fleet", n, err)
	}
	_, body = b.get(fmt.Sprintf("/audience?provider_id=%d", pid))
	d = doc(t, body)
	if got := d.Find(`[data-testid="device-row"]`).Length(); got != devicePageSize {
		t.Errorf("first page has %d rows", got)
	}
	if !strings.Contains(d.Find(`[data-testid="device-total"]`).Text(), "10,000") {
		t.Errorf("total: %q", d.Find(`[data-testid="device-total"]`).Text())
	}
	firstCID := d.Find(`[data-testid="device-link"]`).First().Text()
	tags := d.Find(`[data-testid="tag-row"]`)
	if tags.Length() == 0 {
		t.Fatal("no tag list")
	}
	// Keyset pages: the next page starts after the last cid of this one.
	next, ok := d.Find(`[data-testid="pager"] a`).Attr("href")
	if !ok || !strings.Contains(next, "after=") {
		t.Fatalf("no next page link")
	}
	lastCID := d.Find(`[data-testid="device-link"]`).Last().Text()
	_, body = b.get(next)
	d2 := doc(t, body)
	if got := d2.Find(`[data-testid="device-link"]`).First().Text(); got <= lastCID {
		t.Errorf("page 2 starts at %q, not after %q", got, lastCID)
	}
	if d2.Find(`[data-testid="first-page"]`).Length() != 1 {
		t.Error("page 2 has no link back to the first page")
	}
	// Filter by a tag from the list: every row carries it.
	tagURL, _ := tags.First().Find("a").Attr("href")
	tagName := tags.First().Find("a").Text()
	_, body = b.get(tagURL)
	d3 := doc(t, body)
	d3.Find(`[data-testid="device-row"]`).Each(func(_ int, row *goquery.Selection) {
		if !strings.Contains(row.Text(), tagName) {
			t.Errorf("row without tag %q: %s", tagName, row.Text())
		}
	})
	// Search by cid prefix finds exactly that device first.
	_, body = b.get(fmt.Sprintf("/audience?provider_id=%d&q=%s", pid, url.QueryEscape(firstCID)))
	if got := doc(t, body).Find(`[data-testid="device-link"]`).First().Text(); got != firstCID {
		t.Errorf("search %q found %q", firstCID, got)
	}
	// Unknown filters give an empty, explained list, never an error.
	resp, body = b.get(fmt.Sprintf("/audience?provider_id=%d&tag=nope&after=%s", pid, url.QueryEscape("zz")))
	if resp.StatusCode != http.StatusOK || doc(t, body).Find(`[data-testid="empty"]`).Length() != 1 {
		t.Errorf("unknown tag: %d", resp.StatusCode)
	}
}

func TestDeviceFormAndDetail(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := fmt.Sprint(app.sandboxID())

	resp, body := b.post("/audience/devices", url.Values{"provider_id": {pid}, "cid": {""}, "alias": {"ann"}, "platform": {"symbian"},
		"region": {strings.Repeat("r", 65)}, "tags": {"vip, beta"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad device: %d", resp.StatusCode)
	}
	d := doc(t, body)
	for _, f := range []string{"cid", "platform", "region"} {
		if d.Find(`[data-testid="error-`+f+`"]`).Length() != 1 {
			t.Errorf("no error beside %s", f)
		}
	}
	if v, _ := d.Find(`input[name="alias"]`).Attr("value"); v != "ann" {
		t.Errorf("typed alias lost: %q", v)
	}
	if v, _ := d.Find(`input[name="tags"]`).Attr("value"); v != "vip, beta" {
		t.Errorf("typed tags lost: %q", v)
	}
	resp, _ = b.post("/audience/devices", url.Values{"provider_id": {pid}, "cid": {"dev-1"}, "alias": {"ann"}, "platform": {"ios"},
		"vendor": {"Apple"}, "region": {"Zhejiang"}, "tags": {"vip, beta"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	_, body = b.get(loc)
	d = doc(t, body)
	if d.Find(`[data-testid="device-cid"]`).Text() != "dev-1" || !strings.Contains(d.Find(`[data-testid="device-tags"]`).Text(), "beta") {
		t.Errorf("detail: %s", d.Find(`[data-testid="device-detail"]`).Text())
	}
	// The same cid again is refused beside the field.
	resp, body = b.post("/audience/devices", url.Values{"provider_id": {pid}, "cid": {"dev-1"}, "platform": {"ios"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-cid"]`).Length() != 1 {
		t.Errorf("duplicate cid: %d", resp.StatusCode)
	}
	// Edit: tags replaced, opted out set.
	resp, _ = b.post(loc, url.Values{"alias": {"ann"}, "platform": {"android"}, "tags": {"vip"}, "opted_out": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	dev, err := app.store.DeviceByCID(t.Context(), app.sandboxID(), "dev-1")
	if err != nil || dev.Platform != "android" || !dev.OptedOut || len(dev.Tags) != 1 || dev.Vendor != "" {
		t.Errorf("after edit: %+v %v", dev, err)
	}
	resp, body = b.post(loc, url.Values{"platform": {"bad"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="form-cid"]`).Text() != "dev-1" {
		t.Errorf("bad edit: %d", resp.StatusCode)
	}
	resp, _ = b.post(loc+"/delete", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := b.get(loc); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted device: %d", resp.StatusCode)
	}
}

func TestViewerSeesNoAudienceControls(t *testing.T) {
	app := newTestApp(t)
	app.createUser("admin@example.com", models.RoleAdmin)
	app.createUser("viewer@example.com", models.RoleViewer)
	b := app.browser()
	b.login("viewer@example.com", "password123")
	resp, body := b.get("/audience")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer: %d", resp.StatusCode)
	}
	d := doc(t, body)
	for _, id := range []string{"seed-sandbox", "new-device", "tab-import"} {
		if d.Find(`[data-testid="`+id+`"]`).Length() != 0 {
			t.Errorf("viewer sees %s", id)
		}
	}
	if resp, _ := b.get("/audience/segments"); resp.StatusCode != http.StatusOK {
		t.Errorf("viewer segments: %d", resp.StatusCode)
	}
}

// registerDevices registers n devices on an account, the first tagged of
// them with "vip", and returns their cids.
func (a *testApp) registerDevices(pid int64, n, tagged int) []string {
	a.t.Helper()
	in := make([]models.DeviceInput, n)
	cids := make([]string, n)
	for i := range in {
		cids[i] = fmt.Sprintf("dev-%03d", i)
		platform, tags := "android", []string{"all"}
		if i < tagged {
			tags = append(tags, "vip")
		}
		in[i] = models.DeviceInput{CID: cids[i], Platform: &platform, Tags: &tags}
	}
	if _, err := a.store.UpsertDevices(a.t.Context(), pid, in); err != nil {
		a.t.Fatal(err)
	}
	return cids
}

// TestAudiencePreviewNative: an audience the provider sends natively (all,
// native tags) never shows the registered devices as the reach: the
// fragment says the provider decides, shows the registered count under
// its own label and explains why. A listed audience keeps its exact count
// and no note.
func TestAudiencePreviewNative(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	en := app.srv.cat.Localizer("en")
	sandbox := app.sandboxID()
	cids := app.registerDevices(sandbox, 11, 4)
	getui := app.account("getui", "", testCreds["getui"])
	app.registerDevices(getui, 3, 2)
	sg, err := app.store.CreateSegment(t.Context(), models.SegmentInput{Name: "vip",
		Tree: []byte(`{"field":"tag","op":"in","values":["vip"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		pid    int64
		form   url.Values
		native string // the note's kind; "" for a listed audience
		n      int
	}{
		{"sandbox all", sandbox, url.Values{"audience_kind": {"all"}}, "all", 11},
		{"sandbox tag", sandbox, url.Values{"audience_kind": {"tag"}, "audience_values": {"vip"}}, "tag", 4},
		{"getui all", getui, url.Values{"audience_kind": {"all"}}, "all", 3},
		{"getui native tag", getui, url.Values{"audience_kind": {"tag"}, "audience_values": {"vip"}}, "tag", 2},
		{"segment", sandbox, url.Values{"audience_kind": {"segment"}, "segment_id": {fmt.Sprint(sg.ID)}}, "", 4},
		{"cid list", sandbox, url.Values{"audience_kind": {"cid"}, "audience_values": {cids[0] + "\n" + cids[1] + "\nunknown"}}, "", 3},
		{"alias list", getui, url.Values{"audience_kind": {"alias"}, "audience_values": {"nobody"}}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("provider_id", fmt.Sprint(tc.pid))
			resp, body := b.do(http.MethodPost, "/audience/preview", tc.form, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			d := doc(t, body)
			n := map[string]any{"N": fmt.Sprintf("%d", tc.n)}
			nat := d.Find(`[data-testid="audience-native"]`)
			if tc.native == "" {
				if nat.Length() != 0 || d.Find(`[data-testid="audience-native-note"]`).Length() != 0 {
					t.Errorf("a listed audience carries the native note: %s", body)
				}
				if got, want := d.Find(`[data-testid="audience-count"]`).Text(), en.T("audience.count", n); got != want {
					t.Errorf("count %q, want %q", got, want)
				}
				return
			}
			if nat.AttrOr("data-native", "") != tc.native {
				t.Fatalf("no native fragment for %s: %s", tc.native, body)
			}
			if d.Find(`[data-testid="audience-count"]`).Length() != 0 {
				t.Errorf("a native audience shows the registered devices as the count: %s", body)
			}
			// The reach is estimated by the devices registered here; only
			// with none does it read as the provider's decision.
			want := en.T("audience.reach_native")
			if tc.n > 0 {
				want = en.T("audience.reach_estimate", map[string]any{"Count": tc.n, "N": fmt.Sprintf("%d", tc.n)})
			}
			if got := strings.TrimSpace(nat.Find(`[data-testid="audience-reach"]`).Text()); got != want {
				t.Errorf("reach %q, want %q", got, want)
			}
			if got, want := strings.TrimSpace(nat.Find(`[data-testid="audience-native-note"]`).Text()), en.T("audience.native_"+tc.native); got != want {
				t.Errorf("note %q, want %q", got, want)
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		_, body := b.post("/audience/preview", url.Values{"provider_id": {"999"}, "audience_kind": {"all"}})
		if got := doc(t, body).Find(`[data-testid="audience-count-error"]`).Text(); got != en.T("audience.pick_account") {
			t.Errorf("unknown account: %q", got)
		}
	})
	t.Run("chinese", func(t *testing.T) {
		zh := app.srv.cat.Localizer("zh-Hans")
		_, body := b.do(http.MethodPost, "/audience/preview", url.Values{"provider_id": {fmt.Sprint(sandbox)}, "audience_kind": {"all"}},
			map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf, "Accept-Language": "zh-CN"})
		if got := strings.TrimSpace(doc(t, body).Find(`[data-testid="audience-native-note"]`).Text()); got != zh.T("audience.native_all") {
			t.Errorf("zh note %q", got)
		}
	})
}
