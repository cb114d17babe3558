package dispatch

import (
	"context"
	"log/slog"
)

// Notifier carries wake-ups between the instances sharing a database, so
// work started through one instance's API is picked up by the others at
// once instead of at their next idle poll. Without one (SQLite, one
// process) wake-ups stay in this process and the other instances find the
// work by polling: idle workers every Config.Idle, the planner every ten.
type Notifier interface {
	// Notify tells every instance listening that topic has news. It may
	// be delivered to this instance's own Listen too.
	Notify(ctx context.Context, topic string) error
	// Listen calls fn with each topic notified until ctx ends, keeping
	// its connection up on its own (a notification lost while it was down
	// is covered by the idle polls).
	Listen(ctx context.Context, fn func(topic string))
}

// Wake-up topics.
const (
	// topicPlan: a campaign started sending; the leader's planner freezes
	// its audience.
	topicPlan = "plan"
	// topicSend: batches are due (frozen, resumed, released by a dead
	// instance); every instance's idle workers claim.
	topicSend = "send"
)

// signal wakes this instance for topic and, through the notifier, the
// others.
func (e *Engine) signal(ctx context.Context, topic string) {
	e.handle(topic)
	if e.cfg.Notifier == nil {
		return
	}
	if err := e.cfg.Notifier.Notify(ctx, topic); err != nil && ctx.Err() == nil {
		// The others find the work at their next poll.
		e.log.Warn("notify other instances", slog.String("topic", topic), slog.Any("error", err))
	}
}

// handle acts on a wake-up, whether from this instance or another.
func (e *Engine) handle(topic string) {
	switch topic {
	case topicPlan:
		if e.lead.isLeader() {
			e.plan.poke()
		}
	case topicSend:
		e.send.wakeUp()
	}
}
