package e2e

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// TestABTestFirstJPush: through the binary and its API, a test-first A/B
// campaign on JPush (whose reports count receipts, not clicks) sends each
// variant to its part of the sample, picks the variant JPush reports
// received more, and sends it to the rest: every device gets exactly one
// push, and its delivery row names the variant it got.
func TestABTestFirstJPush(t *testing.T) {
	srv := newServer(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	admin := srv.cli("apikey", "create", "--name", "e2e-admin", "--role", "admin")
	fake := jpushfake.New(t)
	fake.SetReceivedPercent("Alpha title", 40)
	fake.SetReceivedPercent("Beta title", 95)
	srv.start()

	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "JPush", "kind": "jpush", "base_url": fake.URL(), "credentials": json.RawMessage(fake.Credentials())}
	if code := srv.api(http.MethodPost, "/api/v1/providers", admin, body, &acct); code != http.StatusCreated {
		t.Fatalf("create the JPush account: %d", code)
	}
	const n = 600
	rids := make([]string, n)
	for i := range rids {
		rids[i] = fmt.Sprintf("rid-%04d", i)
	}
	variant := func(name string, share int) map[string]any {
		return map[string]any{"name": name, "share": share, "message": map[string]any{"type": "notification",
			"title": name + " title", "body": "Hello from " + name, "options": map[string]any{"platform": "android"}}}
	}
	var c struct {
		ID int64 `json:"id"`
	}
	body = map[string]any{"name": "A/B", "provider_id": acct.ID, "group": "spring-ab", "audience": map[string]any{"kind": "cid", "values": rids},
		"variants": []any{variant("Alpha", 50), variant("Beta", 50)},
		"options":  map[string]any{"ab_test": map[string]any{"sample_percent": 40, "wait_seconds": 1, "metric": "click"}}}
	if code := srv.api(http.MethodPost, "/api/v1/campaigns", key, body, &c); code != http.StatusCreated {
		t.Fatalf("create the campaign: %d", code)
	}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for srv.campaignStatus(key, c.ID) != "completed" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign is %s\n%s", srv.campaignStatus(key, c.ID), srv.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got struct {
		AB struct {
			Phase     string `json:"phase"`
			Winner    *int   `json:"winner"`
			DecidedBy string `json:"decided_by"`
		} `json:"ab"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), key, nil, &got); code != http.StatusOK ||
		got.AB.Winner == nil || *got.AB.Winner != 1 || got.AB.Phase != "winner_sent" || got.AB.DecidedBy != "engine" {
		t.Fatalf("campaign %d: ab %+v", code, got.AB)
	}
	// At the fake: one push per device, with the title of one variant.
	titleOf := map[string]string{}
	for _, p := range fake.Pushes() {
		title := "Alpha title"
		if strings.Contains(string(p.Body), "Beta title") {
			title = "Beta title"
		}
		for _, r := range p.Recipients {
			if prev, dup := titleOf[r]; dup {
				t.Fatalf("%s pushed twice (%s, %s)", r, prev, title)
			}
			titleOf[r] = title
		}
	}
	// In the delivery rows: every device once, in the variant it got.
	var page struct {
		Items []struct {
			CID     string `json:"cid"`
			Status  string `json:"status"`
			Variant int    `json:"variant"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?limit=500", c.ID), key, nil, &page); code != http.StatusOK {
		t.Fatalf("deliveries: %d", code)
	}
	rows := page.Items
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?limit=500&after=%s", c.ID, rows[len(rows)-1].CID), key, nil, &page); code != http.StatusOK {
		t.Fatalf("deliveries: %d", code)
	}
	rows = append(rows, page.Items...)
	alpha := 0
	for _, r := range rows {
		want := []string{"Alpha title", "Beta title"}[r.Variant]
		if r.Status != "accepted" || titleOf[r.CID] != want {
			t.Fatalf("%s: %s in variant %d, pushed %q", r.CID, r.Status, r.Variant, titleOf[r.CID])
		}
		if r.Variant == 0 {
			alpha++
		}
	}
	// Alpha went to its half of the 40 % sample only; Beta to the rest.
	if len(rows) != n || len(titleOf) != n || alpha < n/10 || alpha > 3*n/10 {
		t.Fatalf("%d rows, %d devices pushed, %d got Alpha", len(rows), len(titleOf), alpha)
	}
	var cmp struct {
		Metric string `json:"metric"`
		Items  []struct {
			Rate float64 `json:"rate"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/variants", c.ID), key, nil, &cmp); code != http.StatusOK ||
		cmp.Metric != "received" || len(cmp.Items) != 2 || cmp.Items[1].Rate <= cmp.Items[0].Rate {
		t.Fatalf("variants %d %+v", code, cmp)
	}
}

// splitPlace is the documented split: FNV-1a of the campaign id (8 bytes,
// big-endian) and the recipient, modulo 10,000.
func splitPlace(id int64, recipient string) int {
	h := fnv.New64a()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(recipient))
	return int(h.Sum64() % 10_000)
}

// TestABAcceptedShareWeCom: through the binary and its API, a test-first
// campaign on WeCom, which reports nothing per message, is judged by the
// accepted share: WeCom refuses half of variant A's sample as unknown
// users, so B wins and goes to the rest, and the variants comparison says
// the metric was "accepted".
func TestABAcceptedShareWeCom(t *testing.T) {
	srv := newServer(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	admin := srv.cli("apikey", "create", "--name", "e2e-admin", "--role", "admin")
	fake := wecomfake.New(t)
	srv.start()

	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "WeCom", "kind": "wecom", "base_url": fake.URL, "credentials": json.RawMessage(fake.Credentials())}
	if code := srv.api(http.MethodPost, "/api/v1/providers", admin, body, &acct); code != http.StatusCreated {
		t.Fatalf("create the WeCom account: %d\n%s", code, srv.logTail())
	}
	const n = 400
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("user-%04d", i)
	}
	variant := func(name string) map[string]any {
		return map[string]any{"name": name, "share": 50, "message": map[string]any{"type": "text", "body": "Hello from " + name}}
	}
	var c struct {
		ID int64 `json:"id"`
	}
	body = map[string]any{"name": "A/B WeCom", "provider_id": acct.ID, "audience": map[string]any{"kind": "cid", "values": users},
		"variants": []any{variant("Alpha"), variant("Beta")},
		"options":  map[string]any{"ab_test": map[string]any{"sample_percent": 50, "wait_seconds": 1, "metric": "click"}}}
	if code := srv.api(http.MethodPost, "/api/v1/campaigns", key, body, &c); code != http.StatusCreated {
		t.Fatalf("create the campaign: %d", code)
	}
	// Alpha's sample: the first half of the sample's part of the scale.
	var refused []string
	alpha := 0
	for _, u := range users {
		if p := splitPlace(c.ID, u); p < 5000 && p*10_000/5000 < 5000 {
			if alpha%2 == 0 {
				refused = append(refused, u)
			}
			alpha++
		}
	}
	fake.SetInvalidUsers(refused...)
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", c.ID), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for srv.campaignStatus(key, c.ID) != "completed" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign is %s\n%s", srv.campaignStatus(key, c.ID), srv.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var cmp struct {
		Metric string `json:"metric"`
		Leader int    `json:"leader"`
		Winner *int   `json:"winner"`
		Items  []struct {
			Recipients int64   `json:"recipients"`
			Accepted   int64   `json:"accepted"`
			Rate       float64 `json:"rate"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/variants", c.ID), key, nil, &cmp); code != http.StatusOK ||
		cmp.Metric != "accepted" || cmp.Winner == nil || *cmp.Winner != 1 || len(cmp.Items) != 2 {
		t.Fatalf("variants %d %+v", code, cmp)
	}
	if a := cmp.Items[0]; a.Recipients != int64(alpha) || a.Accepted != int64(alpha-len(refused)) || cmp.Items[1].Rate != 1 {
		t.Fatalf("variants %+v, want Alpha %d of %d accepted and Beta all", cmp.Items, alpha-len(refused), alpha)
	}
	// At the fake: every user named once, the refused ones in Alpha's
	// sample only.
	named := map[string]int{}
	for _, m := range fake.Messages() {
		for _, u := range m.ToUser {
			named[u]++
		}
	}
	for _, u := range users {
		if named[u] != 1 {
			t.Fatalf("%s named in %d requests", u, named[u])
		}
	}

	// The same A/B campaign made to repeat keeps its variants and its test
	// (every run tests afresh); shares that do not add up are a 422.
	body["repeat"] = map[string]any{"every": "daily", "at": "09:00", "timezone": "Asia/Shanghai"}
	body["audience"] = map[string]any{"kind": "cid", "values": users[:100]}
	var rec struct {
		Campaign struct {
			Variants []struct {
				Name string `json:"name"`
			} `json:"variants"`
			Options struct {
				ABTest *struct {
					SamplePercent int `json:"sample_percent"`
				} `json:"ab_test"`
			} `json:"options"`
		} `json:"campaign"`
	}
	if code := srv.api(http.MethodPost, "/api/v1/recurring", key, body, &rec); code != http.StatusCreated ||
		len(rec.Campaign.Variants) != 2 || rec.Campaign.Options.ABTest == nil || rec.Campaign.Options.ABTest.SamplePercent != 50 {
		t.Fatalf("recurring A/B: %d %+v", code, rec.Campaign)
	}
	bad := variant("Beta")
	bad["share"] = 40
	body["variants"] = []any{variant("Alpha"), bad}
	var refusedBody struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	if code := srv.api(http.MethodPost, "/api/v1/recurring", key, body, &refusedBody); code != http.StatusUnprocessableEntity || refusedBody.Error.Fields["variants[1].share"] == "" {
		t.Fatalf("recurring A/B with shares of 90: %d %v, want 422 naming variants[1].share", code, refusedBody.Error.Fields)
	}
}
