package jpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/pushdeck/pushdeck/providers"
)

// Batch single push: POST /v3/push/batch/regid/single (or
// /v3/push/batch/alias/single) carries up to MaxIDs pushes, each to one
// registration id (or alias) with its own content, keyed in "pushlist" by
// a push cid from the cid pool. JPush answers per cid: a msg_id, or an
// error object. A repeated cid is answered like a repeated push, so each
// request's cid (SendRequest.Key, or one kept per request id) makes a
// retry safe as Send's does.
//
// The call is a VIP feature: an app without it is refused with 2006 or
// 2007, and its pushes then go one POST /v3/push each.

// batchEntry is one push of pushlist: a push object whose audience is
// the single target.
type batchEntry struct {
	Platform     any            `json:"platform"`
	Target       string         `json:"target"`
	Notification *notification  `json:"notification,omitempty"`
	Message      *customMessage `json:"message,omitempty"`
	Options      pushOptions    `json:"options"`
}

type batchBody struct {
	PushList map[string]batchEntry `json:"pushlist"`
}

// batchAnswer is one cid's entry of the answer.
type batchAnswer struct {
	MsgID json.RawMessage `json:"msg_id"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// vipOnly are the codes of an app without the batch call.
func vipOnly(err error) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && (pe.Code == "2006" || pe.Code == "2007")
}

// EachLimit implements providers.EachSender.
func (c *Client) EachLimit() int { return MaxIDs }

// SendEach implements providers.EachSender with batch single push. The
// results are index-aligned with reqs; failures of the whole call are
// *providers.Error.
func (c *Client) SendEach(ctx context.Context, reqs []providers.SendRequest) ([]providers.Result, error) {
	if len(reqs) == 0 || len(reqs) > MaxIDs {
		return nil, permanent("pushlist", "a batch single push carries 1–%d pushes, got %d", MaxIDs, len(reqs))
	}
	kind := reqs[0].Target.Kind
	path := "/v3/push/batch/regid/single"
	if kind == providers.AudienceAlias {
		path = "/v3/push/batch/alias/single"
	} else if kind != providers.AudienceCID {
		return nil, permanent("audience", "batch single push takes registration ids or aliases, got %q", kind)
	}
	body := batchBody{PushList: make(map[string]batchEntry, len(reqs))}
	keys := make([]string, len(reqs))
	for i, r := range reqs {
		if r.Target.Kind != kind || len(r.Target.Values) != 1 || r.Target.Values[0] == "" {
			return nil, permanent("audience", "push %d of a batch single push needs exactly one %s", i, kind)
		}
		if !providers.ValidRequestID(r.RequestID) || !Capabilities().SupportsType(r.Message.Type) {
			return nil, permanent("request", "push %d: bad request id or message type", i)
		}
		b, err := buildBody(r.Message, r.RequestID)
		if err != nil {
			return nil, err
		}
		key := r.Key
		if key == "" {
			if key, err = c.cidFor(ctx, r.RequestID); err != nil {
				return nil, err
			}
		}
		if _, dup := body.PushList[key]; dup {
			return nil, permanent("pushlist", "push %d repeats a cid of the batch", i)
		}
		keys[i] = key
		body.PushList[key] = batchEntry{Platform: b.Platform, Target: r.Target.Values[0], Notification: b.Notification, Message: b.Message, Options: b.Options}
	}
	c.log.DebugContext(ctx, "jpush batch single", slog.Int("pushes", len(reqs)), slog.String("audience", string(kind)))
	var ans map[string]batchAnswer
	if err := c.call(ctx, http.MethodPost, c.pushBase+path, body, &ans); err != nil {
		if vipOnly(err) {
			return c.sendOneByOne(ctx, reqs)
		}
		return nil, err
	}
	out := make([]providers.Result, len(reqs))
	for i, key := range keys {
		r := reqs[i].Target.Values[0]
		a, ok := ans[key]
		switch {
		case !ok:
			out[i].Outcomes = []providers.Outcome{{Recipient: r, Status: providers.StatusFailed, Code: "no_answer", Message: "JPush's answer does not name this push"}}
		case a.Error != nil:
			st := providers.StatusFailed
			if a.Error.Code == 1011 { // no device matched the target
				st = providers.StatusInvalid
			}
			out[i].Outcomes = []providers.Outcome{{Recipient: r, Status: st, Code: strconv.Itoa(a.Error.Code), Message: a.Error.Message}}
		default:
			out[i].TaskID = string(bytes.Trim(a.MsgID, `"`))
		}
	}
	return out, nil
}

// sendOneByOne sends each request alone, for an app without the batch
// call; a failure of one push is that push's outcome.
func (c *Client) sendOneByOne(ctx context.Context, reqs []providers.SendRequest) ([]providers.Result, error) {
	out := make([]providers.Result, len(reqs))
	for i, r := range reqs {
		res, err := c.Send(ctx, r)
		if err != nil {
			pe := providers.AsError(err)
			if pe.Class != providers.Permanent {
				return nil, err // the caller retries the lot; each push's cid makes that safe
			}
			st := providers.StatusFailed
			if pe.AllRecipientsInvalid {
				st = providers.StatusInvalid
			}
			res = providers.Result{Outcomes: []providers.Outcome{{Recipient: r.Target.Values[0], Status: st, Code: pe.Code, Message: pe.Msg}}}
		}
		out[i] = res
	}
	return out, nil
}
