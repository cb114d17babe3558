package getui

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// A list push is two calls: /push/list/message creates the message under a
// request_id and answers its taskid, then /push/list/cid (or alias) pushes
// that task to the recipients, with no request_id of its own. GeTui drops a
// message whose request_id it has seen and answers it without a taskid, so
// the batch's own request id cannot simply be sent again when the answer to
// the create was lost: the retry would get no task to push.
//
// Creating a message delivers nothing, so a create may be repeated under a
// fresh request id: the client derives one per attempt from the batch's
// request id (createID), and only the push can deliver twice. The client
// therefore remembers, per batch request id, the task it pushes and whether
// a push of it went without an answer; a retry pushes that same task again
// and never a second one. When that knowledge is gone (another process made
// the earlier attempts, or the task expired after an unanswered push) the
// batch is refused as Permanent rather than risk a double delivery: the
// first create of a process uses the batch's own request id, which GeTui
// drops if an earlier process used it.

// maxListStates bounds the remembered list requests. A forgotten one that
// was already created ends refused (see above), so the bound is generous:
// far more batches than can be waiting for a retry at once.
const maxListStates = 1 << 14

// listStates remembers recent list requests by batch request id, bounded
// to max entries (oldest evicted first). Guarded by Client.tasksMu.
type listStates struct {
	max   int
	order []string
	byID  map[string]*listState
}

// listState is what the client knows of one batch request id.
type listState struct {
	// taskID is the created message's task, usable until until.
	taskID string
	until  time.Time
	// next is the generation of the next create's request id; it moves on
	// whenever a create may have reached GeTui.
	next int
	// inDoubt: a push of this request got no answer, so its recipients
	// may have it.
	inDoubt bool
	// busy: an attempt is under way; a second one at the same time could
	// create and push a second task.
	busy bool
}

// createID is the request_id of a batch's gen-th list message: the batch's
// own id first, then the id with "-gen" appended (hashed to fit GeTui's 32
// characters when it would not), so every create of a retry is new to GeTui.
func createID(requestID string, gen int) string {
	if gen == 0 {
		return requestID
	}
	suffix := "-" + strconv.Itoa(gen)
	if len(requestID)+len(suffix) <= 32 {
		return requestID + suffix
	}
	sum := sha256.Sum256([]byte(requestID))
	return hex.EncodeToString(sum[:])[:32-len(suffix)] + suffix
}

// answered reports whether err is GeTui's own refusal (a code in its
// envelope): the call was not carried out. Anything else (no answer, a
// gateway's 5xx, an unreadable answer) may have been carried out.
func answered(err error) bool {
	var pe *providers.Error
	if !errors.As(err, &pe) {
		return false
	}
	_, convErr := strconv.Atoi(pe.Code)
	return convErr == nil
}

// beginList marks requestID busy and returns a copy of its state; ok is
// false when another attempt of it is under way.
func (c *Client) beginList(requestID string) (listState, bool) {
	c.tasksMu.Lock()
	defer c.tasksMu.Unlock()
	st := c.tasks.byID[requestID]
	if st == nil {
		if c.tasks.byID == nil {
			c.tasks.byID = make(map[string]*listState)
		}
		st = &listState{}
		c.tasks.byID[requestID] = st
		c.tasks.order = append(c.tasks.order, requestID)
		for len(c.tasks.order) > c.tasks.max {
			delete(c.tasks.byID, c.tasks.order[0])
			c.tasks.order = c.tasks.order[1:]
		}
	}
	if st.busy {
		return *st, false
	}
	st.busy = true
	if st.taskID != "" && !c.now().Before(st.until) {
		st.taskID = "" // the message expired: its task cannot be pushed
	}
	return *st, true
}

// updateList changes requestID's state, if it is still remembered.
func (c *Client) updateList(requestID string, f func(*listState)) {
	c.tasksMu.Lock()
	defer c.tasksMu.Unlock()
	if st := c.tasks.byID[requestID]; st != nil {
		f(st)
	}
}

// endList clears requestID's busy mark.
func (c *Client) endList(requestID string) {
	c.updateList(requestID, func(st *listState) { st.busy = false })
}
