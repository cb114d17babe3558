package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// Sentinel errors returned by Store methods. Handlers map them to 404 / 409.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// ValidationError reports invalid input by field. Field keys are the JSON
// paths of the API body ("message.title"); messages are catalog ids or plain
// English reasons with their parameters (see Msg).
type ValidationError struct {
	Fields map[string]FieldError
}

// FieldError is one field's problem: a message-catalog id and its data, so
// the page can show it in the operator's language and the API in English.
type FieldError struct {
	ID   string
	Data map[string]any
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k].ID)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem for field, keeping the first one reported.
func (e *ValidationError) Add(field, id string, data map[string]any) {
	if e.Fields == nil {
		e.Fields = map[string]FieldError{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = FieldError{ID: id, Data: data}
	}
}

// Err returns e when it holds a problem, else nil.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// notFound translates gorm's record-not-found into ErrNotFound, once, here.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("models: %s: %w", what, ErrConflict)
	}
	return fmt.Errorf("models: %s: %w", what, err)
}
