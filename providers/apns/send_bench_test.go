package apns

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// BenchmarkSend measures the client alone: batches of MaxRecipients from
// four goroutines (as four engine workers would) to the fake over TLS and
// HTTP/2 on loopback, reporting recipients/s. The fake shares the cores.
//
//	go test -run '^$' -bench 'Send$' ./providers/apns
func BenchmarkSend(b *testing.B) {
	f := apnsfake.New(b)
	p, err := New(providersConfig(f))
	if err != nil {
		b.Fatal(err)
	}
	c := p.(*Client)
	const workers, batches = 4, 40
	toks := deviceTokens(batches * MaxRecipients)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		feed := make(chan []string)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for batch := range feed {
					if _, err := c.Send(context.Background(), alertRequest(batch...)); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := 0; i < len(toks); i += MaxRecipients {
			feed <- toks[i : i+MaxRecipients]
		}
		close(feed)
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*len(toks))/time.Since(start).Seconds(), "recipients/s")
	b.ReportMetric(float64(f.PeakConcurrent()), "peak_streams")
}
