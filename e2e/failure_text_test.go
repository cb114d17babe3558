package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pushdeck/pushdeck/web/i18n"
)

// englishText is a catalog id's English text.
func englishText(tb testing.TB, id string) string {
	tb.Helper()
	cat, err := i18n.New()
	if err != nil {
		tb.Fatal(err)
	}
	text := cat.Localizer("en").T(id)
	if text == id {
		tb.Fatalf("%s has no English text", id)
	}
	return text
}

// checkFailureTexts: where the JSON API gives a failed recipient's message
// (the deliveries list, the campaign's failure breakdown), a provider's
// catalog id arrives as its English text, never as the id itself.
func checkFailureTexts(tb testing.TB, run fcmRun, id string) {
	tb.Helper()
	want := englishText(tb, id)
	var list struct {
		Items []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"items"`
	}
	path := fmt.Sprintf("/api/v1/campaigns/%d/deliveries?status=failed&limit=500", run.id)
	if code := run.srv.api(http.MethodGet, path, run.key, nil, &list); code != http.StatusOK {
		tb.Fatalf("GET %s: %d", path, code)
	}
	var stats struct {
		Failures []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"failures"`
	}
	path = fmt.Sprintf("/api/v1/campaigns/%d/stats", run.id)
	if code := run.srv.api(http.MethodGet, path, run.key, nil, &stats); code != http.StatusOK {
		tb.Fatalf("GET %s: %d", path, code)
	}
	seen := 0
	for _, m := range append(list.Items, stats.Failures...) {
		if m.Message == id {
			tb.Errorf("%s answered as the catalog id %q", m.Code, id)
		}
		if m.Message == want {
			seen++
		}
	}
	if seen < 2 {
		tb.Errorf("%d answers carry %q: want it in the deliveries list and the failure breakdown", seen, want)
	}
}
