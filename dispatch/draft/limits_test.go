package draft

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestTextLimitsAreWhatValidationChecks: the composer's counters come from
// the provider's declared limits, and a draft at a counter's limit passes
// that field while one character more is refused, for every kind and every
// type it sends.
func TestTextLimitsAreWhatValidationChecks(t *testing.T) {
	for kind, spec := range testRegistry() {
		caps := spec.Capabilities
		for _, typ := range caps.MessageTypes {
			if _, ok := caps.TextLimits[typ]; !ok {
				t.Errorf("%s declares no text limits for %s", kind, typ)
			}
			for field, lim := range TextLimits(caps, typ) {
				if field == "name" {
					continue
				}
				key := "message." + field
				for _, n := range []int{lim.Max, lim.Max + 1} {
					d := Draft{Message: providers.Message{Type: typ}}
					text := strings.Repeat("a", n)
					switch field {
					case "title":
						d.Message.Title = text
					case "body":
						d.Message.Body = text
					case "big_text":
						d.Message.BigText = text
					default:
						t.Fatalf("%s %s: unexpected field %q", kind, typ, field)
					}
					v := &models.ValidationError{}
					d.validateMessage(v, kind, caps)
					fe, refused := v.Fields[key]
					tooLong := refused && strings.HasPrefix(fe.ID, "err.too_long")
					if tooLong != (n > lim.Max) {
						t.Errorf("%s %s: %s of %d (limit %d): error %+v", kind, typ, field, n, lim.Max, fe)
					}
				}
			}
		}
	}
}

// TestTextLimitsFromCapabilities: the limits are the declared ones, in the
// provider's unit, and only for the fields the type carries.
func TestTextLimitsFromCapabilities(t *testing.T) {
	caps := providers.Capabilities{TextLimits: map[providers.MessageType]providers.TextLimits{
		providers.TypeText: {Bytes: true, Body: 7},
	}}
	got := TextLimits(caps, providers.TypeText)
	if len(got) != 2 || got["body"] != (FieldLimit{Max: 7, Bytes: true}) || got["name"].Max != MaxNameRunes {
		t.Fatalf("limits %+v", got)
	}
	if got := TextLimits(caps, providers.TypeNews); len(got) != 1 {
		t.Fatalf("undeclared type: limits %+v, want the name only", got)
	}
}

// TestDefaultTypeIsTheProvidersFirst: a draft without a type gets the
// first type its provider declares.
func TestDefaultTypeIsTheProvidersFirst(t *testing.T) {
	caps := providers.Capabilities{MessageTypes: []providers.MessageType{providers.TypeMarkdown, providers.TypeText},
		TextLimits: map[providers.MessageType]providers.TextLimits{providers.TypeMarkdown: {Bytes: true, Body: 10}}}
	d := Draft{Message: providers.Message{Body: "hi"}}
	d.validateMessage(&models.ValidationError{}, "zeta", caps)
	if d.Message.Type != providers.TypeMarkdown {
		t.Fatalf("type %q, want the provider's first (markdown)", d.Message.Type)
	}
}

// TestUnsupportedFieldsFromCapabilities: what a provider may carry, and the
// name an operator reads when it may not, are what it declares.
func TestUnsupportedFieldsFromCapabilities(t *testing.T) {
	caps := providers.Capabilities{Name: "Zeta Push", Fields: []string{FieldMX}}
	m := providers.Message{MX: providers.MXOptions{Strategy: "combined"}, Sound: "ding"}
	v := &models.ValidationError{}
	refuseUnsupported(v, "zeta", caps, m, Options{})
	if _, ok := v.Fields[FieldMX]; ok {
		t.Errorf("declared group refused: %+v", v.Fields)
	}
	fe, ok := v.Fields[FieldSound]
	if !ok || fe.Data["Provider"] != "Zeta Push" {
		t.Errorf("undeclared group: %+v", v.Fields)
	}
}

