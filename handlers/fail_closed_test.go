package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
)

// breakTable makes every insert into table fail, as a full disk or a
// broken database would.
func (a *testApp) breakTable(table string) {
	a.t.Helper()
	stmts := []string{"CREATE TRIGGER broken_" + table + " BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'broken for the test'); END"}
	if dbtest.IsPostgres() {
		// PostgreSQL triggers call a function; the function raises.
		stmts = []string{
			"CREATE FUNCTION broken_" + table + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'broken for the test'; END $$",
			"CREATE TRIGGER broken_" + table + " BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION broken_" + table + "()",
		}
	}
	for _, q := range stmts {
		if err := a.store.DB().Exec(q).Error; err != nil {
			a.t.Fatal(err)
		}
	}
}

func TestAuditFailureFailsTheRequest(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	key := app.apiKey(models.RoleOperator)
	app.breakTable("audit_log")
	t.Run("sign-in", func(t *testing.T) {
		resp, _ := app.browser().do(http.MethodPost, "/login", url.Values{"email": {"op@example.com"}, "password": {"password123"}}, nil)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("sign-in that cannot be audited: %d, want 500", resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				t.Error("a session was handed out without an audit entry")
			}
		}
	})
	t.Run("api", func(t *testing.T) {
		resp, _ := app.apiDo(http.MethodPost, "/api/v1/devices?provider_id=1", key, `[{"cid":"c1"}]`, nil)
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("device upsert that cannot be audited: %d, want 500", resp.StatusCode)
		}
	})
}

func TestUncountedLoginFailureFailsClosed(t *testing.T) {
	app := newTestApp(t)
	app.createUser("op@example.com", models.RoleOperator)
	app.breakTable("login_failures")
	resp, _ := app.browser().do(http.MethodPost, "/login", url.Values{"email": {"op@example.com"}, "password": {"wrong-wrong"}}, nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failure that cannot be counted: %d, want 500", resp.StatusCode)
	}
}
