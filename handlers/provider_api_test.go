package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/providers/providertest/wecomfake"
)

// fakeProvider is one protocol's fake server, as the provider tests use it.
type fakeProvider struct {
	kind    string
	baseURL string
	creds   map[string]any
	// wrong replaces one secret with a value the fake refuses.
	wrong map[string]any
	// refusal is what the fake answers to the wrong credentials: the
	// provider's own code and message (the start of it: WeCom appends a
	// hint), as the operator must see them.
	refusal string
	// secret is a stored secret that must never appear in a page or answer.
	secret string
	// message is a campaign message that suits the kind.
	message string
	// pushed returns the recipients of the pushes the fake accepted.
	pushed func() []string
}

func credsOf(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	m := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber() // keeps agent_id an integer when re-encoded
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func startGeTui(t *testing.T) fakeProvider {
	f := getuifake.New(t)
	creds := credsOf(t, f.Credentials())
	return fakeProvider{
		kind: "getui", baseURL: f.URL(), creds: creds, wrong: with(creds, "master_secret", "not-the-master-secret"),
		refusal: "20001: sign is invalid", secret: getuifake.MasterSecret,
		message: `{"type": "notification", "title": "Hi", "body": "Sale starts now"}`,
		pushed: func() []string {
			var got []string
			for _, r := range f.RequestsTo("/push/list/cid") {
				var lb getuifake.ListBody
				if err := json.Unmarshal(r.Body, &lb); err != nil {
					t.Fatal(err)
				}
				got = append(got, lb.Audience.CID...)
			}
			for _, r := range f.RequestsTo("/push/single/cid") {
				var b struct {
					Audience getuifake.Audience `json:"audience"`
				}
				if err := json.Unmarshal(r.Body, &b); err != nil {
					t.Fatal(err)
				}
				got = append(got, b.Audience.CID...)
			}
			return got
		},
	}
}

func startMX(t *testing.T) fakeProvider {
	f := mxfake.New(t)
	creds := credsOf(t, f.Credentials())
	return fakeProvider{
		kind: "mxpush", baseURL: f.URL(), creds: creds, wrong: with(creds, "access_token", "not-the-token"),
		refusal: "10008: access-token in header is invalid", secret: mxfake.DefaultToken,
		message: `{"type": "notification", "title": "Hi", "body": "Sale starts now"}`,
		pushed: func() []string {
			var got []string
			for _, task := range f.Tasks() {
				if task.Audience == "push_token" {
					got = append(got, task.Values...)
				}
			}
			return got
		},
	}
}

func startWeCom(t *testing.T) fakeProvider {
	f := wecomfake.New(t)
	creds := credsOf(t, f.Credentials())
	return fakeProvider{
		kind: "wecom", baseURL: f.URL, creds: creds, wrong: with(creds, "corp_secret", "not-the-secret"),
		refusal: "40001: invalid credential", secret: wecomfake.DefaultCorpSecret,
		// WeCom has no notification type: text, whose content is the body.
		message: `{"type": "text", "body": "Sale starts now"}`,
		pushed: func() []string {
			var got []string
			for _, m := range f.Messages() {
				got = append(got, m.ToUser...)
			}
			return got
		},
	}
}

func providerBody(t *testing.T, name, kind, baseURL string, creds map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"name": name, "kind": kind, "base_url": baseURL, "credentials": creds})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// createAccount creates an account through the API and returns its id.
func createAccount(t *testing.T, app *testApp, key, body string) int64 {
	t.Helper()
	resp, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, body, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create provider: %d %s", resp.StatusCode, raw)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["credentials"]; ok {
		t.Errorf("credentials returned: %s", raw)
	}
	id, ok := got["id"].(float64)
	if !ok || id < 1 {
		t.Fatalf("no id in %s", raw)
	}
	return int64(id)
}

type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func decodeErr(t *testing.T, raw string) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatalf("not an error body: %s", raw)
	}
	return e
}

