package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// abForm is the composer with two variants on.
func abForm(over map[string]string) map[string]string {
	f := map[string]string{"ab_on": "1", "ab_count": "2", "ab_name_0": "A", "ab_share_0": "40",
		"ab_name_1": "B", "ab_share_1": "60", "ab_title_1": "Hello there", "ab_body_1": "Other body",
		"ab_test": "1", "ab_sample": "20", "ab_wait": "30", "ab_metric": "received"}
	for k, v := range over {
		f[k] = v
	}
	return f
}

func TestComposerABVariants(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")

	t.Run("add and remove re-render without saving", func(t *testing.T) {
		resp, body := b.post("/campaigns", composerForm("sandbox", "1", abForm(map[string]string{"ab_add": "1"})))
		d := doc(t, body)
		if resp.StatusCode != http.StatusOK || d.Find(`[data-testid^="ab-variant-"]`).Length() != 3 || fieldValue(d, "ab_title_1") != "Hello there" {
			t.Fatalf("add: %d, %d variants", resp.StatusCode, d.Find(`[data-testid^="ab-variant-"]`).Length())
		}
		resp, body = b.post("/campaigns", composerForm("sandbox", "1", abForm(map[string]string{"ab_count": "3", "ab_name_2": "C", "ab_remove": "0"})))
		d = doc(t, body)
		if resp.StatusCode != http.StatusOK || d.Find(`[data-testid^="ab-variant-"]`).Length() != 2 || fieldValue(d, "ab_name_0") != "B" {
			t.Fatalf("remove: %d, %d variants, first %q", resp.StatusCode, d.Find(`[data-testid^="ab-variant-"]`).Length(), fieldValue(d, "ab_name_0"))
		}
		if cs, _, err := app.store.ListCampaigns(t.Context(), models.CampaignFilter{}); err != nil || len(cs) != 0 {
			t.Fatalf("add/remove saved %d campaigns (%v)", len(cs), err)
		}
	})
	t.Run("errors beside the variant's fields", func(t *testing.T) {
		cases := []struct {
			name  string
			over  map[string]string
			field string
		}{
			{"shares not 100", map[string]string{"ab_share_1": "50"}, "ab_share_1"},
			{"share not a number", map[string]string{"ab_share_0": "half"}, "ab_share_0"},
			{"second title empty", map[string]string{"ab_title_1": " "}, "ab_title_1"},
			{"same names", map[string]string{"ab_name_1": "A"}, "ab_name_1"},
			{"sample too large", map[string]string{"ab_sample": "99"}, "ab_sample"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := b.post("/campaigns", composerForm("sandbox", "1", abForm(tc.over)))
				d := doc(t, body)
				if resp.StatusCode != http.StatusUnprocessableEntity || d.Find(fmt.Sprintf(`[data-testid="error-%s"]`, tc.field)).Length() != 1 {
					t.Fatalf("status %d; errors %q", resp.StatusCode, d.Find(".field-error, [data-testid=form-errors]").Text())
				}
				if got := fieldValue(d, tc.field); got != strings.TrimSpace(tc.over[tc.field]) && got != tc.over[tc.field] {
					t.Errorf("%s = %q, want the typed %q", tc.field, got, tc.over[tc.field])
				}
			})
		}
	})
	t.Run("saved and opened again", func(t *testing.T) {
		resp, _ := b.post("/campaigns", composerForm("sandbox", "1", abForm(nil)))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/campaigns/"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := app.store.CampaignByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		d, err := draft.Of(cm)
		if err != nil || len(d.Variants) != 2 || d.Variants[1].Message.Title != "Hello there" || d.Variants[0].Message.Title != "Hi" ||
			d.Variants[1].Share != 60 || d.Options.ABTest == nil || d.Options.ABTest.WaitSeconds != 1800 || d.Options.ABTest.Metric != "received" {
			t.Fatalf("stored %+v %+v (%v)", d.Variants, d.Options.ABTest, err)
		}
		_, body := b.get(fmt.Sprintf("/campaigns/%d/edit", id))
		page := doc(t, body)
		if fieldValue(page, "ab_on") != "1" || fieldValue(page, "ab_body_1") != "Other body" || fieldValue(page, "ab_wait") != "30" || fieldValue(page, "ab_metric") != "received" {
			t.Fatalf("edit form: on %q body %q wait %q", fieldValue(page, "ab_on"), fieldValue(page, "ab_body_1"), fieldValue(page, "ab_wait"))
		}
	})
}
