package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// timezones are offered by the composer's zone select. The page script
// preselects the browser's own zone on a new campaign, adding it when it is
// not listed; the server accepts any IANA name.
var timezones = []string{
	"UTC", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul", "Asia/Singapore",
	"Asia/Bangkok", "Asia/Jakarta", "Asia/Kolkata", "Asia/Dubai", "Australia/Sydney", "Pacific/Auckland",
	"Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Istanbul", "Europe/Moscow",
	"Africa/Cairo", "Africa/Johannesburg", "America/Sao_Paulo", "America/New_York", "America/Toronto",
	"America/Chicago", "America/Mexico_City", "America/Denver", "America/Los_Angeles",
}

// composerGroups are the field groups whose kinds the form marks.
var composerGroups = []string{
	draft.FieldBigText, draft.FieldImageURL, draft.FieldBadge, draft.FieldSound, draft.FieldExt,
	draft.FieldShowWindow, draft.FieldWifiOnly, draft.FieldIOS, draft.FieldMutableContent,
	draft.FieldAndroidChannel, draft.FieldVendor, draft.FieldMX, draft.FieldWeCom, draft.FieldTTL,
}

// composerView builds the composer around values and errors. id is the
// draft being edited (0 for a new campaign).
func (s *Server) composerView(ctx context.Context, id int64, vals campaigns.FormValues, ve *models.ValidationError) (campaigns.FormView, error) {
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		return campaigns.FormView{}, err
	}
	v := campaigns.FormView{ID: id, Values: vals, Errors: web.Errors{}, FieldKinds: map[string]string{}}
	for _, a := range as {
		idStr := strconv.FormatInt(a.ID, 10)
		if a.Disabled && idStr != vals.ProviderID {
			continue
		}
		if v.Values.ProviderID == "" {
			v.Values.ProviderID = idStr
		}
		if idStr == v.Values.ProviderID {
			v.Kind = a.Kind
		}
		v.Providers = append(v.Providers, campaigns.ProviderOption{Value: idStr, Label: a.Name + " (" + i18n.T(ctx, "kind."+a.Kind) + ")", Kind: a.Kind})
	}
	// A fresh form (or a draft whose account changed kind) starts on a type
	// the account sends; a refused form keeps what was chosen.
	caps, _ := s.reg.Capabilities(providers.Kind(v.Kind))
	fits := caps.SupportsType(providers.MessageType(v.Values.Type))
	if (v.Values.Type == "" || (ve == nil && !fits)) && len(caps.MessageTypes) > 0 {
		v.Values.Type = string(caps.MessageTypes[0]) // the kind's first is its default
	}
	// So are the further variants, chosen the same way.
	for i := 1; i < len(v.Values.AB.Variants); i++ {
		vr := &v.Values.AB.Variants[i]
		if (vr.Type == "" || (ve == nil && !caps.SupportsType(providers.MessageType(vr.Type)))) && len(caps.MessageTypes) > 0 {
			vr.Type = string(caps.MessageTypes[0])
		}
	}
	if ve != nil {
		for k, fe := range ve.Fields {
			msg := i18n.T(ctx, fe.ID, fe.Data)
			f := formFieldOf(k)
			if f == "audience_values" && vals.AudienceKind == "segment" {
				f = "segment_id"
			}
			if f != "" {
				v.Errors[f] = msg
			} else {
				v.Other = append(v.Other, k+": "+msg)
			}
		}
		slices.Sort(v.Other)
	}
	s.composerChoices(ctx, &v)
	v.Limits = s.composerLimits(v)
	for _, g := range composerGroups {
		ks := draft.FieldKinds(s.reg, g)
		names := make([]string, len(ks))
		for i, k := range ks {
			names[i] = string(k)
		}
		v.FieldKinds[g] = strings.Join(names, " ")
	}
	v.VendorKeys = strings.Join(draft.VendorKeys(caps), ", ")
	v.OptionGroups = s.optionGroups(ctx, vals.Options)
	segs, err := s.store.ListSegments(ctx)
	if err != nil {
		return v, err
	}
	v.Segments = []web.Option{{Value: "", Label: i18n.T(ctx, "campaigns.segment_choose")}}
	for _, sg := range segs {
		v.Segments = append(v.Segments, web.Option{Value: strconv.FormatInt(sg.ID, 10), Label: sg.Name})
	}
	v.Preview = previewOf(ctx, v.Kind, messageFromForm(v.Values, &models.ValidationError{}, time.UTC))
	return v, nil
}

// composerLimits are the text limits for every account kind offered and
// every type it sends, for the composer's live counters.
func (s *Server) composerLimits(v campaigns.FormView) map[string]map[string]map[string]campaigns.FieldLimit {
	out := map[string]map[string]map[string]campaigns.FieldLimit{}
	for _, p := range v.Providers {
		if out[p.Kind] != nil {
			continue
		}
		out[p.Kind] = map[string]map[string]campaigns.FieldLimit{}
		for _, t := range v.Types {
			if !strings.Contains(" "+t.Kinds+" ", " "+p.Kind+" ") {
				continue
			}
			fields := map[string]campaigns.FieldLimit{}
			caps, _ := s.reg.Capabilities(providers.Kind(p.Kind))
			for f, l := range draft.TextLimits(caps, providers.MessageType(t.Value)) {
				fields[f] = campaigns.FieldLimit{Max: l.Max, Bytes: l.Bytes}
			}
			out[p.Kind][t.Value] = fields
		}
	}
	return out
}

