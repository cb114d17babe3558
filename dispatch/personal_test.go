package dispatch

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// personalFleet is a registry of n devices for a personalized send: most
// named Ann or Bob (two distinct values), some with no name (they get the
// fallback), a few with names of their own (each its own request), and
// one whose name makes its text too long for any provider.
type personalFleet struct {
	n       int
	names   map[string]string // cid → name ("" for none)
	longCID string
	unique  int
}

func newPersonalFleet(n int, cidOf func(int) string) personalFleet {
	f := personalFleet{n: n, names: map[string]string{}, unique: 3}
	for i := 0; i < n; i++ {
		cid := cidOf(i)
		switch {
		case i == n/2:
			f.longCID = cid
			f.names[cid] = strings.Repeat("L", models.MaxAttrValueLen)
		case i < f.unique:
			f.names[cid] = fmt.Sprintf("Solo%d", i)
		case i%10 == 9:
			f.names[cid] = ""
		case i%2 == 0:
			f.names[cid] = "Ann"
		default:
			f.names[cid] = "Bob"
		}
	}
	return f
}

// register upserts the fleet into an account through the store.
func (f personalFleet) register(t testing.TB, h *harness, acct models.ProviderAccount) {
	t.Helper()
	var in []models.DeviceInput
	flush := func() {
		if _, err := h.store.UpsertDevices(context.Background(), acct.ID, in); err != nil {
			t.Fatal(err)
		}
		in = in[:0]
	}
	for cid, name := range f.names {
		attrs := models.Attributes{}
		if name != "" {
			attrs["name"] = name
		}
		in = append(in, models.DeviceInput{CID: cid, Attributes: &attrs})
		if len(in) == models.MaxDeviceBatch {
			flush()
		}
	}
	flush()
}

// title is what cid should be shown.
func (f personalFleet) title(cid string) string {
	if n := f.names[cid]; n != "" {
		return "Hi " + n
	}
	return "Hi there"
}

// bodyRepeats makes the long name's body longer than any provider's
// payload (APNs: 4 KB) while the others' stay short.
const bodyRepeats = 20

// personalMessage greets by name in the title and repeats it in the body,
// so the long name breaks every provider's title or body limit.
func personalMessage(typ providers.MessageType) providers.Message {
	return providers.Message{Type: typ, Title: `Hi {{ name | default: "there" }}`,
		Body: strings.Repeat(`{{ name | default: "friend" }} `, bodyRepeats)}
}

// personalCase is one provider's run: its account, and what its fake
// says each recipient was shown and how many requests carried them.
type personalCase struct {
	kind     string
	typ      providers.MessageType
	account  func(t *testing.T, h *harness) models.ProviderAccount
	shown    func(cid string) []string // titles (or WeCom contents) cid received
	requests func() int
	// want is the fewest requests the rule allows for the batches.
	want func(batches [][]string, f personalFleet) int
	// expect is what cid should be shown (default: its title).
	expect func(f personalFleet, cid string) string
	// registry, when set, replaces the harness's (a kind that needs the
	// fake's HTTP client); cidOf makes device ids (default cid-000001).
	registry providers.Registry
	cidOf    func(int) string
	// audience defaults to all (the provider's broadcast, resolved from
	// the registry since the text is personal).
	audience *models.Audience
}

// runPersonal sends a personalized campaign to the whole fleet and checks
// that every device received exactly its own text once, the long one
// failed with the reason, and the request count is the rule's.
func runPersonal(t *testing.T, pc personalCase, n int) {
	if pc.cidOf == nil {
		pc.cidOf = func(i int) string { return fmt.Sprintf("cid-%06d", i) }
	}
	f := newPersonalFleet(n, pc.cidOf)
	h := newHarness(t, Config{Workers: 4})
	if pc.registry != nil {
		h.engine = New(h.store, pc.registry, h.engine.cfg, h.engine.log)
	}
	acct := pc.account(t, h)
	f.register(t, h, acct)
	aud := models.Audience{Kind: "all"}
	if pc.audience != nil {
		aud = *pc.audience
	}
	d := draft.Draft{Name: "personal", ProviderID: acct.ID, Audience: aud,
		Message: personalMessage(pc.typ), Options: draft.Options{ErrorThreshold: 100}}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 60*time.Second, models.StatusCompleted)
	got := h.checkInvariants(c, n)
	if got[models.DeliveryFailed] != 1 || got[models.DeliveryAccepted] != int64(n-1) {
		var ds []models.Delivery
		h.store.DB().Where("campaign_id = ? AND status = 'failed'", c.ID).Limit(5).Find(&ds)
		t.Fatalf("outcomes %v, want one failed: %+v", got, ds)
	}
	var long models.Delivery
	if err := h.store.DB().Where("campaign_id = ? AND recipient = ?", c.ID, f.longCID).Take(&long).Error; err != nil {
		t.Fatal(err)
	}
	if long.Status != models.DeliveryFailed || long.Code != CodePersonalized || !strings.Contains(long.Message, "longer than") {
		t.Errorf("long recipient: %+v", long)
	}
	for cid := range f.names {
		shown := pc.shown(cid)
		if cid == f.longCID {
			if len(shown) != 0 {
				t.Errorf("the too-long text went out: %q", shown)
			}
			continue
		}
		want := f.title(cid)
		if pc.expect != nil {
			want = pc.expect(f, cid)
		}
		if len(shown) != 1 || shown[0] != want {
			t.Fatalf("%s was shown %q, want %q once", cid, shown, want)
		}
	}
	if want, got := pc.want(h.batches(c.ID), f), pc.requests(); got != want {
		t.Errorf("%d requests, want %d", got, want)
	}
}

// body is what cid's body should read.
func (f personalFleet) body(cid string) string {
	n := f.names[cid]
	if n == "" {
		n = "friend"
	}
	return strings.TrimSpace(strings.Repeat(n+" ", bodyRepeats))
}

// batches returns the campaign's frozen batches' recipients in order.
func (h *harness) batches(id int64) [][]string {
	h.t.Helper()
	var rows []struct {
		BatchSeq  int
		Recipient string
	}
	if err := h.store.DB().Raw(`SELECT batch_seq, recipient FROM deliveries WHERE campaign_id = ? ORDER BY batch_seq, recipient`, id).Scan(&rows).Error; err != nil {
		h.t.Fatal(err)
	}
	var out [][]string
	last := -1
	for _, r := range rows {
		if r.BatchSeq != last {
			out = append(out, nil)
			last = r.BatchSeq
		}
		out[len(out)-1] = append(out[len(out)-1], r.Recipient)
	}
	return out
}

// requestsPerBatch counts the requests the rule allows: per batch, one
// list request per text shared by several recipients, and for the texts of
// one recipient each either one request apiece or, with a many-singles
// call, one call per each recipients (at most eachLimit).
func requestsPerBatch(batches [][]string, f personalFleet, perList, eachLimit int) int {
	total := 0
	for _, b := range batches {
		count := map[string]int{}
		for _, cid := range b {
			if cid != f.longCID {
				count[f.title(cid)]++
			}
		}
		singles := 0
		for _, c := range count {
			if c == 1 {
				singles++
			} else {
				total += perList
			}
		}
		if eachLimit > 0 {
			total += (singles + eachLimit - 1) / eachLimit
		} else {
			total += singles
		}
	}
	return total
}

func personalSize() int {
	if raceDetector {
		return 2000
	}
	return 10000
}
