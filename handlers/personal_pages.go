package handlers

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// personalPanel renders a draft's message for the composer's chosen
// device and fills the personalization panel; msg is what the device
// preview shows (the draft's own message when it holds no placeholder or
// does not parse yet: the preview is not where parse errors are told).
func (s *Server) personalPanel(ctx context.Context, d draft.Draft, cid string) (providers.Message, campaigns.PersonalizeView, error) {
	cid = strings.TrimSpace(cid)
	pv, err := s.engine.PreviewPersonal(ctx, d.ProviderID, d.Message, cid)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		if _, ok := ve.Fields["cid"]; ok {
			// The cid is unknown: show the rendering a device without
			// values gets, and say so.
			pv, err = s.engine.PreviewPersonal(ctx, d.ProviderID, d.Message, "")
			if err == nil {
				return pv.Message, campaigns.PersonalizeView{Active: pv.Personalized, CID: cid, NoDevice: true,
					Attributes: pv.Attributes, Unknown: pv.Unknown}, nil
			}
		}
		if errors.As(err, &ve) {
			return d.Message, campaigns.PersonalizeView{}, nil
		}
	}
	if err != nil {
		return d.Message, campaigns.PersonalizeView{}, err
	}
	if !pv.Personalized {
		// The names the operator may write, before the first placeholder.
		return d.Message, campaigns.PersonalizeView{Attributes: pv.Attributes}, nil
	}
	view := campaigns.PersonalizeView{Active: true, CID: cid, Attributes: pv.Attributes, Unknown: pv.Unknown, FallsBack: pv.FallsBack}
	for _, p := range pv.Problems {
		view.Problems = append(view.Problems, p.Field+": "+i18n.T(ctx, p.MsgID, p.Args))
	}
	sort.Strings(view.Problems)
	if share, ok, err := s.fallbackShare(ctx, d.ProviderID, d.Audience, pv); err == nil && ok {
		view.Fallback = num(share.Count) + " / " + num(share.Total) + " (" + pct(share.Count, share.Total) + ")"
		view.FallbackCount = share.Count
	}
	return pv.Message, view, nil
}
