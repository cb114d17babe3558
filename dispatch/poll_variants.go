package dispatch

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// pollVariants reports an A/B campaign: each variant's tasks are summed
// apart into a variant snapshot (the winner and the side-by-side page read
// them), and all of them together into the campaign's snapshot. A failed
// report stores the error everywhere: the figures go stale, never
// partial, so one variant is never judged on fewer tasks than another.
func (p *poller) pollVariants(ctx context.Context, log *slog.Logger, cl *client, rep providers.Reporter, c models.Campaign) {
	// The accepted counts first: a batch done meanwhile adds a task whose
	// figures are counted, never accepted recipients without their task.
	totals, err := p.store.CampaignVariantTotals(ctx, c.ID)
	if err != nil {
		log.Error("poll: variant totals", slog.Any("error", err))
		return
	}
	variants := make([]int, 0, len(totals))
	for v := range totals {
		variants = append(variants, v)
	}
	sort.Ints(variants)
	all := map[string]*providers.ChannelStats{}
	byVariant := map[int]map[string]*providers.ChannelStats{}
	for _, v := range variants {
		sum := map[string]*providers.ChannelStats{}
		pages := func(ctx context.Context, after string, n int) ([]string, error) {
			return p.store.VariantTaskPage(ctx, c.ID, v, after, n)
		}
		polled, pe, ok := p.sumTasks(ctx, log, cl, rep, pages, func(ch providers.ChannelStats) {
			addChannel(all, ch)
			addChannel(sum, ch)
		})
		if !ok {
			return
		}
		if pe != nil {
			p.saveVariantErrors(ctx, log, c.ID, variants, pe.Code+": "+pe.Msg)
			return
		}
		if polled {
			byVariant[v] = sum
		}
	}
	if len(byVariant) == 0 {
		return // no task yet
	}
	for v, sum := range byVariant {
		b, err := json.Marshal(sortedChannels(sum))
		if err != nil {
			log.Error("encode variant snapshot", slog.Any("error", err))
			return
		}
		if err := p.store.SaveVariantSnapshot(ctx, c.ID, v, b, totals[v].Accepted, ""); err != nil {
			log.Error("save variant snapshot", slog.Any("error", err))
		}
	}
	b, err := json.Marshal(sortedChannels(all))
	if err != nil {
		log.Error("encode snapshot", slog.Any("error", err))
		return
	}
	if err := p.store.SaveSnapshot(ctx, c.ID, b, ""); err != nil {
		log.Error("save snapshot", slog.Any("error", err))
	}
}

// saveVariantErrors stores a failed poll for the campaign and each of its
// variants.
func (p *poller) saveVariantErrors(ctx context.Context, log *slog.Logger, id int64, variants []int, msg string) {
	for _, v := range variants {
		if err := p.store.SaveVariantSnapshot(ctx, id, v, nil, 0, msg); err != nil {
			log.Error("save variant snapshot", slog.Any("error", err))
		}
	}
	if err := p.store.SaveSnapshot(ctx, id, nil, msg); err != nil {
		log.Error("save snapshot", slog.Any("error", err))
	}
}

// addChannel adds a report line to its channel's sum. Channel lines only:
// a provider's own total would count every recipient twice.
func addChannel(sum map[string]*providers.ChannelStats, ch providers.ChannelStats) {
	s, ok := sum[ch.Channel]
	if !ok {
		s = &providers.ChannelStats{Channel: ch.Channel}
		sum[ch.Channel] = s
	}
	s.Add(ch)
}

func sortedChannels(sum map[string]*providers.ChannelStats) []providers.ChannelStats {
	out := make([]providers.ChannelStats, 0, len(sum))
	for _, s := range sum {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Channel < out[j].Channel })
	return out
}
