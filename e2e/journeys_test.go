package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// newcomerDevice is one line of the newcomer's device CSV. The cids are
// the sandbox fleet's, so a send accepts them; bad says why the import
// refuses the line ("" for a good one).
type newcomerDevice struct {
	cid, alias, platform, vendor, region string
	tags                                 []string
	bad                                  string
}

// newcomerDevices: twelve devices, one with a platform the import refuses.
var newcomerDevices = []newcomerDevice{
	{cid: "sandbox-0000001", alias: "alice", platform: "android", vendor: "huawei", region: "Zhejiang", tags: []string{"vip", "beta"}},
	{cid: "sandbox-0000002", alias: "bob", platform: "ios", vendor: "apple", region: "Zhejiang", tags: []string{"vip"}},
	{cid: "sandbox-0000003", alias: "carol", platform: "android", vendor: "xiaomi", region: "Zhejiang", tags: []string{"test"}},
	{cid: "sandbox-0000004", alias: "dave", platform: "android", vendor: "oppo", region: "Shanghai", tags: []string{"vip"}},
	{cid: "sandbox-0000005", alias: "erin", platform: "android", vendor: "vivo", region: "Zhejiang", tags: []string{"news"}},
	{cid: "sandbox-0000006", alias: "frank", platform: "android", vendor: "huawei", region: "Zhejiang"},
	{cid: "sandbox-0000007", alias: "grace", platform: "ios", vendor: "apple", region: "Beijing", tags: []string{"beta"}},
	{cid: "sandbox-0000008", alias: "heidi", platform: "android", vendor: "honor", region: "Zhejiang", tags: []string{"test", "vip"}},
	{cid: "sandbox-0000009", alias: "ivan", platform: "windows", vendor: "microsoft", region: "Zhejiang", tags: []string{"vip"}, bad: "platform"},
	{cid: "sandbox-0000010", alias: "judy", platform: "android", vendor: "xiaomi", region: "Zhejiang", tags: []string{"sports"}},
	{cid: "sandbox-0000011", alias: "mallory", platform: "other", vendor: "", region: "Zhejiang"},
	{cid: "sandbox-0000012", alias: "niaj", platform: "android", vendor: "huawei", region: "Guangdong", tags: []string{"vip"}},
}

