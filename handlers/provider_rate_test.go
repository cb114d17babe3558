package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers/providertest/getuifake"
	"github.com/pushdeck/pushdeck/providers/providertest/mxfake"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// decodeProvider reads an account answer.
func decodeProvider(t *testing.T, raw string) apiProvider {
	t.Helper()
	var p apiProvider
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("not an account: %s", raw)
	}
	return p
}

// TestProviderRateAPI: rate_limit is set on create (0 or absent learns
// it), a bad one is a 422 naming the field, and every account answer says
// the rate the engine sends at.
func TestProviderRateAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleAdmin)
	f := mxfake.New(t)
	body := func(name, rate string) string {
		b := fmt.Sprintf(`{"name": %q, "kind": "mxpush", "base_url": %q, "credentials": %s`, name, f.URL(), f.Credentials())
		if rate != "" {
			b += `, "rate_limit": ` + rate
		}
		return b + "}"
	}
	for _, bad := range []string{"-1", `"fast"`, `"12"`, "{}", "[1]", "true", "1e9"} {
		t.Run("refused "+bad, func(t *testing.T) {
			resp, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, body("bad", bad), nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", resp.StatusCode, raw)
			}
			if e := decodeErr(t, raw); !strings.Contains(e.Error.Fields["rate_limit"], "requests per second") || len(e.Error.Fields) != 1 {
				t.Errorf("fields %v, want rate_limit alone", e.Error.Fields)
			}
		})
	}
	resp, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, body("fixed", "12.5"), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create with a rate: %d %s", resp.StatusCode, raw)
	}
	if p := decodeProvider(t, raw); p.RateLimit != 12.5 || p.EffectiveRate == nil || *p.EffectiveRate != 12.5 {
		t.Errorf("created %s, want rate_limit and effective_rate 12.5", raw)
	}
	for _, rate := range []string{"", "0", "null"} {
		resp, raw := app.apiDo(http.MethodPost, "/api/v1/providers", key, body("learned "+rate, rate), nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create with rate %q: %d %s", rate, resp.StatusCode, raw)
		}
		// MX push's safe default, before any traffic.
		if p := decodeProvider(t, raw); p.RateLimit != 0 || p.EffectiveRate == nil || *p.EffectiveRate != 10 {
			t.Errorf("rate %q: created %s, want rate_limit 0 and effective_rate 10", rate, raw)
		}
	}
	_, raw = app.apiDo(http.MethodGet, "/api/v1/providers", key, "", nil)
	var list struct{ Items []apiProvider }
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Items {
		if p.EffectiveRate == nil || *p.EffectiveRate <= 0 {
			t.Errorf("%s listed without an effective rate: %s", p.Name, raw)
		}
	}
}

