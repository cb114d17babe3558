package getui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// counters are one channel's figures in a GeTui report. msg_num
// (可下发数, what could be sent) appears only under total.
type counters struct {
	MsgNum     *int64 `json:"msg_num"`
	TargetNum  int64  `json:"target_num"`
	ReceiveNum int64  `json:"receive_num"`
	DisplayNum int64  `json:"display_num"`
	ClickNum   int64  `json:"click_num"`
}

// totalKey is the report key of GeTui's line for all channels together.
const totalKey = "total"

// channelName maps GeTui's report keys to pushdeck channel names; unknown
// keys (st, hx, ...) are kept as GeTui names them.
func channelName(key string) string {
	switch key {
	case "gt":
		return "getui"
	case "ios":
		return "apns"
	case "hw":
		return "huawei"
	case "xm":
		return "xiaomi"
	case "op":
		return "oppo"
	case "vv":
		return "vivo"
	case "mz":
		return "flyme"
	case "ho":
		return "honor"
	case "fcm":
		return "fcm"
	}
	return key
}

// Report fetches a list or app task's figures (GET
// /report/push/task/{taskid}). GeTui keeps no report for single pushes:
// their task answers an empty Report. Failures are *providers.Error.
func (c *Client) Report(ctx context.Context, taskID string) (providers.Report, error) {
	if taskID == "" {
		return providers.Report{}, permanent("taskid", "a report needs a task id")
	}
	return c.report(ctx, "/report/push/task/"+url.PathEscape(taskID), taskID)
}

// MaxReportTasks is the most task ids one /report/push/task call takes.
const MaxReportTasks = 200

// ReportLimit is MaxReportTasks (providers.ManyReporter).
func (c *Client) ReportLimit() int { return MaxReportTasks }

// Reports fetches the figures of up to MaxReportTasks tasks in one call
// (their ids comma-joined in the path), keyed by task id; single pushes,
// which GeTui keeps no report for, are left out. Failures are
// *providers.Error.
func (c *Client) Reports(ctx context.Context, taskIDs []string) (map[string]providers.Report, error) {
	if len(taskIDs) == 0 || len(taskIDs) > MaxReportTasks {
		return nil, permanent("taskid", "a report takes 1–%d task ids, got %d", MaxReportTasks, len(taskIDs))
	}
	esc := make([]string, len(taskIDs))
	for i, t := range taskIDs {
		if t == "" || strings.Contains(t, ",") {
			return nil, permanent("taskid", "bad task id %q", t)
		}
		esc[i] = url.PathEscape(t)
	}
	var data map[string]map[string]json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/report/push/task/"+strings.Join(esc, ","), nil, &data); err != nil {
		return nil, err
	}
	out := make(map[string]providers.Report, len(data))
	for id, lines := range data {
		out[id] = reportOf(lines)
	}
	return out, nil
}

// GroupReport fetches a task group's figures (GET
// /report/push/task_group/{group_name}). Failures are *providers.Error.
func (c *Client) GroupReport(ctx context.Context, group string) (providers.Report, error) {
	if !validName(group, 100) {
		return providers.Report{}, permanent("group_name", "group must be 1–100 of [0-9A-Za-z_-], got %q", group)
	}
	return c.report(ctx, "/report/push/task_group/"+group, group)
}

// report fetches key → channel → counters and maps the entry for key.
// Channel figures: target and sent are target_num (下发数), received,
// displayed and clicked are receive_num, display_num and click_num; the
// total's target is msg_num when GeTui gives it.
func (c *Client) report(ctx context.Context, path, key string) (providers.Report, error) {
	var data map[string]map[string]json.RawMessage
	if err := c.call(ctx, http.MethodGet, path, nil, &data); err != nil {
		return providers.Report{}, err
	}
	return reportOf(data[key]), nil
}

// reportOf maps one task's or group's channel → counters.
func reportOf(lines map[string]json.RawMessage) providers.Report {
	var rep providers.Report
	for name, raw := range lines {
		n, ok := decodeCounters(raw)
		if !ok {
			continue
		}
		st := providers.ChannelStats{
			Channel: channelName(name), Target: n.TargetNum, Sent: n.TargetNum,
			Received: n.ReceiveNum, Displayed: n.DisplayNum, Clicked: n.ClickNum,
		}
		if n.MsgNum != nil {
			st.Target = *n.MsgNum
		}
		if name == totalKey {
			// GeTui's total is the sum of its channel lines except for the
			// target (msg_num): kept apart so that summing the channels
			// does not count every recipient twice.
			st.Channel = providers.TotalChannel
			rep.Total = &st
			continue
		}
		rep.Channels = append(rep.Channels, st)
	}
	sort.Slice(rep.Channels, func(i, j int) bool { return rep.Channels[i].Channel < rep.Channels[j].Channel })
	return rep
}

// decodeCounters decodes one channel's figures; ok is false for entries
// that are not channels (actionCntMap: action id → count).
func decodeCounters(raw json.RawMessage) (counters, bool) {
	var n counters
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil || json.Unmarshal(raw, &n) != nil {
		return n, false
	}
	_, hasTarget := keys["target_num"]
	_, hasMsg := keys["msg_num"]
	return n, hasTarget || hasMsg
}