// newcomerCSV writes the devices as the import expects them (the header
// is line 1, several tags in a cell separated by ";").
func newcomerCSV(t *testing.T) string {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("cid,alias,platform,vendor,region,tags\n")
	for _, d := range newcomerDevices {
		fmt.Fprintf(&sb, "%s,%s,%s,%s,%s,%s\n", d.cid, d.alias, d.platform, d.vendor, d.region, strings.Join(d.tags, ";"))
	}
	path := filepath.Join(t.TempDir(), "devices.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// inNewcomerSegment is the segment the newcomer builds: region in
// (Zhejiang) AND platform in (android) AND NOT tag in (test).
func inNewcomerSegment(d newcomerDevice) bool {
	return d.bad == "" && d.region == "Zhejiang" && d.platform == "android" && !slices.Contains(d.tags, "test")
}

// TestNewcomerJourney: first-run setup → login → the sandbox provider is
// there → import a small CSV of devices (one line refused) → build a
// segment with the form → compose a campaign for that segment, with the
// live count and the device preview following the form → send → progress
// reaches completed and the provider's figures appear without a reload
// (htmx polling) → the stats page shows the funnel and a drawn chart →
// the CSV export lists exactly the segment's devices.
func TestNewcomerJourney(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	srv.start()
	en := catalog(t).Localizer("en")
	devicesText := func(n int) string { return en.T("audience.count", map[string]any{"N": strconv.Itoa(n)}) }
	var good, matching []string
	for _, d := range newcomerDevices {
		if d.bad == "" {
			good = append(good, d.cid)
		}
		if inNewcomerSegment(d) {
			matching = append(matching, d.cid)
		}
	}
	slices.Sort(matching)
	b := newTab(t, srv)

	b.open("/")
	b.check("fresh install leads to setup", b.path() == "/setup", "landed on %s", b.path())
	b.shot("setup")
	b.fill("fill setup", `[data-testid="setup-form"]`, map[string]string{
		"setup_token": srv.setupToken(), "email": adminEmail, "name": "Ada Admin", "password": adminPassword, "password_confirm": adminPassword})
	status := b.submit("create the administrator", `[data-testid="setup-submit"]`)
	b.check("dashboard after setup", status == http.StatusOK && b.path() == "/", "status %d at %s", status, b.path())
	b.check("welcome message", b.count(`[data-testid="flash-success"]`) == 1, "no welcome message")
	b.check("signed in as the admin", strings.Contains(b.text(`[data-testid="viewer"]`), adminEmail), "viewer %q", b.text(`[data-testid="viewer"]`))
	b.shot("dashboard")

	// Sign out and back in, as the newcomer will every morning.
	b.submit("sign out", `[data-testid="logout"]`)
	b.check("signed out", b.path() == "/login", "at %s", b.path())
	b.login(adminEmail, adminPassword)

	b.open("/providers")
	b.check("sandbox listed", strings.Contains(b.text(`[data-testid="provider-table"]`), "Sandbox"),
		"providers table: %q", b.text(`[data-testid="provider-table"]`))
	sandboxID := eval[string](b, "find the sandbox account", `(() => {
		const row = [...document.querySelectorAll('[data-testid="provider-row"]')]
			.find(r => r.querySelector('[data-testid="provider-kind"]').innerText.trim() === "Sandbox");
		return row ? row.dataset.id : "";
	})()`)
	b.check("sandbox account", sandboxID != "", "no provider row of kind Sandbox")
	b.shot("providers")

	// Import the devices through the audience page.
	b.submit("open the audience", `[data-testid="nav"] a[href="/audience"]`)
	b.submit("open the import tab", `[data-testid="tab-import"]`)
	sample := strings.Split(strings.TrimSpace(b.text(`[data-testid="csv-sample"]`)), "\n")
	b.check("CSV sample: header and row on their own lines", len(sample) == 2 && strings.HasPrefix(sample[0], "cid,") && !strings.Contains(sample[0], "alice"),
		"sample %q", sample)
	b.fill("choose the sandbox account", `[data-testid="import-form"]`, map[string]string{"provider_id": sandboxID})
	b.upload("choose the CSV file", `[data-testid="import-form"] input[type="file"][name="file"]`, newcomerCSV(t))
	b.click("start the import", `[data-testid="start-import"]`)
	b.waitFor("import finishes", `!!document.querySelector('#import-job [data-testid="import-done"]')`, stepTimeout)
	rejectedLines := 0
	for i, d := range newcomerDevices {
		if d.bad != "" {
			rejectedLines++
			row := fmt.Sprintf(`[data-testid="rejections"] [data-testid="rejection"]:nth-child(%d)`, rejectedLines)
			cells := strings.Fields(b.text(row))
			line := strconv.Itoa(i + 2) // the header is line 1
			b.check("rejected line shown", len(cells) >= 2 && cells[0] == line && cells[1] == d.bad,
				"rejection %d: %q, want line %s, column %s", rejectedLines, b.text(row), line, d.bad)
		}
	}
	for id, want := range map[string]int{"import-imported": len(good), "import-updated": 0, "import-unchanged": 0,
		"import-rejected": len(newcomerDevices) - len(good)} {
		got := b.text(fmt.Sprintf(`#import-job [data-testid=%q]`, id))
		b.check("import figures", got == strconv.Itoa(want), "%s shows %q, want %d", id, got, want)
	}
	b.check("one rejection row per bad line", b.count(`[data-testid="rejection"]`) == rejectedLines,
		"%d rejection rows, want %d", b.count(`[data-testid="rejection"]`), rejectedLines)
	b.shot("import")
	b.open("/audience?provider_id=" + sandboxID)
	b.check("device list", b.count(`[data-testid="device-row"]`) == len(good), "%d device rows, want %d", b.count(`[data-testid="device-row"]`), len(good))
	b.fitsPhone("audience")
	zhejiang := 0
	for _, d := range newcomerDevices {
		if d.bad == "" && d.region == "Zhejiang" {
			zhejiang++
		}
	}
	b.open("/audience?region=Zhejiang&provider_id=" + sandboxID)
	b.check("filtered list counts its matches", b.text(`[data-testid="device-matches"]`) == en.T("audience.matches_n", map[string]any{"Count": zhejiang, "N": strconv.Itoa(zhejiang)}),
		"matches %q, want %d", b.text(`[data-testid="device-matches"]`), zhejiang)
	b.click("tick the first device", `[data-testid="device-row"]:nth-child(1) [data-testid="select-device"]`)
	b.click("tick the second device", `[data-testid="device-row"]:nth-child(2) [data-testid="select-device"]`)
	b.fill("tag to add", `[data-testid="bulk-form"]`, map[string]string{"tags": "spring"})
	b.submit("add the tag to the ticked devices", `[data-testid="bulk-add-tags"]`)
	b.check("bulk tag applied", b.count(`[data-testid="flash-success"]`) == 1 && strings.Contains(b.text(`[data-testid="tag-list"]`), "spring"),
		"tags: %q", b.text(`[data-testid="tag-list"]`))
	b.check("back on the filtered list", strings.Contains(eval[string](b, "query", `location.search`), "region=Zhejiang"), "at %s", eval[string](b, "url", `location.href`))
	b.open("/audience?region=Nowhere&provider_id=" + sandboxID)
	b.check("empty state names the filter", b.text(`[data-testid="empty"]`) == en.T("audience.no_match_filter", map[string]any{"Filter": "Region: Nowhere"}),
		"empty state %q", b.text(`[data-testid="empty"]`))

	// Build the segment with the form's controls only.
	segmentName := "Zhejiang Android, no testers"
	b.submit("open the segments tab", `[data-testid="tab-segments"]`)
	b.submit("new segment", `[data-testid="new-segment"]`)
	b.fill("first condition", `[data-testid="segment-form"]`, map[string]string{
		"provider_id": sandboxID, "name": segmentName, "g0_r0_field": "region", "g0_r0_op": "in", "g0_r0_values": "Zhejiang"})
	b.submit("add a condition", `[data-testid="seg-group"] [data-testid="add-row"]`)
	b.check("first condition kept", b.value(`[name="g0_r0_values"]`) == "Zhejiang" && b.value(`[name="name"]`) == segmentName,
		"values %q, name %q", b.value(`[name="g0_r0_values"]`), b.value(`[name="name"]`))
	b.fill("second condition", `[data-testid="segment-form"]`, map[string]string{
		"g0_op": "and", "g0_r1_field": "platform", "g0_r1_op": "in", "g0_r1_values": "android"})
	b.submit("add a group", `[data-testid="add-group"]`)
	b.fill("excluded group", `[data-testid="segment-form"]`, map[string]string{
		"top_op": "and", "g1_r0_field": "tag", "g1_r0_op": "in", "g1_r0_values": "test"})
	b.click("exclude the group", `[name="g1_not"]`)
	b.waitText("live count of the builder", `#segment-count [data-testid="audience-count"]`, devicesText(len(matching)), stepTimeout)
	b.shot("segment-builder")
	b.check("compact builder buttons", eval[bool](b, "remove buttons are icons", `[...document.querySelectorAll('[data-testid="segment-form"] .icon-button')].length >= 2 &&
		[...document.querySelectorAll('[data-testid="segment-form"] .icon-button')].every(e => e.getBoundingClientRect().width < 100)`),
		"the builder's remove controls are not compact icon buttons")
	status = b.submit("save the segment", `[data-testid="save-segment"]`)
	sm := segmentPath.FindStringSubmatch(b.path())
	b.check("segment saved", status == http.StatusOK && sm != nil && b.count(`[data-testid="flash-success"]`) == 1, "status %d at %s", status, b.path())
	b.submit("back to the audience", `[data-testid="nav"] a[href="/audience"]`)
	b.submit("back to the segments", `[data-testid="tab-segments"]`)
	b.check("segment listed", strings.Contains(b.text(`[data-testid="segment-row"]`), segmentName) &&
		strings.Contains(b.text(`[data-testid="segment-row"]`), "NOT tag in (test)"), "row %q", b.text(`[data-testid="segment-row"]`))
	b.waitText("segment count in the list", `[data-testid="segment-row"] [data-testid="segment-count"]`, devicesText(len(matching)), stepTimeout)
	b.shot("segments")

	// Compose for the segment: the live count and the device preview
	// follow the form.
	b.open("/")
	b.submit("open the composer", `[data-testid="new-campaign"]`)
	b.check("composer", b.path() == "/campaigns/new", "at %s", b.path())
	b.fitsPhone("composer")
	b.check("empty preview", b.count(`[data-testid="device-preview"] [data-testid="preview-empty"]`) == 1, "preview %q", b.text(`[data-testid="device-preview"]`))
	b.fill("name, account and audience kind", `[data-testid="campaign-form"]`, map[string]string{
		"name": "Spring sale", "provider_id": sandboxID, "audience_kind": "segment", "group": "spring-launch"})
	b.check("segment choice shown", eval[bool](b, "segment field", `!document.querySelector('[name="segment_id"]').closest("[data-audience]").hidden`), "segment select hidden")
	segOption := eval[string](b, "find the segment by name", fmt.Sprintf(`(() => {
		const o = [...document.querySelectorAll('[data-testid="campaign-form"] [name="segment_id"] option')].find(o => o.innerText.trim() === %s);
		return o ? o.value : "";
	})()`, jsString(segmentName)))
	b.check("segment offered by name", segOption == sm[1], "option value %q, want the saved segment %s", segOption, sm[1])
	b.fill("pick the segment", `[data-testid="campaign-form"]`, map[string]string{"segment_id": segOption})
	b.waitText("live audience count", `#audience-count [data-testid="audience-count"]`, devicesText(len(matching)), stepTimeout)
	title, body := "Spring is here", "Everything 20% off today."
	b.typeText("type the title", `[data-testid="campaign-form"] [name="title"]`, title)
	b.waitText("title in the Android preview", `[data-testid="device-preview"] [data-testid="preview-android"] [data-testid="preview-title"]`, title, stepTimeout)
	b.waitText("title in the iOS preview", `[data-testid="device-preview"] [data-testid="preview-ios"] .notif-title`, title, stepTimeout)
	b.typeText("type the body", `[data-testid="campaign-form"] [name="body"]`, body)
	b.waitText("body in the Android preview", `[data-testid="device-preview"] [data-testid="preview-android"] [data-testid="preview-body"]`, body, stepTimeout)
	b.waitText("body in the iOS preview", `[data-testid="device-preview"] [data-testid="preview-ios"] .notif-body`, body, stepTimeout)
	b.check("count kept", strings.TrimSpace(b.text(`#audience-count`)) == devicesText(len(matching)), "count %q", b.text(`#audience-count`))
	b.shot("composer")
	b.docShot("composer")
	status = b.submit("save the draft", `[data-testid="save-draft"]`)
	m := campaignPath.FindStringSubmatch(b.path())
	b.check("draft saved", status == http.StatusOK && m != nil, "status %d at %s", status, b.path())
	st := eval[string](b, "status", `document.querySelector('[data-testid="progress"]').dataset.status`)
	b.check("draft status", st == "draft", "status %q", st)
	b.check("audience is the segment", strings.Contains(b.text(`[data-testid="campaign-summary"] [data-testid="audience"]`), segmentName),
		"audience %q", b.text(`[data-testid="campaign-summary"] [data-testid="audience"]`))
	b.shot("draft")
	send := b.text(`[data-testid="action-send"]`)
	confirm := eval[string](b, "send confirmation", `document.querySelector('[data-testid="action-send"]').getAttribute("data-confirm")`)
	b.check("send says what it does", send == en.T("action.send_now"), "send button %q", send)
	b.check("confirmation names the reach and the account", strings.Contains(confirm, fmt.Sprintf("%d recipients", len(matching))) && strings.Contains(confirm, "Sandbox"),
		"confirmation %q", confirm)

	b.submit("send (confirming the dialog)", `[data-testid="action-send"]`)
	b.check("sending flash", b.count(`[data-testid="flash-success"]`) == 1, "no flash after sending")
	// A mark on the window survives htmx swaps but not a reload.
	eval[bool](b, "mark the page", `window.__pushdeckMark = "no-reload"; true`)
	b.waitFor("progress reaches completed with provider figures", `(() => {
		const p = document.querySelector('[data-testid="progress"]');
		const r = document.querySelector('[data-testid="channels"] [data-testid="total"] [data-testid="received"]');
		return !!p && p.dataset.status === "completed" && !!r && r.innerText.trim() !== "" && r.innerText.trim() !== "0";
	})()`, 60*time.Second)
	b.check("no reload", eval[string](b, "read the mark", `String(window.__pushdeckMark)`) == "no-reload", "the page reloaded")
	b.check("status badge", b.text(`[data-testid="progress"] [data-testid="status"]`) == "Completed",
		"badge %q", b.text(`[data-testid="progress"] [data-testid="status"]`))
	b.waitFor("action bar follows the status", `document.querySelector('[data-testid="actions"]').dataset.status === "completed"`, stepTimeout)
	b.check("no stale controls", b.count(`[data-testid="action-pause"], [data-testid="action-cancel"], [data-testid="action-send"]`) == 0,
		"actions after completion: %q", b.text(`[data-testid="actions"]`))
	b.waitFor("the sending flash goes once completed", `document.querySelectorAll('[data-testid="flash-success"]').length === 0`, stepTimeout)
	accepted, invalid := b.text(`[data-testid="total-accepted"] .figure-value`), b.text(`[data-testid="total-invalid"] .figure-value`)
	b.check("every recipient accepted", accepted == strconv.Itoa(len(matching)) && invalid == "0", "accepted %q, invalid %q; want %d and 0", accepted, invalid, len(matching))
	b.shot("completed")
	b.fitsPhone("campaign")

	b.open("/campaigns")
	row := b.text(`[data-testid="campaign-row"]`)
	b.check("listed as completed", strings.Contains(row, "Spring sale") && strings.Contains(row, "Completed"), "row %q", row)
	b.shot("campaign-list")

	// Statistics: the funnel over the segment, a chart actually drawn by
	// uPlot, and the CSV export served to the signed-in browser.
	b.check("statistics linked from the list", b.count(`[data-testid="campaign-row"] a[data-testid="row-stats-link"][href="/campaigns/`+m[1]+`/stats"]`) == 1, "no statistics link in the row")
	b.open("/campaigns/" + m[1])
	b.submit("open the statistics tab", `[data-testid="stats-link"]`)
	b.check("statistics page", b.path() == "/campaigns/"+m[1]+"/stats", "at %s", b.path())
	b.check("funnel", b.count(`[data-testid="funnel-total"]`) == 1, "no funnel total")
	target := b.text(`[data-testid="funnel-total"] [data-testid="target"]`)
	b.check("funnel target is the segment", target == strconv.Itoa(len(matching)), "target %q, want %d", target, len(matching))
	b.waitFor("chart drawn", `!!document.querySelector('[data-testid="chart"] .uplot canvas')`, 20*time.Second)
	legend := b.text(`[data-testid="chart"] .u-legend`)
	b.check("chart legend names its lines", strings.Contains(legend, "Received") && strings.Contains(legend, "Clicked"), "legend %q", legend)
	b.shot("stats")
	b.docShot("statistics")
	export := eval[string](b, "fetch the CSV export", `(async () => {
		const a = document.querySelector('[data-testid="export-csv"]');
		const r = await fetch(a.href);
		return r.status + "\n" + (await r.text());
	})()`)
	code, rest, _ := strings.Cut(export, "\n")
	b.check("csv export served", code == "200", "status %s", code)
	recs, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	b.check("csv export parses", err == nil && len(recs) > 0, "csv %q: %v", rest, err)
	b.check("csv header", strings.Join(recs[0], ",") == "cid,status,code,message,request_id,updated_at", "header %q", recs[0])
	var cids []string
	for _, r := range recs[1:] {
		cids = append(cids, r[0])
		b.check("delivery accepted", r[1] == "accepted", "delivery %q", r)
	}
	slices.Sort(cids)
	b.check("csv lists exactly the segment", slices.Equal(cids, matching), "cids %q, want %q", cids, matching)
	b.fitsPhone("statistics")

	// The task group the campaign named is one click from the navigation.
	b.submit("open the task groups", `[data-testid="nav"] a[href="/groups"]`)
	b.check("group listed", b.count(`[data-testid="group"][data-group="spring-launch"] [data-testid="group-campaign"]`) == 1, "groups: %q", b.text(`main`))

	b.open("/")
	b.check("dashboard counts the send", b.text(`[data-testid="period-recipients"]`) == strconv.Itoa(len(matching)) &&
		b.text(`[data-testid="period-campaigns"]`) == en.T("dashboard.campaigns_n", map[string]any{"Count": 1, "N": "1"}),
		"dashboard: %q", b.text(`[data-testid="period-totals"]`))
	b.docShot("dashboard")
	b.fitsPhone("dashboard")

	b.open("/settings/audit")
	unlabelled := eval[int](b, "audit labels", `[...document.querySelectorAll('[data-testid="audit-row"]')].filter(r => !r.dataset.label).length`)
	b.check("every audit action labelled", unlabelled == 0 && b.count(`[data-testid="audit-row"]`) > 5, "%d unlabelled of %d rows", unlabelled, b.count(`[data-testid="audit-row"]`))
	b.noRawIDs("audit log")
}

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
