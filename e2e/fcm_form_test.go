package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// TestFCMAccountForm: an operator adds an FCM account through the provider
// form by choosing the service-account key file. A file that is not the
// key file's JSON, and a file with another ending, are refused on the
// field they came through, the form keeps what was typed, and nothing is
// saved; the real key file is saved, and the account's connection test
// (a validate_only message to a topic) passes against the FCM fake
// without delivering anything. The key file's text pasted is saved too.
func TestFCMAccountForm(t *testing.T) {
	srv := newServer(t)
	requireBrowser(t)
	fake := fcmfake.New(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "fake-ca.pem")
	writeFile(t, certFile, fake.CertificatePEM())
	srv.env = append(srv.env, "SSL_CERT_FILE="+certFile)
	key := srv.adminAndKey(adminEmail, adminPassword)
	srv.start()

	b := newTab(t, srv)
	b.login(adminEmail, adminPassword)
	b.open("/providers/new?kind=fcm")
	form := `[data-testid="provider-form"]`
	text := form + ` textarea[name="credentials.service_account"]`
	file := form + ` input[type="file"][name="credentials.service_account.file"]`
	b.check("the key file's field and file input", b.count(text) == 1 && b.count(file+`[accept=".json"]`) == 1,
		"%d text areas, %d .json file inputs", b.count(text), b.count(file+`[accept=".json"]`))

	refusals := []struct {
		name, file, content, field, says string
	}{
		{"not the key file's JSON", "firebase-key.json", `{"type": "service_account", "project_id": `, "credentials.service_account",
			"must be the service-account key file's JSON"},
		{"another ending", "AuthKey_ABC.p8", string(fake.ServiceAccountJSON()), "credentials.service_account.file",
			"must be a file ending in .json"},
	}
	for _, r := range refusals {
		path := filepath.Join(dir, r.file)
		writeFile(t, path, []byte(r.content))
		b.fill("name and base URL", form, map[string]string{"name": "Firebase", "base_url": fake.URL})
		b.upload("choose "+r.file, file, path)
		status := b.submit("save with "+r.name, `[data-testid="provider-save"]`)
		errSel := fmt.Sprintf(`[data-testid="error-%s"]`, r.field)
		b.check(r.name+" is refused on "+r.field, status == http.StatusUnprocessableEntity && strings.Contains(b.text(errSel), r.says),
			"status %d, %s shows %q", status, errSel, b.text(errSel))
		b.check(r.name+": the form keeps the name", b.value(form+` [name="name"]`) == "Firebase", "name is %q", b.value(form+` [name="name"]`))
		b.check(r.name+": nothing saved", fcmAccounts(t, srv, key) == 0, "an fcm account was saved")
	}
	b.shot("fcm-form-refused")

	path := filepath.Join(dir, "pushdeck-firebase-adminsdk.json")
	writeFile(t, path, fake.ServiceAccountJSON())
	b.fill("name and base URL", form, map[string]string{"name": "Firebase", "base_url": fake.URL})
	b.upload("choose the key file", file, path)
	status := b.submit("save the account", `[data-testid="provider-save"]`)
	b.check("saved", status == http.StatusOK && b.path() == "/providers", "landed on %s with %d", b.path(), status)
	b.check("one fcm account", fcmAccounts(t, srv, key) == 1, "%d fcm accounts", fcmAccounts(t, srv, key))
	id := eval[string](b, "the FCM row", `[...document.querySelectorAll('[data-testid="provider-row"]')]
		.filter(r => r.querySelector('[data-testid="provider-kind"]').innerText.includes("Firebase")).map(r => r.dataset.id)[0] || ""`)
	b.check("an FCM row", id != "", "no provider row of kind FCM")
	row := fmt.Sprintf(`[data-testid="provider-row"][data-id="%s"]`, id)
	b.click("test the connection", row+` [data-testid="provider-test"]`)
	b.waitFor("the test passes", fmt.Sprintf(`(document.querySelector(%s) || {dataset: {}}).dataset.ok === "true"`,
		jsString(row+` [data-testid="test-result"]`)), 20*time.Second)
	st := fake.Stats()
	b.check("the test validated one message and delivered none", st.Validated == 1 && len(fake.DeliveryCounts()) == 0 && st.TokenCalls >= 1,
		"%d validated, %d delivered, %d token calls", st.Validated, len(fake.DeliveryCounts()), st.TokenCalls)
	b.shot("fcm-account")

	// Pasting the key file's text works as well as choosing the file.
	b.open("/providers/new?kind=fcm")
	b.fill("paste the key file", form, map[string]string{"name": "Firebase pasted", "base_url": fake.URL,
		"credentials.service_account": string(fake.ServiceAccountJSON())})
	status = b.submit("save the pasted account", `[data-testid="provider-save"]`)
	b.check("the pasted key is saved", status == http.StatusOK && b.path() == "/providers" && fcmAccounts(t, srv, key) == 2,
		"landed on %s with %d, %d fcm accounts", b.path(), status, fcmAccounts(t, srv, key))
}

// fcmAccounts counts the fcm accounts the API lists.
func fcmAccounts(t *testing.T, srv *server, key string) int {
	t.Helper()
	var list struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	if code := srv.api(http.MethodGet, "/api/v1/providers", key, nil, &list); code != http.StatusOK {
		t.Fatalf("list providers: %d", code)
	}
	n := 0
	for _, it := range list.Items {
		if it.Kind == "fcm" {
			n++
		}
	}
	return n
}

// writeFile writes a test's file or fails the test.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
