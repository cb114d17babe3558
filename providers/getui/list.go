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

// taskCache remembers request id → taskid of recent list messages, bounded
// to max entries (oldest evicted first). Guarded by Client.tasksMu.
type taskCache struct {
	max   int
	order []string
	byID  map[string]cachedTask
}

type cachedTask struct {
	taskID string
	until  time.Time
}

func (c *Client) cachedTask(requestID string) (string, bool) {
	c.tasksMu.Lock()
	defer c.tasksMu.Unlock()
	t, ok := c.tasks.byID[requestID]
	if !ok || !c.now().Before(t.until) {
		return "", false
	}
	return t.taskID, true
}

func (c *Client) rememberTask(requestID, taskID string, ttl time.Duration) {
	c.tasksMu.Lock()
	defer c.tasksMu.Unlock()
	if c.tasks.byID == nil {
		c.tasks.byID = make(map[string]cachedTask)
	}
	if _, ok := c.tasks.byID[requestID]; !ok {
		c.tasks.order = append(c.tasks.order, requestID)
	}
	// Stop a minute short of the message's expiry.
	c.tasks.byID[requestID] = cachedTask{taskID: taskID, until: c.now().Add(ttl - time.Minute)}
	for len(c.tasks.order) > c.tasks.max {
		delete(c.tasks.byID, c.tasks.order[0])
		c.tasks.order = c.tasks.order[1:]
	}
}

func (c *Client) forgetTask(requestID string) {
	c.tasksMu.Lock()
	defer c.tasksMu.Unlock()
	delete(c.tasks.byID, requestID)
}

// listTask creates the list message (/push/list/message, the common body
// without audience and with the caller's request_id) or reuses the one a
// previous attempt of the same request created.
func (c *Client) listTask(ctx context.Context, body pushBody, m providers.Message) (string, error) {
	if id, ok := c.cachedTask(body.RequestID); ok {
		return id, nil
	}
	var data taskData
	if err := c.call(ctx, http.MethodPost, "/push/list/message", body, &data); err != nil {
		return "", err
	}
	if data.TaskID == "" {
		// GeTui drops a request whose request_id it has seen
		// (providers.md 1.11); without the first taskid the batch cannot
		// be pushed again.
		return "", permanent("duplicate_request_id",
			"list message answered without taskid: request_id %s was already used", body.RequestID)
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = defaultTTL
	}
	c.rememberTask(body.RequestID, data.TaskID, ttl)
	return data.TaskID, nil
}

// sendList pushes one message to up to 1000 cids or aliases.
func (c *Client) sendList(ctx context.Context, body pushBody, m providers.Message, t providers.Target) (providers.Result, error) {
	taskID, err := c.listTask(ctx, body, m)
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
		if pe := providers.AsError(err); pe.Class == providers.Permanent {
			// The taskid may be what was refused; start afresh next time.
			c.forgetTask(body.RequestID)
		}
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
