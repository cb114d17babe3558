// Package apnsfake is a strict fake of the APNs HTTP/2 provider API for
// tests: HTTP/2 over TLS on loopback, provider tokens verified against a
// P-256 key generated when the fake starts (nothing committed), every
// header and the payload checked as APNs checks them, deliveries recorded
// per device token, and answers scripted (refusals, 5xx, 429, lost
// answers, unregistered devices).
package apnsfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Account identity the fake accepts.
const (
	TeamID   = "TEAM012345"
	KeyID    = "KEY0123456"
	BundleID = "com.example.pushdeck"
)

// maxStreams is APNs' concurrent-stream limit per connection.
const maxStreams = 1000

// MaxPayload is APNs' body limit.
const MaxPayload = 4096

// Server is one fake APNs endpoint.
type Server struct {
	t   testing.TB
	srv *httptest.Server
	key *ecdsa.PrivateKey

	mu         sync.Mutex
	now        func() time.Time
	tokens     map[string]tokenInfo // verified provider tokens
	changes    []time.Time          // fake-clock time each new provider token was first used
	deliveries map[string][]Delivery
	bodies     map[string]string // interned payloads: a campaign sends one body many times
	seen       map[string]int    // requests per device token (for first-attempt faults)
	script     []Answer
	lose       int
	gone       map[string]time.Time
	notTopic   map[string]bool
	mix        Mix
	delay      time.Duration
	verdicts   map[verdictKey]map[string]verdict
	// verdictCount is the number of verdicts kept, at most maxVerdicts.
	verdictCount int

	requests atomic.Int64
	inflight atomic.Int64
	peak     atomic.Int64
}

// Delivery is one notification the fake took.
type Delivery struct {
	Token, APNsID, CollapseID, PushType, Priority, Expiration string
	Payload                                                   string
}

// New starts a fake with a fresh key; it stops when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, key: key, now: time.Now, tokens: map[string]tokenInfo{}, deliveries: map[string][]Delivery{},
		bodies: map[string]string{}, seen: map[string]int{}, verdicts: map[verdictKey]map[string]verdict{}, gone: map[string]time.Time{}, notTopic: map[string]bool{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.EnableHTTP2 = true
	// APNs lets one connection carry up to 1000 streams once a provider
	// token is accepted; Go's server would allow 250.
	s.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // aborted streams are the lost-answer fault, not noise
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL (https, loopback).
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client that trusts the fake's certificate and
// speaks HTTP/2 to it.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// PrivateKeyPEM is the .p8 text of the fake's key.
func (s *Server) PrivateKeyPEM() string {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Credentials is an apns account's credentials object for the fake.
func (s *Server) Credentials() json.RawMessage {
	raw, err := json.Marshal(map[string]string{"team_id": TeamID, "key_id": KeyID, "private_key": s.PrivateKeyPEM(),
		"bundle_id": BundleID, "environment": "sandbox"})
	if err != nil {
		s.t.Fatal(err)
	}
	return raw
}

// SetClock replaces the clock the fake judges a provider token's age by.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Requests is how many requests reached the handler.
func (s *Server) Requests() int64 { return s.requests.Load() }

// PeakConcurrent is the most requests the fake had in flight at once.
func (s *Server) PeakConcurrent() int64 { return s.peak.Load() }

// Deliveries returns what the fake took for one device token, in order.
func (s *Server) Deliveries(token string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries[token]...)
}

// Delivered returns the number of notifications taken per device token.
func (s *Server) Delivered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.deliveries))
	for k, v := range s.deliveries {
		out[k] = len(v)
	}
	return out
}

// TokenChanges returns the fake-clock time at which each distinct
// provider token was first used, in order.
func (s *Server) TokenChanges() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.changes...)
}
