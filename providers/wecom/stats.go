package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

var _ providers.AppStatsReporter = (*Client)(nil)

// Days message/get_statistics answers for (its time_type).
const (
	Today     = 0
	Yesterday = 1
)

// statDate is the calendar day WeCom counts for day as of now: natural
// days in China (UTC+8, no daylight saving) [I: the doc names no time
// zone; WeCom is a China service].
func statDate(now time.Time, day int) string {
	return now.In(time.FixedZone("UTC+8", 8*3600)).AddDate(0, 0, -day).Format(time.DateOnly)
}

// statisticsRequest is the body of message/get_statistics (doc 92369:
// time_type 0 today, 1 yesterday, default 0).
type statisticsRequest struct {
	TimeType int `json:"time_type"`
}

// statisticsResponse is its answer: per app, the successful person-times
// of the day (发消息成功人次).
type statisticsResponse struct {
	envelope
	Statistics []struct {
		AgentID int64  `json:"agentid"`
		AppName string `json:"app_name"`
		Count   int64  `json:"count"`
	} `json:"statistics"`
}

// Statistics fetches the successful person-times of this client's app for
// day Today or Yesterday (POST /cgi-bin/message/get_statistics). WeCom has
// no per-message delivery figures for app messages; this is all there is.
// The token is handled as for message/send: refused once (40014, 42001),
// it is fetched again and the call retried. An app missing from the answer
// sent nothing that day [I] and counts 0. Failures are *providers.Error.
func (c *Client) Statistics(ctx context.Context, day int) (providers.AppStat, error) {
	if day != Today && day != Yesterday {
		return providers.AppStat{}, fmt.Errorf("wecom: statistics: %w", refuse("40058", fmt.Sprintf("day must be 0 (today) or 1 (yesterday), got %d", day)))
	}
	body, err := json.Marshal(statisticsRequest{TimeType: day})
	if err != nil {
		return providers.AppStat{}, fmt.Errorf("wecom: statistics: encode: %w", err)
	}
	raw, env, err := c.authedPost(ctx, "/cgi-bin/message/get_statistics", body)
	if err != nil {
		return providers.AppStat{}, fmt.Errorf("wecom: statistics: %w", err)
	}
	if code := *env.ErrCode; code != 0 {
		c.log.InfoContext(ctx, "wecom statistics refused", slog.Int("errcode", code), slog.String("errmsg", env.ErrMsg))
		return providers.AppStat{}, fmt.Errorf("wecom: statistics: %w", codeError(code, env.ErrMsg))
	}
	var sr statisticsResponse
	if err := json.Unmarshal(raw, &sr); err != nil {
		return providers.AppStat{}, fmt.Errorf("wecom: statistics: %w", &providers.Error{
			Class: providers.Retry, Code: codeBadResponse, Msg: "malformed message/get_statistics answer", Err: err,
		})
	}
	out := providers.AppStat{AgentID: c.agentID, Date: statDate(c.now(), day)}
	for _, s := range sr.Statistics {
		if s.AgentID == c.agentID {
			out.AppName, out.Count = s.AppName, s.Count
			break
		}
	}
	return out, nil
}
