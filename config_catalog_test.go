package main

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// TestConfigProblemsInCatalog builds every registered kind with unusable
// configurations and checks that each refusal is a catalog id both
// languages define, so the console never shows a raw id or English prose.
func TestConfigProblemsInCatalog(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	bad := []providers.Config{
		{Credentials: json.RawMessage(`[1]`)},
		{Credentials: json.RawMessage(`{}`), BaseURL: "ftp://x"},
		{Credentials: json.RawMessage(`{"devices": 0}`), BaseURL: "http://h/?q=1"},
	}
	for kind, spec := range Registry() {
		// Each declared field: a wrong type, then a value of the right
		// type that is no valid credential.
		for _, vals := range []func(providers.CredentialField) any{
			func(providers.CredentialField) any { return []int{1} },
			func(f providers.CredentialField) any {
				if f.Integer {
					return -1
				}
				return "x\u0001:"
			},
		} {
			obj := map[string]any{}
			for _, f := range spec.Fields {
				obj[f.Name] = vals(f)
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			bad = append(bad, providers.Config{Credentials: raw})
		}
		seen := 0
		for _, cfg := range bad {
			_, err := spec.New(cfg)
			var ce *providers.ConfigError
			if !errors.As(err, &ce) {
				continue
			}
			for _, p := range ce.Problems {
				seen++
				for _, l := range i18n.Supported {
					if got := cat.Localizer(l.Tag).T(p.MsgID, p.Args); got == p.MsgID {
						t.Errorf("%s: %s on %s: %s is not in the %s catalog", kind, p.Field, p.MsgID, p.MsgID, l.Tag)
					}
				}
			}
		}
		if seen == 0 {
			t.Errorf("%s refused none of the bad configurations", kind)
		}
	}
}
