package stats

import (
	"context"
	"fmt"
	"net/url"

	"github.com/pushdeck/pushdeck/web/i18n"
)

func filterURL(id int64, status string) string {
	u := fmt.Sprintf("/campaigns/%d/stats", id)
	if status != "" {
		u += "?status=" + url.QueryEscape(status)
	}
	return u + "#deliveries"
}

func filterLabel(ctx context.Context, status string) string {
	if status == "" {
		return i18n.T(ctx, "stats.all_outcomes")
	}
	return i18n.T(ctx, "status."+status)
}

func current(on bool) string {
	if on {
		return "page"
	}
	return "false"
}
