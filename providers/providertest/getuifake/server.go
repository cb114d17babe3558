// Package getuifake is an httptest fake of the GeTui REST API v2 for tests:
// it checks every request strictly (method, path, token header, auth sign,
// JSON field names and types, request_id rules, list sizes, audience
// shapes) and answers as GeTui does, with GeTui's codes for bad requests. It
// keeps state like the service (tokens with expiry, request_id
// de-duplication, task ids, per-task and per-group statistics) and has
// scripted-fault knobs that are safe to use concurrently.
package getuifake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default credentials of a fake account: GeTui's documented example values.
const (
	AppID        = "JroCkPGgpF6LzFQqqoWlhA"
	AppKey       = "Mjv706pTKt5cTcjtqaToz8"
	MasterSecret = "uIBtmad7RK706cy5MKdfp3"
)

// Request is one request the fake received.
type Request struct {
	Method string
	// Path is the full URL path, e.g. /v2/{appId}/push/single/cid.
	Path string
	// Route is the path after /v2/{appId}, e.g. /push/single/cid.
	Route  string
	Query  string
	Header http.Header
	Body   []byte
}

// Option configures a Server at construction.
type Option func(*Server)

// WithCredentials sets the account the fake accepts.
func WithCredentials(appID, appKey, masterSecret string) Option {
	return func(s *Server) { s.appID, s.appKey, s.masterSecret = appID, appKey, masterSecret }
}

// WithTokenTTL sets the lifetime of issued tokens (default 24 h, as GeTui).
func WithTokenTTL(d time.Duration) Option {
	return func(s *Server) { s.tokenTTL = d }
}

// Server is a fake GeTui service. Its knobs are methods, safe for
// concurrent use.
type Server struct {
	srv                         *httptest.Server
	appID, appKey, masterSecret string

	mu        sync.Mutex
	tokenTTL  time.Duration
	tokens    map[string]time.Time // token → expiry
	authCalls []time.Time
	authLimit int
	requests  []Request
	seq       int

	requestIDs map[string]any // request_id → data first answered
	dupReplay  bool
	tasks      map[string]*task
	groups     map[string]*stats
	groupRaw   map[string]json.RawMessage
	invalid    map[string]bool
	delivered  map[string]int // cid or alias → pushes to it
	received   map[string][]Shown
	online     map[string]bool
	appUsers   int
	broadcasts []time.Time
	// clicks maps a notification title to the percent of its recipients
	// who click (SetClickPercent); other titles click at the fixed rate.
	clicks map[string]int

	delay       time.Duration
	reportDelay [2]time.Duration // SetReportDelay: min, max
	faults      []fault
	malformed   int
}

// fault is one scripted answer: an HTTP status without a JSON body, or a
// GeTui code with its status.
type fault struct {
	route  string // empty: any route
	status int
	code   int
	msg    string
	// after: the request is carried out first, then the status answered
	// in place of GeTui's answer.
	after bool
}

// New starts a fake GeTui server and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		appID: AppID, appKey: AppKey, masterSecret: MasterSecret,
		tokenTTL:   24 * time.Hour,
		tokens:     map[string]time.Time{},
		authLimit:  100,
		requestIDs: map[string]any{},
		tasks:      map[string]*task{},
		groups:     map[string]*stats{},
		groupRaw:   map[string]json.RawMessage{},
		invalid:    map[string]bool{},
		delivered:  map[string]int{},
		received:   map[string][]Shown{},
		online:     map[string]bool{},
		appUsers:   1000,
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to configure (the client appends /v2/{appId}/...).
func (s *Server) URL() string { return s.srv.URL }