// TestProviderKindsEndToEnd goes, for each real protocol, from adding the
// account through the API to a test send that reaches the fake provider:
// wrong credentials are refused with the provider's own message (API and
// page), right ones pass the connection test, and a campaign created
// against the account sends to the cids typed.
func TestProviderKindsEndToEnd(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	adminKey, opKey := app.apiKey(models.RoleAdmin), app.apiKey(models.RoleOperator)
	for _, start := range []func(*testing.T) fakeProvider{startGeTui, startMX, startWeCom} {
		f := start(t)
		t.Run(f.kind, func(t *testing.T) {
			// An operator may not add accounts.
			resp, _ := app.apiDo(http.MethodPost, "/api/v1/providers", opKey, providerBody(t, "op "+f.kind, f.kind, f.baseURL, f.creds), nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("operator create: %d, want 403", resp.StatusCode)
			}

			// Wrong credentials: stored (they are well-formed), refused on test.
			bad := createAccount(t, app, adminKey, providerBody(t, "bad "+f.kind, f.kind, f.baseURL, f.wrong))
			resp, raw := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", bad), opKey, "", nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("test with wrong credentials: %d %s", resp.StatusCode, raw)
			}
			if e := decodeErr(t, raw); e.Error.Code != "provider_auth_failed" || !strings.HasPrefix(e.Error.Message, f.refusal) {
				t.Errorf("error %+v, want provider_auth_failed %q", e.Error, f.refusal)
			}
			// The page's button (htmx) shows the same inline, and the list
			// keeps it as the account's last error.
			resp, frag := b.do(http.MethodPost, fmt.Sprintf("/providers/%d/test", bad), nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
			r := doc(t, frag).Find(`[data-testid="test-result"]`)
			if resp.StatusCode != http.StatusOK || r.AttrOr("data-ok", "") != "false" || !strings.Contains(r.Text(), f.refusal) {
				t.Errorf("inline result %d %q, want the provider's %q", resp.StatusCode, r.Text(), f.refusal)
			}
			_, page := b.get("/providers")
			row := doc(t, page).Find(fmt.Sprintf(`[data-testid="provider-row"][data-id="%d"]`, bad))
			if last := row.Find(`[data-testid="last-error"]`); !strings.Contains(last.Text(), f.refusal) || last.AttrOr("data-failing", "absent") == "absent" {
				t.Errorf("list health %q, want %q", row.Find(`[data-testid="provider-health"]`).Text(), f.refusal)
			}
			// Without htmx the whole page answers 422 with the result on the row.
			resp, page = b.post(fmt.Sprintf("/providers/%d/test", bad), nil)
			r = doc(t, page).Find(fmt.Sprintf(`[data-id="%d"] [data-testid="test-result"]`, bad))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Text(), f.refusal) {
				t.Errorf("full-page test: %d %q", resp.StatusCode, r.Text())
			}

			// Right credentials.
			good := createAccount(t, app, adminKey, providerBody(t, f.kind+" prod", f.kind, f.baseURL, f.creds))
			resp, raw = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", good), opKey, "", nil)
			host := strings.TrimPrefix(f.baseURL, "http://")
			if resp.StatusCode != http.StatusOK || strings.TrimSpace(raw) != `{"host":"`+host+`","ok":true}` {
				t.Fatalf("test: %d %s", resp.StatusCode, raw)
			}
			resp, raw = app.apiDo(http.MethodGet, "/api/v1/providers", opKey, "", nil)
			if resp.StatusCode != http.StatusOK || strings.Contains(raw, f.secret) || strings.Contains(raw, "credentials") {
				t.Errorf("list: %d, leaks credentials: %s", resp.StatusCode, raw)
			}
			var list struct {
				Items     []apiProvider `json:"items"`
				NextAfter *int64        `json:"next_after"`
			}
			if err := json.Unmarshal([]byte(raw), &list); err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list.Items, func(p apiProvider) bool { return p.ID == good })
			if i < 0 || list.Items[i].LastOKAt == nil || list.Items[i].BaseURL != f.baseURL || list.Items[i].Kind != f.kind || list.NextAfter != nil {
				t.Errorf("listed account: %+v", list)
			}

			// A campaign against the account; its test send reaches the fake.
			cids := []string{"cid-" + f.kind + "-1", "cid-" + f.kind + "-2"}
			body := fmt.Sprintf(`{"name": "Spring sale %s", "provider_id": %d, "audience": {"kind": "cid", "values": ["%s", "%s"]}, "message": %s}`,
				f.kind, good, cids[0], cids[1], f.message)
			resp, raw = app.apiDo(http.MethodPost, "/api/v1/campaigns", opKey, body, nil)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create campaign: %d %s", resp.StatusCode, raw)
			}
			var cm struct{ ID int64 }
			if err := json.Unmarshal([]byte(raw), &cm); err != nil {
				t.Fatal(err)
			}
			resp, raw = app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/test", cm.ID), opKey, fmt.Sprintf(`{"cids": ["%s", "%s"]}`, cids[0], cids[1]), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("test send: %d %s", resp.StatusCode, raw)
			}
			got := f.pushed()
			slices.Sort(got)
			if !slices.Equal(got, cids) {
				t.Errorf("the fake received pushes to %v, want %v", got, cids)
			}
		})
	}
}

