package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// account creates a provider account directly in the store; validation
// needs no network, so the base URL points nowhere.
func (a *testApp) account(kind, baseURL, creds string) int64 {
	a.t.Helper()
	if baseURL == "" {
		baseURL = "http://127.0.0.1:1"
	}
	acct, err := a.store.CreateProviderAccount(context.Background(), models.ProviderInput{Name: kind + " account", Kind: kind, BaseURL: baseURL, Credentials: []byte(creds)})
	if err != nil {
		a.t.Fatal(err)
	}
	return acct.ID
}

var testCreds = map[string]string{
	"getui":  `{"app_id":"app1","app_key":"key1","master_secret":"secret1"}`,
	"mxpush": `{"app_id":"app1","access_token":"tok1"}`,
	"wecom":  `{"corp_id":"corp1","corp_secret":"secret1","agent_id":1000002}`,
}

// accounts makes one account of each kind; the sandbox is account 1.
func (a *testApp) accounts() map[string]string {
	ids := map[string]string{"sandbox": "1"}
	for _, k := range []string{"getui", "mxpush", "wecom"} {
		ids[k] = strconv.FormatInt(a.account(k, "", testCreds[k]), 10)
	}
	return ids
}

// postMultipart submits the composer as the browser does (multipart, for
// the id-list file), with the CSRF token.
func (b *browser) postMultipart(path string, form url.Values, fileName, content string) (*http.Response, string) {
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
		fw, err := w.CreateFormFile("audience_file", fileName)
		if err != nil {
			b.app.t.Fatal(err)
		}
		if _, err := io.WriteString(fw, content); err != nil {
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

// form returns a valid composer form for the kind, with overrides applied
// ("" deletes a field).
func composerForm(kind, providerID string, over map[string]string) url.Values {
	f := url.Values{"name": {"Spring " + kind}, "provider_id": {providerID}, "audience_kind": {"cid"},
		"audience_values": {"c1\nc2"}, "type": {"notification"}, "title": {"Hi"}, "body": {"Sale starts now"},
		"click_action": {"startapp"}, "timezone": {"UTC"}}
	if kind == "wecom" {
		f.Set("type", "text")
		f.Set("title", "")
		f.Set("click_action", "none")
	}
	for k, v := range over {
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
	}
	return f
}

func articles(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("Article %d | https://example.com/%d | https://example.com/%d.png | Read more", i+1, i, i)
	}
	return strings.Join(lines, "\n")
}

// TestComposerValidationByKind: each provider kind's limits and refusals,
// errors beside the field, every value kept, status 422 and nothing
// written; valid forms of each kind are saved.
func TestComposerValidationByKind(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	ids := app.accounts()
	tests := []struct {
		kind   string
		name   string
		over   map[string]string
		errors []string // form fields with an error beside them
	}{
		{"getui", "title over 50", map[string]string{"title": strings.Repeat("t", 51)}, []string{"title"}},
		{"getui", "body over 256", map[string]string{"body": strings.Repeat("长", 257)}, []string{"body"}},
		{"getui", "big text over 512", map[string]string{"big_text": strings.Repeat("b", 513)}, []string{"big_text"}},
		{"getui", "big text with image", map[string]string{"big_text": "more", "image_url": "https://example.com/a.png"}, []string{"big_text"}},
		{"getui", "mutable content refused", map[string]string{"ios_mutable_content": "1"}, []string{"ios_mutable_content"}},
		{"getui", "show window reversed", map[string]string{"show_begin": "2030-01-02T10:00", "show_end": "2030-01-02T09:00"}, []string{"show_end"}},
		{"getui", "show window of 5 minutes", map[string]string{"show_begin": "2030-01-02T10:00", "show_end": "2030-01-02T10:05"}, []string{"show_end"}},
		{"getui", "show window without end", map[string]string{"show_begin": "2030-01-02T10:00"}, []string{"show_end"}},
		{"getui", "ttl over 3 days", map[string]string{"ttl_seconds": "259201"}, []string{"ttl_seconds"}},
		{"getui", "unknown vendor", map[string]string{"vendor": `{"samsung": {}}`}, []string{"vendor"}},
		{"getui", "vendor value not an object", map[string]string{"vendor": `{"huawei": 1}`}, []string{"vendor"}},
		{"getui", "vendor not JSON", map[string]string{"vendor": `{huawei}`}, []string{"vendor"}},
		{"getui", "mx options refused", map[string]string{"mx_strategy": "combined"}, []string{"mx_strategy"}},
		{"getui", "link without url action", map[string]string{"type": "link"}, []string{"click_action"}},
		{"getui", "image without url", map[string]string{"type": "image"}, []string{"image_url"}},
		{"getui", "intent without value", map[string]string{"click_action": "intent"}, []string{"click_value"}},
		{"getui", "transmission with tap action", map[string]string{"type": "transmission", "click_action": "url", "click_value": "https://example.com"}, []string{"click_action"}},
		{"mxpush", "gif attachment", map[string]string{"image_url": "https://example.com/a.gif"}, []string{"image_url"}},
		{"mxpush", "honor vendor", map[string]string{"vendor": `{"honor": {"channel_id": "x"}}`}, []string{"vendor"}},
		{"mxpush", "unknown vendor field", map[string]string{"vendor": `{"xiaomi": {"importance": 1}}`}, []string{"vendor"}},
		{"mxpush", "vendor click without intent", map[string]string{"vendor": `{"oppo": {"click_action": "intent"}}`}, []string{"vendor"}},
		{"mxpush", "ttl refused", map[string]string{"ttl_seconds": "600"}, []string{"ttl_seconds"}},
		{"mxpush", "wifi only refused", map[string]string{"wifi_only": "1"}, []string{"wifi_only"}},
		{"mxpush", "bad sequence", map[string]string{"mx_sequence": "huawei, nokia"}, []string{"mx_sequence"}},
		{"mxpush", "bad strategy", map[string]string{"mx_strategy": "fastest"}, []string{"mx_strategy"}},
		{"mxpush", "payload action", map[string]string{"click_action": "payload", "click_value": "x"}, []string{"click_action"}},
		{"mxpush", "url with fragment", map[string]string{"click_action": "url", "click_value": "https://example.com/#top"}, []string{"click_value"}},
		{"mxpush", "wecom options refused", map[string]string{"wecom_safe": "1"}, []string{"wecom_safe"}},
		{"wecom", "text over 2048 bytes", map[string]string{"body": strings.Repeat("字", 683)}, []string{"body"}},
		{"wecom", "mobile type", map[string]string{"type": "notification", "title": "Hi"}, []string{"type"}},
		{"wecom", "textcard without url", map[string]string{"type": "textcard", "title": "Card"}, []string{"click_action"}},
		{"wecom", "textcard with empty url", map[string]string{"type": "textcard", "title": "Card", "click_action": "url"}, []string{"click_value"}},
		{"wecom", "textcard title over 128 bytes", map[string]string{"type": "textcard", "title": strings.Repeat("标", 43), "click_action": "url", "click_value": "https://example.com"}, []string{"title"}},
		{"wecom", "button over 4", map[string]string{"type": "textcard", "title": "Card", "click_action": "url", "click_value": "https://example.com", "wecom_btntxt": "Read it"}, []string{"wecom_btntxt"}},
		{"wecom", "nine articles", map[string]string{"type": "news", "body": "", "wecom_articles": articles(9)}, []string{"wecom_articles"}},
		{"wecom", "article without url", map[string]string{"type": "news", "body": "", "wecom_articles": "Title only"}, []string{"wecom_articles"}},
		{"wecom", "article with bad url", map[string]string{"type": "news", "body": "", "wecom_articles": "T | ftp://x"}, []string{"wecom_articles"}},
		{"wecom", "news with a body", map[string]string{"type": "news", "wecom_articles": articles(1)}, []string{"body"}},
		{"wecom", "interval over 4 h", map[string]string{"wecom_dup_check": "1", "wecom_dup_interval": "14401"}, []string{"wecom_dup_interval"}},
		{"wecom", "markdown is never confidential", map[string]string{"type": "markdown", "wecom_safe": "1"}, []string{"wecom_safe"}},
		{"wecom", "mobile fields refused", map[string]string{"big_text": "x", "badge": "3", "ios_subtitle": "s"}, []string{"big_text", "badge", "ios_subtitle"}},
		{"wecom", "tap action on text", map[string]string{"click_action": "url", "click_value": "https://example.com"}, []string{"click_action"}},
		{"sandbox", "ext not an object", map[string]string{"ext": `[1,2]`}, []string{"ext"}},
		{"sandbox", "ext not JSON", map[string]string{"ext": `{nope`}, []string{"ext"}},
		{"sandbox", "badge not a number", map[string]string{"badge": "many"}, []string{"badge"}},
		{"sandbox", "unknown zone", map[string]string{"timezone": "Mars/Olympus"}, []string{"timezone"}},
		{"sandbox", "schedule in the past", map[string]string{"schedule_at": "2001-01-01T00:00"}, []string{"schedule_at"}},
		{"sandbox", "threshold over 100", map[string]string{"error_threshold": "101"}, []string{"error_threshold"}},
		{"sandbox", "segment not chosen", map[string]string{"audience_kind": "segment"}, []string{"segment_id"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			form := composerForm(tc.kind, ids[tc.kind], tc.over)
			resp, body := b.post("/campaigns", form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			d := doc(t, body)
			for _, f := range tc.errors {
				if d.Find(fmt.Sprintf(`[data-testid="field-%s"] [data-testid="error-%s"]`, f, f)).Length() != 1 {
					t.Errorf("no error beside %s; errors: %s", f, d.Find(".field-error, [data-testid=form-errors]").Text())
				}
			}
			for f, want := range tc.over {
				if got := fieldValue(d, f); got != want && !(want == "1" && got == "on") {
					t.Errorf("%s = %q, want the typed %q", f, got, want)
				}
			}
		})
	}
	cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{})
	if err != nil || len(cs) != 0 {
		t.Fatalf("invalid forms wrote %d campaigns (%v)", len(cs), err)
	}

	valid := []struct {
		kind string
		over map[string]string
	}{
		{"getui", map[string]string{"big_text": "Longer text", "show_begin": "2030-01-02T10:00", "show_end": "2030-01-02T11:00", "ttl_seconds": "3600",
			"wifi_only": "1", "ios_subtitle": "Sub", "ios_content_available": "1", "vendor": `{"honor": {"/notification/importance": "HIGH"}}`, "badge": "2"}},
		{"mxpush", map[string]string{"image_url": "https://example.com/a.JPG", "ios_mutable_content": "1", "vendor": `{"huawei": {"badge_class": "a.B", "click_action": "open_app"}, "vivo": {"classification": 1}}`,
			"mx_strategy": "ospush_only", "mx_sequence": "huawei, meizu", "click_action": "url", "click_value": "https://example.com/p?q=1"}},
		{"wecom", map[string]string{"type": "textcard", "title": "Card", "click_action": "url", "click_value": "https://example.com", "wecom_btntxt": "详情", "wecom_dup_check": "1", "wecom_dup_interval": "3600"}},
		{"wecom", map[string]string{"type": "news", "body": "", "wecom_articles": articles(8), "wecom_id_trans": "1"}},
		{"sandbox", map[string]string{"type": "transmission", "click_action": "none", "ext": `{"k": "v"}`, "speed": "100", "error_threshold": "100"}},
	}
	for _, tc := range valid {
		t.Run("valid/"+tc.kind, func(t *testing.T) {
			resp, body := b.post("/campaigns", composerForm(tc.kind, ids[tc.kind], tc.over))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d: %s", resp.StatusCode, doc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
			}
		})
	}
}

