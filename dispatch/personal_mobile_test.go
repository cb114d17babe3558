package dispatch

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/apns"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
)

// TestPersonalizedSendMobile is TestPersonalizedSend for JPush (batch
// single push for the texts of one recipient), FCM and APNs (one request
// per recipient whatever the text).
func TestPersonalizedSendMobile(t *testing.T) {
	n := personalSize()
	t.Run("jpush", func(t *testing.T) {
		fake := jpushfake.New(t)
		reg := providers.Registry{jpush.Kind: jpush.Spec()}
		runPersonal(t, personalCase{typ: providers.TypeNotification, registry: reg,
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account(string(jpush.Kind), fake.URL(), fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, p := range fake.Pushes() {
					for _, r := range p.Recipients {
						if r == cid {
							out = append(out, jpushTitle(t, p.Body))
						}
					}
				}
				return out
			},
			requests: func() int {
				return len(fake.RequestsTo(jpushfake.PathPush)) + len(fake.RequestsTo(jpushfake.PathBatchRegID))
			},
			want: func(bs [][]string, f personalFleet) int { return requestsPerBatch(bs, f, 1, jpush.MaxIDs) },
		}, n)
	})
	t.Run("fcm", func(t *testing.T) {
		fake := fcmfake.New(t)
		spec := fcm.Spec()
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			cfg.HTTPClient = fake.Client()
			return fcm.New(cfg)
		}
		runPersonal(t, personalCase{typ: providers.TypeNotification, registry: providers.Registry{fcm.Kind: spec}, audience: everyDevice(),
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account(string(fcm.Kind), fake.URL, fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, d := range fake.Deliveries(cid) {
					out = append(out, d.Title)
				}
				return out
			},
			requests: func() int { return fake.Stats().Calls },
			// One message per request: every recipient is a request.
			want: func(bs [][]string, f personalFleet) int { return f.n - 1 },
		}, n)
	})
	t.Run("apns", func(t *testing.T) {
		fake := apnsfake.New(t)
		spec := apns.Spec()
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			cfg.HTTPClient = fake.Client()
			return apns.New(cfg)
		}
		runPersonal(t, personalCase{typ: providers.TypeNotification, registry: providers.Registry{apns.Kind: spec}, audience: everyDevice(),
			cidOf: func(i int) string { return fmt.Sprintf("%064x", uint64(i)*2654435761+1) },
			account: func(t *testing.T, h *harness) models.ProviderAccount {
				return h.account(string(apns.Kind), fake.URL(), fake.Credentials())
			},
			shown: func(cid string) []string {
				var out []string
				for _, d := range fake.Deliveries(cid) {
					var p struct {
						APS struct {
							Alert struct {
								Title string `json:"title"`
							} `json:"alert"`
						} `json:"aps"`
					}
					if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
						t.Fatal(err)
					}
					out = append(out, p.APS.Alert.Title)
				}
				return out
			},
			requests: func() int { return int(fake.Requests()) },
			want:     func(bs [][]string, f personalFleet) int { return f.n - 1 },
		}, n)
	})
}

// everyDevice is a condition audience every device of the fleet meets,
// for a provider without a broadcast.
func everyDevice() *models.Audience {
	return &models.Audience{Kind: "conditions", Tree: json.RawMessage(`{"op":"or","items":[{"field":"platform","op":"in","values":["ios","android","other"]}]}`)}
}

// jpushTitle is the Android title of a push body.
func jpushTitle(t *testing.T, body []byte) string {
	var b struct {
		Notification struct {
			Android struct {
				Title string `json:"title"`
			} `json:"android"`
		} `json:"notification"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b.Notification.Android.Title
}
