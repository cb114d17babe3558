package sandbox

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

func mustNew(t *testing.T, creds string) *Client {
	t.Helper()
	p, err := New(providers.Config{Credentials: []byte(creds)})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Client)
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name, creds string
		wantErr     bool
	}{
		{"empty", `{}`, false},
		{"devices", `{"devices": 50}`, false},
		{"zero devices", `{"devices": 0}`, true},
		{"unknown field", `{"app_id": "x"}`, true},
		{"not json", `nope`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(providers.Config{Credentials: []byte(tc.creds)})
			var ce *providers.ConfigError
			if tc.wantErr != (err != nil) || (err != nil && !errors.As(err, &ce)) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestSendList(t *testing.T) {
	c := mustNew(t, `{"devices": 100}`)
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "req-0000000001", Message: providers.Message{Type: providers.TypeNotification},
		Target: providers.Target{Kind: providers.AudienceCID, Values: []string{CID(1), CID(99), CID(100), "other"}}})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]providers.DeliveryStatus{}
	for _, o := range res.Outcomes {
		status[o.Recipient] = o.Status
	}
	want := map[string]providers.DeliveryStatus{CID(1): providers.StatusAccepted, CID(99): providers.StatusAccepted, CID(100): providers.StatusInvalid, "other": providers.StatusInvalid}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("%s: %s, want %s", k, status[k], v)
		}
	}
}

func TestRefusals(t *testing.T) {
	c := mustNew(t, `{}`)
	big := make([]string, 1001)
	tests := []struct {
		name string
		req  providers.SendRequest
	}{
		{"bad request id", providers.SendRequest{RequestID: "short", Message: providers.Message{Type: providers.TypeNotification}, Target: providers.Target{Kind: providers.AudienceAll}}},
		{"wecom type", providers.SendRequest{RequestID: "req-0000000001", Message: providers.Message{Type: providers.TypeMarkdown}, Target: providers.Target{Kind: providers.AudienceAll}}},
		{"too many", providers.SendRequest{RequestID: "req-0000000001", Message: providers.Message{Type: providers.TypeNotification}, Target: providers.Target{Kind: providers.AudienceCID, Values: big}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), tc.req)
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Class != providers.Permanent {
				t.Errorf("err = %v, want a permanent *providers.Error", err)
			}
		})
	}
}

// TestReportFillsIn: a broadcast's report starts with the online share and
// reaches its final figures after the ramp-up, deterministically.
func TestReportFillsIn(t *testing.T) {
	c := mustNew(t, `{"devices": 1000}`)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return start }
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "req-0000000001", Message: providers.Message{Type: providers.TypeNotification}, Target: providers.Target{Kind: providers.AudienceAll}})
	if err != nil {
		t.Fatal(err)
	}
	r0, err := c.Report(context.Background(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return start.Add(2 * time.Minute) }
	r1, err := c.Report(context.Background(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	got0, got1 := r0.Channels[0], r1.Channels[0]
	if got0.Target != 1000 || got0.Received != 700 || got0.Displayed != 0 {
		t.Errorf("at send: %+v", got0)
	}
	if got1.Received != 920 || got1.Displayed != 745 || got1.Clicked != 89 {
		t.Errorf("after ramp-up: %+v", got1)
	}
	if _, err := c.Report(context.Background(), "nope"); err == nil {
		t.Error("unknown task id accepted")
	}
}

func TestTagAndConditionsCount(t *testing.T) {
	c := mustNew(t, `{"devices": 2000}`)
	vip, android := 0, 0
	for _, d := range c.Fleet() {
		isVIP := false
		for _, tg := range d.Tags {
			if tg == "vip" {
				isVIP = true
			}
		}
		if isVIP {
			vip++
			if d.Platform == "android" {
				android++
			}
		}
	}
	if got := c.countMatching(providers.Target{Kind: providers.AudienceTag, Values: []string{"vip"}}); got != vip || vip == 0 {
		t.Errorf("tag vip: %d, want %d", got, vip)
	}
	conds := []providers.Condition{{Key: "custom_tag", Values: []string{"vip"}, Op: "or"}, {Key: "phone_type", Values: []string{"ios"}, Op: "not"}}
	if got := c.countMatching(providers.Target{Kind: providers.AudienceConditions, Conditions: conds}); got != android {
		t.Errorf("vip AND NOT ios: %d, want %d", got, android)
	}
}
