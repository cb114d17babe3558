package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
)

// TestProviderEditWithUnreadableCredentials: credentials sealed with
// another key (a lost key file started with --allow-unreadable-secrets)
// give an edit form that asks for them again, not a 500, and saving typed
// credentials makes the account work again.
func TestProviderEditWithUnreadableCredentials(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	f := getuifake.New(t)
	id := createAccount(t, app, app.apiKey(models.RoleAdmin), providerBody(t, "GeTui", "getui", f.URL(), credsOf(t, f.Credentials())))
	other, err := models.NewSealer("the key that was lost")
	if err != nil {
		t.Fatal(err)
	}
	lost, err := other.Seal([]byte(`{}`), "provider_accounts.credentials:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.store.DB().Exec("UPDATE provider_accounts SET credentials = ? WHERE id = ?", lost, id).Error; err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("/providers/%d", id)
	resp, body := b.get(edit + "/edit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("edit page with unreadable credentials: %d", resp.StatusCode)
	}
	d := doc(t, body)
	if d.Find(`[data-testid="credentials-unreadable"]`).Length() != 1 {
		t.Error("the form does not say the credentials must be typed again")
	}
	resp, _ = b.post(edit, url.Values{"name": {"GeTui"}, "base_url": {f.URL()}, "credentials.app_id": {getuifake.AppID}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("saving with blank secrets over unreadable ones: %d, want 422", resp.StatusCode)
	}
	resp, _ = b.post(edit, url.Values{"name": {"GeTui"}, "base_url": {f.URL()}, "credentials.app_id": {getuifake.AppID},
		"credentials.app_key": {getuifake.AppKey}, "credentials.master_secret": {getuifake.MasterSecret}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving typed credentials: %d", resp.StatusCode)
	}
	a, err := app.store.ProviderAccountByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.store.ProviderCredentials(a); errors.Is(err, models.ErrUnreadableSecret) || err != nil {
		t.Errorf("credentials after retyping: %v", err)
	}
}