// TestMessageRulesFromCapabilities: the show window, image endings, big
// text beside an image and the payload click follow what the provider
// declares, whatever its kind is called.
func TestMessageRulesFromCapabilities(t *testing.T) {
	lim := providers.TextLimits{Title: 50, Body: 50, BigText: 50, Intent: 50, Payload: 50}
	caps := providers.Capabilities{MessageTypes: []providers.MessageType{providers.TypeNotification},
		TextLimits: map[providers.MessageType]providers.TextLimits{providers.TypeNotification: lim},
		Fields:     providers.MobileFields(), ImageExts: []string{".png"}, BigTextNoImage: true, NoPayloadClick: true,
		ShowWindow: providers.ShowWindowRule{BothEnds: true, Longer: 10 * time.Minute}}
	begin := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	d := Draft{Message: providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b", BigText: "big",
		ImageURL: "https://example.com/a.jpg", ShowBegin: begin, ShowEnd: begin.Add(10 * time.Minute),
		Click: providers.Click{Action: providers.ClickPayload, Payload: "p"}}}
	v := &models.ValidationError{}
	d.validateMessage(v, "zeta", caps)
	for key, id := range map[string]string{"message.image_url": "err.image_ext", "message.big_text": "err.big_text_image",
		"message.click.action": "err.click_unsupported", "message.show_end": "err.show_window_min"} {
		if v.Fields[key].ID != id {
			t.Errorf("%s: %+v, want %s", key, v.Fields[key], id)
		}
	}
	d.Message.ShowEnd = time.Time{}
	v = &models.ValidationError{}
	d.validateMessage(v, "zeta", caps)
	if v.Fields["message.show_end"].ID != "err.show_window_both" {
		t.Errorf("half a window: %+v", v.Fields)
	}
}

// TestProviderRules: a provider's own rules come from its Normalize and
// Check, whatever the kind is called, and its problems become field errors.
func TestProviderRules(t *testing.T) {
	caps := providers.Capabilities{
		MessageTypes: []providers.MessageType{providers.TypeTextCard},
		Normalize:    func(m *providers.Message) { m.Click.Action = providers.ClickURL },
		Check: func(m providers.Message) []providers.Problem {
			if m.Click.Action != providers.ClickURL {
				return []providers.Problem{{Field: "message.click.action", MsgID: "err.not_normalized"}}
			}
			return []providers.Problem{{Field: "message.title", MsgID: "err.zeta", Args: map[string]any{"N": 1}}}
		},
	}
	d := Draft{Message: providers.Message{Type: providers.TypeTextCard, Title: "t", Body: "b"}}
	v := &models.ValidationError{}
	d.validateMessage(v, "zeta", caps)
	if got := v.Fields["message.title"]; got.ID != "err.zeta" || got.Data["N"] != 1 || len(v.Fields) != 1 {
		t.Fatalf("provider rules not applied: %+v", v.Fields)
	}
}

// TestFieldChoices: a drop-down's values are what the registry's kinds
// declare for the field, each once, whatever the kinds are called.
func TestFieldChoices(t *testing.T) {
	reg := providers.Registry{
		"b": {Capabilities: providers.Capabilities{FieldChoices: map[string][]string{"message.x": {"two", "three"}}}},
		"a": {Capabilities: providers.Capabilities{FieldChoices: map[string][]string{"message.x": {"one", "two"}}}},
		"c": {},
	}
	if got := FieldChoices(reg, "message.x"); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("choices %v", got)
	}
	if got := FieldChoices(reg, "message.y"); got != nil {
		t.Errorf("undeclared field offers %v", got)
	}
}

// TestCheckTagsRunsOnTagAudiences: a provider's tag rule sees a tag
// audience's values and the message, and its problems are field errors.
func TestCheckTagsRunsOnTagAudiences(t *testing.T) {
	var seen []string
	caps := providers.Capabilities{
		Audiences:    map[providers.AudienceKind]int{providers.AudienceTag: 2, providers.AudienceCID: 10},
		MessageTypes: []providers.MessageType{providers.TypeNotification},
		TextLimits:   map[providers.MessageType]providers.TextLimits{providers.TypeNotification: {Title: 10, Body: 10}},
		CheckTags: func(tags []string, m providers.Message) []providers.Problem {
			seen = append(seen, tags...)
			return []providers.Problem{{Field: "audience.values", MsgID: "err.too_many"}}
		},
	}
	d := Draft{Name: "n", Audience: models.Audience{Kind: "tag", Values: []string{"a", "b"}},
		Message: providers.Message{Type: providers.TypeNotification, Title: "t", Body: "b"}}
	err := d.Validate(models.ProviderAccount{Kind: "zeta"}, caps)
	var v *models.ValidationError
	if !errors.As(err, &v) || v.Fields["audience.values"].ID != "err.too_many" || len(seen) != 2 {
		t.Fatalf("tag audience: %v (the rule saw %v)", err, seen)
	}
	seen = nil
	d.Audience = models.Audience{Kind: "cid", Values: []string{"c1"}}
	if err := d.Validate(models.ProviderAccount{Kind: "zeta"}, caps); err != nil || seen != nil {
		t.Fatalf("cid audience: %v; the tag rule ran on %v", err, seen)
	}
}
