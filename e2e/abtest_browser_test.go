package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// abTemplateBody is the saved template the A/B campaign starts from.
const abTemplateBody = `Hi {{ name | default: "there" }}, the spring sale starts now`

// TestABCampaignFromTemplate: the browser suite builds a personalized A/B
// campaign from a saved template — the composer opened from the template
// (its body holding a placeholder with a fallback), a second
// variant added with its own title (a third added and removed again),
// shares and a test first — sends it, watches the sample go out, picks
// the winner on the statistics page, and sees every recipient reached
// once, the rest with the winner.
func TestABCampaignFromTemplate(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	admin := srv.cli("apikey", "create", "--name", "e2e-admin", "--role", "admin")
	srv.start()
	var acct, tpl struct {
		ID int64 `json:"id"`
	}
	if code := srv.api(http.MethodPost, "/api/v1/providers", admin, map[string]any{"name": "Sandbox AB", "kind": "sandbox", "credentials": json.RawMessage(`{}`)}, &acct); code != http.StatusCreated {
		t.Fatalf("create the sandbox account: %d", code)
	}
	if code := srv.api(http.MethodPost, "/api/v1/templates", key, map[string]any{"name": "Spring", "kind": "sandbox",
		"message": map[string]any{"type": "notification", "title": "Spring is here", "body": abTemplateBody}}, &tpl); code != http.StatusCreated {
		t.Fatalf("create the template: %d", code)
	}
	const n = 300
	values := make([]string, n)
	for i := range values {
		values[i] = fmt.Sprintf("ab-%04d", i)
	}

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open(fmt.Sprintf("/templates/%d", tpl.ID))
	b.submit("new campaign from the template", `[data-testid="new-campaign-from-template"]`)
	form := `[data-testid="campaign-form"]`
	b.check("the template's message", b.value(form+` [name="body"]`) == abTemplateBody, "body %q", b.value(form+` [name="body"]`))
	b.fill("name, account and audience", form, map[string]string{"name": "Spring A/B", "provider_id": strconv.FormatInt(acct.ID, 10),
		"audience_kind": "cid", "audience_values": strings.Join(values, "\n")})
	b.click("variants on", form+` [name="ab_on"]`)
	b.submit("add a variant", `[data-testid="ab-add"]`)
	b.check("three variants", b.count(`[data-testid^="ab-variant-"]`) == 3, "%d variants", b.count(`[data-testid^="ab-variant-"]`))
	b.submit("remove it again", `[data-testid="ab-remove-2"]`)
	b.check("two variants, the rest kept", b.count(`[data-testid^="ab-variant-"]`) == 2 && b.value(form+` [name="body"]`) == abTemplateBody &&
		b.value(form+` [name="name"]`) == "Spring A/B", "%d variants, body %q", b.count(`[data-testid^="ab-variant-"]`), b.value(form+` [name="body"]`))
	b.fill("the second variant and the test", form, map[string]string{"ab_name_0": "Classic", "ab_share_0": "40",
		"ab_name_1": "Bold", "ab_share_1": "60", "ab_title_1": "Spring sale: 30 % off", "ab_body_1": `{{ name | default: "there" }}, only this week`,
		"ab_sample": "50", "ab_wait": "60", "ab_metric": "click"})
	b.click("test first", form+` [name="ab_test"]`)
	b.click("confirm the winner", form+` [name="ab_confirm"]`)
	b.shot("ab-composer")
	status := b.submit("save the draft", `[data-testid="save-draft"]`)
	m := campaignPath.FindStringSubmatch(b.path())
	b.check("draft saved", status == http.StatusOK && m != nil, "status %d at %s: %s", status, b.path(), b.text(`[data-testid="form-errors"]`))
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	b.check("the variants listed", b.count(`[data-testid="ab-summary-variant"]`) == 2 &&
		strings.Contains(b.text(`[data-testid="ab-summary"]`), "Spring sale: 30 % off") && b.count(`[data-testid="campaign-template"]`) == 1,
		"summary %q", b.text(`[data-testid="ab-summary"]`))
	b.shot("ab-campaign")

	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	var cm struct {
		AB struct {
			Phase  string `json:"phase"`
			Winner *int   `json:"winner"`
		} `json:"ab"`
		Status string `json:"status"`
		Totals struct {
			Recipients int `json:"recipients"`
		} `json:"totals"`
	}
	waitAB := func(step string, done func() bool) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", id), key, nil, &cm); code != http.StatusOK {
				t.Fatalf("%s: %d", step, code)
			}
			if done() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %+v", step, cm)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitAB("the sample is out", func() bool { return cm.AB.Phase == "wait" })
	b.open(fmt.Sprintf("/campaigns/%d/stats", id))
	b.check("variants side by side", b.count(`[data-testid="variant-row"]`) == 2 && b.count(`[data-testid="pick-winner"]`) == 2 &&
		b.text(`[data-testid="variants-note"]`) != "", "variants %q", b.text(`[data-testid="variants"]`))
	b.shot("ab-stats-waiting")
	b.submit("pick Bold", `[data-testid="variant-row"][data-variant="1"] [data-testid="pick-winner"]`)
	b.check("picked", b.count(`[data-testid="flash-success"]`) == 1, "flash %q", b.text(`.flash`))
	waitAB("the winner went to the rest", func() bool { return cm.Status == "completed" })
	b.check("the winner", cm.AB.Winner != nil && *cm.AB.Winner == 1 && cm.Totals.Recipients == n, "ab %+v, %d recipients", cm.AB, cm.Totals.Recipients)
	var page struct {
		Items []struct {
			CID     string `json:"cid"`
			Variant int    `json:"variant"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?limit=500", id), key, nil, &page); code != http.StatusOK {
		t.Fatalf("deliveries: %d", code)
	}
	seen, classic := map[string]bool{}, 0
	for _, d := range page.Items {
		if seen[d.CID] {
			t.Fatalf("%s delivered twice", d.CID)
		}
		seen[d.CID] = true
		if d.Variant == 0 {
			classic++
		}
	}
	// Classic went to its 40 % of the 50 % sample only (≈60 of 300).
	b.check("each recipient once, the rest with the winner", len(seen) == n && classic > n/10 && classic < 3*n/10, "%d recipients, %d Classic", len(seen), classic)
	b.open(fmt.Sprintf("/campaigns/%d/stats", id))
	b.check("the winner marked", b.count(`[data-testid="variant-row"][data-variant="1"] [data-testid="variant-winner"]`) == 1, "variants %q", b.text(`[data-testid="variants"]`))
	b.shot("ab-stats-winner")
}
