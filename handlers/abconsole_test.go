package handlers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
)

// startABCampaign creates and sends a test-first campaign with confirm to
// n listed sandbox devices, and waits until its test reaches phase.
func startABCampaign(t *testing.T, app *testApp, n, waitSeconds int, phase models.ABPhase) int64 {
	t.Helper()
	op := app.apiKey(models.RoleOperator)
	values := make([]string, n)
	for i := range values {
		values[i] = fmt.Sprintf("%q", fmt.Sprintf("aw-%04d", i))
	}
	body := fmt.Sprintf(`{"name":"awaiting","provider_id":%d,"audience":{"kind":"cid","values":[%s]},"variants":[%s,%s],
		"options":{"ab_test":{"sample_percent":50,"wait_seconds":%d,"metric":"click","confirm":true}}}`,
		app.sandboxID(), strings.Join(values, ","), abVariant("Calm", 50, "Hi"), abVariant("Bold", 50, "Hello"), waitSeconds)
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", op, body, nil)
	id := int64(apiJSON(t, resp, out, http.StatusCreated)["id"].(float64))
	if r, o := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), op, "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", r.StatusCode, o)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		cm, err := app.store.CampaignHead(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cm.ABPhase == phase {
			if cm.Status != models.StatusSending {
				t.Fatalf("phase %q with status %s, want sending", cm.ABPhase, cm.Status)
			}
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("phase %q status %s, want phase %q", cm.ABPhase, cm.Status, phase)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestABAwaitingWinnerVisible: a test-first campaign waiting for its
// operator says so in the campaign list, the dashboard's live campaigns
// and its own page, while its status stays sending; during the wait the
// badge names the winner's time.
func TestABAwaitingWinnerVisible(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	waiting := startABCampaign(t, app, 40, 3600, models.ABWait)
	awaiting := startABCampaign(t, app, 40, 1, models.ABChoose)

	_, page := b.get("/campaigns")
	d := doc(t, page)
	rowOf := func(id int64) string {
		return fmt.Sprintf(`[data-testid="campaign-row"]:has(a[href="/campaigns/%d"])`, id)
	}
	if got := strings.TrimSpace(d.Find(rowOf(awaiting) + ` [data-testid="ab-awaiting"]`).Text()); got != "Awaiting winner" {
		t.Errorf("list: awaiting badge %q; row %q", got, d.Find(rowOf(awaiting)).Text())
	}
	if got := strings.TrimSpace(d.Find(rowOf(awaiting) + ` [data-testid="status"]`).Text()); got != "Sending" {
		t.Errorf("list: status %q, want Sending", got)
	}
	testingBadge := strings.TrimSpace(d.Find(rowOf(waiting) + ` [data-testid="ab-testing"]`).Text())
	if !strings.HasPrefix(testingBadge, "Testing — winner at ") || !strings.HasSuffix(testingBadge, "UTC") || d.Find(rowOf(waiting)+` [data-testid="ab-awaiting"]`).Length() != 0 {
		t.Errorf("list: testing badge %q", testingBadge)
	}
	_, page = b.get("/")
	d = doc(t, page)
	if d.Find(`[data-testid="sending-now"] [data-testid="ab-awaiting"]`).Length() != 1 || d.Find(`[data-testid="sending-now"] [data-testid="ab-testing"]`).Length() != 1 {
		t.Errorf("dashboard live: %q", d.Find(`[data-testid="sending-now"]`).Text())
	}
	_, page = b.get(fmt.Sprintf("/campaigns/%d", awaiting))
	d = doc(t, page)
	link, _ := d.Find(`[data-testid="progress"] [data-testid="ab-awaiting"]`).Attr("href")
	if link != fmt.Sprintf("/campaigns/%d/stats", awaiting) {
		t.Errorf("campaign page: awaiting badge links %q; progress %q", link, d.Find(`[data-testid="progress"]`).Text())
	}
	// The live partial keeps it as it refreshes.
	_, page = b.do(http.MethodGet, fmt.Sprintf("/campaigns/%d/progress", awaiting), nil, map[string]string{"HX-Request": "true"})
	if doc(t, page).Find(`[data-testid="ab-awaiting"]`).Length() != 1 {
		t.Errorf("progress partial lacks the badge")
	}
	if r, _ := b.post("/settings/language", url.Values{"locale": {"zh-Hans"}}); r.StatusCode >= 400 {
		t.Fatalf("language: %d", r.StatusCode)
	}
	_, page = b.get("/campaigns")
	if got := strings.TrimSpace(doc(t, page).Find(rowOf(awaiting) + ` [data-testid="ab-awaiting"]`).Text()); got != "等待选定胜出版本" {
		t.Errorf("list in Chinese: %q", got)
	}
}

// TestDeliveriesExportVariant: the CSV export ends each row with the
// variant's name and the JSON list carries it beside the index; a
// campaign without variants leaves the column empty.
func TestDeliveriesExportVariant(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	id := startABCampaign(t, app, 60, 1, models.ABChoose)
	key := app.apiKey(models.RoleViewer)

	resp, body := b.get(fmt.Sprintf("/campaigns/%d/deliveries.csv", id))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("csv: %d", resp.StatusCode)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	if want := []string{"cid", "status", "code", "message", "request_id", "updated_at", "variant"}; strings.Join(recs[0], ",") != strings.Join(want, ",") {
		t.Fatalf("header %q", recs[0])
	}
	csvVariant := map[string]string{}
	for _, r := range recs[1:] {
		csvVariant[r[0]] = r[6]
	}

	var page struct {
		Items []struct {
			CID         string `json:"cid"`
			Status      string `json:"status"`
			Variant     int    `json:"variant"`
			VariantName string `json:"variant_name"`
		} `json:"items"`
	}
	resp, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?limit=500", id), key, "", nil)
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil {
		t.Fatalf("deliveries: %d %s", resp.StatusCode, body)
	}
	count := map[string]int{}
	for _, it := range page.Items {
		want := []string{"Calm", "Bold"}[it.Variant]
		if it.VariantName != want || csvVariant[it.CID] != want {
			t.Fatalf("%s: variant %d named %q in JSON, %q in CSV", it.CID, it.Variant, it.VariantName, csvVariant[it.CID])
		}
		count[it.Status+" "+want]++
	}
	// The sample (about half) went to both variants; the rest is planned
	// once the winner is picked.
	if count["accepted Calm"] == 0 || count["accepted Bold"] == 0 || len(page.Items) != len(csvVariant) {
		t.Fatalf("by status and variant: %v; %d CSV rows", count, len(csvVariant))
	}

	// Without variants the column is there and empty.
	plain := app.apiKey(models.RoleOperator)
	resp, body = app.apiDo(http.MethodPost, "/api/v1/campaigns", plain, fmt.Sprintf(`{"name":"plain","provider_id":%d,"audience":{"kind":"cid","values":["p1","p2"]},
		"message":{"type":"notification","title":"Hi","body":"Hello"}}`, app.sandboxID()), nil)
	pid := int64(apiJSON(t, resp, body, http.StatusCreated)["id"].(float64))
	if r, o := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", pid), plain, "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %s", r.StatusCode, o)
	}
	eventually(t, 15*time.Second, "the plain campaign completes", func() bool {
		cm, err := app.store.CampaignHead(t.Context(), pid)
		return err == nil && cm.Status == models.StatusCompleted
	})
	resp, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries.csv", pid), key, "", nil)
	recs, err = csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(recs) != 3 || len(recs[1]) != 7 || recs[1][6] != "" || recs[2][6] != "" {
		t.Fatalf("plain csv: %d %v %q", resp.StatusCode, err, recs)
	}
	resp, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries", pid), key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"variant_name":""`) {
		t.Fatalf("plain deliveries: %d %s", resp.StatusCode, body)
	}
}
