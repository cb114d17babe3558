package models

import "fmt"

// Status is a campaign's lifecycle state. The values are part of the
// external contract.
type Status string

// Campaign states.
const (
	StatusDraft     Status = "draft"
	StatusScheduled Status = "scheduled"
	StatusSending   Status = "sending"
	StatusPaused    Status = "paused"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
	StatusFailed    Status = "failed"
)

// Statuses lists every state in lifecycle order.
var Statuses = []Status{StatusDraft, StatusScheduled, StatusSending, StatusPaused, StatusCompleted, StatusCancelled, StatusFailed}

// Valid reports whether s is a known state.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Terminal reports whether no transition leaves s.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusCancelled || s == StatusFailed
}

// transitions is the one table every status change goes through: from →
// allowed targets. draft → scheduled → sending ⇄ paused → completed |
// cancelled | failed. A scheduled campaign may go back to draft (unschedule).
var transitions = map[Status][]Status{
	StatusDraft:     {StatusScheduled, StatusSending, StatusCancelled},
	StatusScheduled: {StatusDraft, StatusSending, StatusCancelled},
	StatusSending:   {StatusPaused, StatusCompleted, StatusCancelled, StatusFailed},
	// A paused campaign whose last batches come back while it is paused
	// ends as a sending one would.
	StatusPaused: {StatusSending, StatusCompleted, StatusCancelled, StatusFailed},
}

// CanTransition reports whether from → to is allowed.
func CanTransition(from, to Status) bool {
	for _, t := range transitions[from] {
		if t == to {
			return true
		}
	}
	return false
}

// TransitionError is a refused status change; it wraps ErrConflict.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("a %s campaign cannot become %s", e.From, e.To)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *TransitionError) Unwrap() error { return ErrConflict }
