package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/models/dbtest"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// The fuzz targets post arbitrary bodies to the JSON API through the whole
// handler chain (key check, role, strict decoder, validation, store) and
// hold the contract: never a panic, never a 5xx, every refusal a 4xx with
// {"error": {"code", "message"}}, and a refused request writes nothing.
// `go test` runs them on their seed corpus; fuzz longer by hand with e.g.
//
//	go test ./handlers -run '^$' -fuzz FuzzCampaignCreateAPI -fuzztime 2m

// fuzzServer is the real handler on a real SQLite file, without network:
// requests go straight to ServeHTTP, so each input costs microseconds.
type fuzzServer struct {
	h      http.Handler
	store  *models.Store
	engine *dispatch.Engine
	key    string
}

func newFuzzServer(f *testing.F, role models.Role) *fuzzServer {
	f.Helper()
	ctx := context.Background()
	db, _ := dbtest.Open(f)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sealer, err := models.NewSealer("fuzz-secret-key")
	if err != nil {
		f.Fatal(err)
	}
	store := models.NewStore(db, sealer)
	if err := store.EnsureFirstAccount(ctx, models.ProviderInput{Name: "Sandbox", Kind: string(providers.KindSandbox), Credentials: []byte(`{}`)}); err != nil {
		f.Fatal(err)
	}
	cat, err := i18n.New()
	if err != nil {
		f.Fatal(err)
	}
	// The engine is not started: creating drafts and test sends need only
	// its validation and provider clients.
	eng := dispatch.New(store, testRegistry(), dispatch.Config{}, log)
	srv := New(Params{Store: store, Engine: eng, Registry: testRegistry(), Catalog: cat, Log: log})
	_, key, err := store.CreateAPIKey(ctx, "fuzz", role, nil)
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzServer{h: srv.Handler(), store: store, engine: eng, key: key}
}

// post sends body and checks the contract; it returns the status.
func (fs *fuzzServer) post(t *testing.T, path string, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fs.key)
	rec := httptest.NewRecorder()
	fs.h.ServeHTTP(rec, req)
	res := rec.Result()
	if res.StatusCode >= 500 {
		t.Fatalf("status %d for body %q: %s", res.StatusCode, body, rec.Body.String())
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q for body %q", res.Header.Get("Content-Type"), body)
	}
	if res.StatusCode >= 400 {
		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("status %d without a clear error for body %q: %s", res.StatusCode, body, rec.Body.String())
		}
		if res.StatusCode == http.StatusUnprocessableEntity && e.Error.Code == "invalid" && len(e.Error.Fields) == 0 {
			t.Fatalf("422 names no field for body %q: %s", body, rec.Body.String())
		}
		for k, why := range e.Error.Fields {
			if strings.TrimSpace(why) == "" || strings.Contains(why, "err.") {
				t.Fatalf("field %s has no readable reason %q", k, why)
			}
		}
	}
	return res.StatusCode
}

// campaignSeeds are shared by the campaign targets: valid bodies, every kind
// of malformed JSON, wrong types, extreme numbers and odd strings.
var campaignSeeds = []string{
	`{"name":"Spring sale","provider_id":1,"audience":{"kind":"all"},"message":{"type":"notification","title":"Hi","body":"Sale starts now","click":{"action":"url","url":"https://example.com"},"ext":{}},"options":{"speed":1000,"ttl_seconds":43200},"schedule_at":null}`,
	`{"name":"cids","provider_id":1,"audience":{"kind":"cid","values":["a","b","a"," "]},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"tag","values":[]},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"segment","values":["1"]},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"conditions"},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"type":"news"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"type":"bogus","title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b","click":{"action":"url","url":"javascript:alert(1)"}}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b","click":{"action":"teleport"}}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b","ext":[1,2]}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b","ext":"{}"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"},"schedule_at":"2001-01-01T00:00:00Z"}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"},"schedule_at":"tomorrow"}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"},"options":{"speed":-1,"ttl_seconds":99999999999}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"},"options":{"speed":1e400}}`,
	`{"name":"x","provider_id":9223372036854775807,"audience":{"kind":"all"},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":-1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":"1","audience":{"kind":"all"}}`,
	`{"name":"x","provider_id":1.5}`,
	`{"name":null,"provider_id":null,"audience":null,"message":null,"options":null}`,
	`{"name":"\u0000\ud800","provider_id":1,"audience":{"kind":"all"},"message":{"title":"\u202e","body":"b"}}`,
	"{\"name\":\"\xff\xfe\",\"provider_id\":1,\"audience\":{\"kind\":\"all\"},\"message\":{\"title\":\"t\",\"body\":\"b\"}}",
	`{"name":"` + strings.Repeat("长", 300) + `","provider_id":1,"audience":{"kind":"all"},"message":{"title":"` + strings.Repeat("t", 60) + `","body":"` + strings.Repeat("b", 300) + `"}}`,
	`{"name":"x","group":"a b/c","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"}}`,
	`{"name":"x","provider_id":1,"audience":{"kind":"cid","values":["` + strings.Repeat("v", 300) + `"]},"message":{"title":"t","body":"b"}}`,
	`{"unknown":1}`,
	`{"name":"x"} {"name":"y"}`,
	`{"name":"x"`,
	`[]`,
	`null`,
	`""`,
	`12`,
	``,
	`{"audience":{"kind":"all","values":{"a":1}}}`,
	`{"message":{"click":"url"}}`,
	strings.Repeat("[", 20000),
	`{"name":"x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b","ext":` + strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 500) + `}}`,
}

