package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestIdempotencyKeyIsScopedAndBoundToTheBody: the same key from another
// API key creates its own campaign, and the same key with another body is
// a 422 that creates nothing.
func TestIdempotencyKeyIsScopedAndBoundToTheBody(t *testing.T) {
	app := newTestApp(t)
	alice, bob := app.apiKey(models.RoleOperator), app.apiKey(models.RoleAdmin)
	body := func(name string) string {
		return `{"name":"` + name + `","provider_id":1,"audience":{"kind":"cid","values":["a","b"]},"message":{"type":"notification","title":"T","body":"B"}}`
	}
	create := func(key, b string) (int, int64, string) {
		t.Helper()
		resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", key, b, map[string]string{"Idempotency-Key": "order-7"})
		var c struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal([]byte(out), &c) // an error answer has no id
		return resp.StatusCode, c.ID, out
	}
	code, first, out := create(alice, body("spring"))
	if code != http.StatusCreated {
		t.Fatalf("first create: %d %s", code, out)
	}
	if code, id, _ := create(alice, body("spring")); code != http.StatusOK || id != first {
		t.Errorf("retry: %d id %d, want 200 id %d", code, id, first)
	}
	if code, id, out := create(bob, body("spring")); code != http.StatusCreated || id == first {
		t.Errorf("another API key's same Idempotency-Key: %d id %d (%s), want its own campaign", code, id, out)
	}
	code, _, out = create(alice, body("autumn"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(out, "Idempotency-Key") {
		t.Errorf("same key, another body: %d %s, want 422 naming Idempotency-Key", code, out)
	}
	var n int64
	if err := app.store.DB().Raw("SELECT count(*) FROM campaigns").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d campaigns, want 2", n)
	}
}
