package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
)

// apiError writes the contract's error shape.
func apiError(c *gin.Context, status int, code, msg string, fields map[string]string) {
	body := gin.H{"code": code, "message": msg}
	if len(fields) > 0 {
		body["fields"] = fields
	}
	c.JSON(status, gin.H{"error": body})
}

// apiFail maps an error to the contract: validation → 422 with fields,
// not found → 404, conflict → 409, provider refusal → 422, else 500
// (logged, never echoed).
func (s *Server) apiFail(c *gin.Context, err error) {
	var ve *models.ValidationError
	var te *models.TransitionError
	switch {
	case nulBody(c, err):
	case errors.As(err, &ve):
		loc := s.cat.Localizer("en")
		fields := map[string]string{}
		for k, fe := range ve.Fields {
			fields[k] = loc.T(fe.ID, fe.Data)
		}
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", fields)
	case errors.As(err, &te):
		apiError(c, http.StatusConflict, "conflict", te.Error(), nil)
	case errors.Is(err, models.ErrNotFound):
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
	case errors.Is(err, models.ErrConflict):
		apiError(c, http.StatusConflict, "conflict", "conflicts with the current state", nil)
	case isProviderFailure(err):
		f := dispatch.FailureOf(err)
		var fields map[string]string
		if len(f.Problems) > 0 {
			// Unusable settings, each named with its reason in English.
			loc := s.cat.Localizer("en")
			fields = map[string]string{}
			for _, p := range f.Problems {
				fields[p.Field] = loc.T(p.MsgID, p.Args)
			}
		}
		apiError(c, http.StatusUnprocessableEntity, "provider_error", f.Detail, fields)
	case errors.Is(err, models.ErrUnreadableSecret):
		apiError(c, http.StatusConflict, "credentials_unreadable", "the account's stored credentials were sealed with another secret key: send them again", nil)
	default:
		s.log.Error("api request failed", slog.Any("error", err), slog.String("path", c.Request.URL.Path))
		apiError(c, http.StatusInternalServerError, "internal", "internal error", nil)
	}
}

// decodeJSON decodes a strict JSON body as it streams in (the route's
// limit already wraps it): unknown fields, trailing data and wrong types
// are a 400 naming the problem, a body over the limit a 413 naming it.
func (s *Server) decodeJSON(c *gin.Context, dst any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		jsonFail(c, err)
		return false
	}
	return jsonEnds(c, dec)
}

// decodeJSONArray decodes a JSON array element by element with each, and
// stops with a 422 on field once it holds more than max elements, before
// reading the rest: the count is checked while decoding, so an oversize
// list is never held whole.
func (s *Server) decodeJSONArray(c *gin.Context, max int, field string, each func(*json.Decoder) error) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil {
		jsonFail(c, err)
		return false
	}
	if tok != json.Delim('[') {
		apiError(c, http.StatusBadRequest, "malformed_json", "the body must be a JSON array", nil)
		return false
	}
	for n := 0; dec.More(); n++ {
		if n == max {
			c.Header("Connection", "close")
			apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid",
				map[string]string{field: s.cat.Localizer("en").T("err.too_many", map[string]any{"Max": max})})
			return false
		}
		if err := each(dec); err != nil {
			jsonFail(c, err)
			return false
		}
	}
	if _, err := dec.Token(); err != nil {
		jsonFail(c, err)
		return false
	}
	return jsonEnds(c, dec)
}

// jsonEnds checks that nothing but white space follows the decoded value:
// trailing data is a 400, a body that passes its limit there a 413.
func jsonEnds(c *gin.Context, dec *json.Decoder) bool {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil && (tooLargeJSON(c, err) || nulBody(c, err)) {
			return false
		}
		apiError(c, http.StatusBadRequest, "malformed_json", "unexpected data after the JSON value", nil)
		return false
	}
	return true
}

// jsonFail answers a decode error: 413 for a body over its limit, else 400.
func jsonFail(c *gin.Context, err error) {
	if !tooLargeJSON(c, err) && !nulBody(c, err) {
		apiError(c, http.StatusBadRequest, "malformed_json", jsonProblem(err), nil)
	}
}

// tooLargeJSON answers 413 when err is the route's body limit.
func tooLargeJSON(c *gin.Context, err error) bool {
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		return false
	}
	c.Header("Connection", "close")
	apiError(c, http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than "+sizeText(mbe.Limit), nil)
	return true
}

// jsonProblem explains a decode error without echoing internals.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	case errors.Is(err, io.EOF):
		return "empty body"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "invalid JSON body"
}

// pageLimit reads ?limit= (1..500, default 50); a bad value is a 422.
func pageLimit(c *gin.Context) (int, bool) {
	raw := c.Query("limit")
	if raw == "" {
		return 50, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 500 {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"limit": "must be an integer from 1 to 500"})
		return 0, false
	}
	return n, true
}
