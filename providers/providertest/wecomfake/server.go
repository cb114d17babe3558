// Package wecomfake is an httptest fake of WeCom (企业微信) application
// messages: /cgi-bin/gettoken, /cgi-bin/message/send,
// /cgi-bin/message/recall and /cgi-bin/message/get_statistics
// (gettoken, message/send, recall, get_statistics), strictly as documented.
//
// It checks each request as strictly as the real service (method, query
// token, JSON field names and types with unknown fields refused, per-msgtype
// fields, recipient limits 1000/100/100, 2048-byte content, duplicate check
// interval ≤ 14400) and answers with WeCom's errcodes over HTTP 200. It keeps
// state like the service: issued tokens with expiry, delivered messages with
// msgids, the duplicate-check window, recalls. Knobs (methods on *Server,
// safe for concurrent use) script faults: HTTP 5xx, delays, malformed JSON,
// frequency limit 45009, system busy -1, token expiry mid-run, invalid or
// unlicensed recipients, answers lost after the work was done.
//
// Where the documentation is silent the fake's choice is marked [I] and
// noted on the knob or handler.
package wecomfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults of a fake corp: one self-built app.
const (
	DefaultCorpID     = "wwfakecorp0000001"
	DefaultCorpSecret = "fake-app-secret-0001"
	DefaultAgentID    = 1000002
	// DefaultTokenTTL is gettoken's expires_in (7200 s).
	DefaultTokenTTL = 7200 * time.Second
)

// Paths served.
const (
	PathToken  = "/cgi-bin/gettoken"
	PathSend   = "/cgi-bin/message/send"
	PathRecall = "/cgi-bin/message/recall"
	// PathStatistics is the per-app daily statistics (doc 92369).
	PathStatistics = "/cgi-bin/message/get_statistics"
)

// Option configures a Server.
type Option func(*Server)

// WithApp sets the corp id, the app secret and the app's agentid.
func WithApp(corpID, secret string, agentID int) Option {
	return func(s *Server) { s.corpID, s.secret, s.agentID = corpID, secret, agentID }
}

// WithTokenTTL sets the lifetime (expires_in) of issued tokens.
func WithTokenTTL(d time.Duration) Option {
	return func(s *Server) { s.ttl = d }
}

// Request is one recorded call with what the fake answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Status is the HTTP status answered (0 while a delayed call is still
	// being answered); ErrCode the errcode when the answer was a
	// well-formed envelope (otherwise 0 and Malformed or Status says why).
	Status    int
	ErrCode   int
	Malformed bool
	// Lost is true when the call was processed and its answer then lost
	// (LoseAnswerNext, LoseAnswerEvery).
	Lost bool
}

// Message is one accepted message/send.
type Message struct {
	MsgID   string
	MsgType string
	AgentID int
	// All is true for touser "@all".
	All bool
	// ToUser, ToParty and ToTag are the ids as requested.
	ToUser, ToParty, ToTag []string
	// Delivered are the users (lower-cased, as WeCom reports them),
	// parties and tags that were valid; none for a duplicate.
	Delivered []string
	// Body is the request JSON as received.
	Body []byte
	// Duplicate is true when enable_duplicate_check suppressed this one:
	// an identical body was accepted within the interval, so nothing was
	// delivered and MsgID is the earlier message's.
	Duplicate bool
	Recalled  bool
	At        time.Time
}

type token struct {
	expires time.Time
}

type fault struct {
	n       int
	status  int
	errcode int
	errmsg  string
}

type dupEntry struct {
	at    time.Time
	msgID string
}

// Server is a fake WeCom API. Its URL is the base URL to configure.
type Server struct {
	// URL is the fake's root (scheme://host:port), the client's base URL.
	URL string
	ts  *httptest.Server

	corpID, secret string
	agentID        int
	ttl            time.Duration

	mu             sync.Mutex
	offset         time.Duration
	seq            int
	tokens         map[string]*token
	invalidUsers   map[string]bool
	invalidParties map[string]bool
	invalidTags    map[string]bool
	unlicensed     map[string]bool
	httpFail       fault // message calls
	tokenFail      fault // gettoken
	codeFail       fault // message calls
	malformed      int
	delay          time.Duration
	loss           lossPlan
	dedupe         map[string]dupEntry
	messages       []Message
	requests       []Request
	appName        string
	otherApps      map[int]otherApp
}

