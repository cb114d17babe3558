package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// listBody is a campaign body listing the given client ids.
func listBody(name string, ids []string) string {
	vals, _ := json.Marshal(ids)
	return `{"name":"` + name + `","provider_id":1,"message":{"type":"notification","title":"Hi","body":"b"},"audience":{"kind":"cid","values":` + string(vals) + `}}`
}

func sandboxIDs(from, n int) []string {
	out := make([]string, 0, n)
	for i := from; i < from+n; i++ {
		out = append(out, fmt.Sprintf("sandbox-%07d", i))
	}
	return out
}

// uploadsLeft counts spooled values no campaign took.
func uploadsLeft(t *testing.T, app *testApp) int64 {
	t.Helper()
	var n int64
	if err := app.store.DB().Raw(`SELECT (SELECT COUNT(*) FROM audience_upload_chunks) + (SELECT COUNT(*) FROM audience_uploads)`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCampaignCreateStreamsList: a long list comes in through the streamed
// create (repeats dropped), is answered as a summary, paged by the
// audience endpoint, kept by a patch and a duplicate that do not give
// values, and bad lists are refused with the field named and nothing left
// behind.
func TestCampaignCreateStreamsList(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	ids := sandboxIDs(0, 2500)
	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, listBody("long", append(ids, ids[:700]...)), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var c struct {
		ID       int64          `json:"id"`
		Audience map[string]any `json:"audience"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Audience["kind"] != "cid" || c.Audience["count"] != float64(2500) || c.Audience["values"] != nil {
		t.Fatalf("audience answered as %v, want {kind cid, count 2500} without values", c.Audience)
	}
	if n := uploadsLeft(t, app); n != 0 {
		t.Errorf("%d upload rows left after the create", n)
	}

	var page struct {
		Count int      `json:"count"`
		Items []string `json:"items"`
		Next  *string  `json:"next_after"`
	}
	_, body = app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/audience?limit=3&after=sandbox-0000010", c.ID), key, "", nil)
	if err := json.Unmarshal([]byte(body), &page); err != nil || page.Count != 2500 || strings.Join(page.Items, ",") != "sandbox-0000011,sandbox-0000012,sandbox-0000013" || page.Next == nil || *page.Next != "sandbox-0000013" {
		t.Errorf("audience page: %s", body)
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x"} {
		resp, body := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/audience?%s", c.ID, q), key, "", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"limit"`) {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}

	resp, body = app.apiDo(http.MethodPatch, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, `{"name":"renamed"}`, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"count":2500`) {
		t.Errorf("patch without values: %d %s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/duplicate", c.ID), key, "", nil)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"count":2500`) {
		t.Errorf("duplicate: %d %s", resp.StatusCode, body)
	}
	var dup struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &dup); err != nil {
		t.Fatal(err)
	}
	// A patch streams a new list like a create; null removes the list.
	dupPath := fmt.Sprintf("/api/v1/campaigns/%d", dup.ID)
	vals, _ := json.Marshal(sandboxIDs(5000, 1500))
	resp, body = app.apiDo(http.MethodPatch, dupPath, key, `{"audience":{"values":`+string(vals)+`}}`, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"count":1500`) {
		t.Errorf("patch with 1,500 values: %d %.300s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPatch, dupPath, key, `{"name":"short","audience":{"kind":"alias","values":["b","a","b"]}}`, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"audience":{"kind":"alias","count":2,"values":["a","b"]}`) {
		t.Errorf("patch with 2 values: %d %.300s", resp.StatusCode, body)
	}
	// A page of campaigns answers each list by its count alone.
	_, list := app.apiDo(http.MethodGet, "/api/v1/campaigns?limit=500", key, "", nil)
	if !strings.Contains(list, `"audience":{"kind":"alias","count":2}`) || strings.Contains(list, `"values"`) {
		t.Errorf("campaign list: %.500s", list)
	}
	resp, body = app.apiDo(http.MethodPatch, dupPath, key, `{"audience":{"values":null}}`, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "audience.values") {
		t.Errorf("patch removing the values: %d %.300s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPatch, dupPath, key, `{"audience":{"values":[1]}}`, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "audience.values") {
		t.Errorf("patch with a number: %d %.300s", resp.StatusCode, body)
	}
	_, page1 := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, "", nil)
	if len(page1) > 4<<10 {
		t.Errorf("GET answers %d bytes for a 2,500-value list", len(page1))
	}

	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"number in values":  {strings.Replace(listBody("x", ids), `"sandbox-0000005"`, `5`, 1), 400, "audience.values"},
		"values not a list": {`{"name":"x","provider_id":1,"audience":{"kind":"cid","values":"a"}}`, 400, "audience.values"},
		"values twice":      {`{"name":"x","provider_id":1,"audience":{"kind":"cid","values":["a"],"values":["b"]}}`, 400, "audience.values"},
		"unknown field":     {`{"name":"x","audience":{"kind":"cid","nope":1}}`, 400, "nope"},
		"value too long":    {listBody("x", append(sandboxIDs(0, 1500), strings.Repeat("x", 257))), 422, "audience.values"},
		"tag list too long": {strings.Replace(listBody("x", ids), `"kind":"cid"`, `"kind":"tag"`, 1), 422, "audience.values"},
		"no body object":    {`null`, 400, "JSON object"},
	} {
		resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, tc.body, nil)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d naming %s", name, resp.StatusCode, body, tc.status, tc.want)
		}
	}
	if n := uploadsLeft(t, app); n != 0 {
		t.Errorf("%d upload rows left after refused creates", n)
	}
}

