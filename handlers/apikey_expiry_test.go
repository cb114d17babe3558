package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestAPIKeyStopsWithItsCreator: a key made on the page by an operator who
// is later disabled stops working with them, and an expiry chosen on the
// page is shown.
func TestAPIKeyStopsWithItsCreator(t *testing.T) {
	app := newTestApp(t)
	root := app.browser()
	root.setupAdmin("root@example.com", "password123")
	app.createUser("second@example.com", models.RoleAdmin)
	second := app.browser()
	second.login("second@example.com", "password123")
	resp, body := second.post("/settings/apikeys", url.Values{"name": {"deploy"}, "role": {"operator"}, "expires": {"30"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create key: %d", resp.StatusCode)
	}
	d := doc(t, body)
	plain := d.Find(`[data-testid="new-key"]`).Text()
	if d.Find(`[data-testid="apikey-row"][data-name="deploy"] [data-testid="apikey-expires"]`).AttrOr("data-expired", "") != "false" ||
		d.Find(`[data-testid="apikey-row"][data-name="deploy"] [data-testid="apikey-expires"]`).Text() == "" {
		t.Error("the key's expiry is not shown")
	}
	if r, _ := app.apiDo(http.MethodGet, "/api/v1/campaigns", plain, "", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("new key: %d", r.StatusCode)
	}
	u, err := app.store.UserByEmail(t.Context(), "second@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := root.post(fmt.Sprintf("/settings/operators/%d/disable", u.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable operator: %d", r.StatusCode)
	}
	if r, _ := app.apiDo(http.MethodGet, "/api/v1/campaigns", plain, "", nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("key of a disabled operator: %d, want 401", r.StatusCode)
	}
	resp, _ = root.post("/settings/apikeys", url.Values{"name": {"odd"}, "role": {"operator"}, "expires": {"7"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an expiry not offered: %d, want 422", resp.StatusCode)
	}
}
