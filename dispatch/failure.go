package dispatch

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Failure is what an operator is told about a failed provider call or an
// account whose client cannot be built: a message catalog id with its
// arguments, for the console's pages, and the provider's own words (Detail)
// for the API and the account's health.
type Failure struct {
	// ID and Args are the catalog message ("provider_error.<reason>").
	ID   string
	Args map[string]any
	// Class is the provider's class of the failure (Permanent when it is
	// not the provider's answer).
	Class providers.Class
	// Detail is the provider's own "code: message", the unusable
	// settings, or a "code: message" of the engine's for the other
	// failures; "" when Internal.
	Detail string
	// Internal is true when the cause is neither the provider's answer nor
	// the account's settings (a bug, the database): its detail belongs in
	// the server log, never in front of the operator.
	Internal bool
	// Problems are the unusable settings, one per field, when the account's
	// client could not be built: the console says each in the operator's
	// language and passes them joined as Args["Message"].
	Problems []providers.Problem
}

// Catalog ids of failures that are not a provider's answer.
const (
	failConfig      = "provider_error.config"
	failUnreadable  = "provider_error.unreadable"
	failTimeout     = "provider_error.timeout"
	failInterrupted = "provider_error.interrupted"
	failInternal    = "provider_error.internal"
)

// FailureIDs lists every catalog id FailureOf can return, so a test can
// check that each is in every language.
func FailureIDs() []string {
	ids := []string{failConfig, failUnreadable, failTimeout, failInterrupted, failInternal}
	for _, c := range []providers.Class{providers.Permanent, providers.Retry, providers.Reauth} {
		ids = append(ids, "provider_error."+c.String())
	}
	return ids
}

// FailureOf turns the error of a provider call, or of building an
// account's client, into what the operator sees: the provider's answer by
// its class (a refusal, a rejected credential, a provider that could not be
// reached), unusable settings field by field, stored credentials the
// secret key cannot open, a call that ran out of time or was interrupted,
// or an internal error.
func FailureOf(err error) Failure {
	var pe *providers.Error
	var ce *providers.ConfigError
	switch {
	case errors.As(err, &pe):
		d := pe.Code + ": " + pe.Msg
		return Failure{ID: "provider_error." + pe.Class.String(), Args: map[string]any{"Message": d}, Class: pe.Class, Detail: d}
	case errors.As(err, &ce):
		ps := configProblems(ce)
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = p.Field + " " + p.MsgID
		}
		d := strings.Join(parts, "; ")
		return Failure{ID: failConfig, Args: map[string]any{"Message": d}, Class: providers.Permanent, Detail: d, Problems: ps}
	case errors.Is(err, models.ErrUnreadableSecret):
		return Failure{ID: failUnreadable, Class: providers.Reauth, Detail: "credentials_unreadable: the stored credentials were sealed with another secret key"}
	case errors.Is(err, context.DeadlineExceeded):
		return Failure{ID: failTimeout, Class: providers.Retry, Detail: "timeout: the provider did not answer in time"}
	case errors.Is(err, context.Canceled):
		return Failure{ID: failInterrupted, Class: providers.Retry, Detail: "interrupted: the call ended before the provider answered"}
	}
	return Failure{ID: failInternal, Class: providers.Permanent, Internal: true}
}

// configProblems lists a configuration error's problems (catalog ids
// with their arguments), by field for a stable order.
func configProblems(ce *providers.ConfigError) []providers.Problem {
	out := slices.Clone(ce.Problems)
	slices.SortStableFunc(out, func(a, b providers.Problem) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// internalHealth is an account's health after a failure that is not the
// provider's answer: the detail is in the log.
const internalHealth = "internal error (see the server log)"

// healthText is what an account's health keeps of a call's outcome: ""
// for a success, else the failure's detail.
func healthText(err error) string {
	if err == nil {
		return ""
	}
	if f := FailureOf(err); !f.Internal {
		return f.Detail
	}
	return internalHealth
}
