package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

func TestCSVSafe(t *testing.T) {
	tests := map[string]string{
		"":                  "",
		"plain":             "plain",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+1":                "'+1",
		"-2":                "'-2",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tx":               "'\tx",
		"a=b":               "a=b",
	}
	for in, want := range tests {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// sentCampaign sends a listed sandbox campaign through the API and waits
// for it to complete.
func sentCampaign(t *testing.T, app *testApp, key string, cids []string) int64 {
	t.Helper()
	vals, _ := json.Marshal(cids)
	body := fmt.Sprintf(`{"name":"Stats","provider_id":1,"group":"ab-1","audience":{"kind":"cid","values":%s},
		"message":{"type":"notification","title":"Hi","body":"Now"},"options":{"error_threshold":100}}`, vals)
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var c struct{ ID int64 }
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	eventually(t, 10*time.Second, "completed", func() bool {
		cm, err := app.store.CampaignHead(context.Background(), c.ID)
		return err == nil && cm.Status == models.StatusCompleted
	})
	eventually(t, 10*time.Second, "a report snapshot", func() bool {
		_, stale, err := app.store.LatestSnapshot(context.Background(), c.ID)
		return err == nil && !stale
	})
	return c.ID
}

func TestCampaignStatsPageAPIAndCSV(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	cids := []string{"sandbox-0000001", "sandbox-0000002", "sandbox-0000003", "=cmd|' /C calc'!A0", "no,such \"device\"\nline2"}
	id := sentCampaign(t, app, key, cids)

	resp, body := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats", id), key, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stats: %d %s", resp.StatusCode, body)
	}
	var st struct {
		Channels []models.ChannelFigures `json:"channels"`
		Totals   models.ChannelFigures   `json:"totals"`
		Updated  *time.Time              `json:"updated_at"`
		Failures []struct {
			Code  string `json:"code"`
			Count int64  `json:"count"`
		} `json:"failures"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Totals.Target != 5 || st.Totals.Sent != 3 || st.Totals.Invalid != 2 || st.Totals.Failed != 0 || st.Updated == nil || len(st.Channels) != 1 || st.Channels[0].Channel != "sandbox" {
		t.Errorf("stats %s", body)
	}
	if len(st.Failures) != 1 || st.Failures[0].Code != "malformed_cid" || st.Failures[0].Count != 2 {
		t.Errorf("failures %+v", st.Failures)
	}

	b := app.browser()
	app.createUser("viewer@example.com", models.RoleViewer)
	b.login("viewer@example.com", "password123")
	resp, body = b.get(fmt.Sprintf("/campaigns/%d/stats", id))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stats page: %d", resp.StatusCode)
	}
	d := doc(t, body)
	if got := d.Find(`[data-testid="funnel-total"] [data-testid="target"]`).Text(); got != "5" {
		t.Errorf("funnel total target %q", got)
	}
	if d.Find(`script#campaign-chart`).Length() != 1 || !strings.Contains(d.Find(`script#campaign-chart`).Text(), `"series"`) {
		t.Error("chart data missing")
	}
	if d.Find(`[data-testid="wecom-stats"]`).Length() != 0 {
		t.Error("WeCom statistics on a sandbox campaign")
	}
	if d.Find(`[data-testid="failure"]`).Length() != 1 || d.Find(`[data-testid="delivery"]`).Length() != 5 {
		t.Errorf("failures/deliveries rows: %d/%d", d.Find(`[data-testid="failure"]`).Length(), d.Find(`[data-testid="delivery"]`).Length())
	}
	_, body = b.get(fmt.Sprintf("/campaigns/%d/stats?status=invalid", id))
	if n := doc(t, body).Find(`[data-testid="delivery"]`).Length(); n != 2 {
		t.Errorf("invalid filter: %d rows", n)
	}

	resp, body = b.get(fmt.Sprintf("/campaigns/%d/deliveries.csv", id))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v\n%s", err, body)
	}
	if len(recs) != 6 || recs[0][0] != "cid" {
		t.Fatalf("csv rows: %q", recs)
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[0]] = r[1]
	}
	if got["'=cmd|' /C calc'!A0"] != "invalid" {
		t.Errorf("formula not neutralised or row missing: %q", recs)
	}
	if got["no,such \"device\"\nline2"] != "invalid" {
		t.Errorf("commas, quotes and newlines not round-tripped: %q", recs)
	}
	resp, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries.csv?status=accepted", id), key, "", nil)
	if resp.StatusCode != http.StatusOK || strings.Count(body, "\n") != 4 {
		t.Errorf("api csv accepted: %d %q", resp.StatusCode, body)
	}

	_, body = b.get("/groups/ab-1")
	if doc(t, body).Find(`[data-testid="group-campaign"]`).Length() != 1 {
		t.Errorf("group page: %s", body)
	}
	resp, body = app.apiDo(http.MethodGet, "/api/v1/groups/ab-1/stats", key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"campaign_id":`) || !strings.Contains(body, `"provider_reports":[]`) {
		t.Errorf("group api: %d %s", resp.StatusCode, body)
	}
}

// sendProviderCampaign creates and sends a listed campaign on an account
// and waits for it to complete.
func sendProviderCampaign(t *testing.T, app *testApp, key string, providerID int64, group, msg string, cids []string) int64 {
	t.Helper()
	body, err := json.Marshal(map[string]any{"name": "P " + group, "provider_id": providerID, "group": group,
		"audience": map[string]any{"kind": "cid", "values": cids}, "message": json.RawMessage(msg)})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, string(body), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var c struct{ ID int64 }
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if resp, out := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", resp.StatusCode, out)
	}
	eventually(t, 10*time.Second, "completed", func() bool {
		cm, err := app.store.CampaignHead(context.Background(), c.ID)
		return err == nil && cm.Status == models.StatusCompleted
	})
	return c.ID
}

// groupReportJSON is one provider_reports entry of the group stats API,
// with the key names clients rely on.
type groupReportJSON struct {
	ProviderID  int64                    `json:"provider_id"`
	Provider    string                   `json:"provider"`
	Kind        string                   `json:"kind"`
	Channels    []providers.ChannelStats `json:"channels"`
	Totals      providers.ChannelStats   `json:"totals"`
	UpdatedAt   *time.Time               `json:"updated_at"`
	Stale       bool                     `json:"stale"`
	LastError   string                   `json:"last_error"`
	LastErrorAt *time.Time               `json:"last_error_at"`
}

// apiGroupReports reads provider_reports of the group stats API.
func apiGroupReports(t *testing.T, app *testApp, key, group string) []groupReportJSON {
	t.Helper()
	resp, body := app.apiDo(http.MethodGet, "/api/v1/groups/"+group+"/stats", key, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("group api: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Group   string            `json:"group"`
		Items   []json.RawMessage `json:"items"`
		Reports []groupReportJSON `json:"provider_reports"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Group != group || out.Reports == nil {
		t.Fatalf("group api body %s: %v", body, err)
	}
	return out.Reports
}

