package draft

import (
	"errors"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestPersonalizedValidate: a message with placeholders is refused with
// the field and the reason when it does not parse, checked as a recipient
// without values would get it, and stored with its placeholders.
func TestPersonalizedValidate(t *testing.T) {
	caps := capsOf(t, providers.KindMXPush)
	for _, tc := range []struct {
		name         string
		title, body  string
		url          string
		field, msgID string // "" means valid
	}{
		{name: "valid", title: `Hi {{ name | default: "there" }}`, body: "Sale for {{ region }}"},
		{name: "unclosed", title: "Hi {{ name", body: "b", field: "message.title", msgID: "personalize.err_unclosed"},
		{name: "unknown filter", title: "t", body: "{{ name | upper }}", field: "message.body", msgID: "personalize.err_filter"},
		{name: "bad quote", title: `{{ name | default: "x }}`, body: "b", field: "message.title", msgID: "personalize.err_quote"},
		{name: "fallback too long", title: `{{ name | default: "` + strings.Repeat("x", 101) + `" }}`, body: "b", field: "message.title", msgID: "err.too_long"},
		{name: "empty for everyone", title: "t", body: "{{ name }}", field: "message.body", msgID: "err.required"},
		{name: "url with a value", title: "t", body: "b", url: "https://x.test/u/{{ user_id }}"},
		{name: "url not a url without values", title: "t", body: "b", url: "{{ link }}", field: "message.click.url", msgID: "err.required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := providers.Message{Type: providers.TypeNotification, Title: tc.title, Body: tc.body}
			if tc.url != "" {
				m.Click = providers.Click{Action: providers.ClickURL, URL: tc.url}
			}
			err := ValidateMessage(&m, providers.KindMXPush, caps)
			var v *models.ValidationError
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if m.Title != tc.title || (tc.url != "" && m.Click.URL != tc.url) {
					t.Fatalf("stored %q %q, want the template kept", m.Title, m.Click.URL)
				}
				return
			}
			if !errors.As(err, &v) || v.Fields[tc.field].ID != tc.msgID {
				t.Fatalf("error %v, want %s on %s", err, tc.msgID, tc.field)
			}
		})
	}
}

// TestCheckRendered: one recipient's rendering is checked against the
// provider's limits.
func TestCheckRendered(t *testing.T) {
	caps := capsOf(t, providers.KindMXPush)
	ok := providers.Message{Type: providers.TypeNotification, Title: "Hi Ann", Body: "b", TTL: 5, Group: "g"}
	if ps := CheckRendered(ok, providers.KindMXPush, caps, Options{}); len(ps) != 0 {
		t.Fatalf("valid rendering refused: %v", ps)
	}
	bad := ok
	bad.Title = strings.Repeat("x", 101)
	ps := CheckRendered(bad, providers.KindMXPush, caps, Options{})
	if len(ps) != 1 || ps[0].Field != "message.title" || ps[0].MsgID != "err.too_long" {
		t.Fatalf("problems %v", ps)
	}
}
