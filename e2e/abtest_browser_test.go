package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/jpushfake"
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
	// While the test waits, the list and the dashboard say so beside the
	// status, which stays sending.
	b.open("/campaigns")
	b.check("testing in the list", strings.HasPrefix(b.text(`[data-testid="campaign-row"] [data-testid="ab-testing"]`), "Testing — winner at ") &&
		b.text(`[data-testid="campaign-row"] [data-testid="status"]`) == "Sending", "row %q", b.text(`[data-testid="campaign-row"]`))
	b.open("/")
	b.check("testing among the live campaigns", b.count(`[data-testid="sending-now"] [data-testid="ab-testing"]`) == 1, "live %q", b.text(`[data-testid="sending-now"]`))
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

// TestABVariantFieldsJPush: in the browser, an operator composes an A/B
// campaign on JPush whose second variant keeps the first's title and body
// and differs in its tap URL and extra data instead. The variant's fields
// follow the first's as it is typed until the operator changes them; a
// bad URL is refused beside the variant's own input; the campaign goes
// through the JPush fake, which receives variant B's URL and data for
// exactly the recipients whose delivery rows (JSON and CSV) name B.
func TestABVariantFieldsJPush(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	admin := srv.cli("apikey", "create", "--name", "e2e-admin", "--role", "admin")
	fake := jpushfake.New(t)
	srv.start()
	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "JPush AB", "kind": "jpush", "base_url": fake.URL(), "credentials": json.RawMessage(fake.Credentials())}
	if code := srv.api(http.MethodPost, "/api/v1/providers", admin, body, &acct); code != http.StatusCreated {
		t.Fatalf("create the JPush account: %d", code)
	}
	const n = 200
	rids := make([]string, n)
	for i := range rids {
		rids[i] = fmt.Sprintf("vf-%04d", i)
	}
	const urlA, urlB = "https://a.example/spring", "https://b.example/offer"

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open(fmt.Sprintf("/campaigns/new?provider_id=%d", acct.ID))
	form := `[data-testid="campaign-form"]`
	b.click("variants on", form+` [name="ab_on"]`)
	b.fill("the first message", form, map[string]string{"name": "Links A/B", "audience_kind": "cid", "audience_values": strings.Join(rids, "\n"),
		"title": "Spring sale", "body": "30 % off this week", "click_action": "url", "click_value": urlA, "opt_platform": "android"})
	b.check("the second variant follows the first", b.value(form+` [name="ab_title_1"]`) == "Spring sale" && b.value(form+` [name="ab_click_action_1"]`) == "url" &&
		b.value(form+` [name="ab_click_value_1"]`) == urlA && b.count(`[data-testid="ab-variant-1"] .ab-field[data-differs]`) == 0,
		"types %q %q, title %q, action %q, url %q, marked %s", b.value(form+` [name="type"]`), b.value(form+` [name="ab_type_1"]`), b.value(form+` [name="ab_title_1"]`), b.value(form+` [name="ab_click_action_1"]`),
		b.value(form+` [name="ab_click_value_1"]`), eval[string](b, "marked fields", `[...document.querySelectorAll('[data-testid="ab-variant-1"] .ab-field[data-differs]')].map(e => e.dataset.abField).join(",")`))
	b.click("open the variant's other fields", `[data-testid="ab-more-1"] > summary`)
	b.fill("variant B's URL (mistyped) and data", form, map[string]string{"ab_name_0": "Link A", "ab_share_0": "50", "ab_name_1": "Link B", "ab_share_1": "50",
		"ab_click_value_1": "b.example offer", "ab_ext_1": `{"offer": "b"}`})
	b.check("the changed fields are marked", b.count(`[data-testid="ab-variant-1"] .ab-field[data-differs] [name="ab_click_value_1"]`) == 1 &&
		b.count(`[data-testid="ab-variant-1"] .ab-field[data-differs] [name="ab_ext_1"]`) == 1 &&
		b.count(`[data-testid="ab-variant-1"] .ab-field[data-differs] [name="ab_title_1"]`) == 0, "marked: %d", b.count(`[data-testid="ab-variant-1"] .ab-field[data-differs]`))
	status := b.submit("save with a bad URL", `[data-testid="save-draft"]`)
	errSel := `[data-testid="field-ab_click_value_1"] [data-testid="error-ab_click_value_1"]`
	b.check("refused beside the variant's URL", status == http.StatusUnprocessableEntity && b.text(errSel) != "" && b.count(`[data-testid="error-click_value"]`) == 0,
		"status %d, error %q", status, b.text(errSel))
	b.check("the form keeps the variant's fields", b.value(form+` [name="ab_ext_1"]`) == `{"offer": "b"}` && b.value(form+` [name="click_value"]`) == urlA &&
		strings.Contains(b.text(`[data-testid="ab-differs-1"]`), "URL"), "ext %q, differs %q", b.value(form+` [name="ab_ext_1"]`), b.text(`[data-testid="ab-differs-1"]`))
	b.fill("variant B's URL", form, map[string]string{"ab_click_value_1": urlB})
	b.shot("ab-variant-fields")
	status = b.submit("save the draft", `[data-testid="save-draft"]`)
	m := campaignPath.FindStringSubmatch(b.path())
	b.check("draft saved", status == http.StatusOK && m != nil, "status %d at %s: %s", status, b.path(), b.text(`[data-testid="form-errors"]`))
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, nil, nil); code != http.StatusOK {
		t.Fatalf("send: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for srv.campaignStatus(key, id) != "completed" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign is %s\n%s", srv.campaignStatus(key, id), srv.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// At the fake: each device once, with its variant's URL and data.
	gotURL, gotExt := map[string]string{}, map[string]bool{}
	for _, p := range fake.Pushes() {
		url := urlA
		if strings.Contains(string(p.Body), urlB) {
			url = urlB
		}
		for _, r := range p.Recipients {
			if _, dup := gotURL[r]; dup {
				t.Fatalf("%s pushed twice", r)
			}
			gotURL[r], gotExt[r] = url, strings.Contains(string(p.Body), `"offer"`)
		}
	}
	var page struct {
		Items []struct {
			CID         string `json:"cid"`
			Status      string `json:"status"`
			VariantName string `json:"variant_name"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?limit=500", id), key, nil, &page); code != http.StatusOK || len(page.Items) != n {
		t.Fatalf("deliveries: %d, %d rows", code, len(page.Items))
	}
	code, raw := srv.apiRaw(time.Minute, http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries.csv", id), key, nil)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if code != http.StatusOK || err != nil || len(recs) != n+1 || recs[0][6] != "variant" {
		t.Fatalf("csv: %d %v, %d rows", code, err, len(recs))
	}
	csvVariant := map[string]string{}
	for _, r := range recs[1:] {
		csvVariant[r[0]] = r[6]
	}
	byVariant := map[string]int{}
	for _, d := range page.Items {
		wantURL, wantExt := urlA, false
		if d.VariantName == "Link B" {
			wantURL, wantExt = urlB, true
		}
		if d.Status != "accepted" || gotURL[d.CID] != wantURL || gotExt[d.CID] != wantExt || csvVariant[d.CID] != d.VariantName {
			t.Fatalf("%s (%s, %q; CSV %q): pushed %q, data %v", d.CID, d.Status, d.VariantName, csvVariant[d.CID], gotURL[d.CID], gotExt[d.CID])
		}
		byVariant[d.VariantName]++
	}
	if byVariant["Link A"] < n/4 || byVariant["Link B"] < n/4 {
		t.Fatalf("split %v", byVariant)
	}
}