// TestGroupProviderReport: the task group page and API show GeTui's own
// group report beside the campaigns pushdeck sums; a failing poll keeps
// the figures with a stale marker and the provider's error.
func TestGroupProviderReport(t *testing.T) {
	app := newTestApp(t)
	admin := app.apiKey(models.RoleAdmin)
	key := app.apiKey(models.RoleOperator)
	fake := getuifake.New(t)
	var creds map[string]any
	if err := json.Unmarshal(fake.Credentials(), &creds); err != nil {
		t.Fatal(err)
	}
	acct := createAccount(t, app, admin, providerBody(t, "GeTui main", "getui", fake.URL(), creds))
	msg := `{"type":"notification","title":"Hi","body":"Now"}`
	sendProviderCampaign(t, app, key, acct, "spring-ab", msg, []string{"a1", "a2", "a3", "a4", "a5", "a6"})
	sendProviderCampaign(t, app, key, acct, "spring-ab", msg, []string{"b1", "b2", "b3", "b4"})
	want, ok := fake.GroupCounts("spring-ab")
	if !ok || want.MsgNum != 10 {
		t.Fatalf("fake group %+v", want)
	}
	eventually(t, 10*time.Second, "a group report", func() bool {
		rs, err := app.engine.GroupReports(context.Background(), "spring-ab")
		return err == nil && len(rs) == 1 && rs[0].TakenAt != nil && !rs[0].Stale
	})

	b := app.browser()
	app.createUser("viewer@example.com", models.RoleViewer)
	b.login("viewer@example.com", "password123")
	_, body := b.get("/groups/spring-ab")
	d := doc(t, body)
	if n := d.Find(`[data-testid="group-campaign"]`).Length(); n != 2 {
		t.Fatalf("%d campaigns side by side, want 2", n)
	}
	rep := d.Find(`[data-testid="provider-report"]`)
	if rep.Length() != 1 || rep.AttrOr("data-account", "") != "GeTui main" || rep.AttrOr("data-kind", "") != "getui" {
		t.Fatalf("provider report section: %d %s", rep.Length(), body)
	}
	total := rep.Find(`[data-testid="report-total"]`)
	cell := func(s *goquery.Selection, name string) string {
		return strings.TrimSpace(s.Find(`[data-testid="` + name + `"]`).Contents().First().Text())
	}
	if cell(total, "target") != fmt.Sprint(want.MsgNum) || cell(total, "sent") != fmt.Sprint(want.TargetNum) ||
		cell(total, "received") != fmt.Sprint(want.ReceiveNum) || cell(total, "displayed") != fmt.Sprint(want.DisplayNum) ||
		cell(total, "clicked") != fmt.Sprint(want.ClickNum) {
		t.Errorf("report total row %q, provider's %+v", total.Text(), want)
	}
	if rate := total.Find(`[data-testid="received"] [data-testid="rate"]`).Text(); !strings.HasSuffix(rate, "%") {
		t.Errorf("received rate %q", rate)
	}
	var received int64
	rep.Find(`[data-testid="report-channel"]`).Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.ParseInt(strings.ReplaceAll(cell(s, "received"), ",", ""), 10, 64)
		if err != nil {
			t.Errorf("channel row received: %v", err)
		}
		received += n
		if s.AttrOr("data-channel", "") == "total" {
			t.Errorf("total among the channel rows")
		}
	})
	if received != want.ReceiveNum || rep.Find(`[data-testid="report-channel"]`).Length() < 2 {
		t.Errorf("channel rows received %d, want %d", received, want.ReceiveNum)
	}
	if up := rep.Find(`[data-testid="report-updated"]`).Text(); !strings.Contains(up, "UTC") || rep.Find(`[data-testid="stale"]`).Length() != 0 {
		t.Errorf("updated %q, stale markers %d", up, rep.Find(`[data-testid="stale"]`).Length())
	}

	reports := apiGroupReports(t, app, key, "spring-ab")
	if len(reports) != 1 || reports[0].ProviderID != acct || reports[0].Kind != "getui" || reports[0].Provider != "GeTui main" ||
		reports[0].Totals.Received != want.ReceiveNum || reports[0].Totals.Target != want.MsgNum || reports[0].UpdatedAt == nil || reports[0].Stale {
		t.Fatalf("api provider_reports %+v", reports)
	}

	// The provider starts failing: the figures stay, marked stale.
	fake.FailNextCodeOn("/report/push/task_group/spring-ab", 100000, 10005, "api calls per minute exceeded")
	eventually(t, 10*time.Second, "a stale group report", func() bool {
		rs, err := app.engine.GroupReports(context.Background(), "spring-ab")
		return err == nil && len(rs) == 1 && rs[0].Stale
	})
	_, body = b.get("/groups/spring-ab")
	rep = doc(t, body).Find(`[data-testid="provider-report"]`)
	if rep.Find(`[data-testid="stale"]`).Length() != 1 || !strings.Contains(rep.Find(`[data-testid="last-error"]`).Text(), "10005: api calls per minute exceeded") {
		t.Errorf("stale marker / last error missing: %s", rep.Text())
	}
	if got := cell(rep.Find(`[data-testid="report-total"]`), "received"); got != fmt.Sprint(want.ReceiveNum) {
		t.Errorf("stale figures %q, want %d", got, want.ReceiveNum)
	}
	reports = apiGroupReports(t, app, key, "spring-ab")
	if !reports[0].Stale || !strings.HasPrefix(reports[0].LastError, "10005:") || reports[0].LastErrorAt == nil || reports[0].Totals.Received != want.ReceiveNum {
		t.Fatalf("api stale report %+v", reports[0])
	}
}

