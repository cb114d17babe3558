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
func abFormValues(c *gin.Context) campaigns.ABValues {
	n, err := strconv.Atoi(c.PostForm("ab_count"))
	if err != nil {
		return campaigns.DefaultABValues()
	}
	n = min(max(n, draft.MinVariants), campaigns.MaxABVariants)
	ab := campaigns.ABValues{On: c.PostForm("ab_on") != "", TestFirst: c.PostForm("ab_test") != "",
		Sample: c.PostForm("ab_sample"), WaitMinutes: c.PostForm("ab_wait"), Metric: c.PostForm("ab_metric"), Confirm: c.PostForm("ab_confirm") != ""}
	for i := range n {
		ab.Variants = append(ab.Variants, campaigns.ABVariantValues{Name: c.PostForm(campaigns.ABField("name", i)),
			Share: c.PostForm(campaigns.ABField("share", i)), Title: c.PostForm(campaigns.ABField("title", i)), Body: c.PostForm(campaigns.ABField("body", i))})
	}
	return ab
}

// abDraft turns the A/B fields into the draft's variants: the first is the
// message composed above, the others that message with their own title
// and body. Numbers that do not parse are field errors.
func abDraft(ab campaigns.ABValues, d *draft.Draft, v *models.ValidationError) {
	if !ab.On {
		return
	}
	d.Variants = nil
	for i, vr := range ab.Variants {
		out := draft.Variant{Name: vr.Name, Message: d.Message}
		intField(v, vr.Share, fmt.Sprintf("variants[%d].share", i), &out.Share)
		if i > 0 {
			out.Message.Title, out.Message.Body = vr.Title, vr.Body
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

// abValuesOf renders a draft's variants back into the composer.
func abValuesOf(d draft.Draft) campaigns.ABValues {
	if len(d.Variants) == 0 {
		return campaigns.DefaultABValues()
	}
	ab := campaigns.ABValues{On: true, Sample: "20", WaitMinutes: "60", Metric: draft.MetricClick}
	for _, vr := range d.Variants {
		ab.Variants = append(ab.Variants, campaigns.ABVariantValues{Name: vr.Name, Share: strconv.Itoa(vr.Share), Title: vr.Message.Title, Body: vr.Message.Body})
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
	switch field {
	case "name", "share":
		return campaigns.ABField(field, i), true
	case "message.title", "message.body":
		if i > 0 {
			return campaigns.ABField(strings.TrimPrefix(field, "message."), i), true
		}
	}
	if i == 0 {
		return formFieldOf(field), true
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
		ab.Variants = append(ab.Variants[:i], ab.Variants[i+1:]...)
	}
	if add && len(ab.Variants) < campaigns.MaxABVariants {
		ab.Variants = append(ab.Variants, campaigns.ABVariantValues{Name: string(rune('A' + len(ab.Variants)))})
	}
	s.renderComposer(c, http.StatusOK, id, vals, nil)
	return true
}
