package jpush

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// MaxReportIDs is the most msg_ids one /v3/received/detail call takes.
const MaxReportIDs = 100

// reportChannels maps the prefix of JPush's figure names to pushdeck
// channels: jpush_received is JPush's own connection, android_pns_* the
// Android vendor channels together, ios_apns_* APNs, ios_msg_received the
// iOS in-app channel, hmos_hmpns_* HarmonyOS, quickapp_* quick apps and
// wp_mpns_* Windows. A prefix not listed is kept as JPush names it.
func reportChannel(prefix string) string {
	switch prefix {
	case "jpush":
		return "jpush"
	case "android_pns":
		return "android_vendor"
	case "ios_apns":
		return "apns"
	case "ios_msg":
		return "ios_jpush"
	case "hmos_hmpns":
		return "harmonyos"
	case "quickapp_jpush":
		return "quickapp_jpush"
	case "quickapp_pns":
		return "quickapp_vendor"
	case "wp_mpns":
		return "mpns"
	}
	return prefix
}

// Report fetches one push's figures (GET /v3/received/detail). Each figure
// is named {channel}_{sent|received}; a null one is not counted yet. The
// target of a line is what it was sent (or received, where JPush gives no
// sent figure). An unknown msg_id answers an empty Report.
func (c *Client) Report(ctx context.Context, taskID string) (providers.Report, error) {
	if taskID == "" || strings.ContainsAny(taskID, ", ") {
		return providers.Report{}, permanent("msg_ids", "a report needs one msg_id, got %q", taskID)
	}
	reps, err := c.Reports(ctx, []string{taskID})
	if err != nil {
		return providers.Report{}, err
	}
	return reps[taskID], nil
}

// ReportLimit is MaxReportIDs (providers.ManyReporter).
func (c *Client) ReportLimit() int { return MaxReportIDs }

// Reports fetches the figures of up to MaxReportIDs pushes in one call,
// keyed by msg_id. Failures are *providers.Error.
func (c *Client) Reports(ctx context.Context, msgIDs []string) (map[string]providers.Report, error) {
	if len(msgIDs) == 0 || len(msgIDs) > MaxReportIDs {
		return nil, permanent("msg_ids", "a report takes 1–%d msg_ids, got %d", MaxReportIDs, len(msgIDs))
	}
	u := c.reportBase + "/v3/received/detail?" + url.Values{"msg_ids": {strings.Join(msgIDs, ",")}}.Encode()
	var rows []map[string]json.RawMessage
	if err := c.call(ctx, http.MethodGet, u, nil, &rows); err != nil {
		return nil, err
	}
	out := make(map[string]providers.Report, len(rows))
	for _, row := range rows {
		id := msgID(row["msg_id"])
		if id == "" {
			continue
		}
		out[id] = reportOf(row)
	}
	return out, nil
}

// msgID reads a msg_id written as a string or a number.
func msgID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// reportOf turns one row's figures into channel lines.
func reportOf(row map[string]json.RawMessage) providers.Report {
	lines := map[string]*providers.ChannelStats{}
	for key, raw := range row {
		prefix, kind, ok := cutFigure(key)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		if err != nil {
			continue // null (no figure yet) or not a count
		}
		name := reportChannel(prefix)
		l := lines[name]
		if l == nil {
			l = &providers.ChannelStats{Channel: name}
			lines[name] = l
		}
		var add providers.ChannelStats
		if kind == "sent" {
			add.Sent = n
		} else {
			add.Received = n
		}
		l.Add(add)
	}
	rep := providers.Report{Channels: make([]providers.ChannelStats, 0, len(lines))}
	for _, l := range lines {
		l.Target = max(l.Sent, l.Received)
		if l.Sent == 0 {
			// JPush's own channels report what arrived only.
			l.Sent = l.Received
		}
		rep.Channels = append(rep.Channels, *l)
	}
	sort.Slice(rep.Channels, func(i, j int) bool { return rep.Channels[i].Channel < rep.Channels[j].Channel })
	return rep
}

// cutFigure splits "ios_apns_sent" into ("ios_apns", "sent").
func cutFigure(key string) (prefix, kind string, ok bool) {
	for _, k := range []string{"sent", "received"} {
		if p, found := strings.CutSuffix(key, "_"+k); found && p != "" {
			return p, k, true
		}
	}
	return "", "", false
}
