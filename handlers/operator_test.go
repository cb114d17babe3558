package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// signedOut reports whether a browser's session is gone: a page answers
// with a redirect to the login form.
func signedOut(b *browser) bool {
	resp, _ := b.get("/campaigns")
	return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
}

func TestCreateOperator(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	app.createUser("taken@example.com", models.RoleViewer)

	tests := []struct {
		name   string
		form   url.Values
		errors []string
	}{
		{"everything missing", url.Values{"role": {"operator"}}, []string{"email", "password"}},
		{"bad e-mail and short password", url.Values{"email": {"not-an-email"}, "name": {"Bo"}, "role": {"viewer"}, "password": {"short"}}, []string{"email", "password"}},
		{"taken e-mail", url.Values{"email": {"TAKEN@example.com"}, "name": {"Bo"}, "role": {"viewer"}, "password": {"password123"}}, []string{"email"}},
		{"forged role", url.Values{"email": {"x@example.com"}, "role": {"root"}, "password": {"password123"}}, []string{"role"}},
		{"long name", url.Values{"email": {"x@example.com"}, "name": {strings.Repeat("n", 101)}, "role": {"viewer"}, "password": {"password123"}}, []string{"name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/settings/operators", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			d := doc(t, body)
			for _, f := range tc.errors {
				if d.Find(`[data-testid="operator-form"] [data-testid="error-`+f+`"]`).Length() != 1 {
					t.Errorf("no error beside %s", f)
				}
			}
			for _, f := range []string{"email", "name"} {
				if got := d.Find(`[data-testid="operator-form"] input[name="`+f+`"]`).AttrOr("value", ""); got != strings.TrimSpace(tc.form.Get(f)) {
					t.Errorf("%s came back as %q, want %q", f, got, tc.form.Get(f))
				}
			}
			if pw := tc.form.Get("password"); pw != "" && strings.Contains(body, `value="`+pw+`"`) {
				t.Error("the password was rendered back")
			}
		})
	}
	if n, _ := app.store.CountUsers(t.Context()); n != 2 {
		t.Fatalf("refused forms wrote operators: %d users", n)
	}

	resp, _ := b.post("/settings/operators", url.Values{"email": {"bo@example.com"}, "name": {"Bo"}, "role": {"viewer"}, "password": {"password123"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	_, body := b.get("/settings/operators")
	row := doc(t, body).Find(`[data-testid="operator-row"][data-email="bo@example.com"]`)
	if row.Length() != 1 || row.Find(`[data-testid="operator-name"]`).Text() != "Bo" ||
		row.Find(`select[name="role"] option[selected]`).AttrOr("value", "") != "viewer" {
		t.Fatalf("new operator row: %q", row.Text())
	}
	if doc(t, body).Find(`[data-testid="flash-success"]`).Length() != 1 {
		t.Error("no success message")
	}
	bo := app.browser()
	if resp := bo.login("bo@example.com", "password123"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new operator cannot sign in: %d", resp.StatusCode)
	}
}

// TestOperatorRowActions changes role, password and status of another
// operator and checks what each does to that operator's session.
func TestOperatorRowActions(t *testing.T) {
	app := newTestApp(t)
	adm := app.browser()
	adm.setupAdmin("admin@example.com", "password123")
	app.createUser("op@example.com", models.RoleOperator)
	u, err := app.store.UserByEmail(t.Context(), "op@example.com")
	if err != nil {
		t.Fatal(err)
	}
	op := app.browser()
	op.login("op@example.com", "password123")
	base := fmt.Sprintf("/settings/operators/%d", u.ID)

	t.Run("role change applies to the live session", func(t *testing.T) {
		if r, _ := op.get("/campaigns/new"); r.StatusCode != http.StatusOK {
			t.Fatalf("operator cannot compose: %d", r.StatusCode)
		}
		resp, _ := adm.post(base+"/role", url.Values{"role": {"viewer"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("role: %d", resp.StatusCode)
		}
		if r, _ := op.get("/campaigns/new"); r.StatusCode != http.StatusForbidden {
			t.Errorf("demoted operator still composes: %d", r.StatusCode)
		}
	})
	t.Run("bad role is refused beside the control", func(t *testing.T) {
		resp, body := adm.post(base+"/role", url.Values{"role": {"owner"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		row := doc(t, body).Find(`[data-testid="operator-row"][data-email="op@example.com"]`)
		if row.Find(`[data-testid="row-error"]`).Length() != 1 {
			t.Error("no error on the row")
		}
	})
	t.Run("short reset password is refused", func(t *testing.T) {
		resp, body := adm.post(base+"/password", url.Values{"password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if !strings.Contains(doc(t, body).Find(`[data-testid="operator-row"][data-email="op@example.com"] [data-testid="row-error"]`).Text(), "8") {
			t.Error("the error does not say how long a password must be")
		}
		if signedOut(op) {
			t.Error("a refused reset signed the operator out")
		}
	})
	t.Run("reset signs the operator out", func(t *testing.T) {
		resp, _ := adm.post(base+"/password", url.Values{"password": {"another-pass"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reset: %d", resp.StatusCode)
		}
		if !signedOut(op) {
			t.Fatal("the operator's session survived a password reset")
		}
		if r := op.login("op@example.com", "another-pass"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("new password refused: %d", r.StatusCode)
		}
	})
	t.Run("disable ends the session at once", func(t *testing.T) {
		resp, _ := adm.post(base+"/disable", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if !signedOut(op) {
			t.Fatal("a disabled operator is still signed in")
		}
		if r := op.login("op@example.com", "another-pass"); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("a disabled operator signed in: %d", r.StatusCode)
		}
		_, body := adm.get("/settings/operators")
		row := doc(t, body).Find(`[data-testid="operator-row"][data-email="op@example.com"]`)
		if row.Find(`[data-testid="operator-enable"]`).Length() != 1 {
			t.Error("no enable button on a disabled operator")
		}
	})
	t.Run("enable lets them sign in again", func(t *testing.T) {
		resp, _ := adm.post(base+"/enable", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable: %d", resp.StatusCode)
		}
		if r := op.login("op@example.com", "another-pass"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("enabled operator cannot sign in: %d", r.StatusCode)
		}
	})
	t.Run("unknown operator", func(t *testing.T) {
		for _, p := range []string{"/settings/operators/999/disable", "/settings/operators/999/role", "/settings/operators/x/password"} {
			if resp, _ := adm.post(p, url.Values{"role": {"viewer"}, "password": {"password123"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, resp.StatusCode)
			}
		}
	})
	want := []string{"operator_role", "operator_password_reset", "operator_disable", "operator_enable"}
	es, err := app.store.ListAudit(t.Context(), models.AuditFilter{Actor: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range es {
		got[e.Action] = true
		if e.Action == "operator_role" && e.Detail != "operator → viewer" {
			t.Errorf("role change detail %q", e.Detail)
		}
	}
	for _, a := range want {
		if !got[a] {
			t.Errorf("%s not audited", a)
		}
	}
}

// TestLastAdminCannotLockEveryoneOut: the only administrator can neither
// demote nor disable themselves; with a second admin they can.
func TestLastAdminCannotLockEveryoneOut(t *testing.T) {
	app := newTestApp(t)
	adm := app.browser()
	adm.setupAdmin("admin@example.com", "password123")
	me, err := app.store.UserByEmail(t.Context(), "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/settings/operators/%d", me.ID)
	tests := []struct {
		name string
		path string
		form url.Values
		on   string
	}{
		{"demote self", base + "/role", url.Values{"role": {"operator"}}, "role"},
		{"disable self", base + "/disable", nil, "disabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := adm.post(tc.path, tc.form)
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("status %d, want 409", resp.StatusCode)
			}
			msg := doc(t, body).Find(`[data-testid="operator-row"][data-email="admin@example.com"] [data-testid="row-error"]`).Text()
			if !strings.Contains(msg, "last active administrator") {
				t.Errorf("error %q does not explain the refusal", msg)
			}
			u, _ := app.store.UserByEmail(t.Context(), "admin@example.com")
			if u.Role != models.RoleAdmin || u.Disabled || signedOut(adm) {
				t.Fatal("the refused change was applied")
			}
		})
	}
	app.createUser("second@example.com", models.RoleAdmin)
	if resp, _ := adm.post(base+"/role", url.Values{"role": {"operator"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demote with a second admin: %d", resp.StatusCode)
	}
	if r, _ := adm.get("/settings/operators"); r.StatusCode != http.StatusForbidden {
		t.Errorf("demoted admin still sees operators: %d", r.StatusCode)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	app := newTestApp(t)
	app.createUser("admin@example.com", models.RoleAdmin)
	app.createUser("viewer@example.com", models.RoleViewer)
	b := app.browser()
	b.login("viewer@example.com", "password123")
	other := app.browser()
	other.login("viewer@example.com", "password123")

	tests := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"wrong current password", url.Values{"current_password": {"nope-nope"}, "password": {"fresh-secret-9"}, "password_confirm": {"fresh-secret-9"}}, "current_password"},
		{"mismatch", url.Values{"current_password": {"password123"}, "password": {"fresh-secret-9"}, "password_confirm": {"fresh-secret-8"}}, "password_confirm"},
		{"too short", url.Values{"current_password": {"password123"}, "password": {"new"}, "password_confirm": {"new"}}, "password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/settings/password", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			if doc(t, body).Find(`[data-testid="password-form"] [data-testid="error-`+tc.field+`"]`).Length() != 1 {
				t.Errorf("no error beside %s", tc.field)
			}
			if strings.Contains(body, "fresh-secret") || strings.Contains(body, "nope-nope") {
				t.Error("a password was rendered back")
			}
		})
	}
	resp, _ := b.post("/settings/password", url.Values{"current_password": {"password123"}, "password": {"fresh-secret-9"}, "password_confirm": {"fresh-secret-9"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if signedOut(b) {
		t.Error("changing the password signed out the session that did it")
	}
	if !signedOut(other) {
		t.Error("another session survived the password change")
	}
	if r := app.browser().login("viewer@example.com", "fresh-secret-9"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("new password refused: %d", r.StatusCode)
	}
	es, _ := app.store.ListAudit(t.Context(), models.AuditFilter{Action: "password_change"})
	if len(es) != 1 || es[0].Actor != "viewer@example.com" {
		t.Errorf("password change audit: %+v", es)
	}
}

func TestSettingsLinksForAdminsOnly(t *testing.T) {
	app := newTestApp(t)
	adm := app.browser()
	adm.setupAdmin("admin@example.com", "password123")
	app.createUser("op@example.com", models.RoleOperator)
	op := app.browser()
	op.login("op@example.com", "password123")
	_, body := adm.get("/settings")
	if doc(t, body).Find(`[data-testid="admin-nav"] a`).Length() != 6 {
		t.Error("admin sees no links to operators, keys, webhooks, the audit log and the API reference")
	}
	_, body = op.get("/settings")
	d := doc(t, body)
	if d.Find(`[data-testid="admin-nav"]`).Length() != 0 {
		t.Error("an operator sees the admin links")
	}
	if d.Find(`[data-testid="password-form"]`).Length() != 1 || d.Find(`[data-testid="language-form"]`).Length() != 1 {
		t.Error("an operator cannot change password or language")
	}
}
