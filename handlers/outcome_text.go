package handlers

import (
	"context"
	"strings"

	"github.com/pushdeck/pushdeck/web/i18n"
)

// outcomeText is a recipient's outcome message as the page shows it. Most
// are the provider's own words, shown as given; a provider that explains
// an outcome to the operator (what to fix, and where) gives a catalog id
// instead, one dotted word, shown in the operator's language.
func outcomeText(ctx context.Context, msg string) string {
	return outcomeLocalizer{i18n.FromContext(ctx)}.text(msg)
}

// outcomeLocalizer renders outcome messages in one language.
type outcomeLocalizer struct{ l *i18n.Localizer }

// text is msg as outcomeText renders it, in the localizer's language.
func (o outcomeLocalizer) text(msg string) string {
	if !strings.Contains(msg, ".") || strings.ContainsAny(msg, " \t\n") {
		return msg
	}
	return o.l.T(msg)
}

// englishOutcomes renders outcome messages for the JSON API and the CSV
// export. Those are read by scripts and spreadsheets rather than by one
// operator: a catalog id is given as its English text, the same whatever
// language the caller's session or browser prefers, as the API's other
// messages are. The console pages use outcomeText instead.
func (s *Server) englishOutcomes() outcomeLocalizer {
	return outcomeLocalizer{s.cat.Localizer("en")}
}
