package providers

import (
	"encoding/json"
	"testing"
)

func TestCheckOptions(t *testing.T) {
	fields := []OptionField{
		{Name: "prod", Type: OptionBool},
		{Name: "minutes", Type: OptionInt, Min: 1, Max: 1440},
		{Name: "mode", Type: OptionChoice, Choices: []string{"a", "b"}},
		{Name: "label", Type: OptionString, Max: 4},
	}
	var ok Options
	if err := json.Unmarshal([]byte(`{"prod":true,"minutes":60,"mode":"b","label":"abcd"}`), &ok); err != nil {
		t.Fatal(err)
	}
	if ps := CheckOptions(fields, ok); len(ps) != 0 {
		t.Fatalf("valid options refused: %+v", ps)
	}
	if !ok.Bool("prod") || ok.Int("minutes") != 60 || ok.String("mode") != "b" {
		t.Fatalf("accessors: %v %v %v", ok.Bool("prod"), ok.Int("minutes"), ok.String("mode"))
	}
	var bad Options
	if err := json.Unmarshal([]byte(`{"prod":"yes","minutes":1.5,"mode":"c","label":"abcde","other":1}`), &bad); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range CheckOptions(fields, bad) {
		got[p.Field] = p.MsgID
	}
	want := map[string]string{
		"message.options.prod": "err.not_bool", "message.options.minutes": "err.not_integer",
		"message.options.mode": "err.one_of", "message.options.label": "err.too_long_bytes",
		"message.options.other": "err.unsupported_option",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	var out Options
	_ = json.Unmarshal([]byte(`{"minutes":0}`), &out)
	if ps := CheckOptions(fields, out); len(ps) != 1 || ps[0].MsgID != "err.range" {
		t.Fatalf("out of range: %+v", ps)
	}
}
