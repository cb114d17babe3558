package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// campaignRetryBody is the part of GET /api/v1/campaigns/{id} about
// batches waiting for another attempt.
type campaignRetryBody struct {
	Status     string `json:"status"`
	Reason     string `json:"status_reason"`
	ReasonCode string `json:"status_reason_code"`
	Retrying   *int64 `json:"retrying"`
	Error      *struct {
		Code    string     `json:"code"`
		Message string     `json:"message"`
		At      *time.Time `json:"at"`
	} `json:"error"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
}

// createAndSend creates a three-recipient campaign on the account through
// the API, sends it and returns its API path.
func createAndSend(t *testing.T, app *testApp, key string, acct int64) string {
	t.Helper()
	body := fmt.Sprintf(`{"name": "c", "provider_id": %d, "audience": {"kind": "cid", "values": ["tok-a", "tok-b", "tok-c"]},
		"message": {"type": "notification", "title": "Hi", "body": "Now"}}`, acct)
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d", decodeCampaign(t, out).ID)
	if resp, out := app.apiDo(http.MethodPost, path+"/send", key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	return path
}

// TestRetriesVisibleWhileProviderFails: while the provider turns a batch
// away, the API answers how many batches are retrying, the provider's last
// error and the next attempt, and the campaign page shows them instead of
// waiting for a report; once the batch goes through, all of it is gone.
func TestRetriesVisibleWhileProviderFails(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	fake := mxfake.New(t)
	// Two refusals, each asking for a second's wait: about two seconds
	// of retrying.
	fake.ThrottleNext(2, time.Second)
	acct := app.account("mxpush", fake.URL(), string(fake.Credentials()))
	path := createAndSend(t, app, key, acct)

	var got campaignRetryBody
	var raw string
	eventually(t, 10*time.Second, "retrying batches in the API", func() bool {
		_, raw = app.apiDo(http.MethodGet, path, key, "", nil)
		got = campaignRetryBody{}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		return got.Retrying != nil
	})
	if *got.Retrying != 1 || got.Error == nil || !strings.Contains(got.Error.Code, "429") || got.Error.At == nil || got.NextAttemptAt == nil || !got.NextAttemptAt.After(*got.Error.At) {
		t.Fatalf("while retrying: %s", raw)
	}
	_, page := b.get(strings.TrimPrefix(path, "/api/v1"))
	d := doc(t, page)
	block := d.Find(`[data-testid="retrying"]`)
	if block.Length() != 1 || strings.TrimSpace(block.Find(`[data-testid="retrying-batches"]`).Text()) != "1" ||
		!strings.Contains(block.Find(`[data-testid="retrying-error"]`).Text(), "429") || block.Find(`[data-testid="retrying-next"]`).Length() != 1 {
		t.Errorf("campaign page while retrying: %q", block.Text())
	}
	if strings.Contains(page, "Waiting for the provider") {
		t.Error("the page says it waits for a report while the provider turns the batch away")
	}
	// The provider page: the account is failing, with the batch it is
	// retrying and the provider's error.
	health := func() (state, retrying, lastErr string) {
		_, page := b.get("/providers")
		row := doc(t, page).Find(fmt.Sprintf(`[data-testid="provider-row"][data-id="%d"]`, acct))
		return row.Find(`[data-testid="provider-health"]`).AttrOr("data-health", ""),
			strings.TrimSpace(row.Find(`[data-testid="health-retrying"]`).Text()), row.Find(`[data-testid="last-error"]`).Text()
	}
	if state, retrying, lastErr := health(); state != "failing" || !strings.HasSuffix(retrying, ": 1") || !strings.Contains(lastErr, "429") {
		t.Errorf("provider page while retrying: health %q, %q, last error %q", state, retrying, lastErr)
	}
	_, raw = app.apiDo(http.MethodGet, "/api/v1/providers", key, "", nil)
	if !regexp.MustCompile(`"last_error":"[^"]*429[^"]*","last_error_at":"20`).MatchString(raw) {
		t.Errorf("providers API while retrying: %s", raw)
	}

	eventually(t, 15*time.Second, "completed", func() bool {
		_, raw = app.apiDo(http.MethodGet, path, key, "", nil)
		return strings.Contains(raw, `"status":"completed"`)
	})
	for _, field := range []string{`"retrying"`, `"error"`, `"next_attempt_at"`} {
		if strings.Contains(raw, field) {
			t.Errorf("after completion the campaign still has %s: %s", field, raw)
		}
	}
	_, page = b.get(strings.TrimPrefix(path, "/api/v1"))
	if d := doc(t, page); d.Find(`[data-testid="retrying"]`).Length() != 0 {
		t.Error("the page still shows retrying batches after completion")
	}
	if state, retrying, _ := health(); state != "ok" || retrying != "" {
		t.Errorf("provider page after the batch went through: health %q, retrying %q", state, retrying)
	}
}

// TestNothingDeliveredEndsFailed: a campaign the provider refuses
// entirely ends failed, with the reason in the API (English, with a code)
// and on the page (in the operator's language), never under a green badge.
func TestNothingDeliveredEndsFailed(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	key := app.apiKey(models.RoleOperator)
	fake := mxfake.New(t)
	fake.FailNextCode(100, 12006, "push not enabled")
	acct := app.account("mxpush", fake.URL(), string(fake.Credentials()))
	path := createAndSend(t, app, key, acct)
	var got campaignRetryBody
	eventually(t, 10*time.Second, "the end", func() bool {
		_, raw := app.apiDo(http.MethodGet, path, key, "", nil)
		got = campaignRetryBody{}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		return got.Status == "failed" || got.Status == "completed"
	})
	if got.Status != "failed" || got.ReasonCode != models.ReasonNoDelivery || !strings.Contains(got.Reason, "12006") {
		t.Fatalf("ended %+v, want failed (no_delivery) naming 12006", got)
	}
	_, page := b.get(strings.TrimPrefix(path, "/api/v1"))
	d := doc(t, page)
	reason := d.Find(`[data-testid="status-reason"]`).Text()
	if !strings.Contains(reason, "No recipient could be delivered: 3 of 3 failed.") || !strings.Contains(reason, "12006 push not enabled") {
		t.Errorf("reason on the page: %q", reason)
	}
	if badge := d.Find(`#progress [data-testid="status"]`); !badge.HasClass("badge-failed") {
		t.Errorf("badge %q, want the failed badge", badge.AttrOr("class", ""))
	}
}
