package sandbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// Send implements providers.Provider. List targets get one outcome per
// recipient: fleet devices are accepted (online or offline), anything else
// is invalid. Broadcasts are counted over the fleet.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return providers.Result{}, &providers.Error{Class: providers.Retry, Code: "canceled", Msg: "request canceled", Err: err}
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
			if c.index(r) < 0 {
				res.Outcomes = append(res.Outcomes, providers.Outcome{Recipient: r, Status: providers.StatusInvalid, Code: "unknown_cid", Message: "no such device in the sandbox fleet"})
				continue
			}
			target++
			code := "successed_offline"
			if permille(r, "online") < onlinePermille {
				code = "successed_online"
			}
			res.Outcomes = append(res.Outcomes, providers.Outcome{Recipient: r, Status: providers.StatusAccepted, Code: code})
		}
	default:
		target = c.countMatching(req.Target)
	}
	res.TaskID = fmt.Sprintf("sbx-%d-%d-%s", c.now().UnixMilli(), target, req.RequestID)
	return res, nil
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
