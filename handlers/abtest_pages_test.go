package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// TestABStatsPage: an A/B campaign's statistics compare its variants; a
// test awaiting its winner offers the pick to operators, and the pick
// sends the winner to the rest.
func TestABStatsPage(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	op := app.apiKey(models.RoleOperator)
	values := make([]string, 400)
	for i := range values {
		values[i] = fmt.Sprintf("%q", fmt.Sprintf("sb-%04d", i))
	}
	body := fmt.Sprintf(`{"name":"ab","provider_id":%d,"audience":{"kind":"cid","values":[%s]},"variants":[%s,%s],
		"options":{"ab_test":{"sample_percent":50,"wait_seconds":1,"metric":"click","confirm":true}}}`,
		app.sandboxID(), strings.Join(values, ","), abVariant("A", 50, "Hi"), abVariant("B", 50, "Hello"))
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", op, body, nil)
	id := int64(apiJSON(t, resp, out, http.StatusCreated)["id"].(float64))
	if r, o := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), op, "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", r.StatusCode, o)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		cm, err := app.store.CampaignHead(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cm.ABPhase == models.ABChoose {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("phase %q status %s", cm.ABPhase, cm.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, page := b.get(fmt.Sprintf("/campaigns/%d/stats", id))
	d := doc(t, page)
	if d.Find(`[data-testid="variant-row"]`).Length() != 2 || d.Find(`[data-testid="pick-winner"]`).Length() != 2 ||
		strings.TrimSpace(d.Find(`[data-testid="variant-rate"]`).First().Text()) == "—" || strings.TrimSpace(d.Find(`[data-testid="variants-note"]`).Text()) == "" {
		t.Fatalf("variants: %s", d.Find(`[data-testid="variants"]`).Text())
	}
	resp, _ = b.post(fmt.Sprintf("/campaigns/%d/winner", id), url.Values{"variant": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pick: %d", resp.StatusCode)
	}
	resp, _ = b.post(fmt.Sprintf("/campaigns/%d/winner", id), url.Values{"variant": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second pick: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		cm, err := app.store.CampaignHead(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cm.Status == models.StatusCompleted {
			if cm.ABWinner == nil || *cm.ABWinner != 1 || cm.Recipients != 400 {
				t.Fatalf("winner %v, %d recipients", cm.ABWinner, cm.Recipients)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %s phase %q", cm.Status, cm.ABPhase)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, page = b.get(fmt.Sprintf("/campaigns/%d", id))
	if d = doc(t, page); d.Find(`[data-testid="ab-summary-variant"]`).Length() != 2 || d.Find(`[data-testid="ab-phase"]`).Length() != 1 {
		t.Fatalf("campaign page: %s", d.Find(`[data-testid="ab-summary"]`).Text())
	}
	_, page = b.get(fmt.Sprintf("/campaigns/%d/stats", id))
	d = doc(t, page)
	if d.Find(`[data-testid="variant-winner"]`).Length() != 1 || d.Find(`[data-testid="pick-winner"]`).Length() != 0 {
		t.Fatalf("after the pick: %s", d.Find(`[data-testid="variants"]`).Text())
	}
}
