package handlers

import (
	"context"
	"testing"

	"github.com/pushdeck/pushdeck/web/i18n"
)

// TestOutcomeText: a provider's prose is shown as given, a catalog id in
// the operator's language.
func TestOutcomeText(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := i18n.WithLocalizer(context.Background(), cat.Localizer("zh-Hans"))
	for _, tc := range []struct{ in, want string }{
		{"Requested entity was not found.", "Requested entity was not found."},
		{"successed_offline", "successed_offline"},
		{"status.failed", cat.Localizer("zh-Hans").T("status.failed")},
		{"no.such.id", "no.such.id"},
	} {
		if got := outcomeText(ctx, tc.in); got != tc.want {
			t.Errorf("outcomeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if outcomeText(ctx, "status.failed") == "status.failed" {
		t.Error("a catalog id was not translated")
	}
}
