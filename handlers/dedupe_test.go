package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// TestDuplicateCheckAPI: options.duplicate_check is absent (on) unless the
// body turns it off, reads back as sent, and a non-boolean is refused
// without writing anything.
func TestDuplicateCheckAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	id := app.account("wecom", "", testCreds["wecom"])
	body := func(options string) string {
		return fmt.Sprintf(`{"name":"W","provider_id":%d,"audience":{"kind":"cid","values":["zhangsan"]},
		"message":{"type":"text","body":"Hello"},"options":%s}`, id, options)
	}
	for _, tc := range []struct {
		name, options string
		status        int
		want          string // in the answer; "" when the key must be absent
	}{
		{"default", `{}`, http.StatusCreated, ""},
		{"off", `{"duplicate_check":false}`, http.StatusCreated, `"duplicate_check":false`},
		{"on", `{"duplicate_check":true}`, http.StatusCreated, `"duplicate_check":true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body(tc.options), nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("create: %d %s", resp.StatusCode, out)
			}
			c := decodeCampaign(t, out)
			resp, out = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("read back: %d %s", resp.StatusCode, out)
			}
			if tc.want == "" && strings.Contains(out, "duplicate_check\"") || tc.want != "" && !strings.Contains(out, tc.want) {
				t.Errorf("read back %s, want %q", out, tc.want)
			}
		})
	}
	before, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body(`{"duplicate_check":"no"}`), nil)
	if resp.StatusCode/100 != 4 || !strings.Contains(out, "duplicate_check") {
		t.Errorf("a string for duplicate_check: %d %s", resp.StatusCode, out)
	}
	if after, _, _ := app.store.ListCampaigns(t.Context(), models.CampaignFilter{}); len(after) != len(before) {
		t.Errorf("a refused body wrote a campaign")
	}
}

// TestDuplicateCheckForm: the composer shows the duplicate check ticked
// with its note for a new campaign; unticked (with the WeCom options
// shown) it is stored off and the detail page says retries may duplicate;
// a form without the WeCom options leaves the default.
func TestDuplicateCheckForm(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	ids := app.accounts()
	_, page := b.get("/campaigns/new")
	d := doc(t, page)
	if d.Find(`input[name="wecom_dup_check"][checked]`).Length() != 1 || d.Find(`[data-testid="dup-check-note"]`).Length() != 1 {
		t.Fatal("new campaign: the duplicate check is not ticked, or its note is missing")
	}
	for _, tc := range []struct {
		name string
		kind string
		over map[string]string
		off  bool
	}{
		{"ticked", "wecom", map[string]string{"dup_check_shown": "1", "wecom_dup_check": "1"}, false},
		{"unticked", "wecom", map[string]string{"dup_check_shown": "1"}, true},
		{"not shown", "mxpush", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/campaigns", composerForm(tc.kind, ids[tc.kind], tc.over))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d: %s", resp.StatusCode, doc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
			}
			loc := resp.Header.Get("Location")
			id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
			if err != nil {
				t.Fatalf("location %q", loc)
			}
			c, err := app.store.CampaignByID(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			dr, err := draft.Of(c)
			if err != nil {
				t.Fatal(err)
			}
			if dr.Options.DuplicateCheckOn() == tc.off {
				t.Errorf("stored duplicate check on=%v, want %v", dr.Options.DuplicateCheckOn(), !tc.off)
			}
			_, page := b.get(loc)
			if got := strings.Contains(page, "retries may deliver the message twice"); got != tc.off {
				t.Errorf("detail page says retries may duplicate: %v, want %v", got, tc.off)
			}
			_, page = b.get(loc + "/edit")
			if checked := doc(t, page).Find(`input[name="wecom_dup_check"][checked]`).Length() == 1; checked == tc.off {
				t.Errorf("edit form ticks the check: %v, want %v", checked, !tc.off)
			}
		})
	}
}
