package dispatch

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/mxpush"
)

// keyedProvider issues its own de-duplication keys (providers.KeyIssuer)
// and loses the answer of every batch's first push: the retry must carry
// the key the batch got before its first attempt.
type keyedProvider struct {
	mu     sync.Mutex
	issued int
	sends  map[string][]string // request id → the key of each attempt
}

func (p *keyedProvider) Kind() providers.Kind { return "keyed" }

func (p *keyedProvider) Capabilities() providers.Capabilities {
	caps := mxpush.Capabilities()
	caps.Idempotency, caps.DedupeWindow = providers.IdempotencyDedupeWindow, 20*time.Hour
	return caps
}

func (p *keyedProvider) Verify(context.Context) error { return nil }

func (p *keyedProvider) IssueKey(context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.issued++
	if p.issued == 2 {
		return "", &providers.Error{Class: providers.Retry, Code: "busy", Msg: "try again"}
	}
	return fmt.Sprintf("key-%d", p.issued), nil
}

func (p *keyedProvider) Send(_ context.Context, req providers.SendRequest) (providers.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends[req.RequestID] = append(p.sends[req.RequestID], req.Key)
	if len(p.sends[req.RequestID]) == 1 {
		return providers.Result{}, &providers.Error{Class: providers.Retry, Code: "http_502", Msg: "answer lost"}
	}
	return providers.Result{TaskID: "task-" + req.Key}, nil
}

// TestIssuedKeyKeptWithTheBatch: every attempt of a batch carries the key
// it got before its first attempt, the key is stored with the batch, and a
// failed issue is retried like a failed attempt.
func TestIssuedKeyKeptWithTheBatch(t *testing.T) {
	h := newHarness(t, Config{Workers: 2})
	acct := h.account("mxpush", "http://127.0.0.1:9", []byte(`{"app_id":"a","access_token":"t"}`))
	cl, err := h.engine.clients.entry(context.Background(), acct)
	if err != nil {
		t.Fatal(err)
	}
	p := &keyedProvider{sends: map[string][]string{}}
	cl.p = p
	c := h.campaign(acct, providers.TypeNotification, models.Audience{Kind: "cid", Values: cids(1200)}, draft.Options{})
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 10*time.Second, models.StatusCompleted)
	h.checkInvariants(c, 1200)
	var rows []struct {
		RequestID   string
		ProviderKey string
	}
	if err := h.store.DB().Raw(`SELECT request_id, provider_key FROM batches WHERE campaign_id = ?`, c.ID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(rows) != 3 || len(p.sends) != 3 {
		t.Fatalf("%d batches, %d sent", len(rows), len(p.sends))
	}
	keys := map[string]bool{}
	for _, r := range rows {
		attempts := p.sends[r.RequestID]
		if len(attempts) != 2 || r.ProviderKey == "" || attempts[0] != r.ProviderKey || attempts[1] != r.ProviderKey {
			t.Errorf("batch %s stored key %q, sent with %v", r.RequestID, r.ProviderKey, attempts)
		}
		if keys[r.ProviderKey] {
			t.Errorf("key %s given to two batches", r.ProviderKey)
		}
		keys[r.ProviderKey] = true
	}
	if p.issued != 4 {
		t.Errorf("%d keys issued, want 4 (3 batches and one failed issue)", p.issued)
	}
}
