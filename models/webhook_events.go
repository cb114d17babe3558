package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// The webhook event types. They are part of the API (the "type" of every
// body and the "events" of an endpoint); more may be added, never renamed.
const (
	EventCampaignStarted   = "campaign.started"
	EventCampaignCompleted = "campaign.completed"
	EventCampaignFailed    = "campaign.failed"
	EventCampaignPaused    = "campaign.paused"
	EventBatchFailed       = "batch.failed"
	EventDeviceInvalid     = "device.invalid"
	EventImportFinished    = "import.finished"
	// EventTest is the "send test event" button's event: it goes to the one
	// endpoint asked, whatever it subscribes to.
	EventTest = "webhook.test"
)

// WebhookEventTypes lists the subscribable event types in a fixed order:
// an endpoint's subscription is stored as a bit set over this list, so a
// type is only ever appended.
func WebhookEventTypes() []string {
	return []string{EventCampaignStarted, EventCampaignCompleted, EventCampaignFailed, EventCampaignPaused,
		EventBatchFailed, EventDeviceInvalid, EventImportFinished}
}

// eventBit is the bit of a subscribable type; 0 for any other.
func eventBit(typ string) int64 {
	for i, t := range WebhookEventTypes() {
		if t == typ {
			return 1 << i
		}
	}
	return 0
}

// eventBits packs types into the stored bit set; ok is false when one is
// not a subscribable type.
func eventBits(types []string) (bits int64, ok bool) {
	for _, t := range types {
		b := eventBit(t)
		if b == 0 {
			return 0, false
		}
		bits |= b
	}
	return bits, true
}

// eventTypes unpacks a stored bit set, in the list's order.
func eventTypes(bits int64) []string {
	var out []string
	for i, t := range WebhookEventTypes() {
		if bits&(1<<i) != 0 {
			out = append(out, t)
		}
	}
	return out
}

// WebhookBody is the JSON body of every webhook request. ID is the same
// for every endpoint and every retry of one event, so a receiver
// de-duplicates on it.
type WebhookBody struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	CreatedAt time.Time      `json:"created_at"`
	Data      map[string]any `json:"data"`
}

// newEventBody builds an event's body with a fresh id.
func newEventBody(typ string, at time.Time, data map[string]any) (WebhookBody, []byte, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return WebhookBody{}, nil, fmt.Errorf("models: webhook event id: %w", err)
	}
	if data == nil {
		data = map[string]any{}
	}
	body := WebhookBody{ID: "evt_" + hex.EncodeToString(b), Type: typ, CreatedAt: at.UTC().Truncate(time.Millisecond), Data: data}
	raw, err := json.Marshal(body)
	if err != nil {
		return WebhookBody{}, nil, fmt.Errorf("models: encode webhook event %s: %w", typ, err)
	}
	return body, raw, nil
}

// EmitWebhook queues an event for every enabled endpoint subscribed to its
// type, in s's transaction when s is bound to one (so the event commits or
// rolls back with the change that caused it). Its cost when nobody listens
// is one indexed-free scan of the (at most MaxWebhookEndpoints rows)
// endpoints table inside the statement: the engine calls it on its own
// write path.
func (s *Store) EmitWebhook(ctx context.Context, typ string, data map[string]any) error {
	bit := eventBit(typ)
	if bit == 0 {
		return fmt.Errorf("models: emit webhook: unknown event type %q", typ)
	}
	defer s.lockWrite()()
	now := s.now()
	body, raw, err := newEventBody(typ, now, data)
	if err != nil {
		return err
	}
	_, err = s.rawExec(ctx, `INSERT INTO webhook_outbox (endpoint_id, event_id, type, body, next_attempt_ms, created_at, updated_at)
		SELECT id, ?, ?, ?, ?, ?, ? FROM webhook_endpoints WHERE disabled = FALSE AND events & ? <> 0`,
		body.ID, typ, string(raw), now.UnixMilli(), now, now, bit)
	if err != nil {
		return fmt.Errorf("models: emit webhook %s: %w", typ, err)
	}
	return nil
}

