package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// previewBody is POST /api/v1/campaigns/preview.
type previewBody struct {
	ProviderID int64             `json:"provider_id"`
	Message    providers.Message `json:"message"`
	// CID picks the device to render for; empty renders as a device
	// without values.
	CID string `json:"cid"`
	// Audience, when given, is counted for the share that falls back.
	Audience *models.Audience `json:"audience"`
}

// fallbackShare is how many of an audience's devices lack an attribute
// the message names.
type fallbackShare struct {
	Count int64 `json:"count"`
	Total int64 `json:"total"`
}

// previewAnswer is the preview's answer.
type previewAnswer struct {
	// Message is the message as the device gets it.
	Message      providers.Message `json:"message"`
	Personalized bool              `json:"personalized"`
	// FallsBack: the device sees a fallback for at least one placeholder.
	FallsBack    bool     `json:"falls_back"`
	Placeholders []string `json:"placeholders"`
	// Unknown are placeholders no device of the account has (a warning).
	Unknown    []string `json:"unknown"`
	Attributes []string `json:"attributes"`
	// Problems are the provider's rules the rendering breaks, field →
	// reason: this device would end failed.
	Problems map[string]string `json:"problems"`
	Fallback *fallbackShare    `json:"fallback,omitempty"`
}

// apiPreviewMessage renders a message for one device of an account:
// {provider_id, message, cid, audience?} → the rendered message, the
// placeholders it uses, those no device has, the account's attribute
// names, the rules the rendering breaks and, with an audience, how many of
// its devices would see a fallback.
func (s *Server) apiPreviewMessage(c *gin.Context) {
	var body previewBody
	if !s.decodeJSON(c, &body) {
		return
	}
	ctx := c.Request.Context()
	pv, err := s.engine.PreviewPersonal(ctx, body.ProviderID, body.Message, body.CID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	loc := s.cat.Localizer("en")
	problems := map[string]string{}
	for _, p := range pv.Problems {
		problems[p.Field] = loc.T(p.MsgID, p.Args)
	}
	out := previewAnswer{Message: pv.Message, Personalized: pv.Personalized, FallsBack: pv.FallsBack,
		Placeholders: pv.Placeholders, Unknown: pv.Unknown, Attributes: pv.Attributes, Problems: problems}
	if body.Audience != nil && pv.Personalized {
		share, ok, err := s.fallbackShare(ctx, body.ProviderID, *body.Audience, pv)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		if ok {
			out.Fallback = &share
		}
	}
	c.JSON(http.StatusOK, out)
}

// fallbackShare counts the audience and its devices that lack an
// attribute the preview's message names; ok is false for a listed
// audience or one too costly to count now (the preview is still useful
// without it). Fixed fields are not counted: a device's empty alias or
// region is its own to fill.
func (s *Server) fallbackShare(ctx context.Context, providerID int64, a models.Audience, pv dispatch.PersonalPreview) (fallbackShare, bool, error) {
	var attrs []string
	for _, n := range pv.Placeholders {
		if !render.IsFixed(n) && !slices.Contains(attrs, n) {
			attrs = append(attrs, n)
		}
	}
	fa, ok, err := s.store.FallbackAudience(ctx, a, attrs)
	if err != nil || !ok {
		return fallbackShare{}, false, err
	}
	total, err := s.countPreview(ctx, providerID, a)
	if err == nil {
		var n int64
		if n, err = s.countPreview(ctx, providerID, fa); err == nil {
			return fallbackShare{Count: n, Total: total}, true, nil
		}
	}
	if errors.Is(err, errPreviewBusy) || errors.Is(err, errPreviewTimeout) {
		return fallbackShare{}, false, nil
	}
	return fallbackShare{}, false, err
}
