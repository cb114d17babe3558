package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// TestProviderOutageJourney: an operator whose provider is down sees it
// while the engine rides it out: the campaign page shows the batch that
// is retrying, the provider's error and the next attempt (in English and
// in Chinese) instead of waiting for a report, the API answers the same,
// and the providers page marks the account failing.
func TestProviderOutageJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	admin := srv.cli("apikey", "create", "--name", "e2e-admin", "--role", "admin")
	fake := mxfake.New(t)
	fake.FailNext(1<<30, http.StatusBadGateway)
	srv.start()

	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "MX push", "kind": "mxpush", "base_url": fake.URL(), "credentials": json.RawMessage(fake.Credentials())}
	if code := srv.api(http.MethodPost, "/api/v1/providers", admin, body, &acct); code != http.StatusCreated {
		t.Fatalf("create the MX push account: %d", code)
	}
	var c struct {
		ID int64 `json:"id"`
	}
	body = map[string]any{"name": "Outage", "provider_id": acct.ID, "audience": map[string]any{"kind": "cid", "values": []string{"tok-1", "tok-2", "tok-3"}},
		"message": map[string]any{"type": "notification", "title": "Hello", "body": "Is anyone there?"}}
	if code := srv.api(http.MethodPost, "/api/v1/campaigns", key, body, &c); code != http.StatusCreated {
		t.Fatalf("create the campaign: %d", code)
	}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open(fmt.Sprintf("/campaigns/%d", c.ID))
	b.waitFor("the retrying batch appears", `document.querySelector('[data-testid="retrying"]') !== null`, 20*time.Second)
	b.check("one batch retrying", strings.TrimSpace(b.text(`[data-testid="retrying-batches"]`)) == "1", "batches %q", b.text(`[data-testid="retrying-batches"]`))
	b.check("the provider's error", strings.Contains(b.text(`[data-testid="retrying-error"]`), "502"), "error %q", b.text(`[data-testid="retrying-error"]`))
	b.check("the next attempt", b.text(`[data-testid="retrying-next"]`) != "", "no next attempt shown")
	b.check("no wait for a report", !strings.Contains(b.text(`[data-testid="progress"]`), catalog(t).Localizer("en").T("figures.waiting")),
		"progress %q", b.text(`[data-testid="progress"]`))
	b.shot("campaign-retrying")

	var got struct {
		Retrying int64 `json:"retrying"`
		Error    *struct {
			Code string `json:"code"`
		} `json:"error"`
		NextAttemptAt *time.Time `json:"next_attempt_at"`
	}
	srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, nil, &got)
	b.check("the API says so too", got.Retrying == 1 && got.Error != nil && strings.Contains(got.Error.Code, "502") && got.NextAttemptAt != nil,
		"retrying %d, error %+v, next %v", got.Retrying, got.Error, got.NextAttemptAt)

	b.open("/providers")
	row := fmt.Sprintf(`[data-testid="provider-row"][data-id="%d"]`, acct.ID)
	health := eval[string](b, "health state", fmt.Sprintf(`document.querySelector(%s).getAttribute("data-health")`, jsString(row+` [data-testid="provider-health"]`)))
	b.check("the account is failing", health == "failing", "health %q", health)
	b.check("its retrying batch", strings.HasSuffix(strings.TrimSpace(b.text(row+` [data-testid="health-retrying"]`)), ": 1"), "retrying %q", b.text(row+` [data-testid="health-retrying"]`))
	b.check("its last error", strings.Contains(b.text(row+` [data-testid="last-error"]`), "502"), "last error %q", b.text(row+` [data-testid="last-error"]`))
	b.shot("providers-failing")

	zh := catalog(t).Localizer("zh-Hans")
	b.open("/settings")
	b.fill("choose Chinese", `[data-testid="language-form"]`, map[string]string{"locale": "zh-Hans"})
	b.submit("save the language", `[data-testid="language-submit"]`)
	b.open(fmt.Sprintf("/campaigns/%d", c.ID))
	b.check("retrying in Chinese", strings.Contains(b.text(`[data-testid="retrying"]`), zh.T("retry.title")), "retrying %q", b.text(`[data-testid="retrying"]`))
	b.shot("campaign-retrying-zh")
}