// TestWeComCampaignStatsPage: a WeCom campaign's stats page says WeCom has
// no per-message figures and shows the app's person-times for today and
// yesterday with their time; the funnel stays pushdeck's own.
func TestWeComCampaignStatsPage(t *testing.T) {
	app := newTestApp(t)
	admin := app.apiKey(models.RoleAdmin)
	key := app.apiKey(models.RoleOperator)
	fake := wecomfake.New(t)
	fake.SetAppName("Notices")
	var creds map[string]any
	if err := json.Unmarshal(fake.Credentials(), &creds); err != nil {
		t.Fatal(err)
	}
	acct := createAccount(t, app, admin, providerBody(t, "WeCom app", "wecom", fake.URL, creds))
	id := sendProviderCampaign(t, app, key, acct, "", `{"type":"text","body":"Hello"}`, []string{"alice", "bob"})
	fake.AddOtherApp(1000077, "Other app", 900, 800)
	eventually(t, 10*time.Second, "WeCom statistics", func() bool {
		days, err := app.store.LatestAccountStats(context.Background(), acct)
		return err == nil && days[0].Good.Count == 2 && days[1].Good.ID != 0
	})

	b := app.browser()
	app.createUser("viewer@example.com", models.RoleViewer)
	b.login("viewer@example.com", "password123")
	page := func() *goquery.Document {
		t.Helper()
		resp, body := b.get(fmt.Sprintf("/campaigns/%d/stats", id))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stats page: %d", resp.StatusCode)
		}
		return doc(t, body)
	}
	d := page()
	ws := d.Find(`[data-testid="wecom-stats"]`)
	if ws.Length() != 1 || !strings.Contains(ws.Find(`[data-testid="wecom-note"]`).Text(), "no per-message") {
		t.Fatalf("WeCom section missing or unexplained: %q", ws.Text())
	}
	if !strings.Contains(d.Find(`[data-testid="updated"]`).Text(), "WeCom reports no per-message figures") {
		t.Errorf("updated line %q", d.Find(`[data-testid="updated"]`).Text())
	}
	today := ws.Find(`[data-testid="wecom-day"][data-day="today"]`)
	china := time.Now().In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)
	if strings.TrimSpace(today.Find(`[data-testid="count"]`).Text()) != "2" || today.Find(`[data-testid="date"]`).Text() != china ||
		!strings.Contains(today.Text(), "Notices") || !strings.Contains(today.Find(`[data-testid="taken-at"]`).Text(), "UTC") {
		t.Errorf("today row %q", today.Text())
	}
	yesterday := ws.Find(`[data-testid="wecom-day"][data-day="yesterday"]`)
	if strings.TrimSpace(yesterday.Find(`[data-testid="count"]`).Text()) != "0" || ws.Find(`[data-testid="stale"]`).Length() != 0 {
		t.Errorf("yesterday row %q", yesterday.Text())
	}
	// The funnel is pushdeck's: two sent, nothing received from a report.
	total := d.Find(`[data-testid="funnel-total"]`)
	if got := strings.TrimSpace(total.Find(`[data-testid="sent"]`).Text()); got != "2" {
		t.Errorf("funnel sent %q", got)
	}
	if got := strings.TrimSpace(total.Find(`[data-testid="received"]`).Contents().First().Text()); got != "0" {
		t.Errorf("funnel received %q: app-wide counts leaked into the funnel", got)
	}
	resp, body := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats", id), key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"received":0`) || strings.Contains(body, `"received":2`) {
		t.Errorf("campaign stats api %s", body)
	}

	// WeCom starts refusing: the figures stay, marked stale with the error.
	fake.ErrcodeNext(100000, 45009, "api freq out of limit")
	eventually(t, 10*time.Second, "stale WeCom statistics", func() bool {
		days, err := app.store.LatestAccountStats(context.Background(), acct)
		return err == nil && days[0].Stale && days[1].Stale
	})
	today = page().Find(`[data-testid="wecom-day"][data-day="today"]`)
	if strings.TrimSpace(today.Find(`[data-testid="count"]`).Text()) != "2" || today.Find(`[data-testid="stale"]`).Length() != 1 ||
		!strings.Contains(today.Find(`[data-testid="last-error"]`).Text(), "45009") {
		t.Errorf("stale today row %q", today.Text())
	}
}
