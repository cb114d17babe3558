package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestJPushExactlyOnceUnderFaults sends a listed audience through the real
// binary to the JPush fake while the fake loses answers of pushes it
// carried out (a 502, a dropped connection, a late 504), fails calls
// outright (500) and throttles (2002), and the binary is killed with
// SIGKILL and restarted several times. Each batch keeps the cid it got
// before its first attempt, so every retry, in the same process or the
// next, is answered by JPush instead of pushed again: every recipient ends
// with one accepted delivery row and was pushed exactly once.
func TestJPushExactlyOnceUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for several seconds")
	}
	const n = 20_000
	bin := buildBinary(t)
	fake := jpushfake.New(t)
	fake.SetDelay(20 * time.Millisecond)
	fake.FailNext(2, http.StatusInternalServerError)
	fake.RateLimitNext(1, 1)
	fake.LoseAnswerEvery(3, jpushfake.Loss{Status: http.StatusBadGateway}, jpushfake.Loss{Drop: true},
		jpushfake.Loss{Hang: 300 * time.Millisecond, Status: http.StatusGatewayTimeout})
	dbPath := dbtest.Fresh(t)
	const key = "jpush-test-key"
	id := seedJPushCampaign(t, dbPath, key, fake, n)

	c, kills := killThreeTimes(t, bin, dbPath, key, id)
	if want := (models.Totals{Recipients: n, Accepted: n}); c.Totals() != want {
		t.Errorf("totals %+v, want %+v", c.Totals(), want)
	}
	checkJPushDeliveries(t, dbPath, key, id, fake, n)
	t.Logf("%d kills, %d push requests for %d pushes, %d cids issued", kills, len(fake.RequestsTo(jpushfake.PathPush)), len(fake.Pushes()), fake.IssuedCIDs())
}

// checkJPushDeliveries: one accepted delivery row per recipient, and the
// fake pushed each exactly once, under the cid stored with its batch.
func checkJPushDeliveries(t *testing.T, dbPath, key string, id int64, fake *jpushfake.Server, n int) {
	t.Helper()
	store, closeDB := openTestStore(t, dbPath, key)
	defer closeDB()
	var rows []struct {
		Status string
		N      int
	}
	if err := store.DB().Raw(`SELECT status, count(*) AS n FROM deliveries WHERE campaign_id = ? GROUP BY status`, id).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != models.DeliveryAccepted || rows[0].N != n {
		t.Errorf("delivery rows %+v, want %d accepted", rows, n)
	}
	counts := fake.DeliveryCounts()
	if len(counts) != n {
		t.Errorf("%d recipients pushed, want %d", len(counts), n)
	}
	for rid, k := range counts {
		if k != 1 {
			t.Errorf("%s pushed %d times", rid, k)
		}
	}
	var keys []string
	if err := store.DB().Raw(`SELECT provider_key FROM batches WHERE campaign_id = ? ORDER BY seq`, id).Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	pushed := map[string]bool{}
	for _, p := range fake.Pushes() {
		pushed[p.CID] = true
	}
	for i, k := range keys {
		if !pushed[k] {
			t.Errorf("batch %d's stored cid %q pushed nothing", i+1, k)
		}
	}
	if len(fake.Pushes()) != len(keys) {
		t.Errorf("%d pushes for %d batches", len(fake.Pushes()), len(keys))
	}
}

func seedJPushCampaign(t *testing.T, path, key string, fake *jpushfake.Server, n int) int64 {
	t.Helper()
	ctx := context.Background()
	store, closeDB := openTestStore(t, path, key)
	defer closeDB()
	// A fixed 10 requests/s spreads the 20 batches over two seconds, so
	// the kills land while batches are in flight.
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "jpush", Kind: string(jpush.Kind), BaseURL: fake.URL(), Credentials: fake.Credentials(), RateLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("rid-%06d", i)
	}
	msg, err := json.Marshal(map[string]any{"type": "notification", "title": "t", "body": "b"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := store.CreateCampaign(ctx, models.NewCampaign{Name: "jpush", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: vals}, Message: msg, Options: json.RawMessage(`{"error_threshold":100}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Transition(ctx, c.ID, models.StatusSending, "test", ""); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// killThreeTimes runs the binary on the database at dbPath, kills it with
// SIGKILL at a random moment up to three times (fewer when the campaign id
// completes first), then starts it once more and waits up to two minutes
// for the campaign, stopping that run gracefully. A restart is a new
// instance: the dead one's leases are released once its heartbeat
// expires, so the lease is kept short. It fails the test unless the
// campaign completed, and returns it with the number of kills.
func killThreeTimes(t *testing.T, bin, dbPath, key string, id int64) (models.Campaign, int) {
	t.Helper()
	env := append(os.Environ(), "PUSHDECK_DB="+dbPath, "PUSHDECK_SECRET_KEY="+key, "PUSHDECK_LOG_LEVEL=warn",
		"PUSHDECK_INSTANCE_LEASE=1s")
	start := func() (*exec.Cmd, string) {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve", "--addr", addr)
		cmd.Env = env
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, addr
	}
	kills := 0
	for range 3 {
		cmd, _ := start()
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // killed: the exit status is expected to be an error
		kills++
		if campaignStatus(t, dbPath, key, id).Status == models.StatusCompleted {
			break
		}
	}
	cmd, addr := start()
	for up := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(up) {
			t.Fatal("the restarted binary never answered /healthz")
		}
	}
	var c models.Campaign
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		c = campaignStatus(t, dbPath, key, id)
		if c.Status == models.StatusCompleted || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	if c.Status != models.StatusCompleted {
		t.Fatalf("after %d kills the campaign is %s (%s) with %+v", kills, c.Status, c.StatusReason, c.Totals())
	}
	return c, kills
}
