package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

// postFile submits a form as multipart with one file (none when fileName
// is ""), with the CSRF token.
func (b *browser) postFile(path string, form url.Values, field, fileName string, content []byte) (*http.Response, string) {
	b.app.t.Helper()
	if b.csrf == "" {
		b.get("/settings")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	form.Set("csrf_token", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.app.t.Fatal(err)
			}
		}
	}
	if fileName != "" {
		fw, err := w.CreateFormFile(field, fileName)
		if err != nil {
			b.app.t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			b.app.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.app.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.app.ts.URL+path, &buf)
	if err != nil {
		b.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.app.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.app.t.Fatal(err)
	}
	return resp, string(raw)
}

func mustDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestProviderFormDeclaredFields: a multi-line secret is a text area with a
// file input taking the declared endings, a choice is a drop-down; the key
// is read from the file (pasted text wins), a file of another ending, over
// 64 KiB or not text is refused on its input, and a stored key never comes
// back into the page.
func TestProviderFormDeclaredFields(t *testing.T) {
	app := newTestAppReg(t, zetaRegistry(), func(*Config) {})
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")

	_, body := b.get("/providers/new?kind=zeta")
	d := mustDoc(t, body)
	if enc, _ := d.Find(`form[data-testid="provider-form"]`).Attr("enctype"); enc != "multipart/form-data" {
		t.Errorf("form enctype %q", enc)
	}
	if d.Find(`textarea[name="credentials.key"]`).Length() != 1 {
		t.Error("no text area for the key")
	}
	if acc, _ := d.Find(`input[type="file"][name="credentials.key.file"]`).Attr("accept"); acc != ".pem" {
		t.Errorf("file input accept %q", acc)
	}
	if got := d.Find(`select[name="credentials.mode"] option`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") }); strings.Join(got, ",") != "fast,slow" {
		t.Errorf("mode options %v", got)
	}

	form := func(name, mode string) url.Values {
		return url.Values{"kind": {"zeta"}, "name": {name}, "credentials.mode": {mode}}
	}
	refused := []struct {
		name, file, field, wantID string
		content                   []byte
	}{
		{"wrong ending", "key.txt", "credentials.key.file", "providers.err_file_ending", []byte("k")},
		{"too large", "key.pem", "credentials.key.file", "providers.err_file_size", bytes.Repeat([]byte("k"), 64<<10+1)},
		{"not text", "key.pem", "credentials.key.file", "providers.err_file_text", []byte{0xff, 0xfe, 0x00}},
		{"no key", "", "credentials.key", "err.required", nil},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.postFile("/providers", form("Z "+tc.name, "fast"), "credentials.key.file", tc.file, tc.content)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if mustDoc(t, body).Find(`[data-testid="error-`+tc.field+`"]`).Length() != 1 {
				t.Errorf("no error on %s", tc.field)
			}
		})
	}
	resp, _ := b.postFile("/providers", form("Z bad mode", "medium"), "credentials.key.file", "k.pem", []byte("KEY"))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a mode not offered: status %d", resp.StatusCode)
	}

	resp, body = b.postFile("/providers", form("Zeta", "slow"), "credentials.key.file", "Key.PEM", []byte("-----KEY-----\nabc\n"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d: %s", resp.StatusCode, body)
	}
	acct := zetaAccount(t, app)
	if got := storedCreds(t, app, zetaAccount(t, app)); got["key"] != "-----KEY-----\nabc" || got["mode"] != "slow" {
		t.Fatalf("stored %v", got)
	}
	_, body = b.get("/providers/" + strconv.FormatInt(acct.ID, 10) + "/edit")
	d = mustDoc(t, body)
	if strings.Contains(body, "-----KEY-----") || d.Find(`textarea[name="credentials.key"]`).Text() != "" {
		t.Error("the stored key was put into the page")
	}
	// Pasted text wins over a file; an empty key keeps the stored one.
	edit := url.Values{"name": {"Zeta"}, "credentials.key": {"PASTED"}, "credentials.mode": {"fast"}}
	if resp, body := b.postFile("/providers/"+strconv.FormatInt(acct.ID, 10), edit, "credentials.key.file", "k.pem", []byte("FILE")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/providers" {
		t.Fatalf("edit: status %d: %s", resp.StatusCode, body)
	}
	if got := storedCreds(t, app, zetaAccount(t, app)); got["key"] != "PASTED" || got["mode"] != "fast" {
		t.Fatalf("after edit %v", got)
	}
	edit.Del("credentials.key")
	if resp, _ := b.postFile("/providers/"+strconv.FormatInt(acct.ID, 10), edit, "", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("keep: status %d", resp.StatusCode)
	}
	if got := storedCreds(t, app, zetaAccount(t, app)); got["key"] != "PASTED" {
		t.Fatalf("the stored key was not kept: %v", got)
	}
}

func zetaAccount(t *testing.T, app *testApp) models.ProviderAccount {
	t.Helper()
	as, err := app.store.ListProviderAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Kind == string(zetaKind) {
			return a
		}
	}
	t.Fatal("no zeta account")
	return models.ProviderAccount{}
}

func storedCreds(t *testing.T, app *testApp, a models.ProviderAccount) map[string]string {
	t.Helper()
	raw, err := app.store.ProviderCredentials(a)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
