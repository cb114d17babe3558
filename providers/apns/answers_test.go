package apns

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/apnsfake"
)

// TestAnswers sends one notification per case against the fake scripted
// with one of APNs' answers and checks what the client makes of it.
func TestAnswers(t *testing.T) {
	tok := deviceTokens(1)[0]
	since := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		token     string
		script    func(f *apnsfake.Server)
		status    providers.DeliveryStatus // "" when the call fails
		code      string
		class     providers.Class
		delivered int
	}{
		{"accepted", tok, func(*apnsfake.Server) {}, providers.StatusAccepted, "", 0, 1},
		{"bad device token", apnsfakeZero, func(*apnsfake.Server) {}, providers.StatusInvalid, "BadDeviceToken", 0, 0},
		{"not a token at all", "cid-1", func(*apnsfake.Server) {}, providers.StatusInvalid, "BadDeviceToken", 0, 0},
		{"not for topic", tok, func(f *apnsfake.Server) { f.NotForTopic(tok) }, providers.StatusInvalid, "DeviceTokenNotForTopic", 0, 0},
		{"unregistered", tok, func(f *apnsfake.Server) { f.Unregister(tok, since) }, providers.StatusInvalid, "Unregistered", 0, 0},
		{"expired token", tok, func(f *apnsfake.Server) {
			f.FailNext(1, apnsfake.Answer{Status: 410, Reason: "ExpiredToken"})
		}, providers.StatusInvalid, "ExpiredToken", 0, 0},
		{"expired provider token renewed", tok, func(f *apnsfake.Server) {
			f.FailNext(1, apnsfake.Answer{Status: 403, Reason: "ExpiredProviderToken"})
		}, providers.StatusAccepted, "", 0, 1},
		{"invalid provider token twice", tok, func(f *apnsfake.Server) {
			f.FailNext(2, apnsfake.Answer{Status: 403, Reason: "InvalidProviderToken"})
		}, "", "InvalidProviderToken", providers.Reauth, 0},
		{"too many requests then ok", tok, func(f *apnsfake.Server) {
			f.FailNext(1, apnsfake.Answer{Status: 429, Reason: "TooManyRequests"})
		}, providers.StatusAccepted, "", 0, 1},
		{"internal error then ok", tok, func(f *apnsfake.Server) {
			f.FailNext(2, apnsfake.Answer{Status: 500, Reason: "InternalServerError"})
		}, providers.StatusAccepted, "", 0, 1},
		{"unavailable throughout", tok, func(f *apnsfake.Server) {
			f.FailNext(maxAttempts, apnsfake.Answer{Status: 503, Reason: "ServiceUnavailable"})
		}, "", "ServiceUnavailable", providers.Retry, 0},
		{"bad topic", tok, func(f *apnsfake.Server) {
			f.FailNext(1, apnsfake.Answer{Status: 400, Reason: "BadTopic"})
		}, "", "BadTopic", providers.Permanent, 0},
		{"lost answer", tok, func(f *apnsfake.Server) { f.LoseNext(1) }, providers.StatusAccepted, "", 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := apnsfake.New(t)
			c := newTestClient(t, f)
			tc.script(f)
			res, err := c.Send(context.Background(), alertRequest(tc.token))
			if tc.status == "" {
				var pe *providers.Error
				if !errors.As(err, &pe) || pe.Class != tc.class || pe.Code != tc.code {
					t.Fatalf("error %v, want %s %s", err, tc.class, tc.code)
				}
				if tc.code == "TooManyRequests" && !pe.RateLimited {
					t.Error("429 not marked rate limited")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := providers.StatusAccepted
			var o providers.Outcome
			if len(res.Outcomes) == 1 {
				o = res.Outcomes[0]
				got = o.Status
			}
			if got != tc.status || o.Code != tc.code {
				t.Fatalf("outcome %+v, want %s %s", res.Outcomes, tc.status, tc.code)
			}
			if tc.name == "unregistered" && !strings.Contains(o.Message, "2026-11-30T08:00:00Z") {
				t.Errorf("410's timestamp not kept: %q", o.Message)
			}
			ds := f.Deliveries(tc.token)
			if len(ds) != tc.delivered {
				t.Fatalf("%d deliveries, want %d", len(ds), tc.delivered)
			}
			for _, d := range ds {
				// A repeat after a lost answer carries the same ids, so
				// the device shows it in place of the first.
				if d.APNsID != apnsID("req-0123456789", tc.token) || d.CollapseID != "req-0123456789" {
					t.Errorf("delivery ids %+v", d)
				}
				if d.PushType != "alert" || d.Priority != "10" {
					t.Errorf("alert headers %+v", d)
				}
			}
		})
	}
}

// apnsfakeZero is the token no device holds (the connection test's).
const apnsfakeZero = verifyToken

// TestPartialBatch: one recipient gone, one failing throughout, one
// accepted: each ends on its own and nothing is returned for a batch retry
// (which would send to the accepted one again).
func TestPartialBatch(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	toks := deviceTokens(2)
	f.Unregister(toks[0], time.Now())
	f.FailNext(maxAttempts, apnsfake.Answer{Status: http.StatusServiceUnavailable, Reason: "ServiceUnavailable"})
	res, err := c.Send(context.Background(), alertRequest(toks...))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]providers.Outcome{}
	for _, o := range res.Outcomes {
		got[o.Recipient] = o
	}
	if got[toks[0]].Status != providers.StatusInvalid || got[toks[1]].Status != providers.StatusFailed || got[toks[1]].Code != "ServiceUnavailable" {
		t.Fatalf("outcomes %+v", res.Outcomes)
	}
}

// TestRefusalStopsTheBatch: a refusal of the request itself (the same for
// every recipient) stops the batch instead of sending it 500 times.
func TestRefusalStopsTheBatch(t *testing.T) {
	f := apnsfake.New(t)
	c := newTestClient(t, f)
	f.FailNext(1000, apnsfake.Answer{Status: http.StatusBadRequest, Reason: "TopicDisallowed"})
	_, err := c.Send(context.Background(), alertRequest(deviceTokens(MaxRecipients)...))
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.Permanent || pe.Code != "TopicDisallowed" {
		t.Fatalf("error %v", err)
	}
	if n := f.Requests(); n > maxStreams {
		t.Errorf("%d requests after the first refusal", n)
	}
}
