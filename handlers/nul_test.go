package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pushdeck/pushdeck/models"
)

func TestNulReaderSeesEveryFormOfNUL(t *testing.T) {
	for _, tc := range []struct {
		body string
		nul  bool
	}{
		{`{"name":"a\u0000b"}`, true},
		{"{\"name\":\"a\x00b\"}", true},
		{"a,b\x00\n", true},
		{`{"name":"a\\u0000b"}`, false}, // an escaped backslash, then the text u0000
		{`{"name":"a\\\u0000b"}`, true}, // an escaped backslash, then the escape
		{`{"name":"\u00001"}`, true},
		{`{"name":"\u0001 \u00e9 \u000"}`, false},
		{`{"name":"plain"}`, false},
	} {
		// One byte a read, so every escape is split between reads.
		r := &nulReader{r: io.NopCloser(iotest.OneByteReader(strings.NewReader(tc.body)))}
		_, err := io.ReadAll(r)
		if got := errors.Is(err, errNUL); got != tc.nul {
			t.Errorf("%q: NUL found %v, want %v (err %v)", tc.body, got, tc.nul, err)
		}
	}
}

func TestNULIsRefusedNamingWhereAndNothingIsWritten(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	t.Run("api json", func(t *testing.T) {
		body := `{"name":"\u0000x","provider_id":1,"audience":{"kind":"all"},"message":{"title":"t","body":"b"}}`
		resp, text := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, body, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, `"body"`) || !strings.Contains(text, "NUL") {
			t.Fatalf("campaign with a NUL: %d %s", resp.StatusCode, text)
		}
		if cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{Limit: 10}); err != nil || len(cs) != 0 {
			t.Errorf("a refused campaign was written: %d (%v)", len(cs), err)
		}
	})
	t.Run("api csv", func(t *testing.T) {
		resp, text := app.apiDo(http.MethodPost, "/api/v1/devices/import?provider_id="+strconv.FormatInt(pid, 10), key, "cid\nok1\nbad\x00\n", map[string]string{"Content-Type": "text/csv"})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "NUL") {
			t.Fatalf("CSV with a NUL: %d %s", resp.StatusCode, text)
		}
	})
	t.Run("page form", func(t *testing.T) {
		resp, text := b.post("/campaigns", composerForm("sandbox", "1", map[string]string{"name": "a\x00b"}))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "U+0000") || !strings.Contains(text, "name") {
			t.Fatalf("form with a NUL: %d", resp.StatusCode)
		}
	})
}
