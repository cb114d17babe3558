package apns

import (
	"context"
	"errors"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// TestNotDeliveredOnlyWhenEveryAnswerRefused: a batch APNs refused every
// time says so (the engine may send it again though APNs drops no
// repeat); one whose answer was lost once may have reached the device, so
// it does not.
func TestNotDeliveredOnlyWhenEveryAnswerRefused(t *testing.T) {
	tok := "0f0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
	for _, tc := range []struct {
		name   string
		script func(f *apnsfake.Server)
		want   bool
	}{
		{"refused throughout", func(f *apnsfake.Server) {
			f.FailNext(maxAttempts, apnsfake.Answer{Status: 503, Reason: "ServiceUnavailable"})
		}, true},
		{"lost, then refused", func(f *apnsfake.Server) {
			f.LoseNext(1)
			f.FailNext(maxAttempts-1, apnsfake.Answer{Status: 503, Reason: "ServiceUnavailable"})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := apnsfake.New(t)
			c := newTestClient(t, f)
			tc.script(f)
			_, err := c.Send(context.Background(), alertRequest(tok))
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.Retry {
				t.Fatalf("error %v, want a retry", err)
			}
			if pe.NotDelivered != tc.want {
				t.Fatalf("NotDelivered %v, want %v", pe.NotDelivered, tc.want)
			}
		})
	}
}
