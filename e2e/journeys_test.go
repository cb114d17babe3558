package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pushdeck/pushdeck/web/i18n"
)

// Each journey is a list of steps a person takes, on a fresh server and a
// fresh browser. Add a step where a new page lands; keep each journey to
// one person's goal.

const (
	adminEmail    = "admin@example.com"
	adminPassword = "correct-horse-battery"
)

// path is the page's current path.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, "location", `location.pathname`)
}

// login signs in through the form and lands on the dashboard.
func (b *tab) login(email, password string) {
	b.t.Helper()
	b.open("/login")
	b.fill("type credentials", `[data-testid="login-form"]`, map[string]string{"email": email, "password": password})
	status := b.submit("sign in", `[data-testid="login-submit"]`)
	b.check("signed in", status == http.StatusOK && b.path() == "/", "sign-in landed on %s with %d", b.path(), status)
}

// waitFor polls a JavaScript condition until it holds or timeout passes.
func (b *tab) waitFor(step, cond string, timeout time.Duration) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		b.fail(step, err)
	}
}

// noChangeControls checks a page offers a read-only person nothing to
// submit but sign-out: no forms that post, no htmx posts, no composer link.
func (b *tab) noChangeControls(page string) {
	b.t.Helper()
	n := b.count(`form[method="post"]:not([action="/logout"]), [hx-post], [hx-put], [hx-delete], a[href="/campaigns/new"], a[href="/providers/new"]`)
	b.check(page+" is read-only", n == 0, "%d change controls on %s", n, page)
}

var (
	campaignPath = regexp.MustCompile(`^/campaigns/(\d+)$`)
	segmentPath  = regexp.MustCompile(`^/audience/segments/(\d+)$`)
)

// catalog loads the message catalog, to read pages in either language.
func catalog(t *testing.T) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestComposerValidationJourney: bad values come back with errors beside
// the fields and everything typed still there; fixed, the draft saves.
func TestComposerValidationJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	srv.adminAndKey(adminEmail, adminPassword)
	srv.start()
	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)

	b.open("/campaigns/new")
	long := strings.Repeat("x", 300)
	bad := map[string]string{"name": "Bad values", "audience_kind": "all", "type": "notification", "title": "",
		"body": long, "click_action": "url", "click_value": "not a url", "ext": "[1, 2]"}
	b.fill("type bad values", `[data-testid="campaign-form"]`, bad)
	// The counters follow the typing with the sandbox's limits, before any
	// submit.
	b.waitText("body counter", `[data-testid="counter-body"]`, "300 / 256", stepTimeout)
	b.check("over the limit marked", eval[string](b, "counter state", `document.querySelector('[data-testid="counter-body"]').dataset.over`) == "true", "the body counter is not marked")
	b.check("name counter", b.text(`[data-testid="counter-name"]`) == "10 / 200", "name counter %q", b.text(`[data-testid="counter-name"]`))
	status := b.submit("save", `[data-testid="save-draft"]`)
	b.check("refused", status == http.StatusUnprocessableEntity, "status %d", status)
	b.check("summary", b.count(`[data-testid="form-errors"]`) == 1, "no error summary")
	for field, want := range map[string]string{"title": "required", "body": "256", "click_value": "URL", "ext": "JSON object"} {
		got := b.text(fmt.Sprintf(`[data-testid="field-%s"] [data-testid="error-%s"]`, field, field))
		b.check("error beside "+field, strings.Contains(got, want), "error of %s: %q, want it to mention %q", field, got, want)
	}
	for field, want := range bad {
		got := b.value(fmt.Sprintf(`[data-testid="campaign-form"] [name=%q]`, field))
		b.check("kept "+field, got == want, "%s came back as %q, want %q", field, got, want)
	}
	b.shot("errors")

	b.fill("fix the values", `[data-testid="campaign-form"]`, map[string]string{
		"title": "Fixed", "body": "A short body", "click_value": "https://example.com/sale", "ext": `{"campaign": "spring"}`})
	status = b.submit("save again", `[data-testid="save-draft"]`)
	b.check("saved", status == http.StatusOK && campaignPath.MatchString(b.path()), "status %d at %s", status, b.path())
	b.shot("fixed")
}

