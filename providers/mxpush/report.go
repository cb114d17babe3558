package mxpush

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pushdeck/pushdeck/providers"
)

// MaxReportTasks is the most task ids one /push/task/detail call carries.
// The API documents no limit (its list is an array of task ids); 100
// keeps a request and its answer small.
const MaxReportTasks = 100

// Report fetches one task's per-channel figures with POST /push/task/detail.
// MX push reports valid targets, sent and received per channel (no display
// or click figures). A task the server does not list yet yields an empty
// Report. Failures are *providers.Error.
func (c *Client) Report(ctx context.Context, taskID string) (providers.Report, error) {
	reps, err := c.Reports(ctx, []string{taskID})
	if err != nil {
		return providers.Report{}, err
	}
	return reps[taskID], nil
}

// ReportLimit is MaxReportTasks (providers.ManyReporter).
func (c *Client) ReportLimit() int { return MaxReportTasks }

// Reports fetches the figures of up to MaxReportTasks tasks in one
// /push/task/detail call, keyed by task id. Failures are *providers.Error.
func (c *Client) Reports(ctx context.Context, taskIDs []string) (map[string]providers.Report, error) {
	if len(taskIDs) == 0 || len(taskIDs) > MaxReportTasks {
		return nil, invalid("a report takes 1–%d task ids, got %d", MaxReportTasks, len(taskIDs))
	}
	ids := make([]int64, len(taskIDs))
	for i, t := range taskIDs {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, invalid("task id %q is not an MX push task id (an integer)", t)
		}
		ids[i] = id
	}
	data, err := c.call(ctx, http.MethodPost, "/push/task/detail", nil, taskDetailRequest{List: ids})
	if err != nil {
		return nil, err
	}
	var details []taskDetail
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &details); err != nil {
			return nil, badResponse("POST /push/task/detail", err)
		}
	}
	out := make(map[string]providers.Report, len(details))
	for _, d := range details {
		out[strconv.FormatInt(d.TaskID, 10)] = providers.Report{Channels: channelStats(d)}
	}
	return out, nil
}

// channelStats maps a TaskDetail to one ChannelStats per channel, in the
// order the server lists its fields.
func channelStats(d taskDetail) []providers.ChannelStats {
	return []providers.ChannelStats{
		{Channel: "apns", Target: d.APNsTarget, Sent: d.APNsSent, Received: d.APNsReceived},
		{Channel: "fcm", Target: d.FCMTarget, Sent: d.FCMSent, Received: d.FCMReceived},
		{Channel: "flyme", Target: d.FlymeTarget, Sent: d.FlymeSent, Received: d.FlymeReceived},
		{Channel: "huawei", Target: d.HuaweiTarget, Sent: d.HuaweiSent, Received: d.HuaweiReceived},
		{Channel: "mxpush", Target: d.MXPushTarget, Sent: d.MXPushSent, Received: d.MXPushReceived},
		{Channel: "oppo", Target: d.OPPOTarget, Sent: d.OPPOSent, Received: d.OPPOReceived},
		{Channel: "vivo", Target: d.VIVOTarget, Sent: d.VIVOSent, Received: d.VIVOReceived},
		{Channel: "xiaomi", Target: d.XiaomiTarget, Sent: d.XiaomiSent, Received: d.XiaomiReceived},
	}
}

// Certificate is one vendor push certificate configured in the MX push
// console, as GET /push/certificate returns it. The vendor secret and the
// certificate body are not kept: only whether they are set.
type Certificate struct {
	// Environment is 0 (development) or 1 (production).
	Environment int
	// ProviderID is MX push's provider number: 1 APNs, 2 Huawei, 3 Xiaomi,
	// 4 Meizu, 5 vivo, 6 OPPO, 7 FCM.
	ProviderID int
	// Provider is the channel name used in reports: apns, huawei, xiaomi,
	// flyme, vivo, oppo, fcm.
	Provider string
	// Name is the certificate name.
	Name string
	// AppID and AppKey are the vendor app's identifiers.
	AppID  string
	AppKey string
	// HasSecret and HasCertificate say whether app_secret and certificate
	// are set; their values are withheld.
	HasSecret      bool
	HasCertificate bool
}

// certProviders maps MX push provider numbers to channel names.
var certProviders = []string{1: "apns", 2: "huawei", 3: "xiaomi", 4: "flyme", 5: "vivo", 6: "oppo", 7: "fcm"}

// accountCodes are refusals that concern the whole account, so they fail
// Certificates instead of meaning "no certificate for this provider".
var accountCodes = map[string]bool{
	"10003": true, "10008": true, "10010": true, "12006": true,
	"30021": true, "30022": true, "30023": true, "40000": true,
}

// Certificates lists the vendor certificates configured for the app, one
// GET /push/certificate per provider and environment (production first).
// The API takes one provider a call and its answer for an unconfigured one
// is undocumented [I]: a null data or a refusal that is not about the
// account is taken as "none configured". Failures are *providers.Error.
func (c *Client) Certificates(ctx context.Context) ([]Certificate, error) {
	var out []Certificate
	for _, env := range []int{1, 0} {
		for pid := 1; pid < len(certProviders); pid++ {
			cert, ok, err := c.certificate(ctx, env, pid)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, cert)
			}
		}
	}
	return out, nil
}

func (c *Client) certificate(ctx context.Context, env, pid int) (Certificate, bool, error) {
	q := url.Values{"environment": {strconv.Itoa(env)}, "provider": {strconv.Itoa(pid)}}
	data, err := c.call(ctx, http.MethodGet, "/push/certificate", q, nil)
	if err != nil {
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Class == providers.Permanent && !accountCodes[pe.Code] && pe.Code != "bad_response" && !isHTTPCode(pe.Code) {
			return Certificate{}, false, nil
		}
		return Certificate{}, false, err
	}
	if len(data) == 0 || string(data) == "null" {
		return Certificate{}, false, nil
	}
	var d notifierDto
	if err := json.Unmarshal(data, &d); err != nil {
		return Certificate{}, false, badResponse("GET /push/certificate", err)
	}
	return Certificate{
		Environment: env, ProviderID: pid, Provider: certProviders[pid],
		Name: d.Name, AppID: d.AppID, AppKey: d.AppKey,
		HasSecret: d.AppSecret != "", HasCertificate: d.Certificate != "",
	}, true, nil
}

func isHTTPCode(code string) bool { return len(code) > 5 && code[:5] == "http_" }

// Verify proves the app_id and access-token with GET /push/certificate
// (through Certificates). A refusal is a *providers.Error carrying MX
// push's code and message (10008 for a bad token, 40000 for an unknown
// app_id).
func (c *Client) Verify(ctx context.Context) error {
	_, err := c.Certificates(ctx)
	return err
}