// TestCampaignCreateRefusesMillionAndOne: the 1,000,001st distinct value
// is refused while the body is read (422 on audience.values); repeats do
// not count, and nothing is left behind.
func TestCampaignCreateRefusesMillionAndOne(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("streams a million values (≈2 s, ≈50 s under -race)")
	}
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	var b strings.Builder
	b.WriteString(`{"name":"huge","provider_id":1,"audience":{"kind":"cid","values":["v0"`)
	for i := 1; i <= 1_000_000; i++ {
		fmt.Fprintf(&b, `,"v%d","v0"`, i)
	}
	b.WriteString(`]},"message":{"type":"notification","title":"Hi","body":"b"}}`)
	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, b.String(), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "audience.values") {
		t.Fatalf("%d %.300s", resp.StatusCode, body)
	}
	if n := uploadsLeft(t, app); n != 0 {
		t.Errorf("%d upload rows left", n)
	}
	var campaigns int64
	if err := app.store.DB().Raw(`SELECT COUNT(*) FROM campaigns`).Scan(&campaigns).Error; err != nil || campaigns != 0 {
		t.Errorf("%d campaigns written (%v)", campaigns, err)
	}
}

// TestComposerKeepsStoredList: a draft whose list is too long for the text
// box opens in the composer with a note instead of the values, keeps its
// list when saved with the box empty, and its page shows the count.
func TestComposerKeepsStoredList(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	resp, body := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, listBody("long", sandboxIDs(0, 2500)), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var c struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	loc := fmt.Sprintf("/campaigns/%d", c.ID)
	_, page := b.get(loc + "/edit")
	d := doc(t, page)
	if !strings.Contains(d.Find(`[data-testid="stored-values"]`).Text(), "2500") || fieldValue(d, "audience_values") != "" {
		t.Errorf("edit form: note %q, values box %q", d.Find(`[data-testid="stored-values"]`).Text(), fieldValue(d, "audience_values"))
	}
	if resp, _ := b.post(loc, composerForm("sandbox", "1", map[string]string{"name": "Renamed", "audience_values": ""})); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	cm, err := app.store.CampaignByID(t.Context(), c.ID)
	if err != nil || cm.Name != "Renamed" || cm.Audience.Count != 2500 {
		t.Errorf("after the edit: %q with %d values (%v)", cm.Name, cm.Audience.Count, err)
	}
	_, page = b.get(loc)
	if got := doc(t, page).Find(`[data-testid="audience"]`).Text(); !strings.Contains(got, "2,500") || strings.Contains(got, "sandbox-") {
		t.Errorf("campaign page audience %q, want the count only", got)
	}
}

// TestCampaignCreateCutOffLeavesNothing: a body cut off after thousands of
// values (the client went away) writes no campaign and leaves no spooled
// values behind.
func TestCampaignCreateCutOffLeavesNothing(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	vals, _ := json.Marshal(sandboxIDs(0, 12000))
	body := `{"name":"cut","provider_id":1,"audience":{"kind":"cid","values":` + string(vals[:len(vals)-1])
	resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("cut-off body: %d %.200s", resp.StatusCode, out)
	}
	if n := uploadsLeft(t, app); n != 0 {
		t.Errorf("%d upload rows left", n)
	}
	var campaigns int64
	if err := app.store.DB().Raw(`SELECT COUNT(*) FROM campaigns`).Scan(&campaigns).Error; err != nil || campaigns != 0 {
		t.Errorf("%d campaigns written (%v)", campaigns, err)
	}
}
