package apnsfake

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const goodToken = "1111111111111111111111111111111111111111111111111111111111111111"

// signed is a provider token signed by key material of the test's choice.
func (s *Server) signed(t *testing.T, kid, iss string, iat time.Time) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": iss, "iat": iat.Unix()})
	tok.Header["kid"] = kid
	raw, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestStrictness sends hand-made requests and checks the fake refuses
// each departure from the protocol with Apple's status and reason.
func TestStrictness(t *testing.T) {
	f := New(t)
	now := time.Now()
	alert := `{"aps":{"alert":{"body":"hi"}}}`
	type req struct {
		path, auth, body string
		hdr              map[string]string
	}
	good := func() req {
		return req{path: "/3/device/" + goodToken, auth: "bearer " + f.signed(t, KeyID, TeamID, now), body: alert,
			hdr: map[string]string{"apns-topic": BundleID, "apns-push-type": "alert", "apns-priority": "10",
				"apns-id": "123e4567-e89b-42d3-a456-426614174000", "apns-collapse-id": "c"}}
	}
	tests := []struct {
		name   string
		edit   func(r *req)
		status int
		reason string
	}{
		{"accepted", func(*req) {}, 200, ""},
		{"no token", func(r *req) { r.auth = "" }, 403, "MissingProviderToken"},
		{"wrong kid", func(r *req) { r.auth = "bearer " + f.signed(t, "KEY9999999", TeamID, now) }, 403, "InvalidProviderToken"},
		{"wrong team", func(r *req) { r.auth = "bearer " + f.signed(t, KeyID, "TEAM999999", now) }, 403, "InvalidProviderToken"},
		{"tampered", func(r *req) { r.auth += "x" }, 403, "InvalidProviderToken"},
		{"over an hour old", func(r *req) { r.auth = "bearer " + f.signed(t, KeyID, TeamID, now.Add(-61*time.Minute)) }, 403, "ExpiredProviderToken"},
		{"no topic", func(r *req) { delete(r.hdr, "apns-topic") }, 400, "MissingTopic"},
		{"other topic", func(r *req) { r.hdr["apns-topic"] = "com.other" }, 400, "TopicDisallowed"},
		{"bad push type", func(r *req) { r.hdr["apns-push-type"] = "voip" }, 400, "InvalidPushType"},
		{"bad priority", func(r *req) { r.hdr["apns-priority"] = "7" }, 400, "BadPriority"},
		{"long collapse id", func(r *req) { r.hdr["apns-collapse-id"] = strings.Repeat("c", 65) }, 400, "BadCollapseId"},
		{"bad apns-id", func(r *req) { r.hdr["apns-id"] = "nope" }, 400, "BadMessageId"},
		{"bad expiration", func(r *req) { r.hdr["apns-expiration"] = "tomorrow" }, 400, "BadExpirationDate"},
		{"too large", func(r *req) { r.body = `{"aps":{"alert":"` + strings.Repeat("x", MaxPayload) + `"}}` }, 413, "PayloadTooLarge"},
		{"empty", func(r *req) { r.body = "" }, 400, "PayloadEmpty"},
		{"no aps", func(r *req) { r.body = `{"a":1}` }, 400, "BadPayload"},
		{"background at 10", func(r *req) {
			r.hdr["apns-push-type"], r.body = "background", `{"aps":{"content-available":1}}`
		}, 400, "BadPriority"},
		{"background with alert", func(r *req) {
			r.hdr["apns-push-type"], r.hdr["apns-priority"] = "background", "5"
		}, 400, "InvalidPushType"},
		{"short device token", func(r *req) { r.path = "/3/device/abc" }, 400, "BadDeviceToken"},
		{"zero device token", func(r *req) { r.path = "/3/device/" + zeroToken }, 400, "BadDeviceToken"},
		{"wrong path", func(r *req) { r.path = "/2/device/" + goodToken }, 404, "BadPath"},
	}
	hc := f.Client()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.edit(&r)
			hr, err := http.NewRequest(http.MethodPost, f.URL()+r.path, bytes.NewReader([]byte(r.body)))
			if err != nil {
				t.Fatal(err)
			}
			if r.auth != "" {
				hr.Header.Set("authorization", r.auth)
			}
			for k, v := range r.hdr {
				hr.Header.Set(k, v)
			}
			resp, err := hc.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			if resp.ProtoMajor != 2 {
				t.Fatalf("answered over %s", resp.Proto)
			}
			var ab struct{ Reason string }
			if resp.StatusCode != 200 {
				if err := json.NewDecoder(resp.Body).Decode(&ab); err != nil {
					t.Fatal(err)
				}
			}
			if resp.StatusCode != tc.status || ab.Reason != tc.reason {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, ab.Reason, tc.status, tc.reason)
			}
		})
	}
	if got := len(f.Deliveries(goodToken)); got != 1 {
		t.Fatalf("%d deliveries recorded, want the accepted one", got)
	}
	if got := len(f.TokenChanges()); got < 2 {
		t.Fatalf("token changes %d", got)
	}
}

// TestHTTP1Refused: APNs speaks HTTP/2 only.
func TestHTTP1Refused(t *testing.T) {
	f := New(t)
	hc := f.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	tr.TLSClientConfig.NextProtos = nil
	resp, err := (&http.Client{Transport: tr}).Post(f.URL()+"/3/device/"+goodToken, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusHTTPVersionNotSupported {
		t.Fatalf("HTTP/1.1 answered %d", resp.StatusCode)
	}
}
