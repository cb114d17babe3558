package providers

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCredentialString(t *testing.T) {
	obj := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(`{"ok":"  key ","num":5,"null":null,"blank":"  ","long":"`+strings.Repeat("x", 9)+`","ctl":"a\nb"}`), &obj); err != nil {
		t.Fatal(err)
	}
	ce := &ConfigError{}
	if got := CredentialString(obj, "ok", 8, ce); got != "key" || ce.Err() != nil {
		t.Fatalf("ok: %q %v", got, ce.Err())
	}
	want := map[string]string{"missing": "err.required", "num": "err.not_string", "null": "err.required",
		"blank": "err.required", "long": "err.too_long_bytes", "ctl": "providers.err_control_chars"}
	for name, id := range want {
		ce := &ConfigError{}
		CredentialString(obj, name, 8, ce)
		if p := ce.Problems; len(p) != 1 || p[0].Field != "credentials."+name || p[0].MsgID != id {
			t.Errorf("%s: %+v, want %s", name, p, id)
		}
	}
}
