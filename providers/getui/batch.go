package getui

import (
	"context"
	"net/http"

	"github.com/pushdeck/pushdeck/providers"
)

// SendBatchSingle submits up to MaxBatchSingle single pushes in one call
// (/push/single/batch/cid, or /push/single/batch/alias when the targets are
// aliases). Each request addresses exactly one cid or alias, all of the
// same kind, and carries its own request id and message. The results are
// index-aligned with reqs. Failures of the whole call are *providers.Error;
// a request refused before the call fails the whole batch.
func (c *Client) SendBatchSingle(ctx context.Context, reqs []providers.SendRequest) ([]providers.Result, error) {
	kind, err := checkBatch(reqs)
	if err != nil {
		return nil, err
	}
	bb := batchBody{IsAsync: false, MsgList: make([]pushBody, 0, len(reqs))}
	recipients := make([]string, len(reqs))
	caps := c.Capabilities()
	for i, r := range reqs {
		if !caps.SupportsType(r.Message.Type) {
			return nil, permanent("message_type", "request %d: message type %q is not supported by GeTui", i, r.Message.Type)
		}
		body, err := buildBody(r.Message)
		if err != nil {
			return nil, err
		}
		body.RequestID = r.RequestID
		recipients[i] = r.Target.Values[0]
		if kind == providers.AudienceAlias {
			body.Audience = audience{Alias: r.Target.Values}
		} else {
			body.Audience = audience{CID: r.Target.Values}
		}
		bb.MsgList = append(bb.MsgList, body)
	}
	path := "/push/single/batch/cid"
	if kind == providers.AudienceAlias {
		path = "/push/single/batch/alias"
	}
	c.log.DebugContext(ctx, "getui batch single", "messages", len(reqs), "audience", kind)
	var data statusData
	if err := c.call(ctx, http.MethodPost, path, bb, &data); err != nil {
		res, err := invalidTargets(recipients, err)
		if err != nil {
			return nil, err
		}
		out := make([]providers.Result, len(reqs))
		for i := range out {
			out[i].Outcomes = res.Outcomes[i : i+1]
		}
		return out, nil
	}
	return batchResults(recipients, data), nil
}

// checkBatch validates a batch before any call and returns its kind.
func checkBatch(reqs []providers.SendRequest) (providers.AudienceKind, error) {
	if len(reqs) == 0 || len(reqs) > MaxBatchSingle {
		return "", permanent("msg_list", "a batch needs 1–%d messages, got %d", MaxBatchSingle, len(reqs))
	}
	kind := reqs[0].Target.Kind
	if kind != providers.AudienceCID && kind != providers.AudienceAlias {
		return "", permanent("audience", "batch single push takes cid or alias targets, got %q", kind)
	}
	seen := make(map[string]bool, len(reqs))
	for i, r := range reqs {
		if !providers.ValidRequestID(r.RequestID) {
			return "", permanent("request_id", "request %d: request id must be 10–32 of [0-9A-Za-z_-]", i)
		}
		if seen[r.RequestID] {
			return "", permanent("request_id", "request %d: request id %s repeated in the batch", i, r.RequestID)
		}
		seen[r.RequestID] = true
		if r.Target.Kind != kind || len(r.Target.Values) != 1 || r.Target.Values[0] == "" {
			return "", permanent("audience", "request %d: each batch message needs exactly one %s", i, kind)
		}
	}
	return kind, nil
}

// batchResults spreads taskid → recipient → status over the requests, in
// order, so a recipient addressed twice gets one task each. A request
// without an entry (a repeated request_id GeTui dropped) gets an empty
// Result: nothing was sent again.
func batchResults(recipients []string, data statusData) []providers.Result {
	type entry struct{ taskID, status string }
	byRecipient := make(map[string][]entry)
	for taskID, m := range data {
		for r, st := range m {
			byRecipient[r] = append(byRecipient[r], entry{taskID, st})
		}
	}
	out := make([]providers.Result, len(recipients))
	for i, r := range recipients {
		es := byRecipient[r]
		if len(es) == 0 {
			continue
		}
		out[i] = providers.Result{TaskID: es[0].taskID, Outcomes: []providers.Outcome{outcome(r, es[0].status)}}
		byRecipient[r] = es[1:]
	}
	return out
}

// EachLimit implements providers.EachSender: the most single pushes one
// batch single push call carries.
func (c *Client) EachLimit() int { return MaxBatchSingle }

// SendEach implements providers.EachSender with batch single push.
func (c *Client) SendEach(ctx context.Context, reqs []providers.SendRequest) ([]providers.Result, error) {
	return c.SendBatchSingle(ctx, reqs)
}