// TestProviderAPIValidation: every bad body is a 422 (or 400 for bad JSON)
// naming the field, and nothing is written.
func TestProviderAPIValidation(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleAdmin)
	getui := map[string]any{"app_id": "app1", "app_key": "k", "master_secret": "s"}
	wecom := map[string]any{"corp_id": "ww1", "corp_secret": "s", "agent_id": 1000002}
	tests := []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"no name", providerBody(t, " ", "getui", "", getui), 422, []string{"name"}},
		{"name taken", providerBody(t, "Sandbox", "getui", "", getui), 422, []string{"name"}},
		{"no kind", providerBody(t, "a", "", "", getui), 422, []string{"kind"}},
		{"unknown kind", providerBody(t, "a", "carrier-pigeon", "", getui), 422, []string{"kind"}},
		{"getui app_id missing", providerBody(t, "a", "getui", "", with(getui, "app_id", "")), 422, []string{"credentials.app_id"}},
		{"getui app_id not a path segment", providerBody(t, "a", "getui", "", with(getui, "app_id", "a/b")), 422, []string{"credentials.app_id"}},
		{"getui secret not a string", providerBody(t, "a", "getui", "", with(getui, "master_secret", 5)), 422, []string{"credentials.master_secret"}},
		{"unknown credential", providerBody(t, "a", "getui", "", with(getui, "mastersecret", "x")), 422, []string{"credentials.mastersecret"}},
		{"credentials not an object", `{"name": "a", "kind": "getui", "credentials": "app1:k:s"}`, 422, []string{"credentials"}},
		{"no credentials", `{"name": "a", "kind": "getui"}`, 422, []string{"credentials.app_id", "credentials.app_key", "credentials.master_secret"}},
		{"mxpush needs a base url", providerBody(t, "a", "mxpush", "", map[string]any{"app_id": "1", "access_token": "t"}), 422, []string{"base_url"}},
		{"base url not http", providerBody(t, "a", "getui", "ftp://example.com", getui), 422, []string{"base_url"}},
		{"base url with query", providerBody(t, "a", "getui", "https://example.com/?x=1", getui), 422, []string{"base_url"}},
		{"agent_id a string", providerBody(t, "a", "wecom", "", with(wecom, "agent_id", "1000002")), 422, []string{"credentials.agent_id"}},
		{"agent_id a fraction", providerBody(t, "a", "wecom", "", with(wecom, "agent_id", 1.5)), 422, []string{"credentials.agent_id"}},
		{"agent_id negative", providerBody(t, "a", "wecom", "", with(wecom, "agent_id", -3)), 422, []string{"credentials.agent_id"}},
		{"several at once", providerBody(t, "", "mxpush", "", map[string]any{}), 422, []string{"name", "base_url", "credentials.app_id", "credentials.access_token"}},
		{"malformed json", `{"name": "a", `, 400, nil},
		{"unknown field", `{"name": "a", "kind": "sandbox", "secret": "x"}`, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, tc.body, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			e := decodeErr(t, raw)
			for _, f := range tc.fields {
				if e.Error.Fields[f] == "" {
					t.Errorf("no error for %s in %s", f, raw)
				}
			}
			if len(tc.fields) > 0 && len(e.Error.Fields) != len(tc.fields) {
				t.Errorf("fields %v, want exactly %v", e.Error.Fields, tc.fields)
			}
		})
	}
	as, err := app.store.ListProviderAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Errorf("%d accounts after refused requests, want only the sandbox", len(as))
	}
	// Reasons are readable English for API clients.
	_, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, providerBody(t, "a", "wecom", "", with(wecom, "agent_id", "x")), nil)
	if got := decodeErr(t, raw).Error.Fields["credentials.agent_id"]; got != "must be a whole number" {
		t.Errorf("agent_id reason %q", got)
	}
	// A factory's own refusal is a catalog message too, with its arguments.
	_, raw = app.apiDo(http.MethodPost, "/api/v1/providers", key, `{"name": "s", "kind": "sandbox", "credentials": {"devices": 0}}`, nil)
	if got := decodeErr(t, raw).Error.Fields["credentials.devices"]; got != "must be between 1 and 10000000" {
		t.Errorf("devices reason %q", got)
	}
	// A sandbox needs nothing, and the test of a missing account is a 404.
	id := createAccount(t, app, key, `{"name": "Sandbox 2", "kind": "sandbox"}`)
	resp, raw := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", id), key, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(raw, `"ok":true`) {
		t.Errorf("sandbox test: %d %s", resp.StatusCode, raw)
	}
	resp, _ = app.apiDo(http.MethodPost, "/api/v1/providers/999/test", key, "", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing account test: %d, want 404", resp.StatusCode)
	}
}
