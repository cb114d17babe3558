package e2e

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
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
	b.check("csv header", strings.Join(recs[0], ",") == "cid,status,code,message,request_id,updated_at,variant", "header %q", recs[0])
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
