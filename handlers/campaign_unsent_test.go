package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestCancelledRecipientsAreUnsent: recipients a cancel left unsent are
// shown apart from the failed, "resend to failed" does not offer them, and
// a separate button drafts a campaign for exactly them.
func TestCancelledRecipientsAreUnsent(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	cids := make([]string, 1200)
	for i := range cids {
		cids[i] = fmt.Sprintf("dev-%04d", i)
	}
	// One message a second: the cancel comes long before the end.
	body, _ := json.Marshal(map[string]any{"name": "Slow", "provider_id": app.sandboxID(),
		"audience": map[string]any{"kind": "cid", "values": cids},
		"message":  map[string]any{"type": "notification", "title": "Hi", "body": "Now"},
		"options":  map[string]any{"speed": 1}})
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, string(body), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	c := decodeCampaign(t, out)
	path := fmt.Sprintf("/campaigns/%d", c.ID)
	if resp, out = app.apiDo(http.MethodPost, "/api/v1"+path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	eventually(t, 10*time.Second, "planned", func() bool {
		cm, err := app.store.CampaignHead(t.Context(), c.ID)
		return err == nil && cm.Planned
	})
	if resp, out = app.apiDo(http.MethodPost, "/api/v1"+path+"/cancel", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d %s", resp.StatusCode, out)
	}
	cm, err := app.store.CampaignHead(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	unsent := cm.Failed
	if unsent == 0 {
		t.Fatal("the cancel left nobody unsent; the test needs a slower send")
	}
	_, page := b.get(path)
	d := doc(t, page)
	if got := d.Find(`[data-testid="total-unsent"] .figure-value`).Text(); got != num(unsent) {
		t.Errorf("unsent figure %q, want %d", got, unsent)
	}
	if got := d.Find(`[data-testid="total-failed"] .figure-value`).Text(); got != "0" {
		t.Errorf("failed figure %q, want 0 (the unsent are not failures)", got)
	}
	if d.Find(`[data-testid="action-resend-failed"]`).Length() != 0 {
		t.Error("resend to failed is offered with no failure")
	}
	btn := d.Find(`[data-testid="action-resend-failed-unsent"]`)
	if btn.Length() != 1 || !strings.Contains(btn.Text(), num(unsent)) {
		t.Fatalf("no separate button for the %d unsent: %q", unsent, btn.Text())
	}
	resp, _ = b.post(path+"/resend-failed", url.Values{"recipients": {"unsent"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc == path {
		t.Fatalf("resend unsent: %d to %q", resp.StatusCode, loc)
	}
	_, out = app.apiDo(http.MethodGet, "/api/v1"+loc, key, "", nil)
	var draft struct {
		Audience struct {
			Kind  string `json:"kind"`
			Count int64  `json:"count"`
		} `json:"audience"`
	}
	if err := json.Unmarshal([]byte(out), &draft); err != nil {
		t.Fatal(err)
	}
	if draft.Audience.Kind != "cid" || draft.Audience.Count != unsent {
		t.Errorf("follow-up audience %+v, want %d cids", draft.Audience, unsent)
	}
}
