package dispatch

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// instance keeps this engine's row in the instances table alive and tells
// the account rates how many instances share them. Every instance runs it.
type instance struct {
	store   leaseStore
	clients *clients
	cfg     Config
	log     *slog.Logger
	started time.Time
}

// beat renews the heartbeat and sets the account rates' share to the live
// instances. A failed heartbeat keeps the last share: the row lives on
// until it expires, and the other instances keep counting it.
func (in *instance) beat(ctx context.Context) {
	host, err := os.Hostname()
	if err != nil {
		host = "" // the id names the instance; the host is only shown
	}
	row := models.Instance{ID: in.cfg.Owner, Host: host, PID: os.Getpid(), StartedAt: in.started}
	if err := in.store.Heartbeat(ctx, row, in.cfg.InstanceLease); err != nil {
		if ctx.Err() == nil {
			in.log.Warn("instance heartbeat", slog.Any("error", err))
		}
		return
	}
	live, err := in.store.LiveInstances(ctx)
	if err != nil {
		if ctx.Err() == nil {
			in.log.Warn("live instances", slog.Any("error", err))
		}
		return
	}
	n := 1 // this one, even when a clock moved by hand hides its row
	for _, i := range live {
		if i.ID != in.cfg.Owner {
			n++
		}
	}
	if prev := in.clients.setShare(n); prev != n {
		in.log.Info("instances sharing the account rates", slog.Int("instances", n))
	}
}

// run renews the heartbeat every InstanceLease/3 until ctx ends, then
// removes the row, so the others stop counting this instance at once.
func (in *instance) run(ctx context.Context) {
	every(ctx, max(in.cfg.InstanceLease/3, 10*time.Millisecond), in.beat)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := in.store.RemoveInstance(rctx, in.cfg.Owner); err != nil {
		in.log.Warn("remove instance", slog.Any("error", err))
	}
}

// reap releases the leases of instances that died (their heartbeat
// expired), so their batches are sent again within one InstanceLease
// rather than one batch Lease. It runs on the leader only: any instance
// could do it safely, one is enough.
func (e *Engine) reap(ctx context.Context) {
	dead, err := e.store.ReapInstances(ctx, e.cfg.Owner)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("reap dead instances", slog.Any("error", err))
		}
		return
	}
	for _, d := range dead {
		e.log.Warn("instance stopped renewing: its leases are released", slog.String("instance", d.ID),
			slog.Int64("batches", d.Batches), slog.Int64("webhook_deliveries", d.Webhooks))
	}
	if len(dead) > 0 {
		e.signal(ctx, topicSend)
	}
}
