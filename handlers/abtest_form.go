package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// abFormValues reads the composer's A/B fields; without any (a form from
// before they existed, a preview) they are the defaults, switched off.
// first is the composer's own message section: a variant's field the form
// did not post is first's.
func abFormValues(c *gin.Context, first campaigns.MessageValues) campaigns.ABValues {
	n, err := strconv.Atoi(c.PostForm("ab_count"))
	if err != nil {
		return campaigns.DefaultABValues(first)
	}
	n = min(max(n, draft.MinVariants), campaigns.MaxABVariants)
	ab := campaigns.ABValues{On: c.PostForm("ab_on") != "", TestFirst: c.PostForm("ab_test") != "",
		Sample: c.PostForm("ab_sample"), WaitMinutes: c.PostForm("ab_wait"), Metric: c.PostForm("ab_metric"), Confirm: c.PostForm("ab_confirm") != ""}
	for i := range n {
		vr := campaigns.ABVariantValues{Name: c.PostForm(campaigns.ABField("name", i)), Share: c.PostForm(campaigns.ABField("share", i))}
		if i > 0 {
			vr.MessageValues = sectionValues(c, func(f string) string { return campaigns.ABField(f, i) }, first)
		}
		ab.Variants = append(ab.Variants, vr)
	}
	return ab
}

// abDraft turns the A/B fields into the draft's variants: the first is the
// message composed above, the others that message with their own message
// section (every field of it; the platform fields and the provider's
// settings are the first's). What does not parse is a field error named
// like the API's (variants[1].message.badge).
func abDraft(ab campaigns.ABValues, d *draft.Draft, v *models.ValidationError) {
	if !ab.On {
		return
	}
	loc := d.Options.Location()
	d.Variants = nil
	for i, vr := range ab.Variants {
		out := draft.Variant{Name: vr.Name, Message: d.Message}
		intField(v, vr.Share, fmt.Sprintf("variants[%d].share", i), &out.Share)
		if i > 0 {
			applySection(&out.Message, vr.MessageValues, v, loc, fmt.Sprintf("variants[%d].message.", i))
		}
		d.Variants = append(d.Variants, out)
	}
	if !ab.TestFirst {
		return
	}
	t := &draft.ABTest{Metric: ab.Metric, Confirm: ab.Confirm}
	intField(v, ab.Sample, "options.ab_test.sample_percent", &t.SamplePercent)
	var minutes int
	intField(v, ab.WaitMinutes, "options.ab_test.wait_seconds", &minutes)
	t.WaitSeconds = minutes * 60
	d.Options.ABTest = t
}

// abValuesOf renders a draft's variants back into the composer, each
// message section in the draft's zone.
func abValuesOf(d draft.Draft) campaigns.ABValues {
	loc := d.Options.Location()
	if len(d.Variants) == 0 {
		return campaigns.DefaultABValues(sectionOf(d.Message, loc))
	}
	ab := campaigns.ABValues{On: true, Sample: "20", WaitMinutes: "60", Metric: draft.MetricClick}
	for i, vr := range d.Variants {
		out := campaigns.ABVariantValues{Name: vr.Name, Share: strconv.Itoa(vr.Share)}
		if i > 0 {
			out.MessageValues = sectionOf(vr.Message, loc)
		}
		ab.Variants = append(ab.Variants, out)
	}
	if t := d.Options.ABTest; t != nil {
		ab.TestFirst, ab.Confirm, ab.Metric = true, t.Confirm, t.Metric
		ab.Sample, ab.WaitMinutes = strconv.Itoa(t.SamplePercent), strconv.Itoa((t.WaitSeconds+59)/60)
	}
	return ab
}

// abFormField maps an A/B error's key to the composer field showing it:
// the first variant's message is the composer's own.
func abFormField(key string) (string, bool) {
	switch key {
	case "variants":
		return "variants", true
	case "options.ab_test.sample_percent":
		return "ab_sample", true
	case "options.ab_test.wait_seconds":
		return "ab_wait", true
	case "options.ab_test.metric":
		return "ab_metric", true
	}
	rest, ok := strings.CutPrefix(key, "variants[")
	if !ok {
		return "", false
	}
	idx, field, ok := strings.Cut(rest, "].")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil {
		return "", true
	}
	switch {
	case field == "name", field == "share":
		return campaigns.ABField(field, i), true
	case i == 0:
		return formFieldOf(field), true
	}
	// A further variant's message field shows beside that variant's
	// input; one its section lacks (the platform fields are the first's)
	// is listed on top.
	if name := formFields[field]; campaigns.IsVariantField(name) {
		return campaigns.ABField(name, i), true
	}
	return "", true
}

// abRerender answers the composer's add and remove buttons: the form
// comes back with one variant more or less, nothing saved. ok is false for
// any other post.
func (s *Server) abRerender(c *gin.Context, id int64) bool {
	add, remove := c.PostForm("ab_add") != "", c.PostForm("ab_remove")
	if !add && remove == "" {
		return false
	}
	vals := formValues(c)
	ab := &vals.AB
	ab.On = true
	if i, err := strconv.Atoi(remove); err == nil && i >= 0 && i < len(ab.Variants) && len(ab.Variants) > draft.MinVariants {
		if i == 0 {
			// The second becomes the first: its message is now the one
			// composed above.
			vals.MessageValues = ab.Variants[1].MessageValues
			ab.Variants[1].MessageValues = campaigns.MessageValues{}
		}
		ab.Variants = append(ab.Variants[:i], ab.Variants[i+1:]...)
	}
	if add && len(ab.Variants) < campaigns.MaxABVariants {
		// A new variant starts as a copy of the first: the operator
		// changes what the test is about.
		ab.Variants = append(ab.Variants, campaigns.ABVariantValues{Name: string(rune('A' + len(ab.Variants))), MessageValues: vals.MessageValues})
	}
	s.renderComposer(c, http.StatusOK, id, vals, nil)
	return true
}