func FuzzCampaignCreateAPI(f *testing.F) {
	fs := newFuzzServer(f, models.RoleOperator)
	for _, s := range campaignSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before, _, err := fs.store.ListCampaigns(context.Background(), models.CampaignFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		status := fs.post(t, "/api/v1/campaigns", body)
		after, _, err := fs.store.ListCampaigns(context.Background(), models.CampaignFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		wrote := len(after) > 0 && (len(before) == 0 || after[0].ID != before[0].ID)
		if status >= 400 && wrote {
			t.Fatalf("refused with %d but a campaign was written", status)
		}
		if status == http.StatusCreated && !wrote {
			t.Fatal("201 without a campaign")
		}
	})
}

func FuzzCampaignTestSendAPI(f *testing.F) {
	fs := newFuzzServer(f, models.RoleOperator)
	var d draft.Draft
	if err := json.Unmarshal([]byte(campaignSeeds[0]), &d); err != nil {
		f.Fatal(err)
	}
	if _, _, err := fs.engine.CreateCampaign(context.Background(), d, "fuzz", models.Idempotency{}); err != nil {
		f.Fatalf("seed campaign: %v", err)
	}
	for _, s := range []string{
		`{"cids":["a","b"]}`, `{"cids":[]}`, `{"cids":null}`, `{"cids":"a"}`, `{"cids":[1,2]}`, `{"cids":[""," "]}`,
		`{"cids":["` + strings.Repeat("c", 300) + `"]}`, `{"cids":["a"],"extra":true}`, `{`, ``, `[]`,
		`{"cids":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 150), ",") + `]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fs.post(t, "/api/v1/campaigns/1/test", body)
	})
}

func FuzzProviderCreateAPI(f *testing.F) {
	fs := newFuzzServer(f, models.RoleAdmin)
	for _, s := range []string{
		`{"name":"gt","kind":"getui","credentials":{"app_id":"a","app_key":"k","master_secret":"s"}}`,
		`{"name":"mx","kind":"mxpush","base_url":"http://127.0.0.1:9/api","credentials":{"app_id":"a","access_token":"t"}}`,
		`{"name":"wc","kind":"wecom","credentials":{"corp_id":"c","corp_secret":"s","agent_id":"12"}}`,
		`{"name":"wc2","kind":"wecom","credentials":{"corp_id":"c","corp_secret":"s","agent_id":1e99}}`,
		`{"name":"sb","kind":"sandbox","credentials":{}}`,
		`{"name":"x","kind":"jpush","credentials":{}}`,
		`{"name":"x","kind":"getui","base_url":"ftp://x","credentials":{"app_id":1}}`,
		`{"name":"x","kind":"getui","base_url":"http://[::1","credentials":null}`,
		`{"name":"x","kind":"getui","credentials":[]}`,
		`{"name":"x","kind":"getui","credentials":"s"}`,
		`{"name":"","kind":""}`,
		`{"name":"sandbox","kind":"sandbox","credentials":{}}`,
		`{"kind":"getui","credentials":{"app_id":"a","app_key":"k","master_secret":"s","extra":"x"}}`,
		`{"name":"x","kind":"getui","password":"no"}`,
		`{"name":"` + strings.Repeat("n", 500) + `","kind":"sandbox","credentials":{}}`,
		`{`, ``, `null`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before, err := fs.store.ListProviderAccounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		status := fs.post(t, "/api/v1/providers", body)
		after, err := fs.store.ListProviderAccounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if status >= 400 && len(after) != len(before) {
			t.Fatalf("refused with %d but an account was written", status)
		}
	})
}
