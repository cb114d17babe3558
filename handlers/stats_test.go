package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
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
	if st.Totals.Target != 5 || st.Totals.Sent != 3 || st.Totals.Failed != 2 || st.Updated == nil || len(st.Channels) != 1 || st.Channels[0].Channel != "sandbox" {
		t.Errorf("stats %s", body)
	}
	if len(st.Failures) != 1 || st.Failures[0].Code != "unknown_cid" || st.Failures[0].Count != 2 {
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
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"campaign_id":`) {
		t.Errorf("group api: %d %s", resp.StatusCode, body)
	}
}