// typeOptions lists every message type a registered kind sends, each with
// the kinds that send it, in the kinds' order and then each kind's own.
func (s *Server) typeOptions(ctx context.Context) []campaigns.KindOption {
	var types []providers.MessageType
	kinds := map[providers.MessageType][]string{}
	for _, k := range s.providerKinds() {
		caps, _ := s.reg.Capabilities(providers.Kind(k))
		for _, t := range caps.MessageTypes {
			if kinds[t] == nil {
				types = append(types, t)
			}
			kinds[t] = append(kinds[t], k)
		}
	}
	out := make([]campaigns.KindOption, 0, len(types))
	for _, t := range types {
		out = append(out, campaigns.KindOption{Value: string(t), Label: i18n.T(ctx, "type."+string(t)), Kinds: strings.Join(kinds[t], " ")})
	}
	return out
}

// composerChoices fills the selects.
func (s *Server) composerChoices(ctx context.Context, v *campaigns.FormView) {
	opt := func(prefix string, vals ...string) []web.Option {
		out := make([]web.Option, 0, len(vals))
		for _, x := range vals {
			out = append(out, web.Option{Value: x, Label: i18n.T(ctx, prefix+x)})
		}
		return out
	}
	v.Audiences = opt("audience.", "all", "tag", "segment", "alias", "cid")
	v.Types = s.typeOptions(ctx)
	v.Actions = opt("click.", "startapp", "url", "intent", "payload", "none")
	strategies := draft.FieldChoices(s.reg, "message.mx.distribution_strategy")
	v.Strategies = append([]web.Option{{Value: "", Label: i18n.T(ctx, "strategy.default")}}, opt("strategy.", strategies...)...)
	if st := v.Values.MXStrategy; st != "" && !slices.Contains(strategies, st) {
		v.Strategies = append(v.Strategies, web.Option{Value: st, Label: st}) // kept as typed, beside its error
	}
	zones := timezones
	if tz := v.Values.Timezone; tz != "" && !slices.Contains(zones, tz) {
		zones = append([]string{tz}, zones...)
	}
	for _, z := range zones {
		v.Timezones = append(v.Timezones, web.Option{Value: z, Label: strings.ReplaceAll(z, "_", " ")})
	}
}

// newFormValues are a new campaign's defaults. The zone is UTC until the
// page script reads the browser's.
func newFormValues() campaigns.FormValues {
	msg := campaigns.MessageValues{ClickAction: "startapp"}
	return campaigns.FormValues{AudienceKind: "all", MessageValues: msg, Timezone: "UTC", WeComDupCheck: true, AB: campaigns.DefaultABValues(msg)}
}

// renderComposer renders the composer with status.
func (s *Server) renderComposer(c *gin.Context, status int, id int64, vals campaigns.FormValues, ve *models.ValidationError) {
	v, err := s.composerView(c.Request.Context(), id, vals, ve)
	if err != nil {
		s.fail(c, err)
		return
	}
	fresh := id == 0 && c.Request.Method == http.MethodGet
	v.AutoTimezone = fresh
	// Every form whose audience is complete enough shows its count at
	// once, a fresh one too: its default "all" has an estimated reach.
	v.CountOnLoad = audienceChosen(v.Values)
	s.render(c, status, campaigns.Form(v))
}

// audienceChosen reports whether the composer's audience is complete
// enough to count: kind all, a segment picked, or tags or ids typed.
func audienceChosen(f campaigns.FormValues) bool {
	switch f.AudienceKind {
	case "all":
		return true
	case "segment":
		return strings.TrimSpace(f.SegmentID) != ""
	case "tag", "alias", "cid":
		return len(splitValues(f.AudienceValues)) > 0
	}
	return false
}

// previewOf renders a message as a device would show it.
func previewOf(ctx context.Context, kind string, m providers.Message) campaigns.PreviewView {
	p := campaigns.PreviewView{Kind: kind, Type: string(m.Type), AppName: i18n.T(ctx, "campaigns.preview_app"),
		Title: strings.TrimSpace(m.Title), Subtitle: strings.TrimSpace(m.IOS.Subtitle), Body: strings.TrimSpace(m.Body),
		BigText: strings.TrimSpace(m.BigText), Silent: m.Type == providers.TypeTransmission, AppMessage: m.Type != "" && !m.Type.Mobile()}
	if imageURL(m.ImageURL) {
		p.ImageURL = strings.TrimSpace(m.ImageURL)
	}
	if m.Type == providers.TypeTextCard {
		p.Button = m.WeCom.ButtonText
		if p.Button == "" {
			p.Button = i18n.T(ctx, "campaigns.preview_button")
		}
	}
	if m.Type == providers.TypeNews {
		for _, a := range m.WeCom.Articles {
			ar := campaigns.Article{Title: a.Title, URL: a.URL}
			if imageURL(a.PicURL) {
				ar.PicURL = a.PicURL
			}
			p.Articles = append(p.Articles, ar)
		}
	}
	p.Empty = p.Title == "" && p.Body == "" && p.BigText == "" && len(p.Articles) == 0
	return p
}

// imageURL accepts only absolute http(s) URLs for <img src>.
func imageURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
