// Package mxfake is an httptest fake of the MX push (MaxIM / Lanying IM)
// server API: POST /push/notify, GET /push/certificate and POST
// /push/task/detail, strictly as the server API documents them.
//
// It checks every request strictly (method, path, the app_id and
// access-token headers, JSON field names and types with unknown fields
// refused, the 500-value list limit, message types, image extensions) and
// answers with MX push's envelope and codes. It keeps state like the real
// service: request_id de-duplication, task ids and per-channel task figures,
// configured certificates. Scripted faults are methods on *Server and are
// safe to call concurrently with requests.
package mxfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults for New.
const (
	DefaultAppID = "fake-app-1"
	DefaultToken = "fake-console-token"
	// DefaultBroadcastSize is how many devices "all" (and each tag) reaches.
	DefaultBroadcastSize = 100
	// firstTaskID is above the int32 range: task ids are int64 (swagger).
	firstTaskID = int64(3_000_000_001)
)

// Request is one request the fake received, recorded before any check.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// At is when the fake received the request.
	At time.Time
}

// Option configures New.
type Option func(*Server)

// WithAppID sets the app id the fake accepts in the app_id header.
func WithAppID(id string) Option { return func(s *Server) { s.appID = id } }

// WithToken sets the console access-token the fake accepts.
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// Server is the fake. Use New; its URL is the client's base URL.
type Server struct {
	srv   *httptest.Server
	appID string

	mu         sync.Mutex
	token      string
	revoked    bool // RevokeToken: every token is refused
	requests   []Request
	nextTaskID int64
	tasks      map[int64]*Task
	taskOrder  []int64
	requestIDs map[string]int64
	// received maps a message title to the percent of its recipients
	// counted as received (SetReceivedPercent).
	received      map[string]int
	certs         map[certKey]Certificate
	invalid       map[string]bool
	channels      map[string]string
	broadcastSize int64
	faults        faults
	// lean, when set, keeps no requests and no tasks (a million pushes
	// would hold gigabytes): each push is handed to it instead, and only
	// request_id de-duplication is kept.
	lean func(values []string, m *Message)
}

// Lean makes the fake keep neither requests nor tasks, for benchmarks of
// many pushes: each push (not a duplicate) is handed to seen with its
// recipients and message, on the request's goroutine.
func Lean(seen func(values []string, m *Message)) Option {
	return func(s *Server) { s.lean = seen }
}

// New starts a fake and registers its shutdown with t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		appID:         DefaultAppID,
		token:         DefaultToken,
		nextTaskID:    firstTaskID,
		tasks:         map[int64]*Task{},
		requestIDs:    map[string]int64{},
		received:      map[string]int{},
		certs:         map[certKey]Certificate{},
		invalid:       map[string]bool{},
		channels:      map[string]string{},
		broadcastSize: DefaultBroadcastSize,
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to configure the client with.
func (s *Server) URL() string { return s.srv.URL }

// AppID is the app id the fake accepts.
func (s *Server) AppID() string { return s.appID }

// Token is the console access-token (still returned after RevokeToken, as
// the operator would still hold it).
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// Credentials returns the credentials JSON {app_id, access_token} the
// fake accepts, for providers.Config.Credentials.
func (s *Server) Credentials() json.RawMessage {
	// A map of strings always marshals, so the error cannot happen.
	b, _ := json.Marshal(map[string]string{"app_id": s.appID, "access_token": s.Token()})
	return b
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the recorded requests whose path is path.
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// envelope is MX push's response wrapper; message is null on success.
type envelope struct {
	Code    int     `json:"code"`
	Data    any     `json:"data"`
	Message *string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	// A failed write means the client went away; nothing to report to.
	_ = json.NewEncoder(w).Encode(v)
}

func writeOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, envelope{Code: 200, Data: data})
}

// writeCode answers a business error the MX way: HTTP 200, custom code.
func writeCode(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, envelope{Code: code, Message: &msg})
}

// writeHTTP answers a non-200 status with a Spring Boot style error body,
// which is what the Java service behind the API sends for those.
func writeHTTP(w http.ResponseWriter, status int, path string) {
	writeJSON(w, status, map[string]any{
		"timestamp": time.Now().UTC().Format(time.RFC3339), "status": status,
		"error": http.StatusText(status), "path": path,
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeHTTP(w, http.StatusBadRequest, r.URL.Path)
		return
	}
	s.record(r, body)
	w = s.lateAnswers(w)
	if s.injectFault(w, r) {
		return
	}
	h, method := s.route(r.URL.Path)
	if h == nil || r.Method != method {
		status := http.StatusNotFound
		if h != nil {
			status = http.StatusMethodNotAllowed
		}
		writeHTTP(w, status, r.URL.Path)
		return
	}
	if !s.authorize(w, r) {
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeHTTP(w, http.StatusUnsupportedMediaType, r.URL.Path)
		return
	}
	h(w, r, body)
}

// maxBody bounds the request body read.
const maxBody = 8 << 20

// readBody reads the request body into a buffer of its announced length
// when there is one (io.ReadAll starts at 512 bytes, grown by copies).
func readBody(r *http.Request) ([]byte, error) {
	lr := io.LimitReader(r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n < maxBody {
		return readAll(lr, make([]byte, 0, n+1)) // +1: the read that finds the end
	}
	return io.ReadAll(lr)
}

// readAll is io.ReadAll into buf, which it grows only when full.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// route returns a path's handler and its method (nil for no such path).
func (s *Server) route(path string) (func(http.ResponseWriter, *http.Request, []byte), string) {
	switch path {
	case "/push/notify":
		return s.handleNotify, http.MethodPost
	case "/push/certificate":
		return s.handleCertificate, http.MethodGet
	case "/push/task/detail":
		return s.handleTaskDetail, http.MethodPost
	}
	return nil, ""
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lean != nil {
		return
	}
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: bytes.Clone(body), At: time.Now(),
	})
}

// authorize checks app_id (required; unknown ⇒ 40000) and access-token
// (missing ⇒ 10003, wrong or revoked ⇒ 10008).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	tok, revoked := s.token, s.revoked
	s.mu.Unlock()
	if r.Header.Get("app_id") != s.appID {
		writeCode(w, 40000, "app_id not exists")
		return false
	}
	got := r.Header.Get("access-token")
	if got == "" {
		writeCode(w, 10003, "access-token is missing in header")
		return false
	}
	if revoked || got != tok {
		writeCode(w, 10008, "access-token in header is invalid")
		return false
	}
	return true
}

// decodeStrict decodes one JSON value with unknown fields refused and no
// trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	var extra json.RawMessage
	if dec.Decode(&extra) != io.EOF {
		return errTrailing
	}
	return nil
}
