package dispatch

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// TestPersonalizedSend: for each provider, a personalized campaign to the
// fleet reaches every device with its own text, in as few requests as
// the rule allows; the recipient whose text is too long ends failed with
// the reason and the rest go.
func TestPersonalizedSend(t *testing.T) {
	n := personalSize()
	t.Run("mxpush", func(t *testing.T) {
		fake := mxfake.New(t)
		runPersonal(t, personalCase{typ: providers.TypeNotification,
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account("mxpush", fake.URL(), fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, task := range fake.Tasks() {
					for _, v := range task.Values {
						if v == cid {
							out = append(out, task.Request.Message.Title)
						}
					}
				}
				return out
			},
			requests: func() int { return len(fake.Tasks()) },
			want:     func(bs [][]string, f personalFleet) int { return requestsPerBatch(bs, f, 1, 0) },
		}, n)
	})
	t.Run("getui", func(t *testing.T) {
		fake := getuifake.New(t)
		runPersonal(t, personalCase{typ: providers.TypeNotification,
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account("getui", fake.URL(), fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, s := range fake.Received(cid) {
					out = append(out, s.Title)
				}
				return out
			},
			// A list push is two calls (the message, then its cids);
			// the singles of a batch go in one batch single push.
			requests: func() int {
				return len(fake.RequestsTo("/push/list/message")) + len(fake.RequestsTo("/push/list/cid")) + len(fake.RequestsTo("/push/single/batch/cid"))
			},
			want: func(bs [][]string, f personalFleet) int { return requestsPerBatch(bs, f, 2, 200) },
		}, n)
	})
	t.Run("wecom", func(t *testing.T) {
		fake := wecomfake.New(t)
		runPersonal(t, personalCase{typ: providers.TypeText,
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account("wecom", fake.URL, fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, m := range fake.Messages() {
					for _, u := range m.ToUser {
						if u == cid {
							var b struct {
								Text struct{ Content string } `json:"text"`
							}
							if err := json.Unmarshal(m.Body, &b); err != nil {
								t.Fatal(err)
							}
							out = append(out, b.Text.Content)
						}
					}
				}
				return out
			},
			requests: func() int { return len(fake.Messages()) },
			want:     func(bs [][]string, f personalFleet) int { return requestsPerBatch(bs, f, 1, 0) },
			expect:   func(f personalFleet, cid string) string { return f.body(cid) },
		}, n)
	})
	t.Run("sandbox", func(t *testing.T) {
		rec := &sendRecorder{got: map[string][]string{}}
		reg := testRegistry()
		spec := reg[providers.KindSandbox]
		newSandbox := spec.New
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			p, err := newSandbox(cfg)
			return &recordingProvider{Provider: p, rec: rec}, err
		}
		reg[providers.KindSandbox] = spec
		runPersonal(t, personalCase{typ: providers.TypeNotification, registry: reg,
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account("sandbox", "", json.RawMessage(`{}`))
			},
			shown:    rec.shown,
			requests: rec.count,
			want:     func(bs [][]string, f personalFleet) int { return requestsPerBatch(bs, f, 1, 0) },
		}, n)
	})
}

// recordingProvider is the in-process sandbox with what each recipient
// was sent written down: the sandbox has no server whose records a test
// could read.
type recordingProvider struct {
	providers.Provider
	rec *sendRecorder
}

type sendRecorder struct {
	mu    sync.Mutex
	got   map[string][]string
	calls int
}

func (r *sendRecorder) shown(cid string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[cid]
}

func (r *sendRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// Send implements providers.Provider.
func (p *recordingProvider) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	res, err := p.Provider.Send(ctx, req)
	if err == nil && req.Target.Kind.IsList() {
		p.rec.mu.Lock()
		p.rec.calls++
		for _, v := range req.Target.Values {
			p.rec.got[v] = append(p.rec.got[v], req.Message.Title)
		}
		p.rec.mu.Unlock()
	}
	return res, err
}

// TestPersonalizedRetryIsExactlyOnce: answers to batch single pushes lost
// after GeTui took them make the engine send their batches again; the
// sub-requests repeat their ids, GeTui drops them, and every device is
// still shown its text once.
func TestPersonalizedRetryIsExactlyOnce(t *testing.T) {
	fake := getuifake.New(t)
	fake.LoseNextOn("/push/single/batch/cid", 2, 502)
	runPersonal(t, personalCase{typ: providers.TypeNotification,
		account: func(t *testing.T, h *harness) models.ProviderAccount {
			return h.account("getui", fake.URL(), fake.Credentials())
		},
		shown: func(cid string) []string {
			var out []string
			for _, s := range fake.Received(cid) {
				out = append(out, s.Title)
			}
			return out
		},
		requests: func() int { return 0 },
		want:     func([][]string, personalFleet) int { return 0 },
	}, 1200)
}

// TestPersonalizedTestSend: a test send renders for each listed cid.
func TestPersonalizedTestSend(t *testing.T) {
	fake := mxfake.New(t)
	h := newHarness(t, Config{})
	acct := h.account("mxpush", fake.URL(), fake.Credentials())
	ann := models.Attributes{"name": "Ann"}
	if _, err := h.store.UpsertDevices(context.Background(), acct.ID, []models.DeviceInput{{CID: "t-ann", Attributes: &ann}}); err != nil {
		t.Fatal(err)
	}
	d := draft.Draft{Name: "p", ProviderID: acct.ID, Audience: models.Audience{Kind: "all"}, Message: personalMessage(providers.TypeNotification)}
	c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.engine.TestSend(context.Background(), c.ID, []string{"t-ann", "t-unknown"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, task := range fake.Tasks() {
		got[task.Values[0]] = task.Request.Message.Title
	}
	if len(fake.Tasks()) != 2 || got["t-ann"] != "Hi Ann" || got["t-unknown"] != "Hi there" || res.RequestID == "" {
		t.Fatalf("test send: %v", got)
	}
}
