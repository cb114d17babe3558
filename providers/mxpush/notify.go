package mxpush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// Send performs one POST /push/notify. The target is "all", a tag list or
// one recipient list of at most 500 values (a cid list is sent as
// push_token); anything longer, an unsupported kind or an unusable message
// is refused with a Permanent *providers.Error before any call.
//
// MX push answers a push as a whole: it names no per-recipient failures.
// Result.Outcomes therefore lists only recipients the client itself found
// unusable (a user_id that is not an integer, an empty value), which are
// left out of the request; when none is left no call is made.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	aud, outcomes, err := buildAudience(req.Target)
	if err != nil {
		return providers.Result{}, err
	}
	if !providers.ValidRequestID(req.RequestID) {
		return providers.Result{}, invalid("request id %q must be 10-32 characters of [0-9A-Za-z_-]", req.RequestID)
	}
	setting, err := buildSetting(req.RequestID, req.Message.MX)
	if err != nil {
		return providers.Result{}, err
	}
	msg, err := buildMessage(req.Message)
	if err != nil {
		return providers.Result{}, err
	}
	if aud == nil {
		return providers.Result{Outcomes: outcomes}, nil
	}
	data, err := c.call(ctx, http.MethodPost, "/push/notify", nil, notifyRequest{Audience: aud, Setting: setting, Message: msg})
	if err != nil {
		return providers.Result{}, err
	}
	taskID, err := parseNotifyData(data)
	if err != nil {
		return providers.Result{}, err
	}
	c.log.DebugContext(ctx, "mxpush notify accepted", slog.String("request_id", req.RequestID), slog.String("task_id", taskID), slog.String("audience", string(req.Target.Kind)))
	return providers.Result{TaskID: taskID, Outcomes: outcomes}, nil
}

// parseNotifyData reads the task id. The swagger answers
// {"task_id": n}; some server versions answer "data": true instead, which
// is accepted without a task id (the push was taken, there is no report).
func parseNotifyData(data json.RawMessage) (string, error) {
	d := bytes.TrimSpace(data)
	switch string(d) {
	case "", "null", "true":
		return "", nil
	case "false":
		return "", badResponse("POST /push/notify", fmt.Errorf("data is false"))
	}
	if id, ok := plainTaskID(d); ok {
		return strconv.FormatInt(id, 10), nil
	}
	var r notifyResult
	if err := json.Unmarshal(d, &r); err != nil {
		return "", badResponse("POST /push/notify", err)
	}
	if r.TaskID == 0 {
		return "", nil
	}
	return strconv.FormatInt(r.TaskID, 10), nil
}

// buildAudience maps the target to "all" or an audienceList. It returns a
// nil audience with outcomes when every recipient was unusable.
func buildAudience(t providers.Target) (any, []providers.Outcome, error) {
	switch t.Kind {
	case providers.AudienceAll:
		if len(t.Values) > 0 {
			return nil, nil, invalid("audience all takes no values")
		}
		return "all", nil, nil
	case providers.AudienceTag, providers.AudienceAlias, providers.AudienceUserID,
		providers.AudiencePushToken, providers.AudienceCID:
	default:
		return nil, nil, invalid("audience kind %q is not supported (all, tag, alias, user_id, push_token, cid)", t.Kind)
	}
	if len(t.Values) == 0 {
		return nil, nil, invalid("audience %s needs at least one value", t.Kind)
	}
	if len(t.Values) > MaxTargets {
		return nil, nil, invalid("audience %s has %d values; at most %d per request", t.Kind, len(t.Values), MaxTargets)
	}
	if t.Kind == providers.AudienceTag {
		for _, v := range t.Values {
			if strings.TrimSpace(v) == "" {
				return nil, nil, invalid("empty tag")
			}
		}
		return &audienceList{Tag: t.Values}, nil, nil
	}
	return recipientAudience(t)
}

// recipientAudience builds a recipient list, setting unusable values aside
// as invalid outcomes.
func recipientAudience(t providers.Target) (any, []providers.Outcome, error) {
	var (
		outcomes []providers.Outcome
		strs     []string
		ids      []int64
	)
	for _, v := range t.Values {
		if strings.TrimSpace(v) == "" {
			outcomes = append(outcomes, providers.Outcome{Recipient: v, Status: providers.StatusInvalid, Code: "invalid_recipient", Message: "empty recipient"})
			continue
		}
		if t.Kind == providers.AudienceUserID {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				outcomes = append(outcomes, providers.Outcome{Recipient: v, Status: providers.StatusInvalid, Code: "invalid_user_id", Message: "MX push user_id must be an integer"})
				continue
			}
			ids = append(ids, id)
			continue
		}
		strs = append(strs, v)
	}
	if len(strs) == 0 && len(ids) == 0 {
		return nil, outcomes, nil
	}
	a := &audienceList{}
	switch t.Kind {
	case providers.AudienceAlias:
		a.Alias = strs
	case providers.AudienceUserID:
		a.UserID = ids
	default: // push_token, and cid which is MX push's push token
		a.PushToken = strs
	}
	return a, outcomes, nil
}

// buildSetting fills "setting": request_id (server-side de-duplication)
// and the distribution options from Message.MX, checked as the composer
// checks them.
func buildSetting(requestID string, mx providers.MXOptions) (*notifySetting, error) {
	if ps := settingProblems(mx); len(ps) > 0 {
		return nil, refusal(ps[0])
	}
	return &notifySetting{RequestID: requestID, DistributionStrategy: mx.Strategy, OSPushSequence: mx.Sequence}, nil
}
