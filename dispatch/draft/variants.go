package draft

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Variant is one version of a campaign's message in an A/B test: a whole
// message with its provider options, sent to Share percent of the audience.
type Variant struct {
	Name    string            `json:"name"`
	Share   int               `json:"share"`
	Message providers.Message `json:"message"`
}

// ABTest are the test-first settings of a campaign with variants: each
// variant goes to its part of a sample first, and after Wait the variant
// with the best rate goes to the rest.
type ABTest struct {
	// SamplePercent is the share of the audience in the test, divided
	// among the variants by their shares (20 with two equal variants sends
	// each to 10 %).
	SamplePercent int `json:"sample_percent"`
	// WaitSeconds is how long after the sample is out the winner is picked.
	WaitSeconds int `json:"wait_seconds"`
	// Metric is click or received: the rate that picks the winner. Click
	// falls back to received where the provider reports no clicks.
	Metric string `json:"metric"`
	// Confirm leaves the pick to an operator once the wait is over.
	Confirm bool `json:"confirm,omitempty"`
}

// A/B limits and metrics.
const (
	MinVariants      = 2
	MaxVariants      = 5
	MaxVariantName   = 50
	MaxSamplePercent = 90
	MaxWaitSeconds   = 7 * 24 * 3600
	MetricClick      = "click"
	MetricReceived   = "received"
)

// EncodeVariants returns the variants as the store keeps them ("" for none).
func EncodeVariants(vs []Variant) (string, error) {
	if len(vs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return "", fmt.Errorf("draft: encode variants: %w", err)
	}
	return string(b), nil
}

// DecodeVariants reads a stored variant list.
func DecodeVariants(s string) ([]Variant, error) {
	if s == "" {
		return nil, nil
	}
	var vs []Variant
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		return nil, fmt.Errorf("draft: decode variants: %w", err)
	}
	return vs, nil
}

// validateVariants checks the variants (2–5, named, shares of 1–99 summing
// to 100, each message valid for the provider) and the test-first settings,
// naming fields as variants[1].share. The campaign's message becomes the
// first variant's.
func (d *Draft) validateVariants(v *models.ValidationError, kind providers.Kind, caps providers.Capabilities) {
	if t := d.Options.ABTest; t != nil && len(d.Variants) == 0 {
		v.Add("options.ab_test", "err.ab_needs_variants", nil)
	}
	if len(d.Variants) == 0 {
		return
	}
	if n := len(d.Variants); n < MinVariants || n > MaxVariants {
		v.Add("variants", "err.ab_count", map[string]any{"Min": MinVariants, "Max": MaxVariants})
		return
	}
	sum := 0
	names := map[string]bool{}
	for i := range d.Variants {
		vr := &d.Variants[i]
		at := fmt.Sprintf("variants[%d]", i)
		vr.Name = strings.TrimSpace(vr.Name)
		switch {
		case vr.Name == "":
			v.Add(at+".name", "err.required", nil)
		case utf8.RuneCountInString(vr.Name) > MaxVariantName:
			v.Add(at+".name", "err.too_long", map[string]any{"Max": MaxVariantName})
		case names[vr.Name]:
			v.Add(at+".name", "err.ab_name_taken", nil)
		}
		names[vr.Name] = true
		if vr.Share < 1 || vr.Share > 99 {
			v.Add(at+".share", "err.range", map[string]any{"Min": 1, "Max": 99})
		}
		sum += vr.Share
		// Each message is checked as the campaign's own would be, with its
		// fields renamed under the variant.
		one := Draft{Message: vr.Message, Options: d.Options}
		mv := &models.ValidationError{}
		one.validateMessage(mv, kind, caps)
		for k, fe := range mv.Fields {
			v.Add(at+"."+k, fe.ID, fe.Data)
		}
		vr.Message = one.Message
	}
	if sum != 100 {
		v.Add(fmt.Sprintf("variants[%d].share", len(d.Variants)-1), "err.ab_shares", map[string]any{"Sum": sum})
	}
	d.Message = d.Variants[0].Message
	d.validateABTest(v)
}

func (d *Draft) validateABTest(v *models.ValidationError) {
	t := d.Options.ABTest
	if t == nil {
		return
	}
	if t.SamplePercent < 1 || t.SamplePercent > MaxSamplePercent {
		v.Add("options.ab_test.sample_percent", "err.range", map[string]any{"Min": 1, "Max": MaxSamplePercent})
	}
	if t.WaitSeconds < 1 || t.WaitSeconds > MaxWaitSeconds {
		v.Add("options.ab_test.wait_seconds", "err.range", map[string]any{"Min": 1, "Max": MaxWaitSeconds})
	}
	if t.Metric == "" {
		t.Metric = MetricClick
	}
	if t.Metric != MetricClick && t.Metric != MetricReceived {
		v.Add("options.ab_test.metric", "err.choice", nil)
	}
}
