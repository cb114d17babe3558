// Package fcmfake is an httptest fake of Firebase Cloud Messaging HTTP v1
// and of the Google OAuth2 token endpoint a service account signs in at.
//
// It speaks HTTP/2 over TLS, as fcm.googleapis.com does. The token endpoint
// verifies the JWT assertion (RS256 signature with the service account's
// public key, issuer, scope, audience, lifetime) and issues short-lived
// bearer tokens; messages:send checks the bearer token, decodes the body
// refusing unknown fields, checks every field against the v1 Message
// resource (one target; string data without reserved keys, within 4096
// bytes or 2048 for topics; android priority and ttl; apns headers and
// payload; topic names and conditions of at most five topics; analytics
// label), and answers google.rpc.Status errors with FcmError details as
// FCM does. It records every delivery per token with its collapse key, so
// a test can ask how often each device got a message.
//
// Knobs (methods on *Server, safe for concurrent use) script faults: 5xx,
// 429 with Retry-After, answers lost after delivery (the stream is reset),
// expired access tokens, per-token UNREGISTERED, INVALID_ARGUMENT and
// THIRD_PARTY_AUTH_ERROR, delays. The key pair is generated when the fake
// starts; no key file exists anywhere.
package fcmfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Defaults of a fake project.
const (
	DefaultProjectID   = "pushdeck-fake"
	DefaultClientEmail = "pushdeck@pushdeck-fake.iam.gserviceaccount.com"
	// DefaultTokenTTL is the expires_in of issued access tokens. Google
	// issues hour-long tokens; the fake's are short so that a test sees
	// the client fetch new ones.
	DefaultTokenTTL = 15 * time.Second
	// Scope is the OAuth2 scope messages:send requires.
	Scope = "https://www.googleapis.com/auth/firebase.messaging"
)

// Paths served.
const (
	PathToken = "/token"
	// sendPrefix and sendSuffix frame /v1/projects/{project_id}/messages:send.
	sendPrefix = "/v1/projects/"
	sendSuffix = "/messages:send"
)

// Option configures a Server.
type Option func(*Server)

// WithTokenTTL sets the lifetime (expires_in) of issued access tokens.
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// WithProject sets the project id of the service account.
func WithProject(id string) Option { return func(s *Server) { s.project = id } }

// WithKey uses k as the service account's key instead of generating one
// (tests that start many fakes share one).
func WithKey(k *rsa.PrivateKey) Option { return func(s *Server) { s.key = k } }

// Delivery is one message FCM took for one token (validate_only ones are
// not deliveries).
type Delivery struct {
	Token string
	// Name is the message name answered.
	Name string
	// CollapseKey is android.collapse_key, Tag android.notification.tag,
	// APNSCollapseID the apns-collapse-id header.
	CollapseKey, Tag, APNSCollapseID string
	// Title and Body are the message's notification, so a test can tell
	// each token got its own text.
	Title, Body string
	At          time.Time
}

// Server is a fake FCM and token endpoint. Its URL is the base URL to
// configure; the service account's token_uri points at it too.
type Server struct {
	// URL is the fake's root (https://127.0.0.1:port).
	URL string
	ts  *httptest.Server

	project, email string
	key            *rsa.PrivateKey
	ttl            time.Duration

	inFlight, maxInFlight, h2 atomic.Int64

	// parse remembers decoded messages; it has its own lock.
	parse parseCache

	mu         sync.Mutex
	seq        int
	tokens     map[string]time.Time // access token → expiry
	tokenCalls int
	revoked    bool
	faults     faultPlan
	lossNext   int
	lossEvery  int
	sends      int // messages:send calls counted for lossEvery
	delay      time.Duration
	perToken   map[string]string // token → FCM errorCode answered for it
	deliveries map[string][]Delivery
	bodies     [][]byte
	validated  int
	calls      int
	lost       int
}

// maxBodies is how many accepted request bodies are kept for tests that
// read them; a 100,000-message run keeps only counts beyond it.
const maxBodies = 2000

// New starts a fake over HTTP/2 and TLS and registers its shutdown with
// t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{project: DefaultProjectID, email: DefaultClientEmail, ttl: DefaultTokenTTL,
		tokens: map[string]time.Time{}, perToken: map[string]string{}, deliveries: map[string][]Delivery{}}
	for _, o := range opts {
		o(s)
	}
	if s.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("fcmfake: generate key: %v", err)
		}
		s.key = k
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.ts.EnableHTTP2 = true
	s.ts.StartTLS()
	s.URL = s.ts.URL
	t.Cleanup(s.ts.Close)
	return s
}

// Client returns an HTTP client that trusts the fake's certificate and
// speaks HTTP/2 to it.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// CertificatePEM is the fake's TLS certificate, for a process that must
// trust it (SSL_CERT_FILE).
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw})
}

// ProjectID is the service account's project.
func (s *Server) ProjectID() string { return s.project }

// ServiceAccountJSON is the service-account key file whose token_uri is
// this fake.
func (s *Server) ServiceAccountJSON() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	b, err := json.MarshalIndent(map[string]string{
		"type": "service_account", "project_id": s.project, "private_key_id": "fakekey0001",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": s.email, "client_id": "100000000000000000001",
		"auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": s.URL + PathToken,
	}, "", "  ")
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return b
}

// Credentials returns an fcm account's credentials object for this fake.
func (s *Server) Credentials() json.RawMessage {
	b, err := json.Marshal(map[string]string{"service_account": string(s.ServiceAccountJSON())})
	if err != nil {
		panic(err)
	}
	return b
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 {
		s.h2.Add(1)
	}
	switch {
	case r.URL.Path == PathToken:
		s.serveToken(w, r)
	case strings.HasPrefix(r.URL.Path, sendPrefix) && strings.HasSuffix(r.URL.Path, sendSuffix):
		n := s.inFlight.Add(1)
		for {
			m := s.maxInFlight.Load()
			if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		defer s.inFlight.Add(-1)
		s.serveSend(w, r)
	default:
		writeStatus(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.", nil)
	}
}