// TestViewerJourney: an admin adds a viewer on the operators page (and an
// API key, and finds both in the audit log); the viewer sees campaigns but no control that changes anything, and a forged
// POST from their page is refused.
func TestViewerJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	srv.start()
	id := srv.createCampaign(key, "Read-only launch")
	b := newTab(t, srv)

	b.login(adminEmail, adminPassword)
	b.open("/settings/operators")
	b.fill("add a viewer", `[data-testid="operator-form"]`, map[string]string{
		"email": "vera@example.com", "name": "Vera Viewer", "role": "viewer", "password": "viewer-password"})
	status := b.submit("create the viewer", `[data-testid="operator-create"]`)
	b.check("viewer listed", status == http.StatusOK && b.count(`[data-testid="operator-row"][data-email="vera@example.com"]`) == 1,
		"status %d, operators: %q", status, b.text(`[data-testid="operator-table"]`))
	b.shot("operators")
	b.open("/settings/apikeys")
	b.fill("name a key", `[data-testid="apikey-form"]`, map[string]string{"name": "dashboard screen", "role": "viewer"})
	b.submit("create the key", `[data-testid="apikey-create"]`)
	b.check("key shown once", strings.HasPrefix(b.text(`[data-testid="new-key"]`), "pdk_"), "key %q", b.text(`[data-testid="new-key"]`))
	b.shot("apikey-created")
	b.open("/settings/audit")
	b.check("audited", b.count(`[data-testid="audit-row"][data-action="operator_create"]`) >= 1 &&
		b.count(`[data-testid="audit-row"][data-action="apikey_create"]`) >= 1, "audit: %q", b.text(`main`))
	b.shot("audit-log")
	b.open("/settings/api")
	b.check("API reference", b.count(`[data-testid="apiref-op"]`) > 30 && b.count(`[data-testid="admin-nav-apiref"][aria-current="page"]`) == 1,
		"operations: %d", b.count(`[data-testid="apiref-op"]`))
	b.shot("api-reference")
	b.submit("sign out", `[data-testid="logout"]`)
	b.check("signed out", b.path() == "/login", "at %s", b.path())

	b.login("vera@example.com", "viewer-password")
	b.noChangeControls("dashboard")
	b.shot("viewer-dashboard")

	b.open("/campaigns")
	b.check("sees the campaign", strings.Contains(b.text(`[data-testid="campaign-table"]`), "Read-only launch"), "list %q", b.text(`main`))
	b.noChangeControls("campaign list")
	b.shot("viewer-campaigns")

	b.open(fmt.Sprintf("/campaigns/%d", id))
	b.check("campaign page", b.count(`[data-testid="campaign-summary"]`) == 1, "no summary")
	b.check("no send button", b.count(`[data-testid="action-send"], [data-testid="actions"], [data-testid="test-send"]`) == 0, "change controls shown")
	b.noChangeControls("campaign page")
	b.shot("viewer-campaign")

	b.open("/providers")
	b.noChangeControls("providers")

	b.open("/settings")
	b.check("settings link the API reference", b.count(`[data-testid="apiref-link"] a[href="/settings/api"]`) == 1, "no link")
	b.open("/settings/api")
	b.check("the viewer reads the API reference", b.count(`[data-testid="apiref-op"]`) > 30, "operations: %d", b.count(`[data-testid="apiref-op"]`))

	status = b.open("/campaigns/new")
	b.check("composer refused", status == http.StatusForbidden && b.count(`[data-testid="forbidden"]`) == 1, "status %d", status)
	b.shot("viewer-forbidden")

	// Forged requests from the viewer's own page: without a token (CSRF
	// refuses), and with the page's token (the role refuses).
	b.open(fmt.Sprintf("/campaigns/%d", id))
	forged := map[string]string{
		"no token":   fmt.Sprintf(`fetch("/campaigns/%d/send", {method: "POST"}).then(r => r.status)`, id),
		"page token": fmt.Sprintf(`fetch("/campaigns/%d/send", {method: "POST", headers: JSON.parse(document.body.getAttribute("hx-headers"))}).then(r => r.status)`, id),
		"new operator": `fetch("/settings/operators", {method: "POST", headers: Object.assign({"Content-Type": "application/x-www-form-urlencoded"}, JSON.parse(document.body.getAttribute("hx-headers"))),
			body: "email=evil%40example.com&role=admin&password=password123"}).then(r => r.status)`,
	}
	for name, js := range forged {
		got := eval[int](b, "forged POST, "+name, js)
		b.check("forged POST refused, "+name, got == http.StatusForbidden, "status %d", got)
	}
	b.check("campaign untouched", srv.campaignStatus(key, id) == "draft", "status %s", srv.campaignStatus(key, id))
}

