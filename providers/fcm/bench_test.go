package fcm

import (
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// BenchmarkSendBatch sends batches of MaxBatch tokens to the fake on
// loopback (client and fake in this process, sharing its cores) and
// reports messages per second.
func BenchmarkSendBatch(b *testing.B) {
	f := fcmfake.New(b)
	p, err := New(providersConfig(f))
	if err != nil {
		b.Fatal(err)
	}
	c := p.(*Client)
	toks := make([]string, MaxBatch)
	b.ResetTimer()
	for i := range b.N {
		for j := range toks {
			toks[j] = fmt.Sprintf("tok-%d-%d", i, j)
		}
		if _, err := c.Send(b.Context(), notificationReq(fmt.Sprintf("req-bench-%06d", i), toks)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*MaxBatch)/b.Elapsed().Seconds(), "messages/s")
}
