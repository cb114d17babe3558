package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/apns"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// abProviderCase is one provider without task reports: how to reach its
// fake, make it refuse recipients, and read what each recipient was sent.
type abProviderCase struct {
	typ      providers.MessageType
	registry providers.Registry
	account  func(h *harness) models.ProviderAccount
	cidOf    func(i int) string
	// refuse makes the fake refuse these recipients as invalid.
	refuse func(cids []string)
	// pushed maps each recipient the fake delivered to the texts it got
	// (titles, or the content of a text message).
	pushed func(t *testing.T) map[string][]string
	// requests is how many recipients the requests named, refused ones
	// included.
	requests func() int
}

// TestABAcceptedShare: WeCom, FCM and APNs report nothing per message, so
// a test-first campaign on each is judged by the accepted share the engine
// counts itself; the fake refuses half of variant A's sample, so B wins,
// and B goes to the rest — every recipient pushed at most once, the
// refused ones only in the sample.
func TestABAcceptedShare(t *testing.T) {
	t.Run("wecom", func(t *testing.T) {
		fake := wecomfake.New(t)
		runABAccepted(t, abProviderCase{typ: providers.TypeText, registry: testRegistry(),
			account: func(h *harness) models.ProviderAccount { return h.account("wecom", fake.URL, fake.Credentials()) },
			refuse:  func(cids []string) { fake.SetInvalidUsers(cids...) },
			requests: func() int {
				n := 0
				for _, m := range fake.Messages() {
					n += len(m.ToUser)
				}
				return n
			},
			pushed: func(t *testing.T) map[string][]string {
				out := map[string][]string{}
				for _, m := range fake.Messages() {
					var b struct {
						Text struct{ Content string } `json:"text"`
					}
					if err := json.Unmarshal(m.Body, &b); err != nil {
						t.Fatal(err)
					}
					for _, u := range m.Delivered {
						out[u] = append(out[u], b.Text.Content)
					}
				}
				return out
			}})
	})
	t.Run("fcm", func(t *testing.T) {
		fake := fcmfake.New(t)
		spec := fcm.Spec()
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			cfg.HTTPClient = fake.Client()
			return fcm.New(cfg)
		}
		runABAccepted(t, abProviderCase{typ: providers.TypeNotification, registry: providers.Registry{fcm.Kind: spec},
			account: func(h *harness) models.ProviderAccount {
				return h.account(string(fcm.Kind), fake.URL, fake.Credentials())
			},
			refuse:   func(cids []string) { fake.SetTokenError(fcmfake.CodeUnregistered, cids...) },
			requests: func() int { return fake.Stats().Calls },
			pushed: func(*testing.T) map[string][]string {
				out := map[string][]string{}
				for tok := range fake.DeliveryCounts() {
					for _, d := range fake.Deliveries(tok) {
						out[tok] = append(out[tok], d.Body)
					}
				}
				return out
			}})
	})
	t.Run("apns", func(t *testing.T) {
		fake := apnsfake.New(t)
		spec := apns.Spec()
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			cfg.HTTPClient = fake.Client()
			return apns.New(cfg)
		}
		runABAccepted(t, abProviderCase{typ: providers.TypeNotification, registry: providers.Registry{apns.Kind: spec},
			cidOf: func(i int) string { return fmt.Sprintf("%064x", uint64(i)*2654435761+1) },
			account: func(h *harness) models.ProviderAccount {
				return h.account(string(apns.Kind), fake.URL(), fake.Credentials())
			},
			requests: func() int { return int(fake.Requests()) },
			refuse: func(cids []string) {
				for _, c := range cids {
					fake.Unregister(c, time.Now())
				}
			},
			pushed: func(t *testing.T) map[string][]string {
				out := map[string][]string{}
				for tok := range fake.Delivered() {
					for _, d := range fake.Deliveries(tok) {
						var p struct {
							APS struct {
								Alert struct {
									Body string `json:"body"`
								} `json:"alert"`
							} `json:"aps"`
						}
						if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
							t.Fatal(err)
						}
						out[tok] = append(out[tok], p.APS.Alert.Body)
					}
				}
				return out
			}})
	})
}

