package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

type apiCampaignBody struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Audience   models.Audience `json:"audience"`
	Message    json.RawMessage `json:"message"`
	Options    draft.Options   `json:"options"`
	ScheduleAt *time.Time      `json:"schedule_at"`
	Totals     models.Totals   `json:"totals"`
}

func decodeCampaign(t *testing.T, body string) apiCampaignBody {
	t.Helper()
	var c apiCampaignBody
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return c
}

// TestResendFailedEndToEnd: an MX push campaign whose provider refuses
// some batches completes with failures (error threshold 100); the detail
// page shows them by reason; resend-to-failed (page and API) creates a
// draft addressed to exactly the failed recipients, with the same message
// and options, which then sends cleanly.
func TestResendFailedEndToEnd(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	fake := mxfake.New(t)
	acct := app.account("mxpush", fake.URL(), string(fake.Credentials()))
	cids := make([]string, 1200)
	for i := range cids {
		cids[i] = fmt.Sprintf("tok-%04d", i)
	}
	body, _ := json.Marshal(map[string]any{"name": "MX sale", "provider_id": acct,
		"audience": map[string]any{"kind": "cid", "values": cids},
		"message":  map[string]any{"type": "notification", "title": "Hi", "body": "Now", "badge": 1, "ext": map[string]any{"k": "v"}},
		"options":  map[string]any{"error_threshold": 100, "speed": 5000}})
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, string(body), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	orig := decodeCampaign(t, out)
	path := fmt.Sprintf("/api/v1/campaigns/%d", orig.ID)
	if resp, out = app.apiDo(http.MethodPost, path+"/resend-failed", key, "", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("resend a draft: %d %s, want 409", resp.StatusCode, out)
	}
	fake.FailNextCode(1, 12006, "push not enabled")
	if resp, out = app.apiDo(http.MethodPost, path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	eventually(t, 15*time.Second, "completed", func() bool {
		_, out = app.apiDo(http.MethodGet, path, key, "", nil)
		return strings.Contains(out, `"status":"completed"`)
	})
	orig = decodeCampaign(t, out)
	// One refused request of three (batches of 500, 500 and 200, sent by
	// several workers, so whichever reaches the fake first): its
	// recipients failed, the rest accepted (MX push answers a push as a
	// whole, so it never reports invalid recipients).
	if (orig.Totals.Failed != 500 && orig.Totals.Failed != 200) || orig.Totals.Accepted+orig.Totals.Failed != 1200 {
		t.Fatalf("want a mix of outcomes: %+v", orig.Totals)
	}
	var failed []string
	after := ""
	for {
		ds, next, err := app.store.ListDeliveries(t.Context(), orig.ID, models.DeliveryFilter{Status: models.DeliveryFailed, After: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			failed = append(failed, d.Recipient)
		}
		if next == "" {
			break
		}
		after = next
	}
	if int64(len(failed)) != orig.Totals.Failed {
		t.Fatalf("%d failed rows, counter %d", len(failed), orig.Totals.Failed)
	}

	// The detail page: errors by reason and the pace.
	_, page := b.get(fmt.Sprintf("/campaigns/%d", orig.ID))
	d := doc(t, page)
	row := d.Find(`[data-testid="failures"] [data-testid="failure"]`).First()
	if !strings.Contains(row.Text(), "12006") || !strings.Contains(row.Text(), strconv.FormatInt(orig.Totals.Failed, 10)) {
		t.Errorf("errors by reason: %q", d.Find(`[data-testid="failures"]`).Text())
	}
	if !strings.Contains(d.Find(`[data-testid="done"]`).Text(), "1,200") || d.Find(`[data-testid="rate"]`).Length() != 1 {
		t.Errorf("pace: %q", d.Find(`[data-testid="pace"]`).Text())
	}
	if d.Find(`[data-testid="action-resend-failed"]`).Length() != 1 {
		t.Error("no resend button on a finished campaign with failures")
	}

	// API: 201 with the follow-up draft.
	resp, out = app.apiDo(http.MethodPost, path+"/resend-failed", key, "", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("resend: %d %s", resp.StatusCode, out)
	}
	next := decodeCampaign(t, out)
	if next.Status != "draft" || next.Audience.Kind != "cid" || !slices.Equal(sorted(next.Audience.Values), sorted(failed)) {
		t.Errorf("follow-up audience %s %d values, want the %d failed", next.Audience.Kind, len(next.Audience.Values), len(failed))
	}
	if string(next.Message) != string(orig.Message) || next.Options != orig.Options || next.ScheduleAt != nil {
		t.Errorf("follow-up message/options differ:\n%s\n%s\n%+v %+v", next.Message, orig.Message, next.Options, orig.Options)
	}
	// Page: the same, named in the operator's language, and redirected to it.
	resp, _ = b.post(fmt.Sprintf("/campaigns/%d/resend-failed", orig.ID), nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/campaigns/") {
		t.Fatalf("page resend: %d", resp.StatusCode)
	}
	pageID, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/campaigns/"), 10, 64)
	pc, err := app.store.CampaignByID(t.Context(), pageID)
	if err != nil || pc.ID == next.ID || pc.Name != "MX sale (resend to failed)" || len(pc.Audience.Values) != len(failed) {
		t.Errorf("page follow-up %d %q (%v)", pc.ID, pc.Name, err)
	}
	// The follow-up sends cleanly now that the provider accepts.
	npath := fmt.Sprintf("/api/v1/campaigns/%d", next.ID)
	if resp, out = app.apiDo(http.MethodPost, npath+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send follow-up: %d %s", resp.StatusCode, out)
	}
	eventually(t, 15*time.Second, "follow-up completed", func() bool {
		_, out = app.apiDo(http.MethodGet, npath, key, "", nil)
		return strings.Contains(out, `"status":"completed"`)
	})
	if got := decodeCampaign(t, out).Totals; got.Accepted != int64(len(failed)) || got.Failed != 0 {
		t.Errorf("follow-up totals %+v", got)
	}
	// Nothing failed in the follow-up: 422, and no button.
	resp, out = app.apiDo(http.MethodPost, npath+"/resend-failed", key, "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out, "no_failed_recipients") {
		t.Errorf("resend without failures: %d %s", resp.StatusCode, out)
	}
	resp, _ = b.post(fmt.Sprintf("/campaigns/%d/resend-failed", next.ID), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/campaigns/%d", next.ID) {
		t.Errorf("page resend without failures: %d", resp.StatusCode)
	}
	if resp, _ = app.apiDo(http.MethodPost, "/api/v1/campaigns/999999/resend-failed", key, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestDuplicateCampaign: page and API copies are new drafts with the same
// audience, message and options, without the schedule.
func TestDuplicateCampaign(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	form := composerForm("sandbox", "1", map[string]string{"name": "Launch", "big_text": "Longer", "ttl_seconds": "600",
		"schedule_at": "2040-05-01T08:00", "timezone": "Europe/Paris", "audience_values": "sandbox-0000001\nsandbox-0000002"})
	resp, _ := b.post("/campaigns", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	src, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/campaigns/"), 10, 64)

	resp, _ = b.post(loc+"/duplicate", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/edit") {
		t.Fatalf("page duplicate: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := b.get(resp.Header.Get("Location"))
	d := doc(t, body)
	if fieldValue(d, "name") != "Copy of Launch" || fieldValue(d, "big_text") != "Longer" || fieldValue(d, "schedule_at") != "" ||
		fieldValue(d, "timezone") != "Europe/Paris" || fieldValue(d, "audience_values") != "sandbox-0000001\nsandbox-0000002" {
		t.Errorf("copy in the composer: %q %q %q %q", fieldValue(d, "name"), fieldValue(d, "big_text"), fieldValue(d, "schedule_at"), fieldValue(d, "timezone"))
	}

	resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/duplicate", src), key, "", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("api duplicate: %d %s", resp.StatusCode, out)
	}
	cp := decodeCampaign(t, out)
	_, out = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", src), key, "", nil)
	orig := decodeCampaign(t, out)
	if cp.ID == orig.ID || cp.Name != "Copy of Launch" || cp.Status != "draft" || cp.ScheduleAt != nil ||
		string(cp.Message) != string(orig.Message) || cp.Options != orig.Options || !slices.Equal(cp.Audience.Values, orig.Audience.Values) {
		t.Errorf("api copy %+v of %+v", cp, orig)
	}
	resp, out = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/duplicate", src), key, `{"name":"Launch B"}`, nil)
	if resp.StatusCode != http.StatusCreated || decodeCampaign(t, out).Name != "Launch B" {
		t.Errorf("named copy: %d %s", resp.StatusCode, out)
	}
	if resp, _ = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/duplicate", src), key, `{"name":""}`, nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty name: %d", resp.StatusCode)
	}
	if resp, _ = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/duplicate", src), key, `{"nom":"x"}`, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
}

// TestCampaignPatchAPI: a merge patch updates a draft, is validated whole,
// and is refused once the campaign left draft.
func TestCampaignPatchAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, `{"name":"P","provider_id":1,"audience":{"kind":"cid","values":["sandbox-0000001"]},
		"message":{"type":"notification","title":"Hi","body":"Now","ext":{"a":1}},"options":{"speed":10},"schedule_at":"2040-01-01T00:00:00Z"}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	c := decodeCampaign(t, out)
	path := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)
	tests := []struct {
		name   string
		body   string
		status int
		check  func(apiCampaignBody) bool
	}{
		{"merge title", `{"message":{"title":"New"}}`, 200, func(c apiCampaignBody) bool {
			return strings.Contains(string(c.Message), `"title":"New"`) && strings.Contains(string(c.Message), `"body":"Now"`) && c.Options.Speed == 10
		}},
		{"replace audience", `{"audience":{"kind":"cid","values":["sandbox-0000002","sandbox-0000003"]}}`, 200, func(c apiCampaignBody) bool {
			return slices.Equal(c.Audience.Values, []string{"sandbox-0000002", "sandbox-0000003"})
		}},
		{"null clears schedule", `{"schedule_at":null,"options":{"error_threshold":100}}`, 200, func(c apiCampaignBody) bool {
			return c.ScheduleAt == nil && c.Options.ErrorThreshold == 100 && c.Options.Speed == 10
		}},
		{"invalid title", `{"message":{"title":"` + strings.Repeat("t", 51) + `"}}`, 422, nil},
		{"unsupported field for the kind", `{"message":{"wecom":{"safe":true}}}`, 422, nil},
		{"unknown field", `{"message":{"colour":"red"}}`, 400, nil},
		{"not an object", `[1]`, 400, nil},
		{"malformed", `{"name":`, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := app.apiDo(http.MethodPatch, path, key, tc.body, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, out)
			}
			if tc.check != nil && !tc.check(decodeCampaign(t, out)) {
				t.Errorf("not applied: %s", out)
			}
		})
	}
	_, out = app.apiDo(http.MethodGet, path, key, "", nil)
	if strings.Contains(out, strings.Repeat("t", 51)) {
		t.Error("a refused patch was stored")
	}
	if resp, out = app.apiDo(http.MethodPost, path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	if resp, out = app.apiDo(http.MethodPatch, path, key, `{"name":"late"}`, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("patch a sent campaign: %d %s", resp.StatusCode, out)
	}
	if resp, _ = app.apiDo(http.MethodPatch, "/api/v1/campaigns/999999", key, `{}`, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("patch unknown: %d", resp.StatusCode)
	}
}

// TestScheduleTimeZone: the schedule and show window are typed in the
// chosen zone, stored in UTC, and shown in both.
func TestScheduleTimeZone(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	tests := []struct {
		zone, typed string
		utc         time.Time
	}{
		{"Asia/Shanghai", "2040-01-02T09:30", time.Date(2040, 1, 2, 1, 30, 0, 0, time.UTC)},
		{"America/New_York", "2040-07-04T12:00", time.Date(2040, 7, 4, 16, 0, 0, 0, time.UTC)},  // EDT, UTC-4
		{"America/New_York", "2040-12-04T12:00", time.Date(2040, 12, 4, 17, 0, 0, 0, time.UTC)}, // EST, UTC-5
		{"UTC", "2040-03-01T00:00", time.Date(2040, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.zone+" "+tc.typed, func(t *testing.T) {
			form := composerForm("sandbox", "1", map[string]string{"schedule_at": tc.typed, "timezone": tc.zone,
				"show_begin": tc.typed, "show_end": tc.typed[:11] + "23:59"})
			resp, body := b.post("/campaigns", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d: %s", resp.StatusCode, doc(t, body).Find(".field-error").Text())
			}
			loc := resp.Header.Get("Location")
			id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/campaigns/"), 10, 64)
			cm, err := app.store.CampaignByID(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if cm.ScheduleAt == nil || !cm.ScheduleAt.Equal(tc.utc) {
				t.Fatalf("stored %v, want %v", cm.ScheduleAt, tc.utc)
			}
			dr, _ := draft.Of(cm)
			wantZone := tc.zone
			if wantZone == "UTC" {
				wantZone = "" // UTC is the default and is not stored
			}
			if !dr.Message.ShowBegin.Equal(tc.utc) || dr.Options.Timezone != wantZone {
				t.Errorf("show begin %v zone %q", dr.Message.ShowBegin, dr.Options.Timezone)
			}
			_, body = b.get(loc)
			d := doc(t, body)
			if got := d.Find(`[data-testid="schedule-utc"]`).Text(); got != tc.utc.Format("2006-01-02 15:04")+" UTC" {
				t.Errorf("UTC shown %q", got)
			}
			local := d.Find(`[data-testid="schedule-local"]`).Text()
			if tc.zone != "UTC" && local != strings.Replace(tc.typed, "T", " ", 1)+" ("+tc.zone+")" {
				t.Errorf("local shown %q", local)
			}
			_, body = b.get(loc + "/edit")
			d = doc(t, body)
			if fieldValue(d, "schedule_at") != tc.typed || fieldValue(d, "timezone") != tc.zone || fieldValue(d, "show_begin") != tc.typed {
				t.Errorf("edit shows %q in %q", fieldValue(d, "schedule_at"), fieldValue(d, "timezone"))
			}
			// Send schedules it (it is in the future), in UTC.
			if resp, _ := b.post(loc+"/send", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("send: %d", resp.StatusCode)
			}
			if cm, _ = app.store.CampaignByID(t.Context(), id); cm.Status != models.StatusScheduled {
				t.Errorf("status %s, want scheduled", cm.Status)
			}
		})
	}
}

// TestWeComIntervalAPIInSeconds: the API's duplicate_check_interval is in
// seconds both ways, as WeCom writes it, and over 4 hours is refused on
// that field.
func TestWeComIntervalAPIInSeconds(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	id := app.account("wecom", "", testCreds["wecom"])
	body := func(secs int) string {
		return fmt.Sprintf(`{"name":"W","provider_id":%d,"audience":{"kind":"cid","values":["zhangsan"]},
		"message":{"type":"text","body":"Hello","wecom":{"enable_duplicate_check":true,"duplicate_check_interval":%d}}}`, id, secs)
	}
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body(600), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	if !strings.Contains(out, `"duplicate_check_interval":600`) {
		t.Errorf("the interval does not come back as 600 seconds: %s", out)
	}
	c := decodeCampaign(t, out)
	resp, out = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(out, `"duplicate_check_interval":600`) {
		t.Errorf("read back: %d %s", resp.StatusCode, out)
	}
	resp, out = app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body(14401), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out, "duplicate_check_interval") {
		t.Errorf("over 4 h: %d %s", resp.StatusCode, out)
	}
}
