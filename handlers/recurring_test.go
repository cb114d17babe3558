package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/recurring"
)

func TestRecurringAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	body := func(repeat string) string {
		return fmt.Sprintf(`{"name":"Daily digest","provider_id":%d,"audience":{"kind":"cid","values":["sandbox-0000001"]},
			"message":{"type":"notification","title":"Hi","body":"Digest"},"repeat":%s}`, app.sandboxID(), repeat)
	}
	t.Run("refused", func(t *testing.T) {
		cases := []struct{ name, repeat, field string }{
			{"no rule", `{}`, "repeat.every"},
			{"bad time", `{"every":"daily","at":"9am"}`, "repeat.at"},
			{"bad zone", `{"every":"daily","at":"09:00","timezone":"Nowhere/City"}`, "repeat.timezone"},
			{"too often", `{"every":"cron","cron":"* * * * *"}`, "repeat.cron"},
			{"past end", `{"every":"daily","at":"09:00","until":"2001-01-01T00:00:00Z"}`, "repeat.until"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, b := app.apiDo(http.MethodPost, "/api/v1/recurring", key, body(tc.repeat), nil)
				if f := apiFields(t, resp, b); f[tc.field] == nil {
					t.Errorf("fields %v, want %s", f, tc.field)
				}
			})
		}
		resp, b := app.apiDo(http.MethodPost, "/api/v1/recurring", key, `{"name":"x","repeat":{"every":"daily"},"extra":1}`, nil)
		apiJSON(t, resp, b, http.StatusBadRequest)
		if rs, _ := app.store.ListRecurring(t.Context(), 0, 10); len(rs) != 0 {
			t.Errorf("refused requests stored %d definitions", len(rs))
		}
	})

	resp, b := app.apiDo(http.MethodPost, "/api/v1/recurring", key, body(`{"every":"weekly","days":["mon","thu"],"at":"08:15","timezone":"Europe/Berlin","count":4}`), nil)
	created := apiJSON(t, resp, b, http.StatusCreated)
	id := int64(created["id"].(float64))
	if created["status"] != "active" || created["next_run_at"] == nil {
		t.Fatalf("created %s", b)
	}
	resp, b = app.apiDo(http.MethodGet, "/api/v1/recurring", key, "", nil)
	if list := apiJSON(t, resp, b, http.StatusOK); len(list["items"].([]any)) != 1 {
		t.Errorf("list %s", b)
	}
	path := fmt.Sprintf("/api/v1/recurring/%d", id)
	resp, b = app.apiDo(http.MethodPost, path+"/pause", key, "", nil)
	if m := apiJSON(t, resp, b, http.StatusOK); m["status"] != "paused" {
		t.Errorf("paused: %s", b)
	}
	resp, b = app.apiDo(http.MethodPost, path+"/resume", key, "", nil)
	if m := apiJSON(t, resp, b, http.StatusOK); m["status"] != "active" || m["next_run_at"] == nil {
		t.Errorf("resumed: %s", b)
	}
	resp, b = app.apiDo(http.MethodPost, path+"/end", key, "", nil)
	if m := apiJSON(t, resp, b, http.StatusOK); m["status"] != "ended" || m["next_run_at"] != nil {
		t.Errorf("ended: %s", b)
	}
	resp, b = app.apiDo(http.MethodPost, path+"/resume", key, "", nil)
	apiJSON(t, resp, b, http.StatusConflict)
	viewer := app.apiKey(models.RoleViewer)
	resp, b = app.apiDo(http.MethodDelete, path, viewer, "", nil)
	apiJSON(t, resp, b, http.StatusForbidden)
	resp, b = app.apiDo(http.MethodDelete, path, key, "", nil)
	apiJSON(t, resp, b, http.StatusNoContent)
	resp, b = app.apiDo(http.MethodGet, path, key, "", nil)
	apiJSON(t, resp, b, http.StatusNotFound)
}

// TestRepeatDraftPage: a draft's Repeat form makes a definition whose page
// and the campaign list show its next run; a bad rule re-renders the form.
func TestRepeatDraftPage(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "correct horse battery")
	resp, _ := b.post("/campaigns", composerForm("sandbox", fmt.Sprint(app.sandboxID()), nil))
	draft := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || draft == "" {
		t.Fatalf("draft: %d", resp.StatusCode)
	}
	_, page := b.get(draft)
	if doc(t, page).Find(`[data-testid="action-repeat"]`).Length() != 1 {
		t.Fatal("a draft has no Repeat action")
	}
	_, form := b.get(draft + "/repeat")
	if doc(t, form).Find(`[data-testid="repeat-form"]`).Length() != 1 {
		t.Fatal("no repeat form")
	}
	resp, bad := b.post(draft+"/repeat", url.Values{"every": {"monthly"}, "at": {"09:00"}, "day": {"40"}, "timezone": {"Asia/Shanghai"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, bad).Find(`[data-testid="error-day"]`).Length() != 1 {
		t.Fatalf("bad day: %d", resp.StatusCode)
	}
	resp, _ = b.post(draft+"/repeat", url.Values{"every": {"daily"}, "at": {"09:30"}, "timezone": {"Asia/Shanghai"}, "count": {"2"}})
	def := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(def, "/recurring/") {
		t.Fatalf("repeat: %d %s", resp.StatusCode, def)
	}
	_, show := b.get(def)
	if next := doc(t, show).Find(`[data-testid="recurring-next"]`).Text(); !strings.Contains(next, "09:30 Asia/Shanghai") {
		t.Errorf("next run %q", next)
	}
	_, list := b.get("/campaigns")
	if doc(t, list).Find(`[data-testid="recurring-row"]`).Length() != 1 {
		t.Error("the campaign list has no recurring row")
	}
	resp, _ = b.post(def+"/pause", nil)
	_, show = b.get(resp.Header.Get("Location"))
	if doc(t, show).Find(`[data-testid="recurring-resume"]`).Length() != 1 {
		t.Error("a paused definition offers no Resume")
	}
}

// TestRecurringIDsExist: the ids the recurring pages build at run time are
// in every language.
func TestRecurringIDsExist(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range recurring.Weekdays() {
		ids = append(ids, recurring.DayID(d))
	}
	for _, k := range recurring.Kinds() {
		ids = append(ids, recurring.KindID(k), recurring.RuleID(k))
	}
	for _, s := range []string{models.RecurringActive, models.RecurringPaused, models.RecurringEnded} {
		ids = append(ids, recurring.StatusID(s))
	}
	for _, a := range []string{"create", "pause", "resume", "end", "delete"} {
		ids = append(ids, "flash.recurring_"+a)
	}
	for _, l := range i18n.Supported {
		loc := cat.Localizer(l.Tag)
		for _, id := range ids {
			if loc.T(id) == id {
				t.Errorf("%s: %s is not in the catalog", l.Tag, id)
			}
		}
	}
}
