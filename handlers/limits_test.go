package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// multipartBody streams a multipart form with fields and one file of size
// bytes (one line, so an id-list reader gives up on it at once), never
// holding the file.
func multipartBody(t *testing.T, fields url.Values, fileField, fileName string, size int64) (io.Reader, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, vs := range fields {
			for _, v := range vs {
				if err := mw.WriteField(k, v); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
		}
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err == nil {
			line := bytes.Repeat([]byte("x"), 32<<10)
			for n := int64(0); n < size && err == nil; n += int64(len(line)) {
				_, err = fw.Write(line)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

// spoolFiles lists the multipart spool files left in dir.
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	got, err := filepath.Glob(filepath.Join(dir, "multipart-*"))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSignedOutUploadsLeaveNothing: a large multipart POST to the sign-in
// and setup pages is refused unread, and no spool file is left behind.
func TestSignedOutUploadsLeaveNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	app := newTestApp(t)
	for _, path := range []string{"/login", "/setup"} {
		t.Run(path, func(t *testing.T) {
			body, ctype := multipartBody(t, url.Values{"email": {"a@example.com"}, "password": {"x"}}, "file", "big.bin", 40<<20)
			req, err := http.NewRequest(http.MethodPost, app.ts.URL+path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 400 or 413", resp.StatusCode)
			}
			if left := spoolFiles(t, tmp); len(left) > 0 {
				t.Errorf("spool files left behind: %v", left)
			}
		})
	}
	t.Run("oversize sign-in form", func(t *testing.T) {
		b := app.browser()
		resp, body := b.do(http.MethodPost, "/login", url.Values{"email": {strings.Repeat("a", 2<<20)}, "password": {"x"}}, map[string]string{"Accept-Language": "zh-Hans"})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
		if !strings.Contains(body, "请求过大") || !strings.Contains(body, "1 MiB") {
			t.Errorf("the 413 page is not the catalog's: %.300s", body)
		}
	})
}

// TestUploadSpoolRemoved: the composer's id-list file, spooled to disk
// while the form is read, is gone when the request ends.
func TestUploadSpoolRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	b.get("/campaigns/new")
	body, ctype := multipartBody(t, url.Values{"csrf_token": {b.csrf}, "name": {"big"}, "audience_kind": {"cid"}}, "audience_file", "ids.txt", 33<<20)
	req, err := http.NewRequest(http.MethodPost, app.ts.URL+"/campaigns", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if left := spoolFiles(t, tmp); len(left) > 0 {
		t.Errorf("spool files left behind: %v", left)
	}
}

// TestPageBodyLimit: a page form over its route's limit is a 413 page, and
// a viewer's post to an operator page is refused before its body is read.
func TestPageBodyLimit(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	resp, _ := b.post("/settings/language", url.Values{"locale": {"en"}, "pad": {strings.Repeat("x", 2<<20)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB language form: status %d, want 413", resp.StatusCode)
	}
	app.createUser("viewer@example.com", "viewer")
	v := app.browser()
	v.login("viewer@example.com", "password123")
	body, ctype := multipartBody(t, url.Values{"csrf_token": {v.csrf}}, "file", "x.csv", 40<<20)
	req, err := http.NewRequest(http.MethodPost, app.ts.URL+"/audience/import", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err = v.c.Do(req)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer upload: status %d, want 403", resp.StatusCode)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("a refused 40 MiB upload allocated %d MiB", got>>20)
	}
}

// TestAPIBodyLimit: a viewer route reads at most 1 MiB and answers 413
// naming the limit; the server does not take in the rest.
func TestAPIBodyLimit(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("viewer")
	pad := bytes.Repeat([]byte("x"), 48<<20)
	body := io.MultiReader(strings.NewReader(`{"provider_id":1,"audience":{"kind":"cid","values":["`), bytes.NewReader(pad), strings.NewReader(`"]}}`))
	req, err := http.NewRequest(http.MethodPost, app.ts.URL+"/api/v1/audience/preview", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := http.DefaultClient.Do(req)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || got.Error.Code != "too_large" || !strings.Contains(got.Error.Message, "1 MiB") {
		t.Errorf("status %d, error %+v; want 413 too_large naming 1 MiB", resp.StatusCode, got.Error)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("a refused 48 MiB body allocated %d MiB", n>>20)
	}
}

// TestBodyRulesNameRoutes: every entry of bodyRules names a route of the
// table, so a renamed route cannot silently fall back to the default.
func TestBodyRulesNameRoutes(t *testing.T) {
	app := newTestApp(t)
	routes := map[string]bool{}
	for _, r := range app.srv.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for key := range bodyRules() {
		if !routes[key] {
			t.Errorf("bodyRules names %q, which is not a route", key)
		}
	}
}

// TestDeviceUpsertCountWhileDecoding: the 10,001st device is refused as it
// is decoded, with a 422 on "devices".
func TestDeviceUpsertCountWhileDecoding(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey("operator")
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 10001 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`{"cid":"c` + strings.Repeat("0", 3) + string(rune('a'+i%26)) + `"}`)
	}
	sb.WriteString("]")
	resp, body := app.apiDo(http.MethodPost, "/api/v1/devices?provider_id=1", key, sb.String(), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"devices"`) {
		t.Fatalf("status %d: %.300s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPost, "/api/v1/devices?provider_id=1", key, `{"cid":"a"}`, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("an object instead of a list: status %d: %s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPost, "/api/v1/devices?provider_id=1", key, `[{"cid":"a"}] x`, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("trailing data: status %d: %s", resp.StatusCode, body)
	}
	resp, body = app.apiDo(http.MethodPost, "/api/v1/devices?provider_id=1", key, `[{"cid":"a","platform":"ios"}]`, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one device: status %d: %s", resp.StatusCode, body)
	}
}
