package models

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAuditKeysetPages(t *testing.T) {
	s := mustOpenStore(t)
	for i := range 7 {
		action := "login"
		if i%2 == 1 {
			action = "logout"
		}
		actor := "a@example.com"
		if i >= 5 {
			actor = "B@example.com"
		}
		if err := s.Audit(t.Context(), AuditEntry{Actor: actor, Action: action, Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		f     AuditFilter
		pages [][]string // targets per page, newest first
	}{
		{"all in pages of 3", AuditFilter{Limit: 3}, [][]string{{"6", "5", "4"}, {"3", "2", "1"}, {"0"}}},
		{"exact fit", AuditFilter{Limit: 7}, [][]string{{"6", "5", "4", "3", "2", "1", "0"}}},
		{"by action", AuditFilter{Action: "logout", Limit: 2}, [][]string{{"5", "3"}, {"1"}}},
		{"by actor, any case", AuditFilter{Actor: "b@EXAMPLE.com"}, [][]string{{"6", "5"}}},
		{"by both", AuditFilter{Actor: "a@example.com", Action: "login"}, [][]string{{"4", "2", "0"}}},
		{"nothing matches", AuditFilter{Action: "nope"}, [][]string{{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			for i, want := range tc.pages {
				es, next, err := s.ListAuditPage(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]string, 0, len(es))
				for _, e := range es {
					got = append(got, e.Target)
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("page %d: %v, want %v", i, got, want)
				}
				last := i == len(tc.pages)-1
				if last != (next == 0) {
					t.Fatalf("page %d: next %d, last page %v", i, next, last)
				}
				f.After = next
			}
		})
	}
}

func TestAuditActionsAndClipping(t *testing.T) {
	s := mustOpenStore(t)
	long := strings.Repeat("密", 5000)
	for _, a := range []string{"logout", "login", "login"} {
		if err := s.Audit(t.Context(), AuditEntry{Actor: long, Action: a, Detail: long + "\xff", Target: long}); err != nil {
			t.Fatal(err)
		}
	}
	as, err := s.AuditActions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(as, ",") != "login,logout" {
		t.Errorf("actions %v", as)
	}
	es, err := s.ListAudit(t.Context(), AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if n := utf8.RuneCountInString(e.Actor); n != 256 {
			t.Errorf("actor kept %d runes, want 256", n)
		}
		if n := utf8.RuneCountInString(e.Detail); n != 1000 || !utf8.ValidString(e.Detail) {
			t.Errorf("detail kept %d runes (valid %v)", n, utf8.ValidString(e.Detail))
		}
	}
}