// TestLanguageJourney: switching to 简体中文 in settings turns the
// navigation, the composer (with its errors) and the campaign page Chinese.
func TestLanguageJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	key := srv.adminAndKey(adminEmail, adminPassword)
	srv.start()
	id := srv.createCampaign(key, "双十一预热")
	zh := catalog(t).Localizer("zh-Hans")
	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)

	b.open("/settings")
	b.fill("choose Chinese", `[data-testid="language-form"]`, map[string]string{"locale": "zh-Hans"})
	b.submit("save the language", `[data-testid="language-submit"]`)
	b.check("html lang", eval[string](b, "lang", `document.documentElement.lang`) == "zh-Hans", "lang %q", eval[string](b, "lang", `document.documentElement.lang`))
	nav := b.text(`[data-testid="nav"]`)
	for _, id := range []string{"nav.dashboard", "nav.campaigns", "nav.providers", "nav.settings"} {
		b.check("navigation in Chinese", strings.Contains(nav, zh.T(id)), "nav %q lacks %q", nav, zh.T(id))
	}
	b.check("saved message in Chinese", b.text(`[data-testid="flash-success"]`) == zh.T("flash.saved"), "flash %q", b.text(`[data-testid="flash-success"]`))
	b.shot("settings-zh")

	b.open("/campaigns/new")
	b.check("composer title", b.text(`h1`) == zh.T("campaigns.new"), "h1 %q", b.text(`h1`))
	b.check("composer labels", strings.Contains(b.text(`[data-testid="field-title"]`), zh.T("field.title")), "label %q", b.text(`[data-testid="field-title"]`))
	b.check("composer button", b.text(`[data-testid="save-draft"]`) == zh.T("campaigns.save_draft"), "button %q", b.text(`[data-testid="save-draft"]`))
	b.shot("composer-zh")
	b.submit("save an empty draft", `[data-testid="save-draft"]`)
	b.check("errors in Chinese", strings.Contains(b.text(`[data-testid="error-name"]`), zh.T("err.required")), "error %q", b.text(`[data-testid="error-name"]`))
	b.shot("composer-errors-zh")

	b.open(fmt.Sprintf("/campaigns/%d", id))
	b.check("status in Chinese", b.text(`[data-testid="progress"] [data-testid="status"]`) == zh.T("status.draft"),
		"badge %q", b.text(`[data-testid="progress"] [data-testid="status"]`))
	b.check("send button in Chinese", b.text(`[data-testid="action-send"]`) == zh.T("action.send_now"), "button %q", b.text(`[data-testid="action-send"]`))
	b.check("summary in Chinese", strings.Contains(b.text(`[data-testid="campaign-summary"]`), zh.T("campaigns.audience")), "summary %q", b.text(`[data-testid="campaign-summary"]`))
	b.shot("campaign-zh")

	b.check("statistics tab in Chinese", b.text(`[data-testid="stats-link"]`) == zh.T("campaign.tab_stats"), "tab %q", b.text(`[data-testid="stats-link"]`))
	b.noRawIDs("campaign page in Chinese")
	b.submit("open the statistics in Chinese", `[data-testid="stats-link"]`)
	b.noRawIDs("statistics in Chinese")
	b.fitsPhone("statistics-zh")

	b.open("/")
	b.check("dashboard plural in Chinese", b.text(`[data-testid="period-campaigns"]`) == zh.T("dashboard.campaigns_n", map[string]any{"Count": 0, "N": "0"}),
		"campaigns %q", b.text(`[data-testid="period-campaigns"]`))
	b.noRawIDs("dashboard in Chinese")
	b.fitsPhone("dashboard-zh")
	b.submit("open the task groups in Chinese", `[data-testid="nav"] a[href="/groups"]`)
	b.noRawIDs("task groups in Chinese")

	b.open("/settings/audit")
	b.check("audit log in Chinese", b.text(`h1`) == zh.T("audit.title"), "h1 %q", b.text(`h1`))
	b.noRawIDs("audit log in Chinese")
	b.shot("audit-zh")
}