// EmitDeviceInvalid queues the device.invalid event of one device: the
// provider answered that this recipient of the account no longer exists
// (an uninstalled app, an expired token). Call it in the transaction that
// marks the device, so the event and the mark commit together. (A batch's
// outcome marks many at once: emitDevicesInvalid.)
func (s *Store) EmitDeviceInvalid(ctx context.Context, providerID int64, cid, reason string) error {
	return s.EmitWebhook(ctx, EventDeviceInvalid, map[string]any{"provider_id": providerID, "cid": cid, "reason": reason})
}

// emitDevicesInvalid queues a device.invalid event for each device of the
// campaign's account that a batch outcome marks invalid (invalid is the
// JSON array of [cid, reason] that marked them), in one statement in the
// outcome's transaction. A recipient with no device in the registry has
// nothing marked and no event. The events' ids share a random stem and end
// with the recipient's place in the batch, so every endpoint gets the same
// id for the same device. With no subscriber the guard stops it before it
// reads the list.
func (s *Store) emitDevicesInvalid(ctx context.Context, campaignID int64, invalid string) error {
	bit := eventBit(EventDeviceInvalid)
	stem, _, err := newEventBody(EventDeviceInvalid, s.now(), nil)
	if err != nil {
		return err
	}
	now := s.now()
	at := now.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
	_, err = s.rawExec(ctx, `WITH ev AS (
			SELECT ? || '-' || j.key AS id, j.value ->> 0 AS cid, j.value ->> 1 AS reason, c.provider_id
			FROM campaigns c, `+s.dialect.eachJSON("?", "j")+`, devices d
			WHERE d.provider_id = c.provider_id AND d.cid = j.value ->> 0 AND c.id = ? AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled = FALSE AND events & ? <> 0))
		INSERT INTO webhook_outbox (endpoint_id, event_id, type, body, next_attempt_ms, created_at, updated_at)
		SELECT e.id, ev.id, ?, `+s.dialect.jsonObject+`('id', ev.id, 'type', CAST(? AS TEXT), 'created_at', CAST(? AS TEXT),
			'data', `+s.dialect.jsonObject+`('provider_id', ev.provider_id, 'campaign_id', CAST(? AS BIGINT), 'cid', ev.cid, 'reason', ev.reason)), ?, ?, ?
		FROM ev JOIN webhook_endpoints e ON e.disabled = FALSE AND e.events & ? <> 0`,
		stem.ID, invalid, campaignID, bit, EventDeviceInvalid, EventDeviceInvalid, at, campaignID, now.UnixMilli(), now, now, bit)
	if err != nil {
		return fmt.Errorf("models: emit device.invalid for campaign %d: %w", campaignID, err)
	}
	return nil
}

// emitCampaignEvent queues the event a status change causes, if any: the
// first move to sending is "started" (a resume is not), and the ends and
// pauses are their own types.
func (s *Store) emitCampaignEvent(ctx context.Context, c Campaign, from Status, firstStart bool, actor string, r Reason) error {
	typ := ""
	switch {
	case c.Status == StatusSending && firstStart:
		typ = EventCampaignStarted
	case c.Status == StatusCompleted:
		typ = EventCampaignCompleted
	case c.Status == StatusFailed:
		typ = EventCampaignFailed
	case c.Status == StatusPaused:
		typ = EventCampaignPaused
	default:
		return nil
	}
	data := map[string]any{"campaign_id": c.ID, "name": c.Name, "status": c.Status, "previous_status": from,
		"actor": actor, "totals": c.Totals()}
	if r.Code != "" || r.Text != "" {
		data["reason"] = map[string]any{"code": r.Code, "message": r.Text}
	}
	return s.EmitWebhook(ctx, typ, data)
}
