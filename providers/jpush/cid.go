package jpush

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// A cid makes a retried push safe: JPush answers a push repeating a cid
// with the first push's result instead of pushing again. A cid is JPush's
// to issue (GET /v3/push/cid), so the caller's request id cannot serve as
// one, and it lasts a day from its issue.
//
// The engine asks for one per batch before the first attempt (IssueKey),
// stores it with the batch and passes it back as SendRequest.Key on every
// attempt, so a retry after a crash still carries it. A request without a
// key (a test send) gets one here, remembered per request id for as long
// as this process runs: a retry within the process replays, one after a
// restart may push again.

// Bounds of the cid bookkeeping.
const (
	// cidBatch is how many cids one fetch asks for: an ordinary app gets
	// at most 10 a call.
	cidBatch = 10
	// poolFresh is how long a fetched, unused cid is handed out: well
	// inside its day, so the batch that takes it has most of the day for
	// its retries.
	poolFresh = time.Hour
	// cidLife is how long a cid is trusted after its issue, a little
	// under JPush's day.
	cidLife = 23 * time.Hour
	// maxRemembered bounds the request id → cid map of requests without
	// a key.
	maxRemembered = 1 << 14
)

// cidState is the client's unused cids and the cids of requests sent
// without a key. Guarded by Client.mu.
type cidState struct {
	max   int
	pool  []issued
	order []string
	byReq map[string]issued
}

type issued struct {
	cid string
	at  time.Time
}

// addPool keeps freshly fetched cids for later use.
func (s *cidState) addPool(cids []string, at time.Time) {
	for _, c := range cids {
		s.pool = append(s.pool, issued{cid: c, at: at})
	}
}

// take hands out a pooled cid still fresh at now; ok is false when none is.
func (s *cidState) take(now time.Time) (string, bool) {
	for len(s.pool) > 0 {
		it := s.pool[0]
		s.pool = s.pool[1:]
		if now.Sub(it.at) < poolFresh {
			return it.cid, true
		}
	}
	return "", false
}

// remember records the cid of a request id, evicting the oldest past max.
func (s *cidState) remember(reqID string, it issued) {
	if s.byReq == nil {
		s.byReq = make(map[string]issued)
	}
	if _, ok := s.byReq[reqID]; !ok {
		s.order = append(s.order, reqID)
	}
	s.byReq[reqID] = it
	for len(s.order) > s.max {
		delete(s.byReq, s.order[0])
		s.order = s.order[1:]
	}
}

// IssueKey returns a fresh cid for one batch, from the pool or a new
// fetch. Failures are *providers.Error; fetching pushes nothing, so a
// failed one may simply be repeated.
func (c *Client) IssueKey(ctx context.Context) (string, error) {
	c.mu.Lock()
	cid, ok := c.cids.take(c.now())
	c.mu.Unlock()
	if ok {
		return cid, nil
	}
	cids, err := c.fetchCIDs(ctx, cidBatch)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cids.addPool(cids[1:], c.now())
	return cids[0], nil
}

// cidFor returns the cid of a request sent without a key: the one an
// earlier attempt in this process used while it lasts, else a new one.
func (c *Client) cidFor(ctx context.Context, reqID string) (string, error) {
	c.mu.Lock()
	it, ok := c.cids.byReq[reqID]
	c.mu.Unlock()
	if ok && c.now().Sub(it.at) < cidLife {
		return it.cid, nil
	}
	cid, err := c.IssueKey(ctx)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	// Two attempts of one request at once: the first to get here wins,
	// so both push under the same cid.
	if prev, ok := c.cids.byReq[reqID]; ok && c.now().Sub(prev.at) < cidLife {
		cid = prev.cid
	} else {
		c.cids.remember(reqID, issued{cid: cid, at: c.now()})
	}
	c.mu.Unlock()
	return cid, nil
}

// cidAnswer is the answer of GET /v3/push/cid.
type cidAnswer struct {
	CIDList []string `json:"cidlist"`
}

// fetchCIDs asks JPush for n push cids.
func (c *Client) fetchCIDs(ctx context.Context, n int) ([]string, error) {
	var ans cidAnswer
	url := fmt.Sprintf("%s/v3/push/cid?count=%d&type=push", c.pushBase, n)
	if err := c.call(ctx, http.MethodGet, url, nil, &ans); err != nil {
		return nil, err
	}
	if len(ans.CIDList) == 0 {
		return nil, &providers.Error{Class: providers.Retry, Code: "bad_response", Msg: "cid answer without cids"}
	}
	for _, cid := range ans.CIDList {
		if cid == "" || len(cid) > maxCIDLen {
			return nil, &providers.Error{Class: providers.Retry, Code: "bad_response", Msg: "cid answer with an unusable cid"}
		}
	}
	return ans.CIDList, nil
}

// maxCIDLen bounds a cid the client accepts: {appkey}-{uuid} is under 100
// characters; anything much longer is not a cid.
const maxCIDLen = 256