// New starts a fake and registers its shutdown with t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		corpID: DefaultCorpID, secret: DefaultCorpSecret, agentID: DefaultAgentID, ttl: DefaultTokenTTL,
		tokens: map[string]*token{}, dedupe: map[string]dupEntry{},
		invalidUsers: map[string]bool{}, invalidParties: map[string]bool{},
		invalidTags: map[string]bool{}, unlicensed: map[string]bool{},
		appName: DefaultAppName, otherApps: map[int]otherApp{},
	}
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	t.Cleanup(s.ts.Close)
	return s
}

// Credentials returns the credentials JSON that the fake accepts.
func (s *Server) Credentials() json.RawMessage {
	b, err := json.Marshal(map[string]any{"corp_id": s.corpID, "corp_secret": s.secret, "agent_id": s.agentID})
	if err != nil {
		panic(err) // a map of strings and an int always marshals
	}
	return b
}

// reply is what a handler answers.
type reply struct {
	status    int
	body      []byte
	errcode   int
	malformed bool
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	// Recorded on arrival, so a call whose client timed out during a delay
	// is visible at once; the answer is filled in below.
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
	})
	d := s.delay
	s.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}

	s.mu.Lock()
	var rep reply
	switch r.URL.Path {
	case PathToken:
		rep = s.handleToken(r)
	case PathSend:
		rep = s.handleMessage(r, body, s.send)
	case PathRecall:
		rep = s.handleMessage(r, body, s.recall)
	case PathStatistics:
		rep = s.handleMessage(r, body, s.statistics)
	default:
		rep = reply{status: http.StatusNotFound, body: []byte("404 page not found")}
	}
	loss, lost := s.takeLoss(r.URL.Path, rep)
	if lost && loss.Status != 0 {
		rep = reply{status: loss.Status, body: []byte("<html><body>upstream error</body></html>")}
	}
	rec := &s.requests[idx]
	rec.Status, rec.ErrCode, rec.Malformed, rec.Lost = rep.status, rep.errcode, rep.malformed, lost
	s.mu.Unlock()
	if lost && loss.Hang > 0 {
		select {
		case <-time.After(loss.Hang):
		case <-r.Context().Done():
			return // the caller gave up: it never sees the answer
		}
	}

	if rep.status == http.StatusOK && !rep.malformed {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	} else {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body) // the client may have gone away; nothing to do about it
}

// handleMessage applies the message-call faults and the token check, then
// runs the endpoint. Called with s.mu held.
func (s *Server) handleMessage(r *http.Request, body []byte, h func(*http.Request, []byte) reply) reply {
	if take(&s.httpFail) {
		return reply{status: s.httpFail.status, body: []byte("<html><body>upstream error</body></html>")}
	}
	if s.malformed > 0 {
		s.malformed--
		return reply{status: http.StatusOK, body: []byte(`{"errcode":0,"errmsg":"ok","msgid":`), malformed: true}
	}
	if rep, ok := s.checkToken(r.URL.Query()); !ok {
		return rep
	}
	if take(&s.codeFail) {
		return errReply(s.codeFail.errcode, s.codeFail.errmsg)
	}
	if r.Method != http.MethodPost {
		return errReply(40058, "invalid Request Parameter, the method must be POST")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return errReply(40058, "invalid Request Parameter, Content-Type must be application/json")
	}
	return h(r, body)
}

func take(f *fault) bool {
	if f.n <= 0 {
		return false
	}
	f.n--
	return true
}

// now is the fake's clock (wall clock plus Advance). Called with s.mu held.
func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// errReply is a WeCom error envelope over HTTP 200, errmsg shaped like the
// real one ("…, more info at …?e=CODE").
func errReply(code int, msg string) reply {
	return okReply(code, map[string]any{
		"errcode": code,
		"errmsg":  msg + ", hint: [fake], more info at https://open.work.weixin.qq.com/devtool/query?e=" + itoa(code),
	})
}

func okReply(code int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{status: http.StatusInternalServerError, body: []byte(err.Error())}
	}
	return reply{status: http.StatusOK, body: b, errcode: code}
}
