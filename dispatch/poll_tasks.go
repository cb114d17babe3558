package dispatch

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// taskPage is how many task ids the poller reads from the store at once:
// a personalized campaign can have one task per recipient, so they are
// never all in memory.
const taskPage = 1000

// taskPager reads a page of task ids after the cursor.
type taskPager func(ctx context.Context, after string, n int) ([]string, error)

// pollTasks sums the reports of every task of a campaign into its
// snapshot. A failed call stores the error instead: the figures go stale,
// never partial.
func (p *poller) pollTasks(ctx context.Context, log *slog.Logger, cl *client, rep providers.Reporter, c models.Campaign) {
	sum := map[string]*providers.ChannelStats{}
	pages := func(ctx context.Context, after string, n int) ([]string, error) {
		return p.store.CampaignTaskPage(ctx, c.ID, after, n)
	}
	polled, pe, ok := p.sumTasks(ctx, log, cl, rep, pages, func(ch providers.ChannelStats) { addChannel(sum, ch) })
	if !ok || (!polled && pe == nil) {
		return // shutting down, the store failed, or no task yet
	}
	if pe != nil {
		if err := p.store.SaveSnapshot(ctx, c.ID, nil, pe.Code+": "+pe.Msg); err != nil {
			log.Error("save snapshot", slog.Any("error", err))
		}
		return
	}
	b, err := json.Marshal(sortedChannels(sum))
	if err != nil {
		log.Error("encode snapshot", slog.Any("error", err))
		return
	}
	if err := p.store.SaveSnapshot(ctx, c.ID, b, ""); err != nil {
		log.Error("save snapshot", slog.Any("error", err))
	}
}

// sumTasks reports every task the pager yields, a page of ids at a time,
// in calls of as many tasks as the provider's report takes
// (providers.ManyReporter; one otherwise), each call waiting for the
// account's request limiter as sends do, and adds each channel line to
// add. It returns whether any task was reported, the provider's failure
// (which ends it), and ok=false when ctx ended or the store failed.
func (p *poller) sumTasks(ctx context.Context, log *slog.Logger, cl *client, rep providers.Reporter, page taskPager, add func(providers.ChannelStats)) (polled bool, failure *providers.Error, ok bool) {
	many, _ := rep.(providers.ManyReporter)
	per := 1
	if many != nil {
		per = max(1, many.ReportLimit())
	}
	fetch := func(ids []string) ([]providers.Report, error) {
		if many == nil {
			r, err := rep.Report(ctx, ids[0])
			return []providers.Report{r}, err
		}
		m, err := many.Reports(ctx, ids)
		out := make([]providers.Report, 0, len(m))
		for _, r := range m {
			out = append(out, r)
		}
		return out, err
	}
	for after := ""; ; {
		ids, err := page(ctx, after, taskPage)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("poll: task ids", slog.Any("error", err))
			}
			return polled, nil, false
		}
		for lo := 0; lo < len(ids); lo += per {
			chunk := ids[lo:min(lo+per, len(ids))]
			if err := cl.limit.Wait(ctx); err != nil {
				return polled, nil, false // shutting down
			}
			reps, err := fetch(chunk)
			if ctx.Err() != nil {
				return polled, nil, false // shutting down: not the provider's failure
			}
			if err != nil {
				pe := providers.AsError(err)
				log.Warn("poll report", slog.String("task", chunk[0]), slog.Int("tasks", len(chunk)), slog.String("code", pe.Code))
				return polled, pe, true
			}
			polled = true
			// Channel lines only: the provider's own total would count
			// every recipient twice in the funnel and the chart, which sum
			// the lines.
			for _, r := range reps {
				for _, ch := range r.Channels {
					add(ch)
				}
			}
		}
		if len(ids) < taskPage {
			return polled, nil, true
		}
		after = ids[len(ids)-1]
	}
}
