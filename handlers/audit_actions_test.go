package handlers

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAuditActionsListed reads the handlers' sources for the actions they
// record and checks each is in AuditActions (whose labels the catalog test
// checks): an action recorded but not listed would show as a raw id.
func TestAuditActionsListed(t *testing.T) {
	listed := AuditActions()
	literal := regexp.MustCompile(`s\.audit(?:As)?\(c, (?:[a-zA-Z.()]+, )?"([a-z_]+)",`)
	named := regexp.MustCompile(`s\.audit(?:As)?\(c, (?:[a-zA-Z.()]+, )?(audit[A-Za-z]+)[,)]`)
	constVal := map[string]string{}
	src, err := os.ReadFile("audit_actions.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(audit[A-Za-z]+)\s+= "([a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		constVal[m[1]] = m[2]
	}
	// Built from the request path: the lifecycle and enable/disable routes.
	recorded := []string{"campaign_send", "campaign_schedule", "campaign_pause", "campaign_resume", "campaign_cancel",
		"operator_disable", "operator_enable", "provider_disable", "provider_enable"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		buf, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(buf), -1) {
			recorded = append(recorded, m[1])
		}
		for _, m := range named.FindAllStringSubmatch(string(buf), -1) {
			v, ok := constVal[m[1]]
			if !ok {
				t.Errorf("%s: %s is not an audit action constant", f, m[1])
			}
			recorded = append(recorded, v)
		}
	}
	if len(recorded) < 20 {
		t.Fatalf("found only %d recorded actions: the source scan is broken", len(recorded))
	}
	for _, a := range recorded {
		if !slices.Contains(listed, a) {
			t.Errorf("action %q is recorded but not in AuditActions", a)
		}
	}
}
