package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch"
)

// TestWebhookJourney: an admin adds a webhook endpoint in Settings, sees
// its secret once, sends a test event and sees it delivered in the log;
// the receiver checks the signature with the secret the page showed.
func TestWebhookJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	srv.adminAndKey(adminEmail, adminPassword)
	srv.start()

	var mu sync.Mutex
	var secret string
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		sig := r.Header.Get(dispatch.HeaderWebhookSignature)
		ts, _, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",")
		unix, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || sig != dispatch.SignWebhook(secret, time.Unix(unix, 0), body) {
			t.Errorf("signature %q does not verify with the secret the page showed", sig)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct{ ID, Type string }
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got = append(got, ev.Type)
	}))
	defer hook.Close()

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open("/settings/webhooks")
	b.fill("endpoint URL", `[data-testid="webhook-form"]`, map[string]string{"url": hook.URL + "/pushdeck"})
	b.click("subscribe to completed campaigns", `[data-testid="event-campaign.completed"]`)
	status := b.submit("add the endpoint", `[data-testid="webhook-create"]`)
	shown := strings.TrimSpace(b.text(`[data-testid="new-secret"]`))
	b.check("secret shown", status == http.StatusOK && strings.HasPrefix(shown, "whsec_"), "status %d, secret %q, page %q", status, shown, b.text(`main`))
	mu.Lock()
	secret = shown
	mu.Unlock()
	b.shot("webhook-created")

	b.open("/settings/webhooks")
	b.check("secret shown once", !strings.Contains(b.text(`main`), shown) && b.count(`[data-testid="webhook-row"]`) == 1,
		"the list page: %q", b.text(`main`))
	b.submit("open the endpoint", `[data-testid="webhook-url"]`)
	b.click("send a test event", `[data-testid="webhook-test"]`)
	b.waitText("the test event is delivered", `[data-testid="webhook-delivery"] [data-testid="delivery-state"]`, "delivered", 15*time.Second)
	b.check("answer logged", strings.TrimSpace(b.text(`[data-testid="webhook-delivery"] [data-testid="delivery-status"]`)) == "200",
		"log %q", b.text(`[data-testid="webhook-log"]`))
	b.shot("webhook-log")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "webhook.test" {
		t.Errorf("the receiver got %v, want one webhook.test", got)
	}
}
