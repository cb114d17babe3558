package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/sandbox"
)

var templatePath = regexp.MustCompile(`^/templates/\d+$`)

// TestTemplateFromComposer: compose a message with a provider option, save
// it as a template from the composer, start a campaign from the template
// (the composer prefilled, the option too), save it, and find the campaign
// listed on the template's page.
func TestTemplateFromComposer(t *testing.T) {
	requireBrowser(t)
	reg := providers.Registry{providers.KindSandbox: sandbox.Spec(), zetaKind: zetaSpec()}
	srv, zid := inProcess(t, reg, "admin@example.com", "correct horse battery")
	b := newTab(t, srv)
	b.login("admin@example.com", "correct horse battery")

	b.open(fmt.Sprintf("/campaigns/new?provider_id=%d", zid))
	b.fill("message", `[data-testid="campaign-form"]`, map[string]string{"name": "Not saved", "title": "Hello", "body": "From a template",
		"opt_note": "ring twice", "template_name": "Zeta promo"})
	status := b.submit("save as template", `[data-testid="save-as-template"]`)
	b.check("template saved", status == http.StatusOK && templatePath.MatchString(b.path()), "status %d at %s", status, b.path())
	tplPath := b.path()
	b.check("unused yet", strings.Contains(b.text(`[data-testid="template-used"]`), "used by 0 campaigns"), "used %q", b.text(`[data-testid="template-used"]`))
	b.check("option kept", strings.Contains(b.text(`[data-testid="template-message"]`), "ring twice"), "message %q", b.text(`[data-testid="template-message"]`))

	b.submit("new campaign from template", `[data-testid="new-campaign-from-template"]`)
	for name, want := range map[string]string{"title": "Hello", "body": "From a template", "opt_note": "ring twice"} {
		got := b.value(`[data-testid="campaign-form"] [name="` + name + `"]`)
		b.check(name+" prefilled", got == want, "%s = %q, want %q", name, got, want)
	}
	b.fill("name", `[data-testid="campaign-form"]`, map[string]string{"name": "From zeta promo"})
	status = b.submit("save the draft", `[data-testid="save-draft"]`)
	b.check("draft saved", status == http.StatusOK && campaignPath.MatchString(b.path()), "status %d at %s", status, b.path())

	b.open(tplPath)
	b.check("campaign listed", b.text(`[data-testid="template-campaign"] a`) == "From zeta promo", "campaigns %q", b.text(`[data-testid="template-campaigns"]`))
	b.check("used once", strings.Contains(b.text(`[data-testid="template-used"]`), "used by 1 campaign"), "used %q", b.text(`[data-testid="template-used"]`))
	b.open("/templates")
	b.check("listed with its kind", b.count(`[data-testid="template-row"]`) == 1 && strings.Contains(b.text(`[data-testid="template-row"]`), "Zeta promo"),
		"rows %q", b.text(`[data-testid="template-table"]`))
}
