package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/providers"
)

// Send implements providers.Provider. List targets get one outcome per
// recipient (see listOutcome): every well-formed client id is a device
// registered to the account, as a real provider treats the tokens its SDK
// handed out, so imported devices are accepted like the seeded fleet.
// Broadcasts are counted over the simulated fleet.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return providers.Result{}, providers.TransportError(ctx, "the sandbox", err)
	}
	if !providers.ValidRequestID(req.RequestID) {
		return providers.Result{}, &providers.Error{Class: providers.Permanent, Code: "request_id", Msg: "request_id must be 10-32 characters of [0-9A-Za-z_-]"}
	}
	caps := c.Capabilities()
	if !caps.SupportsType(req.Message.Type) {
		return providers.Result{}, &providers.Error{Class: providers.Permanent, Code: "message_type", Msg: fmt.Sprintf("message type %q is not supported", req.Message.Type)}
	}
	limit, ok := caps.Audiences[req.Target.Kind]
	if !ok {
		return providers.Result{}, &providers.Error{Class: providers.Permanent, Code: "audience", Msg: fmt.Sprintf("audience %q is not supported", req.Target.Kind)}
	}
	if limit > 0 && len(req.Target.Values) > limit {
		return providers.Result{}, &providers.Error{Class: providers.Permanent, Code: "too_many", Msg: fmt.Sprintf("at most %d values per request", limit)}
	}
	var res providers.Result
	var target int
	switch {
	case req.Target.Kind.IsList():
		for _, r := range req.Target.Values {
			o := listOutcome(r)
			if o.Status == providers.StatusAccepted {
				target++
			}
			res.Outcomes = append(res.Outcomes, o)
		}
	default:
		target = c.countMatching(req.Target)
	}
	res.TaskID = fmt.Sprintf("sbx-%d-%d-%s", c.now().UnixMilli(), target, req.RequestID)
	return res, nil
}

// UninstalledPrefix starts the client ids the sandbox answers invalid as
// devices whose app was uninstalled: a deterministic way to see invalid
// recipients (and resend-to-failed skipping them) without a real fleet.
const UninstalledPrefix = "invalid"

// listOutcome is the simulated answer for one listed recipient: invalid
// when the client id is not well-formed (empty, over 256 bytes, not UTF-8,
// or holding spaces or control characters, which no push SDK hands out) or
// starts with UninstalledPrefix; otherwise accepted, online for about 70 %
// of ids and offline (delivered when the device comes back) for the rest,
// decided by a hash of the id.
func listOutcome(cid string) providers.Outcome {
	switch {
	case !wellFormed(cid):
		return providers.Outcome{Recipient: cid, Status: providers.StatusInvalid, Code: "malformed_cid", Message: "not a well-formed client id"}
	case strings.HasPrefix(cid, UninstalledPrefix):
		return providers.Outcome{Recipient: cid, Status: providers.StatusInvalid, Code: "uninstalled", Message: "the app is no longer installed on this device"}
	case permille(cid, "online") < onlinePermille:
		return providers.Outcome{Recipient: cid, Status: providers.StatusAccepted, Code: "successed_online"}
	}
	return providers.Outcome{Recipient: cid, Status: providers.StatusAccepted, Code: "successed_offline"}
}

// maxCID is the longest client id the device registry stores.
const maxCID = 256

func wellFormed(cid string) bool {
	if cid == "" || len(cid) > maxCID || !utf8.ValidString(cid) {
		return false
	}
	for _, r := range cid {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func (c *Client) countMatching(t providers.Target) int {
	if t.Kind == providers.AudienceAll {
		return c.devices
	}
	n := 0
	for i := 0; i < c.devices; i++ {
		if matches(deviceOf(CID(i)), t) {
			n++
		}
	}
	return n
}

func matches(d Device, t providers.Target) bool {
	switch t.Kind {
	case providers.AudienceTag:
		for _, v := range t.Values {
			if slices.Contains(d.Tags, v) {
				return true
			}
		}
		return false
	case providers.AudienceConditions:
		for _, cond := range t.Conditions {
			if !condMatches(d, cond) {
				return false
			}
		}
		return true
	}
	return true
}

func condMatches(d Device, cond providers.Condition) bool {
	has := func(v string) bool {
		switch cond.Key {
		case "phone_type":
			return d.Platform == v
		case "region":
			return d.Region == v
		default:
			return slices.Contains(d.Tags, v)
		}
	}
	switch cond.Op {
	case "and":
		for _, v := range cond.Values {
			if !has(v) {
				return false
			}
		}
		return true
	case "not":
		for _, v := range cond.Values {
			if has(v) {
				return false
			}
		}
		return true
	default:
		for _, v := range cond.Values {
			if has(v) {
				return true
			}
		}
		return false
	}
}

// Report implements providers.Reporter: figures grow over a minute after
// the send and then stay, computed from the task id alone.
func (c *Client) Report(_ context.Context, taskID string) (providers.Report, error) {
	parts := strings.SplitN(taskID, "-", 4)
	if len(parts) != 4 || parts[0] != "sbx" {
		return providers.Report{}, &providers.Error{Class: providers.Permanent, Code: "task_id", Msg: "unknown task id"}
	}
	ms, err1 := strconv.ParseInt(parts[1], 10, 64)
	target, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return providers.Report{}, &providers.Error{Class: providers.Permanent, Code: "task_id", Msg: "malformed task id"}
	}
	elapsed := c.now().Sub(time.UnixMilli(ms))
	f := min(1, max(0, float64(elapsed)/float64(rampUp)))
	online := target * onlinePermille / 1000
	delivered := online + int64(float64(target*deliveredPermille/1000-online)*f)
	displayed := int64(float64(delivered*displayedPermille/1000) * f)
	clicked := int64(float64(displayed*clickedPermille/1000) * f)
	return providers.Report{Channels: []providers.ChannelStats{{
		Channel: "sandbox", Target: target, Sent: target, Received: delivered, Displayed: displayed, Clicked: clicked,
	}}}, nil
}
