// Package jpushfake is an httptest fake of the JPush REST API v3: POST
// /v3/push and /v3/push/validate, GET /v3/push/cid and GET
// /v3/received/detail, push and report paths served from one root.
//
// It checks every request strictly: HTTP Basic auth (1004), the method,
// every field of the push object by name and type (an unknown key answers
// 1009, a wrong type or value 1003, a missing one 1002, a notification and
// message over 4,000 bytes 1005), the documented limits (20 tags, 1,000
// aliases or registration ids, time_to_live ≤ 10 days, big_push_duration ≤
// 1,400), and cids: only cids it issued are taken, each for a day, and a
// push repeating a cid that already pushed answers the first push's result
// and delivers nothing. It records which registration ids received which
// msg_id, and how often, for assertions. Every answer carries the
// X-Rate-Limit-* headers. Scripted faults are methods on *Server, safe to
// call while requests are served.
package jpushfake

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults for New.
const (
	DefaultAppKey       = "4f7c2a9e1b3d5f6a8c0e2b4d"
	DefaultMasterSecret = "fake-master-secret-0001"
	// DefaultBroadcastSize is how many devices "all", and each tag, reach.
	DefaultBroadcastSize = 100
	// DefaultRateLimit is the calls a minute the fake allows (JPush's
	// ordinary quota), announced in X-Rate-Limit-Limit.
	DefaultRateLimit = 600
	// cidLife is how long an issued cid is taken.
	cidLife = 24 * time.Hour
	// maxBody bounds a request body.
	maxBody = 1 << 20
)

// Paths the fake serves.
const (
	PathPush     = "/v3/push"
	PathValidate = "/v3/push/validate"
	PathCID      = "/v3/push/cid"
	PathReceived = "/v3/received/detail"
)

// Request is one request the fake received, recorded before any check.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	At       time.Time
}

// Server is the fake. Use New; its URL is the client's base URL.
type Server struct {
	srv    *httptest.Server
	appKey string

	mu        sync.Mutex
	secret    string
	offset    time.Duration // the fake's clock is real time plus Advance
	requests  []Request
	cids      map[string]*cidEntry
	nextCID   int
	nextMsgID int64
	pushes    []Push
	byMsgID   map[string]int      // msg_id → index in pushes
	delivered map[string][]string // registration id (or alias) → msg_ids
	invalid   map[string]bool
	channels  map[string]string
	// receivedPct: pushes whose body holds a text count that percent of
	// their devices as received (SetReceivedPercent).
	receivedPct map[string]int
	broadcast   int64
	rate        rateWindow
	faults      faults
}

// cidEntry is one issued cid and the push it answered, if any.
type cidEntry struct {
	issued time.Time
	answer []byte // the first successful push's answer body
}

// New starts a fake and registers its shutdown with t.Cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		appKey: DefaultAppKey, secret: DefaultMasterSecret,
		cids: map[string]*cidEntry{}, nextMsgID: 18100000000000000,
		byMsgID: map[string]int{}, delivered: map[string][]string{},
		invalid: map[string]bool{}, channels: map[string]string{},
		broadcast: DefaultBroadcastSize, rate: rateWindow{limit: DefaultRateLimit},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to configure the client with (push and report).
func (s *Server) URL() string { return s.srv.URL }

// AppKey is the app key the fake accepts.
func (s *Server) AppKey() string { return s.appKey }

// Credentials returns the credentials JSON {app_key, master_secret} the
// fake accepts.
func (s *Server) Credentials() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A map of strings always marshals.
	b, _ := json.Marshal(map[string]string{"app_key": s.appKey, "master_secret": s.secret})
	return b
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the requests to one path.
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// clock is the fake's time. Called with s.mu held.
func (s *Server) clock() time.Time { return time.Now().Add(s.offset) }

// Advance moves the fake's clock forward (cid expiry, rate windows).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, At: s.clock()})
	authed := s.authorized(r.Header.Get("Authorization"))
	s.writeRateHeaders(w)
	s.mu.Unlock()
	if err != nil {
		return // the client went away mid-body
	}
	if !authed {
		writeError(w, http.StatusUnauthorized, 1004, "Authen failed")
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusBadRequest, 1005, "Msg content too long")
		return
	}
	if s.injectFault(w, r) {
		return
	}
	switch {
	case r.URL.Path == PathPush || r.URL.Path == PathValidate:
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, 1001, "Only support HTTP Post method")
			return
		}
		s.push(w, r, body, r.URL.Path == PathValidate)
	case (r.URL.Path == PathBatchRegID || r.URL.Path == PathBatchAlias) && r.Method == http.MethodPost:
		s.batch(w, r, body, r.URL.Path == PathBatchAlias)
	case r.URL.Path == PathCID && r.Method == http.MethodGet:
		s.issueCIDs(w, r)
	case r.URL.Path == PathReceived && r.Method == http.MethodGet:
		s.received(w, r)
	default:
		writeError(w, http.StatusNotFound, 1020, "Not found")
	}
}

// authorized checks Basic base64(app_key:master_secret). Called with s.mu
// held.
func (s *Server) authorized(h string) bool {
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return false
	}
	want := s.appKey + ":" + s.secret
	return subtle.ConstantTimeCompare(raw, []byte(want)) == 1
}

// errorAnswer is JPush's error body.
type errorAnswer struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	var e errorAnswer
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":1000,"message":"encode"}}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // a write error is the client's going away
}
