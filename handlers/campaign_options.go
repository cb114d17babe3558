package handlers

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// The composer renders each kind's declared message options
// (Capabilities.Options) as "provider settings": form fields opt_<name>,
// decoded into message.options with the declared types, so a provider's
// settings need nothing of the console beyond its declaration.

// postedOptions reads the provider settings as typed, by option name. The
// form has been parsed by the fields read before it.
func postedOptions(c *gin.Context) map[string]string {
	out := map[string]string{}
	for k, vs := range c.Request.PostForm {
		if name, ok := campaigns.OptionName(k); ok && len(vs) > 0 {
			out[name] = vs[0]
		}
	}
	return out
}

// optionsFromForm decodes the typed settings by their declared types: a
// ticked box is true (an unticked one is left out), an int must be a whole
// number, an empty text or choice is left out. A setting the kind does not
// declare is kept as text, so the shared check names it.
func optionsFromForm(fields []providers.OptionField, typed map[string]string, v *models.ValidationError) providers.Options {
	out := providers.Options{}
	for name, raw := range typed {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		i := slices.IndexFunc(fields, func(f providers.OptionField) bool { return f.Name == name })
		switch {
		case i < 0:
			out[name] = raw
		case fields[i].Type == providers.OptionBool:
			out[name] = true
		case fields[i].Type == providers.OptionInt:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				v.Add("message.options."+name, "err.not_integer", nil)
				continue
			}
			out[name] = float64(n) // as JSON decoding gives it
		default:
			out[name] = raw
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// optionValues renders stored settings back into the form's values.
func optionValues(o providers.Options) map[string]string {
	out := make(map[string]string, len(o))
	for name, val := range o {
		switch x := val.(type) {
		case bool:
			if x {
				out[name] = "1"
			}
		case float64:
			out[name] = strconv.FormatFloat(x, 'f', -1, 64)
		case string:
			out[name] = x
		}
	}
	return out
}

// formOptions decodes the settings of the account the draft names into
// its message; without a known account there is nothing to decode them by
// (the draft's check refuses the account itself).
func (s *Server) formOptions(ctx context.Context, typed map[string]string, m *providers.Message, accountID int64, v *models.ValidationError) error {
	if len(typed) == 0 {
		return nil
	}
	a, err := s.store.ProviderAccountByID(ctx, accountID)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		return err
	}
	caps, _ := s.reg.Capabilities(providers.Kind(a.Kind))
	m.Options = optionsFromForm(caps.Options, typed, v)
	return nil
}

// optionGroups are the settings of every kind that declares some, with the
// typed values.
func (s *Server) optionGroups(ctx context.Context, typed map[string]string) []campaigns.OptionGroup {
	var out []campaigns.OptionGroup
	for _, k := range s.providerKinds() {
		caps, _ := s.reg.Capabilities(providers.Kind(k))
		if len(caps.Options) == 0 {
			continue
		}
		g := campaigns.OptionGroup{Kind: k}
		for _, f := range caps.Options {
			in := campaigns.OptionInput{Name: f.Name, Type: string(f.Type), Label: catalogOr(ctx, f.Label, f.Name), Help: catalogOr(ctx, f.Help, ""),
				Value: typed[f.Name], Min: f.Min, Max: f.Max}
			if f.Type == providers.OptionChoice {
				in.Choices = []web.Option{{Value: "", Label: i18n.T(ctx, "campaigns.option_default")}}
				for i, c := range f.Choices {
					label := c
					if i < len(f.ChoiceLabels) {
						label = catalogOr(ctx, f.ChoiceLabels[i], c)
					}
					in.Choices = append(in.Choices, web.Option{Value: c, Label: label})
				}
			}
			g.Inputs = append(g.Inputs, in)
		}
		out = append(out, g)
	}
	return out
}

// optionDetails lists the settings a campaign sets, for its detail page,
// labelled as the kind declares them.
func optionDetails(ctx context.Context, fields []providers.OptionField, o providers.Options) []campaigns.Detail {
	names := make([]string, 0, len(o))
	for name := range o {
		names = append(names, name)
	}
	slices.Sort(names)
	vals := optionValues(o)
	var out []campaigns.Detail
	for _, name := range names {
		label, value := name, vals[name]
		if i := slices.IndexFunc(fields, func(f providers.OptionField) bool { return f.Name == name }); i >= 0 {
			f := fields[i]
			label = catalogOr(ctx, f.Label, name)
			if f.Type == providers.OptionBool && value != "" {
				value = i18n.T(ctx, "campaigns.yes")
			}
			if j := slices.Index(f.Choices, value); j >= 0 && j < len(f.ChoiceLabels) {
				value = catalogOr(ctx, f.ChoiceLabels[j], value)
			}
		}
		if value != "" {
			out = append(out, campaigns.Detail{Label: label, Value: value})
		}
	}
	return out
}

// catalogOr translates id, or gives fallback when the catalog has no such
// message (a provider's label the catalogs do not hold yet).
func catalogOr(ctx context.Context, id, fallback string) string {
	if id == "" {
		return fallback
	}
	if t := i18n.T(ctx, id); t != id {
		return t
	}
	return fallback
}
