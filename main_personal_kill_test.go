package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestJPushPersonalizedKill9 sends a personalized campaign (two shared
// texts as list pushes, a quarter of the devices with a text of their own
// through batch single push) through the real binary to the JPush fake,
// which loses answers of pushes it carried out, while the binary is killed
// with SIGKILL and restarted. Each part of a batch is journaled with the
// cid it carries before it goes out, so a part sent again after a kill or
// a lost answer is answered by JPush as a repeat: every device is pushed
// exactly once and every recipient ends accepted.
func TestJPushPersonalizedKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for several seconds")
	}
	const n = 6000
	bin := buildBinary(t)
	fake := jpushfake.New(t)
	fake.SetDelay(20 * time.Millisecond)
	fake.LoseAnswerEvery(4, jpushfake.Loss{Status: http.StatusBadGateway}, jpushfake.Loss{Drop: true})
	dbPath := dbtest.Fresh(t)
	const key = "jpush-personal-key"
	id := seedPersonalJPush(t, dbPath, key, fake, n)

	c, kills := killThreeTimes(t, bin, dbPath, key, id)
	if want := (models.Totals{Recipients: n, Accepted: n}); c.Totals() != want {
		t.Errorf("totals %+v, want %+v", c.Totals(), want)
	}
	counts := fake.DeliveryCounts()
	if len(counts) != n {
		t.Errorf("%d devices pushed, want %d", len(counts), n)
	}
	for rid, k := range counts {
		if k != 1 {
			t.Errorf("%s pushed %d times", rid, k)
		}
	}
	store, closeDB := openTestStore(t, dbPath, key)
	defer closeDB()
	var left int64
	if err := store.DB().Raw(`SELECT count(*) FROM batch_parts`).Scan(&left).Error; err != nil || left != 0 {
		t.Errorf("%d journal rows left (%v)", left, err)
	}
	t.Logf("%d kills, %d requests for %d pushes", kills, len(fake.RequestsTo(jpushfake.PathPush))+len(fake.RequestsTo(jpushfake.PathBatchRegID)), len(fake.Pushes()))
}

// seedPersonalJPush stores a JPush account at 10 requests/s, its devices
// (named Ann, Bob, or a name of their own) and a sending campaign greeting
// each by name.
func seedPersonalJPush(t *testing.T, path, key string, fake *jpushfake.Server, n int) int64 {
	t.Helper()
	ctx := context.Background()
	store, closeDB := openTestStore(t, path, key)
	defer closeDB()
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "jpush", Kind: string(jpush.Kind), BaseURL: fake.URL(), Credentials: fake.Credentials(), RateLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]string, n)
	in := make([]models.DeviceInput, 0, models.MaxDeviceBatch)
	for i := range vals {
		vals[i] = fmt.Sprintf("rid-%06d", i)
		name := []string{"Ann", "Bob", "Cy"}[i%3]
		if i%4 == 0 {
			name = fmt.Sprintf("N%d", i)
		}
		attrs := models.Attributes{"name": name}
		in = append(in, models.DeviceInput{CID: vals[i], Attributes: &attrs})
		if len(in) == models.MaxDeviceBatch || i == n-1 {
			if _, err := store.UpsertDevices(ctx, acct.ID, in); err != nil {
				t.Fatal(err)
			}
			in = in[:0]
		}
	}
	msg, err := json.Marshal(map[string]any{"type": "notification", "title": "Hi {{ name }}", "body": "b"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := store.CreateCampaign(ctx, models.NewCampaign{Name: "jpush-personal", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: vals}, Message: msg, Options: json.RawMessage(`{"error_threshold":100}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Transition(ctx, c.ID, models.StatusSending, "test", ""); err != nil {
		t.Fatal(err)
	}
	return c.ID
}