func runABAccepted(t *testing.T, pc abProviderCase) {
	const n = 400
	if pc.cidOf == nil {
		pc.cidOf = func(i int) string { return fmt.Sprintf("cid-%06d", i) }
	}
	all := make([]string, n)
	for i := range all {
		all[i] = pc.cidOf(i)
	}
	h := newHarness(t, Config{Workers: 2})
	h.engine = New(h.store, pc.registry, h.engine.cfg, h.engine.log)
	acct := pc.account(h)
	d := draft.Draft{Name: "ab accepted", ProviderID: acct.ID, Audience: models.Audience{Kind: "cid", Values: all},
		Options: draft.Options{ABTest: &draft.ABTest{SamplePercent: 50, WaitSeconds: 1, Metric: draft.MetricClick}}}
	for _, name := range []string{"A", "B"} {
		m := providers.Message{Type: pc.typ, Title: name, Body: "Variant " + name}
		if pc.typ == providers.TypeText {
			m.Title = ""
		}
		d.Variants = append(d.Variants, draft.Variant{Name: name, Share: 50, Message: m})
	}
	ctx := context.Background()
	c, _, err := h.engine.CreateCampaign(ctx, d, "test", models.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	// Half of variant A's sample is refused: A's accepted share is about
	// one half, B's all of it.
	sample := newSplitter(models.Campaign{ID: c.ID, ABPhase: models.ABSample}, d)
	refused := map[string]bool{}
	inA := 0
	for _, cid := range all {
		if v, ok := sample.place(cid); ok && v == 0 {
			if inA%2 == 0 {
				refused[cid] = true
			}
			inA++
		}
	}
	var list []string
	for cid := range refused {
		list = append(list, cid)
	}
	pc.refuse(list)
	h.start()
	h.send(c)
	c = h.waitStatus(c.ID, 30*time.Second, models.StatusCompleted)
	if c.ABWinner == nil || *c.ABWinner != 1 || c.ABPhase != models.ABRest || c.ABDecidedBy != "engine" {
		t.Fatalf("winner %v phase %q by %q, want B (1) picked by the engine", c.ABWinner, c.ABPhase, c.ABDecidedBy)
	}
	got := h.checkInvariants(c, n)
	if got[models.DeliveryInvalid] != int64(len(refused)) {
		t.Fatalf("outcomes %v, want %d invalid", got, len(refused))
	}
	res, err := h.engine.ABResults(ctx, c)
	if err != nil || res.Metric != MetricAccepted || res.Leader != 1 {
		t.Fatalf("results %+v %v, want B leading by the accepted share", res, err)
	}
	if a := res.Variants[0]; a.Trials != int64(inA) || a.Successes != int64(inA-len(refused)) {
		t.Fatalf("variant A judged on %d of %d, want %d of its %d sample recipients", a.Successes, a.Trials, inA-len(refused), inA)
	}
	if got := pc.requests(); got != n {
		t.Fatalf("the provider was asked for %d recipients, want each of the %d once", got, n)
	}
	pushed := pc.pushed(t)
	rows := h.deliveryVariants(c.ID)
	for _, cid := range all {
		want, inSample := sample.place(cid)
		if !inSample {
			want = 1
		}
		if rows[cid] != want {
			t.Fatalf("%s delivery row in variant %d, want %d", cid, rows[cid], want)
		}
		if refused[cid] {
			if len(pushed[cid]) != 0 {
				t.Fatalf("refused %s delivered %v", cid, pushed[cid])
			}
			continue
		}
		if p := pushed[cid]; len(p) != 1 || p[0] != "Variant "+d.Variants[want].Name {
			t.Fatalf("%s pushed %v, want once variant %s", cid, p, d.Variants[want].Name)
		}
	}
}