// TestProviderPatch: PATCH changes what it names and keeps the rest;
// absent credential keys keep their stored values; a new base URL needs
// the secrets again; a refused patch writes nothing.
func TestProviderPatch(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleAdmin)
	f := mxfake.New(t)
	id := createAccount(t, app, key, providerBody(t, "MX", "mxpush", f.URL(), credsOf(t, f.Credentials())))
	path := fmt.Sprintf("/api/v1/providers/%d", id)
	creds := func() map[string]any {
		t.Helper()
		a, err := app.store.ProviderAccountByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := app.store.ProviderCredentials(a)
		if err != nil {
			t.Fatal(err)
		}
		return credsOf(t, raw)
	}
	other := mxfake.New(t)
	tests := []struct {
		name   string
		body   string
		status int
		fields []string
		check  func(p apiProvider)
	}{
		{"rename", `{"name": "MX prod"}`, 200, nil, func(p apiProvider) {
			if p.Name != "MX prod" || p.BaseURL != f.URL() || p.RateLimit != 0 {
				t.Errorf("after rename %+v", p)
			}
		}},
		{"set a rate", `{"rate_limit": 250}`, 200, nil, func(p apiProvider) {
			if p.RateLimit != 250 || p.EffectiveRate == nil || *p.EffectiveRate != 250 || p.Name != "MX prod" {
				t.Errorf("after rate %+v", p)
			}
		}},
		{"negative rate", `{"rate_limit": -5}`, 422, []string{"rate_limit"}, nil},
		{"rate not a number", `{"rate_limit": "fast", "name": "changed"}`, 422, []string{"rate_limit"}, nil},
		{"back to adaptive", `{"rate_limit": 0}`, 200, nil, func(p apiProvider) {
			if p.RateLimit != 0 || p.EffectiveRate == nil || *p.EffectiveRate != 10 {
				t.Errorf("after adaptive %+v", p)
			}
		}},
		{"disable", `{"disabled": true}`, 200, nil, func(p apiProvider) {
			if !p.Disabled {
				t.Error("not disabled")
			}
		}},
		{"one credential, the other kept", `{"credentials": {"app_id": "other-app"}}`, 200, nil, func(apiProvider) {
			if c := creds(); c["app_id"] != "other-app" || c["access_token"] != mxfake.DefaultToken {
				t.Errorf("credentials after a partial patch: app_id %v, token kept %t", c["app_id"], c["access_token"] == mxfake.DefaultToken)
			}
		}},
		{"new base url without the token", fmt.Sprintf(`{"base_url": %q}`, other.URL()), 422, []string{"credentials", "credentials.access_token"}, nil},
		{"new base url with other credentials only", fmt.Sprintf(`{"base_url": %q, "credentials": {"app_id": "x"}}`, other.URL()), 422,
			[]string{"credentials", "credentials.access_token"}, nil},
		{"new base url with the token", fmt.Sprintf(`{"base_url": %q, "credentials": {"access_token": "retyped"}}`, other.URL()), 200, nil, func(p apiProvider) {
			if p.BaseURL != other.URL() || creds()["access_token"] != "retyped" {
				t.Errorf("after the move %+v", p)
			}
		}},
		{"the same base url with a trailing slash is no move", fmt.Sprintf(`{"base_url": %q}`, other.URL()+"/"), 200, nil, nil},
		{"unknown credential", `{"credentials": {"token": "x"}}`, 422, []string{"credentials.token"}, nil},
		{"unknown field", `{"kind": "getui"}`, 400, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := app.store.ProviderAccountByID(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			resp, raw := app.apiDo(http.MethodPatch, path, key, tc.body, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if tc.status != http.StatusOK {
				e := decodeErr(t, raw)
				for _, f := range tc.fields {
					if e.Error.Fields[f] == "" {
						t.Errorf("no error for %s in %s", f, raw)
					}
				}
				after, err := app.store.ProviderAccountByID(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Name != before.Name || after.RateLimit != before.RateLimit {
					t.Errorf("a refused patch wrote: %+v → %+v", before, after)
				}
				return
			}
			if tc.check != nil {
				tc.check(decodeProvider(t, raw))
			}
		})
	}
	if resp, _ := app.apiDo(http.MethodPatch, "/api/v1/providers/999", key, `{"name": "x"}`, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("patch of a missing account: %d, want 404", resp.StatusCode)
	}
	if resp, _ := app.apiDo(http.MethodPatch, path, app.apiKey(models.RoleOperator), `{"name": "x"}`, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("operator patch: %d, want 403", resp.StatusCode)
	}
}

// TestProviderFormRateAndMove: the form sets the rate (a bad one is a
// field error), the list shows it, and an edit that changes the base URL
// without retyping the secrets is refused naming them.
func TestProviderFormRateAndMove(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	f := getuifake.New(t)
	form := func(rate, base string, secrets bool) url.Values {
		v := url.Values{"kind": {"getui"}, "name": {"GeTui"}, "base_url": {base}, "rate_limit": {rate}, "credentials.app_id": {getuifake.AppID}}
		if secrets {
			v.Set("credentials.app_key", getuifake.AppKey)
			v.Set("credentials.master_secret", getuifake.MasterSecret)
		}
		return v
	}
	for _, bad := range []string{"fast", "-2", "1e9", "NaN"} {
		resp, body := b.post("/providers", form(bad, f.URL(), true))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("rate %q: status %d, want 422", bad, resp.StatusCode)
		}
		d := doc(t, body)
		if !strings.Contains(d.Find(`[data-testid="error-rate_limit"]`).Text(), "requests per second") {
			t.Errorf("rate %q: no error on the rate field", bad)
		}
		if got := d.Find(`input[name="rate_limit"]`).AttrOr("value", ""); got != bad {
			t.Errorf("rate %q not kept in the form: %q", bad, got)
		}
	}
	if resp, _ := b.post("/providers", form("25", f.URL(), true)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	as, err := app.store.ListProviderAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	acct := as[len(as)-1]
	if acct.RateLimit != 25 {
		t.Fatalf("stored rate %v, want 25", acct.RateLimit)
	}
	_, body := b.get("/providers")
	rates := map[string]string{}
	doc(t, body).Find(`[data-testid="provider-row"]`).Each(func(_ int, r *goquery.Selection) {
		rates[r.Find(`[data-testid="provider-name"]`).Text()] = strings.TrimSpace(r.Find(`[data-testid="provider-rate"]`).Text())
	})
	if rates["GeTui"] != "25/s (set)" || !strings.HasSuffix(rates["Sandbox"], "/s (learned)") {
		t.Errorf("rates on the list: %v", rates)
	}
	edit := fmt.Sprintf("/providers/%d", acct.ID)
	_, body = b.get(edit + "/edit")
	if got := doc(t, body).Find(`input[name="rate_limit"]`).AttrOr("value", ""); got != "25" {
		t.Errorf("edit form shows rate %q", got)
	}
	other := getuifake.New(t)
	resp, body := b.post(edit, form("", other.URL(), false))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("move without secrets: %d, want 422", resp.StatusCode)
	}
	d := doc(t, body)
	for _, id := range []string{"error-credentials", "error-credentials.app_key", "error-credentials.master_secret"} {
		if d.Find(fmt.Sprintf(`[data-testid=%q]`, id)).Length() != 1 {
			t.Errorf("no %s on the refused move", id)
		}
	}
	if a, err := app.store.ProviderAccountByID(t.Context(), acct.ID); err != nil || a.BaseURL != f.URL() || a.RateLimit != 25 {
		t.Errorf("a refused move wrote: %+v %v", a, err)
	}
	if resp, _ := b.post(edit, form("", other.URL(), true)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move with secrets: %d", resp.StatusCode)
	}
	if a, err := app.store.ProviderAccountByID(t.Context(), acct.ID); err != nil || a.BaseURL != other.URL() || a.RateLimit != 0 {
		t.Errorf("after the move: %+v %v (an empty rate is adaptive)", a, err)
	}
	// The test says where it connects.
	_, frag := b.do(http.MethodPost, edit+"/test", nil, map[string]string{"HX-Request": "true", "X-CSRF-Token": b.csrf})
	host := strings.TrimPrefix(other.URL(), "http://")
	if got := doc(t, frag).Find(`[data-testid="test-host"]`).Text(); !strings.Contains(got, host) {
		t.Errorf("test result names host %q, want %s", got, host)
	}
	resp, raw := app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", acct.ID), app.apiKey(models.RoleOperator), "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(raw, `"host":"`+host+`"`) {
		t.Errorf("API test: %d %s, want the host %s", resp.StatusCode, raw, host)
	}
}

// TestETAFromEffectiveRate: the time left is the pending count over the
// rate the engine sends at, not over the rate of the first seconds (a
// campaign paced at 10/s that sent its first 100 in a second is not done
// in 9 s).
func TestETAFromEffectiveRate(t *testing.T) {
	started := time.Now().Add(-time.Second)
	cm := models.Campaign{Status: models.StatusSending, Recipients: 1000, Pending: 900, StartedAt: &started}
	tests := []struct {
		name      string
		effective float64
		want      string
	}{
		{"paced at 10/s", 10, "1m30s"},
		{"unknown: the rate so far", 0, "9s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p campaigns.ProgressView
			pace(t.Context(), &p, cm, tc.effective)
			if p.ETA != tc.want {
				t.Errorf("ETA %q, want %q", p.ETA, tc.want)
			}
		})
	}
}
