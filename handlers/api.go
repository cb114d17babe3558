package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// maxJSONBody bounds API bodies (a cid list of 1,000,000 ids fits).
const maxJSONBody = 64 << 20

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
	var pe *providers.Error
	switch {
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
	case errors.As(err, &pe):
		apiError(c, http.StatusUnprocessableEntity, "provider_error", providerMessage(err), nil)
	default:
		s.log.Error("api request failed", slog.Any("error", err), slog.String("path", c.Request.URL.Path))
		apiError(c, http.StatusInternalServerError, "internal", "internal error", nil)
	}
}

// decodeJSON reads a strict JSON body: unknown fields, trailing data, wrong
// types and oversize bodies are a 400 naming the problem.
func (s *Server) decodeJSON(c *gin.Context, dst any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
	if err != nil {
		apiError(c, http.StatusRequestEntityTooLarge, "too_large", "request body too large", nil)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		apiError(c, http.StatusBadRequest, "malformed_json", jsonProblem(err), nil)
		return false
	}
	if dec.More() {
		apiError(c, http.StatusBadRequest, "malformed_json", "unexpected data after the JSON value", nil)
		return false
	}
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
