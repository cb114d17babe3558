package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// TestComposerProviderOptions: a kind's declared options are rendered for
// its accounts only (a checkbox, a bounded number, a text, a drop-down),
// decoded with their types into message.options, refused at their field,
// listed on the details page and rendered back into the composer.
func TestComposerProviderOptions(t *testing.T) {
	app := newTestAppReg(t, zetaRegistry(), func(*Config) {})
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	zid := strconv.FormatInt(app.account(string(zetaKind), "", `{"key":"k"}`), 10)

	_, body := b.get("/campaigns/new?provider_id=" + zid)
	d := mustDoc(t, body)
	group := d.Find(`[data-testid="provider-options-zeta"]`)
	if group.Length() != 1 || group.AttrOr("hidden", "none") != "none" || group.AttrOr("data-kinds", "") != "zeta" {
		t.Fatalf("zeta's settings not shown for its account: %d", group.Length())
	}
	for sel, what := range map[string]string{
		`input[type="checkbox"][name="opt_loud"]`:                   "the bool",
		`input[type="number"][name="opt_repeat"][min="1"][max="5"]`: "the bounded int",
		`input[name="opt_note"][maxlength="20"]`:                    "the text",
		`select[name="opt_tone"] option[value="high"]`:              "the choice",
	} {
		if group.Find(sel).Length() != 1 {
			t.Errorf("no control for %s (%s)", what, sel)
		}
	}
	_, body = b.get("/campaigns/new?provider_id=1")
	if g := mustDoc(t, body).Find(`[data-testid="provider-options-zeta"]`); g.AttrOr("hidden", "none") == "none" {
		t.Error("zeta's settings shown for a sandbox account")
	}

	form := func(over map[string]string) map[string]string {
		out := map[string]string{"opt_loud": "1", "opt_repeat": "3", "opt_note": "hello", "opt_tone": "high"}
		for k, v := range over {
			out[k] = v
		}
		return out
	}
	for name, tc := range map[string]struct{ over map[string]string }{
		"repeat out of range": {map[string]string{"opt_repeat": "9"}},
		"repeat not a number": {map[string]string{"opt_repeat": "x"}},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := b.post("/campaigns", composerForm("zeta", zid, form(tc.over)))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if mustDoc(t, body).Find(`[data-testid="field-opt_repeat"] [data-testid="error-opt_repeat"]`).Length() != 1 {
				t.Error("no error beside opt_repeat")
			}
		})
	}

	resp, body := b.post("/campaigns", composerForm("zeta", zid, form(nil)))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d: %s", resp.StatusCode, mustDoc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
	}
	cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d campaigns (%v)", len(cs), err)
	}
	dr, err := draft.Of(cs[0])
	if err != nil {
		t.Fatal(err)
	}
	o := dr.Message.Options
	if o["loud"] != true || o["repeat"] != float64(3) || o["note"] != "hello" || o["tone"] != "high" {
		t.Fatalf("stored options %#v", o)
	}
	id := strconv.FormatInt(cs[0].ID, 10)
	_, body = b.get("/campaigns/" + id)
	details := mustDoc(t, body).Text()
	for _, want := range []string{"hello", "high", "3"} {
		if !strings.Contains(details, want) {
			t.Errorf("details page lacks %q", want)
		}
	}
	_, body = b.get("/campaigns/" + id + "/edit")
	ed := mustDoc(t, body)
	if _, ok := ed.Find(`input[name="opt_loud"]`).Attr("checked"); !ok {
		t.Error("the bool is not ticked on edit")
	}
	if v, _ := ed.Find(`input[name="opt_repeat"]`).Attr("value"); v != "3" {
		t.Errorf("repeat on edit %q", v)
	}
	if ed.Find(`select[name="opt_tone"] option[selected]`).AttrOr("value", "") != "high" {
		t.Error("the choice is not selected on edit")
	}
}
