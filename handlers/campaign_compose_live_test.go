package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// TestComposerWiring: the live audience count and device preview are wired
// with htmx, and the audience count answers with the count.
func TestComposerWiring(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	_, body := b.get("/campaigns/new")
	d := doc(t, body)
	aud := d.Find(`[data-testid="audience-fields"]`)
	if aud.AttrOr("hx-post", "") != "/audience/preview" || !strings.Contains(aud.AttrOr("hx-trigger", ""), "keyup changed delay:500ms") ||
		!strings.Contains(aud.AttrOr("hx-trigger", ""), "change") || aud.AttrOr("hx-target", "") != "#audience-count" {
		t.Errorf("audience preview wiring: %v", aud.Nodes[0].Attr)
	}
	for _, name := range []string{"provider_id", "audience_kind", "audience_values", "segment_id"} {
		if !strings.Contains(aud.AttrOr("hx-include", ""), name) {
			t.Errorf("hx-include lacks %s", name)
		}
	}
	if d.Find(`#audience-count[data-testid="audience-count"]`).Length() != 1 {
		t.Error("no audience-count target")
	}
	if pv := d.Find(`[data-testid="device-preview"]`); pv.AttrOr("hx-post", "") != "/campaigns/preview" {
		t.Error("device preview not wired")
	}
	if d.Find(`select[name="timezone"][data-auto-timezone]`).Length() != 1 {
		t.Error("a new campaign does not ask for the browser's time zone")
	}
	if d.Find(`input[type="file"][name="audience_file"]`).Length() != 1 || d.Find(`form[enctype="multipart/form-data"]`).Length() != 1 {
		t.Error("no id-list upload")
	}
	// The count the composer is wired to must answer: a route table or a
	// catalog without it leaves the composer counting nothing.
	resp, frag := b.do(http.MethodPost, "/audience/preview", url.Values{"provider_id": {"1"}, "audience_kind": {"cid"}, "audience_values": {"a\nb\nc"}, "segment_id": {""}},
		map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	if resp.StatusCode != http.StatusOK || strings.Contains(frag, "<html") {
		t.Fatalf("audience preview: %d %q", resp.StatusCode, frag)
	}
	en := app.srv.cat.Localizer("en")
	want := en.T("audience.count", map[string]any{"Count": 3, "N": "3"})
	if want == "audience.count" {
		t.Fatal("the catalog has no audience.count message")
	}
	if got := strings.TrimSpace(doc(t, frag).Find(`[data-testid="audience-count"]`).Text()); got != want {
		t.Errorf("audience preview of the 3 pasted ids reads %q, want %q (fragment %q)", got, want, frag)
	}
}

// TestComposerPreview: the device preview fragment follows what is typed,
// escaped, per kind and type.
func TestComposerPreview(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	ids := app.accounts()
	hx := func(form url.Values) *goquery.Document {
		t.Helper()
		resp, frag := b.do(http.MethodPost, "/campaigns/preview", form, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		if strings.Contains(frag, "<html") {
			t.Fatal("the preview answers a whole page")
		}
		return doc(t, frag)
	}
	d := hx(url.Values{"provider_id": {ids["getui"]}, "type": {"notification"}, "title": {"<b>Sale</b>"}, "body": {"Now on"},
		"big_text": {"All week long"}, "image_url": {"https://example.com/banner.png"}, "ios_subtitle": {"Today"}})
	android, ios := d.Find(`[data-testid="preview-android"]`), d.Find(`[data-testid="preview-ios"]`)
	if android.Find(`[data-testid="preview-title"]`).Text() != "<b>Sale</b>" || android.Find("b").Length() != 0 {
		t.Errorf("title not shown escaped: %q", android.Text())
	}
	if android.Find(`[data-testid="preview-big-text"]`).Text() != "All week long" {
		t.Error("Android does not show the big text")
	}
	if android.Find(`img`).AttrOr("src", "") != "https://example.com/banner.png" || ios.Find("img").Length() != 1 {
		t.Error("no image thumbnail")
	}
	if ios.Find(`[data-testid="preview-subtitle"]`).Text() != "Today" || !strings.Contains(ios.Text(), "Now on") {
		t.Errorf("iOS preview: %q", ios.Text())
	}
	d = hx(url.Values{"provider_id": {ids["getui"]}, "title": {"t"}, "body": {"b"}, "image_url": {"javascript:alert(1)"}})
	if d.Find("img").Length() != 0 {
		t.Error("a non-http image URL is rendered")
	}
	d = hx(url.Values{"provider_id": {ids["sandbox"]}, "type": {"transmission"}, "body": {"{}"}})
	if d.Find(`[data-testid="preview-silent"]`).Length() != 1 {
		t.Error("a transmission is previewed as displayed")
	}
	d = hx(url.Values{"provider_id": {ids["wecom"]}, "type": {"textcard"}, "title": {"Card"}, "body": {"Desc"}, "wecom_btntxt": {"Go"}})
	if w := d.Find(`[data-testid="preview-wecom"]`); w.Length() != 1 || !strings.Contains(w.Text(), "Go") || !strings.Contains(w.Text(), "Card") {
		t.Errorf("WeCom text card preview: %q", w.Text())
	}
	d = hx(url.Values{"provider_id": {ids["sandbox"]}})
	if d.Find(`[data-testid="preview-empty"]`).Length() != 1 {
		t.Error("an empty message has no placeholder")
	}
}

// TestComposerUploadAndEdit: an uploaded id list joins the pasted ids;
// a draft opens in the composer, saves changes, refuses bad ones with its
// values kept, and stops being editable once sent.
func TestComposerUploadAndEdit(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	form := composerForm("sandbox", "1", map[string]string{"audience_values": "pasted-1, sandbox-0000001"})
	file := "\xef\xbb\xbfsandbox-0000001\n\n# a comment\n\"sandbox-0000002\",\r\nsandbox-0000003\nsandbox-0000002\n"
	resp, body := b.postMultipart("/campaigns", form, "ids.csv", file)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", resp.StatusCode, doc(t, body).Find(".field-error").Text())
	}
	loc := resp.Header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/campaigns/"), 10, 64)
	cm, err := app.store.CampaignByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pasted-1", "sandbox-0000001", "sandbox-0000002", "sandbox-0000003"}
	if !slices.Equal(cm.Audience.Values, want) {
		t.Errorf("audience %v, want %v", cm.Audience.Values, want)
	}
	resp, body = b.postMultipart("/campaigns", form, "ids.exe", "x\n")
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-audience_file"]`).Length() != 1 {
		t.Errorf("a .exe list: %d", resp.StatusCode)
	}
	resp, body = b.postMultipart("/campaigns", form, "ids.txt", strings.Repeat("x", 300)+"\n")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc(t, body).Find(`[data-testid="error-audience_file"]`).Text(), "1") {
		t.Errorf("an overlong id: %d", resp.StatusCode)
	}

	_, body = b.get(loc + "/edit")
	d := doc(t, body)
	if d.Find(`form[data-testid="campaign-form"]`).AttrOr("action", "") != loc || fieldValue(d, "name") != "Spring sandbox" ||
		fieldValue(d, "audience_values") != strings.Join(want, "\n") {
		t.Fatalf("edit form does not show the draft: %q %q", fieldValue(d, "name"), fieldValue(d, "audience_values"))
	}
	edit := composerForm("sandbox", "1", map[string]string{"name": "Renamed", "title": "New title", "audience_values": "sandbox-0000009", "ttl_seconds": "600"})
	if resp, _ = b.post(loc, edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	cm, _ = app.store.CampaignByID(t.Context(), id)
	d2, _ := draft.Of(cm)
	if cm.Name != "Renamed" || d2.Message.Title != "New title" || !slices.Equal(cm.Audience.Values, []string{"sandbox-0000009"}) || d2.Options.TTLSeconds != 600 {
		t.Errorf("update not stored: %+v %+v", cm.Name, d2)
	}
	edit.Set("title", strings.Repeat("t", 51))
	resp, body = b.post(loc, edit)
	if resp.StatusCode != http.StatusUnprocessableEntity || fieldValue(doc(t, body), "title") != strings.Repeat("t", 51) ||
		doc(t, body).Find(`form[data-testid="campaign-form"]`).AttrOr("action", "") != loc {
		t.Errorf("bad update: %d", resp.StatusCode)
	}
	if cm2, _ := app.store.CampaignByID(t.Context(), id); cm2.Name != "Renamed" {
		t.Error("a refused update changed the draft")
	}
	if resp, _ = b.post(loc+"/send", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", resp.StatusCode)
	}
	if resp, _ = b.get(loc + "/edit"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Errorf("edit a sent campaign: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	edit.Set("title", "Too late")
	if resp, _ = b.post(loc, edit); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("update a sent campaign: %d", resp.StatusCode)
	}
	if cm2, _ := app.store.CampaignByID(t.Context(), id); cm2.Name != "Renamed" {
		t.Error("a sent campaign was changed")
	}
}

// audienceTriggers lists the audience count's hx-trigger events.
func audienceTriggers(d *goquery.Document) []string {
	var out []string
	for _, spec := range strings.Split(d.Find(`[data-testid="audience-fields"]`).AttrOr("hx-trigger", ""), ",") {
		if f := strings.Fields(spec); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// TestComposerCountOnLoad: a new form, a reopened draft and a refused form
// count their audience as the page loads, with exactly what the form holds;
// a refused one whose audience is not chosen yet waits.
func TestComposerCountOnLoad(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	en := app.srv.cat.Localizer("en")
	pid := fmt.Sprint(app.sandboxID())
	app.registerDevices(app.sandboxID(), 11, 4)
	sg, err := app.store.CreateSegment(t.Context(), models.SegmentInput{Name: "vip",
		Tree: []byte(`{"field":"tag","op":"in","values":["vip"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	segID := fmt.Sprint(sg.ID)
	loads := func(d *goquery.Document) bool { return slices.Contains(audienceTriggers(d), "load") }
	// count posts what htmx sends on load: the fields hx-include names,
	// as the page rendered them.
	count := func(d *goquery.Document) *goquery.Document {
		t.Helper()
		form := url.Values{}
		for _, name := range []string{"provider_id", "audience_kind", "audience_values", "segment_id"} {
			if !strings.Contains(d.Find(`[data-testid="audience-fields"]`).AttrOr("hx-include", ""), name) {
				t.Fatalf("hx-include lacks %s", name)
			}
			form.Set(name, fieldValue(d, name))
		}
		resp, frag := b.do(http.MethodPost, "/audience/preview", form, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		return doc(t, frag)
	}

	// The new form's default audience (all) has an estimated reach at once.
	_, body := b.get("/campaigns/new")
	d := doc(t, body)
	if !loads(d) {
		t.Errorf("the new form does not count its default audience on load: %v", audienceTriggers(d))
	}
	if !slices.Contains(audienceTriggers(d), "change") || !slices.Contains(audienceTriggers(d), "keyup") {
		t.Errorf("the count no longer follows the audience: %v", audienceTriggers(d))
	}

	resp, _ := b.post("/campaigns", composerForm("sandbox", pid, map[string]string{"audience_kind": "segment", "audience_values": "", "segment_id": segID}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a segment draft: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	_, body = b.get(loc + "/edit")
	d = doc(t, body)
	if !loads(d) {
		t.Errorf("the draft's edit form does not count on load: %v", audienceTriggers(d))
	}
	if fieldValue(d, "segment_id") != segID {
		t.Fatalf("the draft's segment is not selected: %q", fieldValue(d, "segment_id"))
	}
	if got, want := count(d).Find(`[data-testid="audience-count"]`).Text(), en.T("audience.count", map[string]any{"N": "4"}); got != want {
		t.Errorf("segment draft count %q, want %q", got, want)
	}

	resp, _ = b.post("/campaigns", composerForm("sandbox", pid, map[string]string{"audience_kind": "all", "audience_values": ""}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save an all draft: %d", resp.StatusCode)
	}
	_, body = b.get(resp.Header.Get("Location") + "/edit")
	d = doc(t, body)
	if !loads(d) {
		t.Errorf("an all draft does not count on load")
	}
	if f := count(d); f.Find(`[data-testid="audience-native"][data-native="all"]`).Length() != 1 {
		t.Errorf("an all draft on the sandbox is not shown as native")
	}

	refused := []struct {
		name  string
		over  map[string]string
		loads bool
	}{
		{"all", map[string]string{"name": "", "audience_kind": "all", "audience_values": ""}, true},
		{"pasted ids", map[string]string{"name": "", "audience_values": "dev-000\ndev-001"}, true},
		{"typed tags", map[string]string{"name": "", "audience_kind": "tag", "audience_values": "vip"}, true},
		{"segment picked", map[string]string{"name": "", "audience_kind": "segment", "audience_values": "", "segment_id": segID}, true},
		{"no tags yet", map[string]string{"audience_kind": "tag", "audience_values": ""}, false},
		{"no segment yet", map[string]string{"audience_kind": "segment", "audience_values": ""}, false},
	}
	for _, tc := range refused {
		t.Run("refused "+tc.name, func(t *testing.T) {
			resp, body := b.post("/campaigns", composerForm("sandbox", pid, tc.over))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			if got := loads(doc(t, body)); got != tc.loads {
				t.Errorf("counts on load = %v, want %v", got, tc.loads)
			}
		})
	}
	// The refused form with pasted ids counts exactly what it kept.
	_, body = b.post("/campaigns", composerForm("sandbox", pid, map[string]string{"name": "", "audience_values": "dev-000\ndev-001\nnew-1"}))
	if got, want := count(doc(t, body)).Find(`[data-testid="audience-count"]`).Text(), en.T("audience.count", map[string]any{"N": "3"}); got != want {
		t.Errorf("refused form count %q, want %q", got, want)
	}
}
