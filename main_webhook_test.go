package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

// hookReceiver is a real webhook endpoint: it checks each signature,
// answers slowly (so kills land mid-delivery) and records what came.
type hookReceiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    map[string]models.WebhookBody // by event id
	posts  int
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	var t int64
	if _, err := fmt.Sscanf(req.Header.Get(dispatch.HeaderWebhookSignature), "t=%d,", &t); err != nil ||
		req.Header.Get(dispatch.HeaderWebhookSignature) != dispatch.SignWebhook(secret, time.Unix(t, 0), body) {
		r.t.Errorf("bad signature %q", req.Header.Get(dispatch.HeaderWebhookSignature))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var b models.WebhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		r.t.Errorf("body %s: %v", body, err)
		return
	}
	time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond)
	r.mu.Lock()
	r.got[b.ID] = b
	r.posts++
	r.mu.Unlock()
}

// TestKill9LosesNoWebhookEvent kills the real binary with SIGKILL several
// times while campaigns end (their campaign.completed events are written
// by the binary, in the transaction that ends them) and test events are
// being delivered; after a restart every event reaches the receiver at
// least once.
func TestKill9LosesNoWebhookEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	const campaigns, tests = 30, 40
	bin := buildBinary(t)
	fake := mxfake.New(t)
	fake.SetDelay(5 * time.Millisecond)
	rc := &hookReceiver{t: t, got: map[string]models.WebhookBody{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	dbPath := dbtest.Fresh(t)
	const key = "crash-test-key"
	ctx := context.Background()
	store, closeDB := openTestStore(t, dbPath, key)
	e, secret, err := store.CreateWebhook(ctx, models.WebhookInput{URL: hook.URL + "/in", Events: models.WebhookEventTypes()})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = secret
	// A low account rate spreads the campaigns' ends over seconds.
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "mx", Kind: "mxpush", BaseURL: fake.URL(), Credentials: fake.Credentials(), RateLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(map[string]any{"type": "notification", "title": "t", "body": "b"})
	ids := make([]int64, campaigns)
	for i := range ids {
		c, _, err := store.CreateCampaign(ctx, models.NewCampaign{Name: fmt.Sprint("c", i), ProviderID: acct.ID,
			Audience: models.Audience{Kind: "cid", Values: []string{fmt.Sprint("tok-", i)}}, Message: msg})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Transition(ctx, c.ID, models.StatusSending, "test", ""); err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ID
	}
	testIDs := make([]string, tests)
	for i := range testIDs {
		if testIDs[i], err = store.EmitTestWebhook(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	closeDB()

	env := append(os.Environ(), "PUSHDECK_DB="+dbPath, "PUSHDECK_SECRET_KEY="+key, "PUSHDECK_LOG_LEVEL=warn",
		// A restart is a new instance: the dead one's leases are released
		// once its heartbeat expires, so keep that short.
		"PUSHDECK_INSTANCE_LEASE=1s")
	start := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env, cmd.Stderr = env, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, addr
	}
	for range 4 {
		cmd, _ := start()
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // killed: the exit status is expected to be an error
	}
	rc.mu.Lock()
	beforeRestart := len(rc.got)
	rc.mu.Unlock()
	cmd, addr := start()
	waitHealthy(t, addr)
	want := campaigns*2 + tests
	// Every event arrived, and the outbox is empty: an event a killed
	// instance delivered without recording it is still pending under that
	// instance's lease (the receiver has it already) until the reaper
	// releases the lease and the restarted instance sends it again.
	store, closeDB = openTestStore(t, dbPath, key)
	defer closeDB()
	var depth int64
	for end := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		rc.mu.Lock()
		n := len(rc.got)
		rc.mu.Unlock()
		if n >= want {
			if depth, err = store.WebhookOutboxDepth(ctx); err == nil && depth == 0 {
				break
			}
		}
		if time.Now().After(end) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]bool{}
	for _, b := range rc.got {
		if id, ok := b.Data["campaign_id"].(float64); ok {
			seen[fmt.Sprint(b.Type, int64(id))] = true
		}
	}
	for _, id := range ids {
		for _, typ := range []string{models.EventCampaignStarted, models.EventCampaignCompleted} {
			if !seen[fmt.Sprint(typ, id)] {
				t.Errorf("campaign %d: %s never delivered", id, typ)
			}
		}
	}
	for _, id := range testIDs {
		if _, ok := rc.got[id]; !ok {
			t.Errorf("test event %s never delivered", id)
		}
	}
	if depth, err := store.WebhookOutboxDepth(ctx); err != nil || depth != 0 {
		t.Errorf("%d deliveries still pending (%v)", depth, err)
	}
	t.Logf("%d events, %d before the restart; %d requests (%d repeats after kills)", len(rc.got), beforeRestart, rc.posts, rc.posts-len(rc.got))
}

// waitHealthy waits until the binary answers /healthz (a SIGTERM before
// it has set up its signal handling would kill it outright).
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	for up := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			_ = resp.Body.Close()
			return
		}
		if time.Now().After(up) {
			t.Fatal("the restarted binary never answered /healthz")
		}
	}
}
