package stats

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/pushdeck/pushdeck/web/i18n"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := i18n.WithLocalizer(context.Background(), cat.Localizer("en"))
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	d, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProviderReports(t *testing.T) {
	failed := PollState{Stale: true, LastError: "10005: api per minute", LastErrorAt: "2025-03-01 10:00 UTC"}
	tests := []struct {
		name       string
		r          ProviderReport
		wantTable  bool
		wantStale  bool
		wantError  bool
		wantUpdate string
	}{
		{"fresh", ProviderReport{Account: "a", Polled: true, TakenAt: "2025-03-01 09:59 UTC",
			Rows: []Row{{Channel: "huawei", Received: "9"}}, Total: Row{Channel: "Total", Received: "9"}}, true, false, false, "2025-03-01 09:59 UTC"},
		{"stale keeps the figures", ProviderReport{Account: "a", Polled: true, TakenAt: "2025-03-01 09:59 UTC", Poll: failed,
			Rows: []Row{{Channel: "huawei", Received: "9"}}, Total: Row{Channel: "Total", Received: "9"}}, true, true, true, "2025-03-01 09:59 UTC"},
		{"first poll failed: no figures, no stale marker, the error", ProviderReport{Account: "a", Poll: failed}, false, false, true, "No figures from the provider yet."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := render(t, ProviderReports([]ProviderReport{tc.r}))
			sec := d.Find(`[data-testid="provider-report"]`)
			if sec.Length() != 1 {
				t.Fatal("no section")
			}
			if got := sec.Find(`[data-testid="report-table"]`).Length() == 1; got != tc.wantTable {
				t.Errorf("table shown %v, want %v", got, tc.wantTable)
			}
			if got := sec.Find(`[data-testid="stale"]`).Length() == 1; got != tc.wantStale {
				t.Errorf("stale marker %v, want %v", got, tc.wantStale)
			}
			le := sec.Find(`[data-testid="last-error"]`).Text()
			if (le != "") != tc.wantError || (tc.wantError && (!strings.Contains(le, "10005: api per minute") || !strings.Contains(le, "2025-03-01 10:00 UTC"))) {
				t.Errorf("last error %q", le)
			}
			if up := sec.Find(`[data-testid="report-updated"]`).Text(); !strings.Contains(up, tc.wantUpdate) {
				t.Errorf("updated %q, want %q", up, tc.wantUpdate)
			}
			if tc.wantTable && sec.Find(`[data-testid="report-channel"][data-channel="huawei"] [data-testid="received"]`).Length() != 1 {
				t.Error("channel row missing")
			}
		})
	}
	if n := render(t, ProviderReports(nil)).Find(`[data-testid="provider-report"]`).Length(); n != 0 {
		t.Errorf("%d sections without reports", n)
	}
}

func TestWeComStats(t *testing.T) {
	d := render(t, WeComStats(AppStats{Account: "w", Days: []AppDay{
		{Key: "today", Polled: true, Date: "2025-03-01", App: "Notices", Count: "1,234", TakenAt: "2025-03-01 02:00 UTC",
			Poll: PollState{Stale: true, LastError: "45009: api freq out of limit", LastErrorAt: "2025-03-01 02:01 UTC"}},
		{Key: "yesterday"},
	}}))
	today := d.Find(`[data-testid="wecom-day"][data-day="today"]`)
	if strings.TrimSpace(today.Find(`[data-testid="count"]`).Text()) != "1,234" || today.Find(`[data-testid="stale"]`).Length() != 1 ||
		!strings.Contains(today.Find(`[data-testid="last-error"]`).Text(), "45009") || !strings.Contains(today.Text(), "Today") {
		t.Errorf("today %q", today.Text())
	}
	yesterday := d.Find(`[data-testid="wecom-day"][data-day="yesterday"]`)
	if strings.TrimSpace(yesterday.Find(`[data-testid="count"]`).Text()) != "—" || yesterday.Find(`[data-testid="date"]`).Length() != 0 ||
		!strings.Contains(yesterday.Text(), "Yesterday") || !strings.Contains(yesterday.Text(), "No figures from the provider yet.") {
		t.Errorf("yesterday %q", yesterday.Text())
	}
	if !strings.Contains(d.Find(`[data-testid="wecom-note"]`).Text(), "no per-message delivery figures") {
		t.Error("no explanation")
	}
}
