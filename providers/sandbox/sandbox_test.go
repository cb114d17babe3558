package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// TestSendList: every well-formed client id is a registered device,
// seeded or imported, and is accepted (online for most, offline for the
// rest, the same way every time); only malformed ids and the ones marked
// uninstalled are invalid.
func TestSendList(t *testing.T) {
	c := mustNew(t, `{"devices": 100}`)
	imported := make([]string, 1000)
	for i := range imported {
		imported[i] = fmt.Sprintf("imported-device-%04d", i)
	}
	odd := []string{"", "two words", "tab\there", "line\nbreak", strings.Repeat("x", 257), "\xff\xfe"}
	vals := append(append([]string{CID(1), CID(99), CID(100), "invalid-042"}, imported...), odd...)
	send := func() map[string]providers.Outcome {
		res, err := c.Send(context.Background(), providers.SendRequest{RequestID: "req-0000000001", Message: providers.Message{Type: providers.TypeNotification},
			Target: providers.Target{Kind: providers.AudienceCID, Values: vals[:1000]}})
		if err != nil {
			t.Fatal(err)
		}
		res2, err := c.Send(context.Background(), providers.SendRequest{RequestID: "req-0000000002", Message: providers.Message{Type: providers.TypeNotification},
			Target: providers.Target{Kind: providers.AudienceCID, Values: vals[1000:]}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]providers.Outcome{}
		for _, o := range append(res.Outcomes, res2.Outcomes...) {
			out[o.Recipient] = o
		}
		return out
	}
	got := send()
	online := 0
	for _, v := range append([]string{CID(1), CID(99), CID(100)}, imported...) {
		o := got[v]
		if o.Status != providers.StatusAccepted || (o.Code != "successed_online" && o.Code != "successed_offline") {
			t.Errorf("%s: %+v, want accepted", v, o)
		}
		if o.Code == "successed_online" {
			online++
		}
	}
	if online < 650 || online > 760 {
		t.Errorf("%d of 1,003 online, want about 70 %%", online)
	}
	if o := got["invalid-042"]; o.Status != providers.StatusInvalid || o.Code != "uninstalled" {
		t.Errorf("invalid-042: %+v, want invalid (uninstalled)", o)
	}
	for _, v := range odd {
		if o := got[v]; o.Status != providers.StatusInvalid || o.Code != "malformed_cid" {
			t.Errorf("%q: %+v, want invalid (malformed)", v, o)
		}
	}
	again := send()
	for k, o := range got {
		if again[k] != o {
			t.Errorf("%s: %+v, then %+v: outcomes must be deterministic", k, o, again[k])
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

// TestDeclaresSimulated: the console offers the fleet seed and lists the
// kind last only for providers that declare a simulated fleet.
func TestDeclaresSimulated(t *testing.T) {
	if !Spec().Capabilities.Simulated {
		t.Fatal("the registry entry does not declare the sandbox simulated")
	}
}
