package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestTemplateCRUD(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	msg := json.RawMessage(`{"type":"notification","title":"Hi","body":"there"}`)
	tp, err := s.CreateTemplate(ctx, TemplateInput{Name: " Welcome ", Kind: "sandbox", Message: msg, Actor: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if tp.Name != "Welcome" || tp.CreatedBy != "ann" || tp.UpdatedBy != "ann" {
		t.Fatalf("created %+v", tp)
	}
	var ve *ValidationError
	if _, err := s.CreateTemplate(ctx, TemplateInput{Name: "Welcome", Kind: "sandbox", Message: msg}); !errors.As(err, &ve) || ve.Fields["name"].ID != "err.name_taken" {
		t.Fatalf("same name: %v", err)
	}
	up, err := s.UpdateTemplate(ctx, tp.ID, TemplateInput{Name: "Welcome 2", Kind: "sandbox", Message: json.RawMessage(`{"type":"notification","title":"Yo"}`), Actor: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Welcome 2" || up.UpdatedBy != "bob" || up.CreatedBy != "ann" || !strings.Contains(string(up.Message), "Yo") {
		t.Fatalf("updated %+v", up)
	}
	if _, err := s.UpdateTemplate(ctx, 999, TemplateInput{Name: "x", Kind: "sandbox", Message: msg}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}

	// Used-by: a campaign started from it counts, and keeps its message
	// once the template is deleted.
	a := mustCreateAccount(t, s)
	id := tp.ID
	c, _, err := s.CreateCampaign(ctx, NewCampaign{Name: "c", ProviderID: a.ID, Audience: Audience{Kind: "all"}, Message: msg, TemplateID: &id})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.TemplateByID(ctx, tp.ID)
	if err != nil || got.UsedBy != 1 {
		t.Fatalf("used by %d, %v", got.UsedBy, err)
	}
	cs, err := s.TemplateCampaigns(ctx, tp.ID, 10)
	if err != nil || len(cs) != 1 || cs[0].ID != c.ID {
		t.Fatalf("campaigns %v %v", cs, err)
	}
	if err := s.DeleteTemplate(ctx, tp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TemplateByID(ctx, tp.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	c, err = s.CampaignByID(ctx, c.ID)
	if err != nil || c.TemplateID != nil || string(c.Message) != string(msg) {
		t.Fatalf("campaign after delete: %v %v %s", c.TemplateID, err, c.Message)
	}
	if err := s.DeleteTemplate(ctx, tp.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestTemplateLimits(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	msg := json.RawMessage(`{}`)
	cases := map[string]TemplateInput{
		"name":    {Name: strings.Repeat("é", 51), Kind: "sandbox", Message: msg},
		"kind":    {Name: "k", Kind: "Bad Kind", Message: msg},
		"message": {Name: "m", Kind: "sandbox", Message: json.RawMessage(`"` + strings.Repeat("x", MaxTemplateMessageBytes) + `"`)},
	}
	for field, in := range cases {
		var ve *ValidationError
		if _, err := s.CreateTemplate(ctx, in); !errors.As(err, &ve) || ve.Fields[field].ID == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	for i := range MaxTemplates {
		if _, err := s.CreateTemplate(ctx, TemplateInput{Name: fmt.Sprintf("t%04d", i), Kind: "sandbox", Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	var ve *ValidationError
	if _, err := s.CreateTemplate(ctx, TemplateInput{Name: "one more", Kind: "sandbox", Message: msg}); !errors.As(err, &ve) || ve.Fields["name"].ID != "templates.err_too_many" {
		t.Fatalf("1,001st: %v", err)
	}
	// Keyset pages by name walk all of them once.
	seen, after := 0, ""
	for {
		ts, next, err := s.ListTemplates(ctx, TemplateFilter{After: after, Limit: 300})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(ts)
		if next == "" {
			break
		}
		after = next
	}
	if seen != MaxTemplates {
		t.Fatalf("listed %d", seen)
	}
}
