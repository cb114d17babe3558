package getuifake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GeTui codes the fake answers, with GeTui's meanings.
const (
	codeNotJSON       = 1
	codeTokenInvalid  = 10001
	codeAuthPerMinute = 10003
	codeParam         = 20001
	codeNoSchedule    = 30002
	codeTagLength     = 30005
	codeAllPerDay     = 30007
	codeTagPerDay     = 30010
	codeAppPerMinute  = 30014
	codeTooManyTags   = 30016
)

// msgTokenInvalid is GeTui's 10001 message.
const msgTokenInvalid = "token错误/失效"

// apiError is a refusal: a GeTui code, its message and HTTP status.
type apiError struct {
	code int
	msg  string
}

func paramErr(format string, args ...any) *apiError {
	return &apiError{code: codeParam, msg: fmt.Sprintf(format, args...)}
}

// statusFor is the HTTP status GeTui uses for a code.
func statusFor(code int) int {
	switch {
	case code >= 10000 && code < 20000:
		return http.StatusUnauthorized
	case code >= 20000 && code < 30000:
		return http.StatusBadRequest
	case code >= 30000 && code < 40000:
		return http.StatusForbidden
	}
	return http.StatusOK
}

// envelope is GeTui's answer.
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	Data any    `json:"data,omitempty"`
}

func writeEnvelope(w http.ResponseWriter, status, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	// A write error means the client went away; nothing to do.
	_ = json.NewEncoder(w).Encode(envelope{Code: code, Msg: msg, Data: data})
}

func writeErr(w http.ResponseWriter, e *apiError) {
	writeEnvelope(w, statusFor(e.code), e.code, e.msg, nil)
}

func writeOK(w http.ResponseWriter, data any) {
	writeEnvelope(w, http.StatusOK, 0, "", data)
}

// decodeStrict decodes a JSON body into v, refusing unknown fields, wrong
// types and trailing data with GeTui's 20001 variants ([I] for the field
// names in messages).
func decodeStrict(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return &apiError{code: codeNotJSON, msg: "body is not json"}
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return paramErr("%s type error", te.Field)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return paramErr("%s is invalid", strings.Trim(f, `"`))
	}
	return &apiError{code: codeNotJSON, msg: "body is not json"}
}

// routeFunc answers one authenticated request: the data of a success, or
// a refusal.
type routeFunc func(s *Server, r *http.Request, body []byte) (any, *apiError)

// handler finds the handler of a route (report and token routes by
// prefix) and says whether the method is the route's and whether the
// route exists.
func (s *Server) handler(method, route string) (routeFunc, bool, bool) {
	table := map[string]routeFunc{
		"/push/single/cid":         (*Server).pushSingleCID,
		"/push/single/alias":       (*Server).pushSingleAlias,
		"/push/single/batch/cid":   (*Server).pushBatchCID,
		"/push/single/batch/alias": (*Server).pushBatchAlias,
		"/push/list/message":       (*Server).pushListMessage,
		"/push/list/cid":           (*Server).pushListCID,
		"/push/list/alias":         (*Server).pushListAlias,
		"/push/all":                (*Server).pushAll,
		"/push/tag":                (*Server).pushTag,
	}
	if h, ok := table[route]; ok {
		return h, method == http.MethodPost, true
	}
	switch {
	case strings.HasPrefix(route, "/report/push/task_group/"):
		return (*Server).reportGroup, method == http.MethodGet, true
	case strings.HasPrefix(route, "/report/push/task/"):
		return (*Server).reportTask, method == http.MethodGet, true
	case strings.HasPrefix(route, "/auth/"):
		return (*Server).deleteAuth, method == http.MethodDelete, true
	}
	return nil, false, false
}

// route answers one request after the scripted faults.
func (s *Server) route(w http.ResponseWriter, r *http.Request, route string, body []byte) {
	if route == "/auth" {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		data, e := s.auth(r, body)
		if e != nil {
			writeErr(w, e)
			return
		}
		writeOK(w, data)
		return
	}
	h, methodOK, found := s.handler(r.Method, route)
	switch {
	case !found:
		http.NotFound(w, r)
		return
	case !methodOK:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if e := s.checkToken(r); e != nil {
		writeErr(w, e)
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeErr(w, &apiError{code: codeNotJSON, msg: "content-type must be application/json"})
		return
	}
	data, e := h(s, r, body)
	if e != nil {
		writeErr(w, e)
		return
	}
	writeOK(w, data)
}

// checkToken requires a live token in the token header.
func (s *Server) checkToken(r *http.Request) *apiError {
	tok := r.Header.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	if tok == "" || !ok || !time.Now().Before(exp) {
		return &apiError{code: codeTokenInvalid, msg: msgTokenInvalid}
	}
	return nil
}

// authBody is POST /auth; timestamp may be a string (as documented) or a
// number (Java SDK).
type authBody struct {
	Sign      string          `json:"sign"`
	Timestamp json.RawMessage `json:"timestamp"`
	AppKey    string          `json:"appkey"`
}

// maxSkew is how far the auth timestamp may be from the fake's clock
// ("误差太大可能出错"; the tolerance is not documented [I]).
const maxSkew = 10 * time.Minute

// auth checks appkey, timestamp and sign and issues a token.
func (s *Server) auth(r *http.Request, body []byte) (any, *apiError) {
	var b authBody
	if e := decodeStrict(body, &b); e != nil {
		return nil, e
	}
	ts := strings.Trim(string(b.Timestamp), `"`)
	ms, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case b.AppKey == "" || b.Sign == "" || len(b.Timestamp) == 0:
		return nil, paramErr("sign, timestamp and appkey can not be empty")
	case b.AppKey != s.appKey:
		return nil, paramErr("appkey is invalid")
	case err != nil || len(ts) != 13:
		return nil, paramErr("timestamp is invalid")
	case time.Since(time.UnixMilli(ms)).Abs() > maxSkew:
		return nil, paramErr("timestamp is invalid")
	}
	sum := sha256.Sum256([]byte(s.appKey + ts + s.masterSecret))
	if b.Sign != hex.EncodeToString(sum[:]) {
		return nil, paramErr("sign is invalid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	recent := s.authCalls[:0]
	for _, t := range s.authCalls {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	s.authCalls = recent
	if len(s.authCalls) >= s.authLimit {
		return nil, &apiError{code: codeAuthPerMinute, msg: "auth calls per minute over limit"}
	}
	s.authCalls = append(s.authCalls, now)
	s.seq++
	tokSum := sha256.Sum256(fmt.Appendf(nil, "%s-%d-%d", s.appID, s.seq, now.UnixNano()))
	tok := hex.EncodeToString(tokSum[:16])
	exp := now.Add(s.tokenTTL)
	s.tokens[tok] = exp
	return map[string]string{"expire_time": strconv.FormatInt(exp.UnixMilli(), 10), "token": tok}, nil
}

// deleteAuth is DELETE /auth/{token}: it invalidates the token.
func (s *Server) deleteAuth(r *http.Request, _ []byte) (any, *apiError) {
	tok := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v2/"+s.appID), "/auth/")
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
	return nil, nil
}
