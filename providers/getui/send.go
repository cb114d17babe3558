package getui

import (
	"context"
	"errors"
	"net/http"

	"github.com/pushdeck/pushdeck/providers"
)

// Send performs one request: /push/single/cid or /push/single/alias for one
// recipient, list push (/push/list/message then /push/list/cid or
// /push/list/alias) for more, /push/all for all, and /push/tag for tags
// and conditions. Failures are *providers.Error; a list longer than
// MaxListRecipients is refused before any call.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	if !providers.ValidRequestID(req.RequestID) {
		return providers.Result{}, permanent("request_id", "request id must be 10–32 of [0-9A-Za-z_-], got %q", req.RequestID)
	}
	if !c.Capabilities().SupportsType(req.Message.Type) {
		return providers.Result{}, permanent("message_type", "message type %q is not supported by GeTui", req.Message.Type)
	}
	body, err := buildBody(req.Message)
	if err != nil {
		return providers.Result{}, err
	}
	body.RequestID = req.RequestID
	t := req.Target
	c.log.DebugContext(ctx, "getui send", "request_id", req.RequestID, "audience", t.Kind, "recipients", len(t.Values))
	switch t.Kind {
	case providers.AudienceCID, providers.AudienceAlias:
		if err := checkList(t); err != nil {
			return providers.Result{}, err
		}
		if len(t.Values) == 1 {
			return c.sendSingle(ctx, body, t)
		}
		return c.sendList(ctx, body, req.Message, t)
	case providers.AudienceAll:
		body.Audience = "all"
		return c.sendTask(ctx, "/push/all", body)
	case providers.AudienceTag, providers.AudienceConditions:
		conds, err := tagConditions(t)
		if err != nil {
			return providers.Result{}, err
		}
		body.Audience = audience{Tag: conds}
		return c.sendTask(ctx, "/push/tag", body)
	}
	return providers.Result{}, permanent("audience", "audience kind %q is not supported by GeTui", t.Kind)
}

// checkList validates a cid or alias list against MaxListRecipients.
func checkList(t providers.Target) error {
	switch {
	case len(t.Values) == 0:
		return permanent("audience", "an empty %s list", t.Kind)
	case len(t.Values) > MaxListRecipients:
		return permanent("audience", "%d %s values exceed GeTui's %d a request", len(t.Values), t.Kind, MaxListRecipients)
	}
	for _, v := range t.Values {
		if v == "" {
			return permanent("audience", "an empty %s value", t.Kind)
		}
	}
	return nil
}

// tagConditions builds the /push/tag clauses: a tag target is one
// custom_tag clause with opt_type or.
func tagConditions(t providers.Target) ([]condition, error) {
	if t.Kind == providers.AudienceTag {
		if len(t.Values) == 0 || len(t.Values) > MaxTags {
			return nil, permanent("audience", "a tag target needs 1–%d tags, got %d", MaxTags, len(t.Values))
		}
		return []condition{{Key: "custom_tag", Values: t.Values, OptType: "or"}}, nil
	}
	if len(t.Conditions) == 0 {
		return nil, permanent("audience", "a conditions target needs at least one clause")
	}
	out := make([]condition, 0, len(t.Conditions))
	total := 0
	for _, cd := range t.Conditions {
		switch cd.Key {
		case "phone_type", "region", "custom_tag":
		default:
			return nil, permanent("audience", "unknown condition key %q", cd.Key)
		}
		op := cd.Op
		if op == "" {
			op = "or"
		}
		if op != "or" && op != "and" && op != "not" {
			return nil, permanent("audience", "unknown condition opt_type %q", cd.Op)
		}
		if len(cd.Values) == 0 {
			return nil, permanent("audience", "condition %q has no values", cd.Key)
		}
		total += len(cd.Values)
		out = append(out, condition{Key: cd.Key, Values: cd.Values, OptType: op})
	}
	if total > MaxTags {
		return nil, permanent("audience", "%d condition values exceed %d", total, MaxTags)
	}
	return out, nil
}

// sendSingle pushes to one cid or alias.
func (c *Client) sendSingle(ctx context.Context, body pushBody, t providers.Target) (providers.Result, error) {
	path := "/push/single/cid"
	body.Audience = audience{CID: t.Values}
	if t.Kind == providers.AudienceAlias {
		path = "/push/single/alias"
		body.Audience = audience{Alias: t.Values}
	}
	var data statusData
	if err := c.call(ctx, http.MethodPost, path, body, &data); err != nil {
		return invalidTargets(t.Values, err)
	}
	var res providers.Result
	// A single push answers taskid → key → status; the key is the cid
	// (for an alias push it may be the alias or its cid [I]), so the one
	// status is attributed to the recipient asked for. A duplicate
	// request_id may answer without data: nothing was sent again.
	for taskID, m := range data {
		res.TaskID = taskID
		for _, status := range m {
			res.Outcomes = []providers.Outcome{outcome(t.Values[0], status)}
			break
		}
	}
	return res, nil
}

// sendTask pushes a broadcast (/push/all or /push/tag) and returns its task.
func (c *Client) sendTask(ctx context.Context, path string, body pushBody) (providers.Result, error) {
	var data taskData
	if err := c.call(ctx, http.MethodPost, path, body, &data); err != nil {
		return providers.Result{}, err
	}
	return providers.Result{TaskID: data.TaskID}, nil
}

// invalidTargets turns GeTui's 20001 "target user is invalid" (every
// recipient of the call is unknown) into invalid outcomes; other errors
// pass through.
func invalidTargets(recipients []string, err error) (providers.Result, error) {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Code != "20001" || pe.Msg != msgTargetInvalid {
		return providers.Result{}, err
	}
	res := providers.Result{Outcomes: make([]providers.Outcome, 0, len(recipients))}
	for _, r := range recipients {
		res.Outcomes = append(res.Outcomes, providers.Outcome{
			Recipient: r, Status: providers.StatusInvalid, Code: pe.Code, Message: pe.Msg})
	}
	return res, nil
}

// outcome maps a per-recipient status. successed_online and
// successed_offline are accepted. successed_ignore is invalid: GeTui calls
// it "无效用户,消息丢弃" (invalid user, message dropped) and elsewhere
// "inactive for 90 days, not sent"; either way nothing was delivered.
// Unknown statuses are failed.
func outcome(recipient, status string) providers.Outcome {
	o := providers.Outcome{Recipient: recipient, Code: status}
	switch status {
	case "successed_online", "successed_offline":
		o.Status = providers.StatusAccepted
	case "successed_ignore":
		o.Status, o.Message = providers.StatusInvalid, "invalid or inactive user; message dropped"
	default:
		o.Status, o.Message = providers.StatusFailed, "unexpected status"
	}
	return o
}