// fieldValue reads a control's value as the form shows it.
func fieldValue(d *goquery.Document, name string) string {
	sel := d.Find(fmt.Sprintf(`[name="%s"]`, name)).First()
	switch goquery.NodeName(sel) {
	case "textarea":
		return sel.Text()
	case "select":
		return sel.Find("option[selected]").AttrOr("value", "")
	}
	if sel.AttrOr("type", "") == "checkbox" {
		if _, on := sel.Attr("checked"); on {
			return "1"
		}
		return ""
	}
	return sel.AttrOr("value", "")
}

// TestComposerKindVisibility: each kind sees the groups it can send, the
// others hidden and disabled, and the data-kinds match the validation's.
func TestComposerKindVisibility(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	ids := app.accounts()
	groups := []string{draft.FieldBigText, draft.FieldImageURL, draft.FieldIOS, draft.FieldMutableContent,
		draft.FieldVendor, draft.FieldMX, draft.FieldWeCom, draft.FieldTTL, draft.FieldWifiOnly, draft.FieldShowWindow}
	for _, kind := range []string{"sandbox", "getui", "mxpush", "wecom"} {
		t.Run(kind, func(t *testing.T) {
			resp, body := b.get("/campaigns/new?provider_id=" + ids[kind])
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			d := doc(t, body)
			if got := d.Find(`select[name="provider_id"] option[selected]`).AttrOr("data-kind", ""); got != kind {
				t.Fatalf("selected account kind %q", got)
			}
			for _, g := range groups {
				el := d.Find(fmt.Sprintf(`[data-testid="group-%s"]`, g))
				if el.Length() != 1 {
					t.Fatalf("group %s missing", g)
				}
				want := draft.FieldSupported(testRegistry()[providers.Kind(kind)].Capabilities, g)
				_, hidden := el.Attr("hidden")
				_, disabled := el.Attr("disabled")
				if hidden == want || disabled == want {
					t.Errorf("group %s: hidden=%v disabled=%v, want shown=%v", g, hidden, disabled, want)
				}
				kinds := strings.Fields(el.AttrOr("data-kinds", ""))
				for _, k := range draft.FieldKinds(testRegistry(), g) {
					if !slices.Contains(kinds, string(k)) {
						t.Errorf("group %s data-kinds %v lacks %s", g, kinds, k)
					}
				}
			}
			wecomType := d.Find(`select[name="type"] option[value="textcard"]`)
			_, hidden := wecomType.Attr("hidden")
			if hidden != (kind != "wecom") {
				t.Errorf("textcard option hidden=%v for %s", hidden, kind)
			}
			wantType := "notification"
			if kind == "wecom" {
				wantType = "text"
			}
			if got := fieldValue(d, "type"); got != wantType {
				t.Errorf("default type %q, want %q", got, wantType)
			}
		})
	}
	// A refused field stays visible (with its error) even on a kind that
	// cannot send it, so the operator can see and clear it.
	_, body := b.post("/campaigns", composerForm("wecom", ids["wecom"], map[string]string{"ios_subtitle": "s"}))
	el := doc(t, body).Find(`[data-testid="group-message.ios"]`)
	if _, hidden := el.Attr("hidden"); hidden || el.Find(`[data-testid="error-ios_subtitle"]`).Length() != 1 {
		t.Errorf("a refused iOS field on WeCom is hidden or has no error")
	}
}
