package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/sandbox"
)

// attrDevices: plan and score attributes, one device without either.
var attrDevices = []struct{ cid, plan, score string }{
	{"attr-01", "gold", "80"}, {"attr-02", "gold", "20"}, {"attr-03", "gold", "55"},
	{"attr-04", "free", "90"}, {"attr-05", "free", ""}, {"attr-06", "", ""},
}

// importAttrDevices signs in and imports attrDevices through the import
// page, the attribute columns named by the header.
func importAttrDevices(t *testing.T) (*tab, string) {
	t.Helper()
	reg := providers.Registry{providers.KindSandbox: sandbox.Spec(), zetaKind: zetaSpec()}
	srv, id := inProcess(t, reg, adminEmail, adminPassword)
	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	var sb strings.Builder
	sb.WriteString("cid,platform,plan,score\n")
	for _, d := range attrDevices {
		fmt.Fprintf(&sb, "%s,android,%s,%s\n", d.cid, d.plan, d.score)
	}
	path := filepath.Join(t.TempDir(), "devices.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	acct := strconv.FormatInt(id, 10)
	b.open("/audience/import?provider_id=" + acct)
	b.fill("choose the account", `[data-testid="import-form"]`, map[string]string{"provider_id": acct})
	b.upload("choose the CSV file", `[data-testid="import-form"] input[type="file"][name="file"]`, path)
	b.click("start the import", `[data-testid="start-import"]`)
	b.waitFor("import finishes", `!!document.querySelector('#import-job [data-testid="import-done"]')`, stepTimeout)
	got := b.text(`#import-job [data-testid="import-imported"]`)
	b.check("all imported", got == strconv.Itoa(len(attrDevices)), "imported %q", got)
	return b, acct
}

// TestSegmentWithAttributeRows builds "plan equals gold AND score ≥ 50"
// with the builder's controls, sees the live count, saves it and finds
// the rows again when the segment is reopened.
func TestSegmentWithAttributeRows(t *testing.T) {
	b, acct := importAttrDevices(t)
	en := catalog(t).Localizer("en")
	devicesText := func(n int) string { return en.T("audience.count", map[string]any{"Count": n, "N": strconv.Itoa(n)}) }

	b.open("/audience/segments/new?provider_id=" + acct)
	names := eval[string](b, "suggested names", `[...document.querySelectorAll('#attr-names option')].map(o => o.value).join(",")`)
	b.check("attribute names suggested", names == "plan,score", "datalist %q", names)
	attrShown := func(row int) bool {
		return eval[bool](b, "attribute name shown", fmt.Sprintf(`getComputedStyle(document.querySelector('[name="g0_r%d_attr"]')).display !== "none"`, row))
	}
	b.check("no name field on a tag row", !attrShown(0), "attribute name shown for a tag row")
	b.fill("first row: plan equals gold", `[data-testid="segment-form"]`, map[string]string{
		"provider_id": acct, "name": "Gold, high score", "g0_r0_field": "attr", "g0_r0_attr": "plan", "g0_r0_op": "eq", "g0_r0_values": "gold"})
	b.check("name field on an attribute row", attrShown(0), "attribute name hidden")
	b.waitText("count of one row", `#segment-count [data-testid="audience-count"]`, devicesText(3), stepTimeout)
	b.submit("add a row", `[data-testid="add-row"]`)
	b.check("first row kept", b.value(`[name="g0_r0_attr"]`) == "plan" && b.value(`[name="g0_r0_op"]`) == "eq", "row 0: %q %q",
		b.value(`[name="g0_r0_attr"]`), b.value(`[name="g0_r0_op"]`))
	b.fill("second row: score ≥ 50", `[data-testid="segment-form"]`, map[string]string{
		"g0_r1_field": "attr", "g0_r1_attr": "score", "g0_r1_op": "gte", "g0_r1_values": "50"})
	b.waitText("live count with both rows", `#segment-count [data-testid="audience-count"]`, devicesText(2), stepTimeout)
	b.shot("segment-attribute-rows")
	status := b.submit("save the segment", `[data-testid="save-segment"]`)
	b.check("saved", status == http.StatusOK && segmentPath.MatchString(b.path()), "status %d at %s", status, b.path())
	b.check("reopened in the builder", b.count(`textarea[name="tree_json"]`) == 0 && b.count(`[data-testid="seg-row"]`) == 2, "builder rows %d",
		b.count(`[data-testid="seg-row"]`))
	for name, want := range map[string]string{"g0_r0_field": "attr", "g0_r0_attr": "plan", "g0_r0_op": "eq", "g0_r0_values": "gold",
		"g0_r1_field": "attr", "g0_r1_attr": "score", "g0_r1_op": "gte", "g0_r1_values": "50"} {
		got := b.value(`[name="` + name + `"]`)
		b.check(name+" round-trips", got == want, "%s = %q, want %q", name, got, want)
	}
	b.open("/audience/segments?provider_id=" + acct)
	b.check("summary", strings.Contains(b.text(`[data-testid="segment-row"]`), "attr.plan in (gold) AND attr.score ≥ (50)"), "row %q",
		b.text(`[data-testid="segment-row"]`))
	b.waitText("count in the list", `[data-testid="segment-row"] [data-testid="segment-count"]`, devicesText(2), stepTimeout)
}

// TestEditDeviceAttributes opens a device from the audience list, changes
// one attribute, removes one and adds one; a bad name is refused beside
// its row and nothing is written.
func TestEditDeviceAttributes(t *testing.T) {
	b, acct := importAttrDevices(t)
	b.open("/audience?provider_id=" + acct)
	b.submit("open the device", `[data-testid="device-row"]:first-child [data-testid="device-link"]`)
	b.check("first device", b.text(`[data-testid="device-cid"]`) == "attr-01", "device %q", b.text(`[data-testid="device-cid"]`))
	b.check("attributes shown", b.text(`[data-testid="device-attributes"]`) == "plan = gold\nscore = 80", "attributes %q", b.text(`[data-testid="device-attributes"]`))
	b.submit("edit attributes", `[data-testid="edit-attributes"]`)
	b.check("a row each and blank rows", b.count(`[data-testid="attr-row"]`) == 5, "%d rows", b.count(`[data-testid="attr-row"]`))

	b.fill("a bad name", `[data-testid="attrs-form"]`, map[string]string{"a2_name": "my-city", "a2_value": "Hangzhou"})
	status := b.submit("save", `[data-testid="save-attrs"]`)
	b.check("refused", status == http.StatusUnprocessableEntity && strings.Contains(b.text(`[data-testid="attr-name-error"]`), "my-city"),
		"status %d, error %q", status, b.text(`[data-testid="attr-name-error"]`))
	b.check("typed value kept", b.value(`[name="a2_value"]`) == "Hangzhou", "a2_value %q", b.value(`[name="a2_value"]`))

	b.fill("change, remove, add", `[data-testid="attrs-form"]`, map[string]string{"a0_value": "platinum", "a2_name": "city"})
	b.click("remove score", `[name="a1_remove"]`)
	b.shot("device-attributes-editor")
	status = b.submit("save", `[data-testid="save-attrs"]`)
	b.check("saved", status == http.StatusOK && b.count(`[data-testid="flash-success"]`) == 1, "status %d at %s", status, b.path())
	b.check("new attributes shown", b.text(`[data-testid="device-attributes"]`) == "city = Hangzhou\nplan = platinum", "attributes %q",
		b.text(`[data-testid="device-attributes"]`))
}