// Credentials is the credentials JSON of the fake's account.
func (s *Server) Credentials() json.RawMessage {
	// A map of strings always marshals: the error is always nil.
	b, _ := json.Marshal(map[string]string{"app_id": s.appID, "app_key": s.appKey, "master_secret": s.masterSecret})
	return b
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the requests whose Route is route.
func (s *Server) RequestsTo(route string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// AuthCalls counts POST /auth requests received.
func (s *Server) AuthCalls() int { return len(s.RequestsTo("/auth")) }

// FailNext makes the next n requests (any route, /auth included) answer
// the HTTP status with a plain-text body, as a gateway in front of GeTui
// does for 5xx.
func (s *Server) FailNext(n, status int) {
	s.push(n, fault{status: status})
}

// FailNextOn is FailNext for the requests to one route only, e.g.
// "/push/list/cid" (the path after /v2/{appId}).
func (s *Server) FailNextOn(route string, n, status int) {
	s.push(n, fault{route: route, status: status})
}

// FailNextCode makes the next n requests (any route, /auth included)
// answer a GeTui code with the HTTP status GeTui uses for it (10xxx 401,
// 2xxxx 400, 30xxx 403, else 200), e.g. FailNextCode(1, 10005, msg) for the
// per-minute API limit.
func (s *Server) FailNextCode(n, code int, msg string) {
	s.push(n, fault{status: statusFor(code), code: code, msg: msg})
}

// FailNextCodeOn is FailNextCode for the requests to one route only.
func (s *Server) FailNextCodeOn(route string, n, code int, msg string) {
	s.push(n, fault{route: route, status: statusFor(code), code: code, msg: msg})
}

// LoseNextOn carries out the next n requests to route as usual and then
// answers the HTTP status with a plain-text body in place of GeTui's
// answer, as a gateway's 5xx after GeTui did the work: the client loses the
// answer (a task id, the per-cid statuses) of a request that took effect.
func (s *Server) LoseNextOn(route string, n, status int) {
	s.push(n, fault{route: route, status: status, after: true})
}

func (s *Server) push(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// MalformedNext makes the next n requests (any route) answer HTTP 200 with
// a body that is not JSON.
func (s *Server) MalformedNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformed += n
}

// SetDelay delays every answer by d (0 for none), to provoke timeouts.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// ExpireTokens makes every token issued so far expired: the next business
// call with one answers 10001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// SetTokenTTL sets the lifetime of tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// SetAuthLimit sets how many /auth calls a minute are allowed before 10003
// (GeTui: 100).
func (s *Server) SetAuthLimit(perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authLimit = perMinute
}

// SetInvalid marks cids or aliases as unknown to the app: a single push to
// one answers 400/20001 "target user is invalid", a list or batch push
// gives it status successed_ignore (GeTui: invalid user, message
// dropped), and a list of nothing but invalid ones answers 20001.
func (s *Server) SetInvalid(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.invalid[id] = true
	}
}

// SetOnline marks cids or aliases as online (successed_online); the others
// are offline (successed_offline).
func (s *Server) SetOnline(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.online[id] = true
	}
}

// SetDuplicateReplay chooses the answer to a repeated request_id. GeTui
// drops such a request without documenting the answer:
// by default the fake answers code 0 without data; with replay it answers
// the data of the first request (same taskid and statuses). Nothing is sent
// again either way.
func (s *Server) SetDuplicateReplay(replay bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dupReplay = replay
}

// SetAppUsers sets how many users /push/all reaches (default 1000); a
// /push/tag reaches a deterministic part of them.
func (s *Server) SetAppUsers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appUsers = n
}

// takeFault removes and returns the first scripted fault for route. Must
// hold s.mu.
func (s *Server) takeFault(route string) *fault {
	for i, f := range s.faults {
		if f.route == "" || f.route == route {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			return &f
		}
	}
	return nil
}

// serve records the request, applies the scripted faults and routes it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	prefix := "/v2/" + s.appID
	route, under := strings.CutPrefix(r.URL.Path, prefix)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Route: route,
		Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	delay := s.delay + s.routeDelay(route)
	f := s.takeFault(route)
	malformed := f == nil && s.malformed > 0
	if malformed {
		s.malformed--
	}
	s.mu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case f != nil && f.after:
		s.route(httptest.NewRecorder(), r, route, body)
		http.Error(w, http.StatusText(f.status), f.status)
	case f != nil && f.code == 0:
		http.Error(w, http.StatusText(f.status), f.status)
	case f != nil:
		writeEnvelope(w, f.status, f.code, f.msg, nil)
	case malformed:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = io.WriteString(w, `{"code":0,"msg":"","data":{"taskid": `) // truncated on purpose
	case !under || !strings.HasPrefix(route, "/"):
		http.NotFound(w, r)
	default:
		s.route(w, r, route, body)
	}
}
