package dispatch

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// BenchmarkPersonalSendFCM is a personalized send where every text
// differs through the FCM fake (HTTP/2 over loopback TLS): one request
// per recipient, each journaled before and after its request (FCM
// recognises no repeat). PUSHDECK_BENCH_RECIPIENTS sets the audience
// (default 5,000).
func BenchmarkPersonalSendFCM(b *testing.B) {
	n := 5_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		b.StopTimer()
		fake := fcmfake.New(b)
		spec := fcm.Spec()
		spec.New = func(cfg providers.Config) (providers.Provider, error) {
			cfg.HTTPClient = fake.Client()
			return fcm.New(cfg)
		}
		h := newHarness(b, Config{Workers: 4, Idle: 5 * time.Millisecond})
		h.engine = New(h.store, providers.Registry{fcm.Kind: spec}, h.engine.cfg, h.engine.log)
		acct, err := h.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: "fcm", Kind: string(fcm.Kind), BaseURL: fake.URL,
			Credentials: fake.Credentials(), RateLimit: models.MaxRateLimit})
		if err != nil {
			b.Fatal(err)
		}
		in := make([]models.DeviceInput, 0, models.MaxDeviceBatch)
		for i := 0; i < n; i++ {
			attrs := models.Attributes{"name": fmt.Sprintf("n%07d", i)}
			in = append(in, models.DeviceInput{CID: fmt.Sprintf("token-%08d", i), Attributes: &attrs})
			if len(in) == models.MaxDeviceBatch || i == n-1 {
				if _, err := h.store.UpsertDevices(context.Background(), acct.ID, in); err != nil {
					b.Fatal(err)
				}
				in = in[:0]
			}
		}
		d := draft.Draft{Name: "p", ProviderID: acct.ID, Audience: *everyDevice(),
			Message: providers.Message{Type: providers.TypeNotification, Title: "Hi {{ name }}", Body: "b"}}
		c, _, err := h.engine.CreateCampaign(context.Background(), d, "test", models.Idempotency{})
		if err != nil {
			b.Fatal(err)
		}
		h.start()
		b.StartTimer()
		start := time.Now()
		h.send(c)
		c = h.waitStatus(c.ID, 10*time.Minute, models.StatusCompleted)
		elapsed := time.Since(start)
		b.StopTimer()
		if c.Accepted != int64(n) {
			b.Fatalf("accepted %d, want %d", c.Accepted, n)
		}
		h.stop()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "recipients/s")
	}
}
