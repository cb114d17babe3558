package fcm

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// The spliced body is byte for byte what json.Marshal writes for the
// message with its token, for plain tokens and for ones that need escaping.
func TestBodyTemplateMatchesMarshal(t *testing.T) {
	t.Parallel()
	badge := 3
	msgs := []providers.Message{
		{Type: providers.TypeNotification, Title: "Hi <there>", Body: "a & b", Badge: &badge, Sound: "default", TTL: time.Hour,
			Ext: json.RawMessage(`{"k":"v","n":1}`)},
		{Type: providers.TypeTransmission, Body: `{"x":"\u2028"}`},
	}
	toks := []string{"tok-1", "fGx:APA91b-_.~", `q"uote`, `back\slash`, "<html>&", "é\u2028", "tab\t"}
	for _, pm := range msgs {
		msg, err := buildMessage(pm, "req-body-000001")
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := newBodyTemplate(msg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range toks {
			m := *msg
			m.Token = tok
			want, err := json.Marshal(sendRequest{Message: &m})
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.body(tok)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("token %q:\n got %s\nwant %s", tok, got, want)
			}
		}
	}
}
