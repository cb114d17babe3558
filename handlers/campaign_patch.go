package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// apiUpdateCampaign applies a JSON merge patch (RFC 7396) to a draft: the
// body's members replace the draft's, objects merge member by member, null
// removes a member (e.g. "schedule_at": null). The result is validated as a
// whole, like a create. 409 when the campaign is no longer a draft.
// audience.values is read as a stream like a create's (a million values
// never sit in memory); a patch that does not name it keeps the draft's
// list, a stored one included.
func (s *Server) apiUpdateCampaign(c *gin.Context) {
	cm, ok := s.apiCampaign(c)
	if !ok {
		return
	}
	if cm.Status != models.StatusDraft {
		s.apiFail(c, &models.TransitionError{From: cm.Status, To: models.StatusDraft})
		return
	}
	ds := s.newDraftStream(c)
	obj, err := ds.patchBody()
	if err == nil && ds.listGiven {
		err = ds.finish()
	}
	if err != nil {
		s.decodeFailed(c, ds, err)
		return
	}
	if ds.up != nil {
		defer func() {
			if err := ds.up.Discard(context.WithoutCancel(c.Request.Context())); err != nil {
				s.log.Error("discard audience upload", "upload", ds.up.ID, "error", err)
			}
		}()
	}
	if _, ok := obj["template_id"]; ok {
		// A draft's template is where it started; a patch changes content.
		s.apiFail(c, fieldProblem("template_id", "templates.err_create_only", nil))
		return
	}
	d, err := draft.Of(cm)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	merged, err := mergeDraft(d, obj)
	if err != nil {
		apiError(c, http.StatusBadRequest, "malformed_json", jsonProblem(err), nil)
		return
	}
	switch a := &merged.Audience; {
	case ds.listGiven:
		a.Values, a.Stored, a.Count = ds.d.Audience.Values, ds.d.Audience.Stored, ds.d.Audience.Count
	case d.Audience.Stored != nil && !ds.listNamed:
		// A list too long to load stays in the store (the kind may still
		// change between cid and alias).
		a.Values, a.Stored, a.Count = nil, d.Audience.Stored, d.Audience.Count
	}
	out, err := s.engine.UpdateDraft(c.Request.Context(), cm.ID, merged)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "campaign_update", fmt.Sprintf("campaign:%d", cm.ID), out.Name) {
		return
	}
	s.writeCampaign(c, http.StatusOK, out)
}

// patchBody decodes a merge-patch body: every member as a generic JSON
// value, except audience.values, which is streamed like a create's
// (listGiven) and left out of the returned object; "values": null stays in
// it (it removes the list) and, like a list, sets listNamed.
func (ds *draftStream) patchBody() (map[string]any, error) {
	if err := ds.openBody(); err != nil {
		return nil, err
	}
	obj := map[string]any{}
	for ds.dec.More() {
		key, err := ds.key()
		if err != nil {
			return nil, err
		}
		if key != "audience" {
			var v any
			if err := ds.dec.Decode(&v); err != nil {
				return nil, err
			}
			obj[key] = v
			continue
		}
		aud, err := ds.patchAudience()
		if err != nil {
			return nil, err
		}
		obj[key] = aud
	}
	return obj, ds.end()
}

// patchAudience decodes the audience member of a patch (an object, or null
// to remove it).
func (ds *draftStream) patchAudience() (any, error) {
	if err := ds.openObject(`field "audience" must be an object`); errors.Is(err, errNull) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	aud := map[string]any{}
	for ds.dec.More() {
		key, err := ds.key()
		if err != nil {
			return nil, err
		}
		if key != "values" {
			var v any
			if err := ds.dec.Decode(&v); err != nil {
				return nil, err
			}
			aud[key] = v
			continue
		}
		ds.listNamed = true
		switch err := ds.values(); {
		case errors.Is(err, errNull):
			aud[key] = nil
		case err != nil:
			return nil, err
		default:
			ds.listGiven = true
		}
	}
	_, err := ds.dec.Token()
	return aud, err
}

// mergeDraft applies a merge patch to a draft and decodes the result as
// strictly as a create body.
func mergeDraft(d draft.Draft, patch map[string]any) (draft.Draft, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return d, fmt.Errorf("handlers: encode draft: %w", err)
	}
	var cur any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&cur); err != nil {
		return d, fmt.Errorf("handlers: decode draft: %w", err)
	}
	raw, err = json.Marshal(mergePatch(cur, patch))
	if err != nil {
		return d, fmt.Errorf("handlers: encode merged draft: %w", err)
	}
	var out draft.Draft
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return d, err
	}
	return out, nil
}

// mergePatch is RFC 7396: objects merge recursively, null deletes, anything
// else replaces.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}
