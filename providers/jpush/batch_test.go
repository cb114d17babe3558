package jpush

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestSendEach: a batch single push carries each push with its own text
// in one call; an unknown registration id is that push's invalid outcome;
// the same requests again are answered without pushing twice; an app
// without the VIP call gets its pushes one by one.
func TestSendEach(t *testing.T) {
	ctx := context.Background()
	c, fake := newClient(t)
	fake.SetInvalid("gone")
	reqs := make([]providers.SendRequest, 3)
	for i, to := range []string{"rid-a", "rid-b", "gone"} {
		reqs[i] = providers.SendRequest{RequestID: fmt.Sprintf("each-req-%03d", i), Message: note("Hi "+to, "b"),
			Target: providers.Target{Kind: providers.AudienceCID, Values: []string{to}}}
	}
	for attempt := range 2 {
		res, err := c.SendEach(ctx, reqs)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].TaskID == "" || res[1].TaskID == "" || len(res[2].Outcomes) != 1 || res[2].Outcomes[0].Status != providers.StatusInvalid {
			t.Fatalf("attempt %d: %+v", attempt, res)
		}
	}
	if got := len(fake.RequestsTo(jpushfake.PathBatchRegID)); got != 2 {
		t.Errorf("%d batch calls, want 2", got)
	}
	for _, to := range []string{"rid-a", "rid-b"} {
		if n := len(fake.Deliveries(to)); n != 1 {
			t.Errorf("%s received %d pushes, want 1", to, n)
		}
	}
	ps := fake.Pushes()
	if len(ps) != 2 || jsonTitle(t, ps[0].Body) == jsonTitle(t, ps[1].Body) {
		t.Errorf("pushes %d, each with its own title expected", len(ps))
	}

	t.Run("no VIP call", func(t *testing.T) {
		c, fake := newClient(t)
		two := append([]providers.SendRequest(nil), reqs[:2]...)
		for i := range two {
			key, err := c.IssueKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			two[i].Key = key
		}
		fake.FailNextCode(1, 403, 2006, "vip only")
		res, err := c.SendEach(ctx, two)
		if err != nil || len(res) != 2 || res[0].TaskID == "" || res[1].TaskID == "" {
			t.Fatalf("%+v %v", res, err)
		}
		if got := len(fake.RequestsTo(jpushfake.PathPush)); got != 2 {
			t.Errorf("%d single pushes, want 2", got)
		}
	})
}

func jsonTitle(t *testing.T, body []byte) string {
	t.Helper()
	var b pushBody
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	if b.Notification == nil || b.Notification.Android == nil {
		return ""
	}
	return b.Notification.Android.Title
}
