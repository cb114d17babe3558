package mxpush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
)

func TestReport(t *testing.T) {
	srv := mxfake.New(t)
	srv.SetChannel("ios1", "apns")
	srv.SetChannel("hw1", "huawei")
	c := newClient(t, srv, nil)
	res, err := c.Send(context.Background(), providers.SendRequest{RequestID: rid,
		Target:  providers.Target{Kind: providers.AudiencePushToken, Values: []string{"ios1", "hw1", "mx1", "mx2"}},
		Message: providers.Message{Type: providers.TypeNotification, Body: "b"}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	var id int64
	if _, err := fmt.Sscan(res.TaskID, &id); err != nil {
		t.Fatalf("task id %q: %v", res.TaskID, err)
	}
	srv.SetTaskStats(id, "xiaomi", mxfake.Figures{Target: 7, Sent: 6, Received: 5})

	rep, err := c.Report(context.Background(), res.TaskID)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	want := []providers.ChannelStats{
		{Channel: "apns", Target: 1, Sent: 1, Received: 1},
		{Channel: "fcm"},
		{Channel: "flyme"},
		{Channel: "huawei", Target: 1, Sent: 1, Received: 1},
		{Channel: "mxpush", Target: 2, Sent: 2, Received: 2},
		{Channel: "oppo"},
		{Channel: "vivo"},
		{Channel: "xiaomi", Target: 7, Sent: 6, Received: 5},
	}
	if !reflect.DeepEqual(rep.Channels, want) {
		t.Fatalf("Channels = %+v\nwant %+v", rep.Channels, want)
	}
	reqs := srv.RequestsTo("/push/task/detail")
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || !reflect.DeepEqual(body, map[string]any{"list": []any{float64(id)}}) {
		t.Fatalf("task/detail body %s (%v)", reqs[0].Body, err)
	}

	t.Run("unknown task gives an empty report", func(t *testing.T) {
		rep, err := c.Report(context.Background(), "42")
		if err != nil || len(rep.Channels) != 0 {
			t.Fatalf("Report = %+v, %v", rep, err)
		}
	})
	t.Run("non-integer task id refused before any call", func(t *testing.T) {
		n := len(srv.Requests())
		_, err := c.Report(context.Background(), "abc")
		asProviderError(t, err, providers.Permanent, "invalid_request")
		if len(srv.Requests()) != n {
			t.Fatal("a request was made")
		}
	})
	t.Run("malformed response", func(t *testing.T) {
		srv.MalformedNext(1)
		_, err := c.Report(context.Background(), res.TaskID)
		asProviderError(t, err, providers.Retry, "bad_response")
	})
}

func TestCertificates(t *testing.T) {
	srv := mxfake.New(t)
	srv.SetCertificate(1, 1, mxfake.Certificate{Name: "apns-prod", Certificate: "-----BEGIN…", AppSecret: "pw"})
	srv.SetCertificate(0, 1, mxfake.Certificate{Name: "apns-dev", Certificate: "-----BEGIN…"})
	srv.SetCertificate(1, 2, mxfake.Certificate{Name: "hms", AppID: "10086", AppSecret: "s3cret"})
	c := newClient(t, srv, nil)
	got, err := c.Certificates(context.Background())
	if err != nil {
		t.Fatalf("Certificates: %v", err)
	}
	want := []mxpush.Certificate{
		{Environment: 1, ProviderID: 1, Provider: "apns", Name: "apns-prod", HasSecret: true, HasCertificate: true},
		{Environment: 1, ProviderID: 2, Provider: "huawei", Name: "hms", AppID: "10086", HasSecret: true},
		{Environment: 0, ProviderID: 1, Provider: "apns", Name: "apns-dev", HasCertificate: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Certificates = %+v\nwant %+v", got, want)
	}
	reqs := srv.RequestsTo("/push/certificate")
	if len(reqs) != 14 {
		t.Fatalf("%d certificate calls, want 14 (7 providers x 2 environments)", len(reqs))
	}
	q, _ := url.ParseQuery(reqs[0].RawQuery)
	if q.Get("environment") != "1" || q.Get("provider") != "1" || reqs[0].Method != "GET" {
		t.Fatalf("first call %s ?%s", reqs[0].Method, reqs[0].RawQuery)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		script func(*mxfake.Server)
		appID  string
		class  providers.Class
		code   string // "" means success
	}{
		{name: "ok", script: func(*mxfake.Server) {}},
		{name: "revoked token", script: func(s *mxfake.Server) { s.RevokeToken() }, class: providers.Reauth, code: "10008"},
		{name: "unknown app id", script: func(*mxfake.Server) {}, appID: "other-app", class: providers.Permanent, code: "40000"},
		{name: "push disabled", script: func(s *mxfake.Server) { s.FailNextCode(1, 12006, "push not enabled") }, class: providers.Permanent, code: "12006"},
		{name: "server down", script: func(s *mxfake.Server) { s.FailNext(1, 502) }, class: providers.Retry, code: "http_502"},
		{name: "unrelated refusal means no certificate", script: func(s *mxfake.Server) { s.FailNextCode(1, 10002, "notifier not found") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mxfake.New(t)
			tt.script(srv)
			creds := srv.Credentials()
			if tt.appID != "" {
				creds = json.RawMessage(fmt.Sprintf(`{"app_id":%q,"access_token":%q}`, tt.appID, srv.Token()))
			}
			p, err := mxpush.New(providers.Config{BaseURL: srv.URL(), Credentials: creds})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			err = p.Verify(context.Background())
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			asProviderError(t, err, tt.class, tt.code)
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("%d calls, want Verify to stop at the first refusal", n)
			}
		})
	}
}
