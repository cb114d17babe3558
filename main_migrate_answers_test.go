package main

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// answer is one question the product asks its store, answered the same
// way on the copy as on the source.
type answer struct {
	name string
	ask  func(ctx context.Context, s *models.Store) (any, error)
}

// productAnswers are the questions: logins, sessions, API key auth,
// unsealed credentials and webhook secrets, audience counts, campaign
// figures and pages, device and tag lists, and every other list a page
// shows.
func productAnswers(f productFixture) []answer {
	both := func(fn func(ctx context.Context, s *models.Store, acct int64) (any, error)) func(context.Context, *models.Store) (any, error) {
		return func(ctx context.Context, s *models.Store) (any, error) {
			var out []any
			for _, acct := range f.accounts {
				v, err := fn(ctx, s, acct)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		}
	}
	count := func(a models.Audience) func(context.Context, *models.Store) (any, error) {
		return both(func(ctx context.Context, s *models.Store, acct int64) (any, error) {
			return s.CountAudience(ctx, acct, a)
		})
	}
	answers := []answer{
		{"login", func(ctx context.Context, s *models.Store) (any, error) {
			return s.Authenticate(ctx, f.email, f.password)
		}},
		{"session", func(ctx context.Context, s *models.Store) (any, error) { return s.SessionByToken(ctx, f.session) }},
		{"api key", func(ctx context.Context, s *models.Store) (any, error) { return s.APIKeyByToken(ctx, f.apiKey) }},
		{"credentials", both(func(ctx context.Context, s *models.Store, acct int64) (any, error) {
			a, err := s.ProviderAccountByID(ctx, acct)
			if err != nil {
				return nil, err
			}
			creds, err := s.ProviderCredentials(a)
			return []any{a, string(creds)}, err
		})},
		{"webhook secret", func(ctx context.Context, s *models.Store) (any, error) {
			e, err := s.WebhookByID(ctx, f.webhooks[0])
			if err != nil {
				return nil, err
			}
			sec, err := s.WebhookSecret(e)
			return []any{e, sec}, err
		}},
		{"audience all", count(models.Audience{Kind: "all"})},
		{"audience tag", count(models.Audience{Kind: "tag", Values: []string{"vip", "beta"}})},
		{"audience conditions", count(models.Audience{Kind: "conditions", Tree: json.RawMessage(
			`{"op":"and","items":[{"field":"tag","op":"all","values":["vip","t3"]},{"field":"platform","op":"in","values":["ios"]},{"field":"attr.score","op":"gte","values":["50"]}]}`)})},
		{"audience segment", count(models.Audience{Kind: "segment", Values: []string{strconv.FormatInt(f.segment, 10)}})},
		{"device count", both(func(ctx context.Context, s *models.Store, acct int64) (any, error) { return s.CountDevices(ctx, acct) })},
		{"devices page", both(func(ctx context.Context, s *models.Store, acct int64) (any, error) {
			ds, next, err := s.ListDevices(ctx, models.DeviceFilter{ProviderID: acct, Tag: "vip", Platform: "ios", After: "cid-000100", Limit: 50})
			return []any{ds, next}, err
		})},
		{"tags", both(func(ctx context.Context, s *models.Store, acct int64) (any, error) { return s.ListTags(ctx, acct, 100) })},
		{"campaign", func(ctx context.Context, s *models.Store) (any, error) { return s.CampaignByID(ctx, f.sent) }},
		{"draft", func(ctx context.Context, s *models.Store) (any, error) { return s.CampaignByID(ctx, f.draft) }},
		{"campaign list", func(ctx context.Context, s *models.Store) (any, error) {
			cs, n, err := s.ListCampaigns(ctx, models.CampaignFilter{Limit: 50, WithAudience: true})
			return []any{cs, n}, err
		}},
		{"campaign events", func(ctx context.Context, s *models.Store) (any, error) { return s.CampaignEvents(ctx, f.sent) }},
		{"campaign task ids", func(ctx context.Context, s *models.Store) (any, error) { return s.CampaignTaskIDs(ctx, f.sent) }},
		{"campaign failures", func(ctx context.Context, s *models.Store) (any, error) { return s.CampaignFailures(ctx, f.sent) }},
		{"snapshot", func(ctx context.Context, s *models.Store) (any, error) {
			snap, _, err := s.LatestSnapshot(ctx, f.sent)
			return snap, err
		}},
		{"deliveries", func(ctx context.Context, s *models.Store) (any, error) {
			var all []any
			for _, st := range []string{"", "accepted", "invalid", "failed"} {
				ds, next, err := s.ListDeliveries(ctx, f.sent, models.DeliveryFilter{Status: st, After: "cid-000500", Limit: 100})
				if err != nil {
					return nil, err
				}
				all = append(all, ds, next)
			}
			return all, nil
		}},
		{"counts by status", func(ctx context.Context, s *models.Store) (any, error) { return s.CountCampaignsByStatus(ctx) }},
		{"totals", func(ctx context.Context, s *models.Store) (any, error) {
			return s.TotalsSince(ctx, []time.Time{time.Now().Add(-time.Hour), time.Now().Add(-24 * time.Hour)})
		}},
		{"users", func(ctx context.Context, s *models.Store) (any, error) { return s.ListUsers(ctx) }},
		{"api keys", func(ctx context.Context, s *models.Store) (any, error) { return s.ListAPIKeys(ctx) }},
		{"login lock", func(ctx context.Context, s *models.Store) (any, error) { return s.LoginLockedUntil(ctx, lockedKey) }},
		{"segments", func(ctx context.Context, s *models.Store) (any, error) { return s.ListSegments(ctx) }},
		{"templates", func(ctx context.Context, s *models.Store) (any, error) {
			ts, next, err := s.ListTemplates(ctx, models.TemplateFilter{Limit: 10})
			return []any{ts, next}, err
		}},
		{"webhooks", func(ctx context.Context, s *models.Store) (any, error) { return s.ListWebhooks(ctx) }},
		{"webhook log", func(ctx context.Context, s *models.Store) (any, error) { return s.WebhookLog(ctx, f.webhooks[0], 50) }},
		{"recurring", func(ctx context.Context, s *models.Store) (any, error) { return s.ListRecurring(ctx, 0, 10) }},
		{"import jobs", func(ctx context.Context, s *models.Store) (any, error) { return s.RecentImportJobs(ctx, 10) }},
		{"audit", func(ctx context.Context, s *models.Store) (any, error) {
			return s.ListAudit(ctx, models.AuditFilter{Limit: 50})
		}},
	}
	return answers
}
