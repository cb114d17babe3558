package getui

import (
	"context"
	"net/http"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// defaultTTL is GeTui's offline retention when settings.ttl is absent; a
// list message's taskid is reusable for that long [S].
const defaultTTL = 2 * time.Hour

// Codes of the list pushes the client refuses to send again (liststate.go).
const (
	codeDuplicateRequestID = "duplicate_request_id"
	codeListInDoubt        = "list_in_doubt"
)

// inFlightWait is how long a second attempt of a request that is still
// under way is asked to wait.
const inFlightWait = time.Second

// listTask returns the task to push: the one an earlier attempt of the same
// request created, or a new list message (/push/list/message, the common
// body without audience) under a request id no earlier attempt used.
func (c *Client) listTask(ctx context.Context, body pushBody, m providers.Message, st listState) (string, error) {
	rid := body.RequestID
	if st.taskID != "" {
		return st.taskID, nil
	}
	if st.inDoubt {
		// A new task would reach the recipients the unanswered push may
		// have reached.
		return "", permanent(codeListInDoubt,
			"list push %s not sent again: an earlier push got no answer and its message expired, so its recipients may already have it", rid)
	}
	body.RequestID = createID(rid, st.next)
	if st.next > 0 {
		c.log.InfoContext(ctx, "getui list message created again under a new request id",
			"request_id", rid, "create_request_id", body.RequestID)
	}
	var data taskData
	err := c.call(ctx, http.MethodPost, "/push/list/message", body, &data)
	if err == nil || !answered(err) {
		// The create may have used up its request id.
		c.updateList(rid, func(s *listState) { s.next = max(s.next, st.next+1) })
	}
	if err != nil {
		return "", err
	}
	if data.TaskID == "" {
		// GeTui dropped the create as a repeat: another process (or this
		// one before it forgot the request) made an earlier attempt,
		// which may have pushed its own task.
		return "", permanent(codeDuplicateRequestID,
			"list message answered without taskid: request_id %s was already used by an earlier attempt, which may have pushed it; not sent again", body.RequestID)
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = defaultTTL
	}
	// Stop a minute short of the message's expiry.
	until := c.now().Add(ttl - time.Minute)
	c.updateList(rid, func(s *listState) { s.taskID, s.until = data.TaskID, until })
	return data.TaskID, nil
}

// sendList pushes one message to up to 1000 cids or aliases.
func (c *Client) sendList(ctx context.Context, body pushBody, m providers.Message, t providers.Target) (providers.Result, error) {
	rid := body.RequestID
	st, ok := c.beginList(rid)
	if !ok {
		return providers.Result{}, &providers.Error{Class: providers.Retry, RetryAfter: inFlightWait,
			Code: "in_flight", Msg: "an earlier attempt of list push " + rid + " is still under way"}
	}
	defer c.endList(rid)
	taskID, err := c.listTask(ctx, body, m, st)
	if err != nil {
		return providers.Result{}, err
	}
	lb := listBody{TaskID: taskID, IsAsync: false}
	path := "/push/list/cid"
	if t.Kind == providers.AudienceAlias {
		path = "/push/list/alias"
		lb.Audience.Alias = t.Values
		detail := false
		lb.NeedAliasDetail = &detail
	} else {
		lb.Audience.CID = t.Values
	}
	var data statusData
	if err := c.call(ctx, http.MethodPost, path, lb, &data); err != nil {
		c.updateList(rid, func(s *listState) {
			if !answered(err) {
				s.inDoubt = true
			}
			if providers.AsError(err).Class == providers.Permanent {
				// The taskid may be what was refused.
				s.taskID = ""
			}
		})
		res, err := invalidTargets(t.Values, err)
		res.TaskID = taskID
		return res, err
	}
	statuses := make(map[string]string, len(t.Values))
	for _, m := range data {
		for k, st := range m {
			statuses[k] = st
		}
	}
	res := providers.Result{TaskID: taskID}
	for _, v := range t.Values {
		if st, ok := statuses[v]; ok {
			res.Outcomes = append(res.Outcomes, outcome(v, st))
		}
	}
	return res, nil
}
