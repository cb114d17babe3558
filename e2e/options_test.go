package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/handlers"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/sandbox"
)

// zetaKind is a provider only this test registers: the composer must
// render and keep its settings from its declaration alone.
const zetaKind providers.Kind = "zeta"

type zetaClient struct{ providers.Provider }

func (zetaClient) Kind() providers.Kind                 { return zetaKind }
func (zetaClient) Capabilities() providers.Capabilities { return zetaCaps() }

// zetaCaps delivers like the sandbox and declares one option of each type.
func zetaCaps() providers.Capabilities {
	caps := sandbox.Capabilities()
	caps.Simulated, caps.Name = false, "Zeta"
	caps.Options = []providers.OptionField{
		{Name: "loud", Type: providers.OptionBool, Label: "zeta.loud"},
		{Name: "repeat", Type: providers.OptionInt, Label: "zeta.repeat", Min: 1, Max: 5},
		{Name: "note", Type: providers.OptionString, Label: "zeta.note", Max: 20},
		{Name: "tone", Type: providers.OptionChoice, Label: "zeta.tone", Choices: []string{"low", "high"}},
	}
	return caps
}

func zetaSpec() providers.Spec {
	return providers.Spec{Kind: zetaKind, Capabilities: zetaCaps(), New: func(providers.Config) (providers.Provider, error) {
		p, err := sandbox.New(providers.Config{})
		return zetaClient{p}, err
	}}
}

// inProcess serves the console in this process with reg, for a kind the
// binary does not register; it returns the server and zeta's account id.
func inProcess(t *testing.T, reg providers.Registry, email, password string) (*server, int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, _ := dbtest.Open(t)
	sealer, err := models.NewSealer("e2e-secret-key-not-for-production")
	if err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db, sealer)
	acct, err := store.CreateProviderAccount(ctx, models.ProviderInput{Name: "Zeta", Kind: string(zetaKind), Credentials: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUser(ctx, models.NewUser{Email: email, Password: password, Role: models.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	eng := dispatch.New(store, reg, dispatch.Config{}, log)
	srv := handlers.New(handlers.Params{Store: store, Engine: eng, Registry: reg, Catalog: catalog(t), Log: log})
	ts := httptest.NewServer(srv.Handler())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
	})
	return &server{t: t, URL: ts.URL, log: &syncBuffer{}, artifacts: t.ArtifactDir()}, acct.ID
}

// TestProviderOptionsRoundTrip: compose a campaign for a provider known
// only by its declaration, set one option of each type, save, read them on
// the details page, reopen the draft with every value in place, change
// one and see the change.
func TestProviderOptionsRoundTrip(t *testing.T) {
	requireBrowser(t)
	reg := providers.Registry{providers.KindSandbox: sandbox.Spec(), zetaKind: zetaSpec()}
	srv, zid := inProcess(t, reg, "admin@example.com", "correct horse battery")
	b := newTab(t, srv)
	b.login("admin@example.com", "correct horse battery")

	b.open(fmt.Sprintf("/campaigns/new?provider_id=%d", zid))
	b.check("zeta's settings shown", b.count(`[data-testid="provider-options-zeta"]:not([hidden])`) == 1, "no visible settings group")
	b.fill("message", `[data-testid="campaign-form"]`, map[string]string{"name": "Zeta options", "title": "Hello", "body": "World",
		"opt_repeat": "3", "opt_note": "ring twice", "opt_tone": "high"})
	b.click("tick loud", `[name="opt_loud"]`)
	status := b.submit("save the draft", `[data-testid="save-draft"]`)
	b.check("draft saved", status == http.StatusOK && campaignPath.MatchString(b.path()), "status %d at %s", status, b.path())
	details := detailsOf(b)
	for label, want := range map[string]string{"repeat": "3", "note": "ring twice", "tone": "high", "loud": catalog(t).Localizer("en").T("campaigns.yes")} {
		b.check("details list "+label, details[label] == want, "details %v", details)
	}

	b.submit("edit the draft", `[data-testid="action-edit"]`)
	b.check("bool kept", eval[bool](b, "loud", `document.querySelector('[name="opt_loud"]').checked`), "loud unticked")
	for name, want := range map[string]string{"opt_repeat": "3", "opt_note": "ring twice", "opt_tone": "high"} {
		got := b.value(`[data-testid="campaign-form"] [name="` + name + `"]`)
		b.check(name+" kept", got == want, "%s = %q, want %q", name, got, want)
	}
	b.fill("change repeat", `[data-testid="campaign-form"]`, map[string]string{"opt_repeat": "9"})
	status = b.submit("save an out-of-range repeat", `[data-testid="save-draft"]`)
	b.check("refused at its field", status == http.StatusUnprocessableEntity && b.count(`[data-testid="error-opt_repeat"]`) == 1,
		"status %d, errors %q", status, b.text(`.field-error`))
	b.fill("fix repeat", `[data-testid="campaign-form"]`, map[string]string{"opt_repeat": "4"})
	b.click("untick loud", `[name="opt_loud"]`)
	status = b.submit("save again", `[data-testid="save-draft"]`)
	b.check("saved again", status == http.StatusOK, "status %d", status)
	details = detailsOf(b)
	_, loud := details["loud"]
	b.check("the change shows", details["repeat"] == "4" && !loud, "details %v", details)
}

// detailsOf reads the detail page's message details, label to value.
func detailsOf(b *tab) map[string]string {
	b.t.Helper()
	return eval[map[string]string](b, "message details", `(() => {
		const out = {};
		document.querySelectorAll('[data-testid="message-details"] dt').forEach(dt => {
			out[dt.textContent.trim()] = dt.nextElementSibling.textContent.trim();
		});
		return out;
	})()`)
}
