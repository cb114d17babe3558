package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/templates"
)

// usedBy words how many campaigns a template started.
func usedBy(ctx context.Context, n int64) string {
	return i18n.T(ctx, "templates.used_by", map[string]any{"Count": n, "N": num(n)})
}

func (s *Server) showTemplates(c *gin.Context) {
	ctx := c.Request.Context()
	ts, next, err := s.store.ListTemplates(ctx, models.TemplateFilter{After: c.Query("after"), Limit: 50})
	if err != nil {
		s.fail(c, err)
		return
	}
	v := templates.ListView{}
	for _, t := range ts {
		v.Rows = append(v.Rows, templates.Row{Name: t.Name, URL: fmt.Sprintf("/templates/%d", t.ID), Kind: i18n.T(ctx, "kind."+t.Kind),
			UsedBy: usedBy(ctx, t.UsedBy), Updated: when(t.UpdatedAt)})
	}
	if next != "" {
		v.NextURL = "/templates?" + url.Values{"after": {next}}.Encode()
	}
	s.render(c, http.StatusOK, templates.List(v))
}

// loadTemplate loads the template the path's :id names; on false the page
// (404 or the error) is written.
func (s *Server) loadTemplate(c *gin.Context) (models.Template, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.Template{}, false
	}
	t, err := s.store.TemplateByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return t, false
	}
	return t, true
}

func (s *Server) showTemplate(c *gin.Context) {
	t, ok := s.loadTemplate(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cs, err := s.store.TemplateCampaigns(ctx, t.ID, 100)
	if err != nil {
		s.fail(c, err)
		return
	}
	base := fmt.Sprintf("/templates/%d", t.ID)
	v := templates.ShowView{ID: t.ID, Name: t.Name, Kind: i18n.T(ctx, "kind."+t.Kind), UsedBy: usedBy(ctx, t.UsedBy),
		Updated:        i18n.T(ctx, "templates.updated_by", map[string]any{"When": when(t.UpdatedAt), "Who": t.UpdatedBy}),
		MessageJSON:    prettyJSON(t.Message),
		NewCampaignURL: "/campaigns/new?" + url.Values{"template": {strconv.FormatInt(t.ID, 10)}}.Encode(),
		EditURL:        base + "/edit", DeleteURL: base + "/delete"}
	for _, cm := range cs {
		v.Campaigns = append(v.Campaigns, templates.CampaignLink{Name: cm.Name, URL: fmt.Sprintf("/campaigns/%d", cm.ID),
			Status: string(cm.Status), Created: when(cm.CreatedAt)})
	}
	s.render(c, http.StatusOK, templates.Show(v))
}

// prettyJSON indents stored JSON for reading; it is shown as stored when
// it does not indent.
func prettyJSON(raw json.RawMessage) string {
	var m providers.Message
	if err := json.Unmarshal(raw, &m); err == nil {
		if b, err := json.MarshalIndent(m, "", "  "); err == nil {
			return string(b)
		}
	}
	return string(raw)
}

// templateForm builds the form around values and errors.
func (s *Server) templateForm(ctx context.Context, v templates.FormView, ve *models.ValidationError) templates.FormView {
	v.Errors = web.Errors{}
	for _, k := range s.providerKinds() {
		v.Kinds = append(v.Kinds, web.Option{Value: k, Label: i18n.T(ctx, "kind."+k)})
	}
	if ve != nil {
		for k, fe := range ve.Fields {
			msg := i18n.T(ctx, fe.ID, fe.Data)
			switch k {
			case "name", "kind", "message":
				v.Errors[k] = msg
			default: // a field inside the message, by its path
				v.Other = append(v.Other, k+": "+msg)
			}
		}
		slices.Sort(v.Other)
	}
	return v
}

func (s *Server) showNewTemplate(c *gin.Context) {
	v := templates.FormView{Action: "/templates", New: true, MessageJSON: "{\n  \"title\": \"\",\n  \"body\": \"\"\n}"}
	s.render(c, http.StatusOK, templates.Form(s.templateForm(c.Request.Context(), v, nil)))
}

func (s *Server) showEditTemplate(c *gin.Context) {
	t, ok := s.loadTemplate(c)
	if !ok {
		return
	}
	v := templates.FormView{Action: fmt.Sprintf("/templates/%d", t.ID), Name: t.Name, Kind: t.Kind, MessageJSON: prettyJSON(t.Message)}
	s.render(c, http.StatusOK, templates.Form(s.templateForm(c.Request.Context(), v, nil)))
}

func (s *Server) saveNewTemplate(c *gin.Context) { s.submitTemplate(c, 0) }

func (s *Server) saveTemplate(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	s.submitTemplate(c, id)
}

// submitTemplate saves the template form (id 0 creates one); a refused
// form comes back with its values and errors (422).
func (s *Server) submitTemplate(c *gin.Context, id int64) {
	ctx := c.Request.Context()
	v := templates.FormView{Action: "/templates", New: id == 0, Name: c.PostForm("name"), Kind: c.PostForm("kind"), MessageJSON: c.PostForm("message")}
	if id != 0 {
		v.Action = fmt.Sprintf("/templates/%d", id)
	}
	d := dispatch.TemplateDraft{Name: v.Name, Kind: v.Kind}
	var err error
	if len(v.MessageJSON) > models.MaxTemplateMessageBytes {
		err = fieldProblem("message", "err.too_long_bytes", map[string]any{"Max": models.MaxTemplateMessageBytes})
	} else if jerr := json.Unmarshal([]byte(v.MessageJSON), &d.Message); jerr != nil {
		err = fieldProblem("message", "err.json_object", nil)
	}
	var t models.Template
	if err == nil && id == 0 {
		t, err = s.engine.CreateTemplate(ctx, d, actor(c))
	} else if err == nil {
		t, err = s.engine.UpdateTemplate(ctx, id, d, actor(c))
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.render(c, http.StatusUnprocessableEntity, templates.Form(s.templateForm(ctx, v, ve)))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	action := auditTemplateUpdate
	if id == 0 {
		action = auditTemplateCreate
	}
	if !s.audit(c, action, "template:"+strconv.FormatInt(t.ID, 10), t.Name) {
		return
	}
	s.flash(c, "success", "templates.flash_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/templates/%d", t.ID))
}

// fieldProblem is a validation error on one field.
func fieldProblem(field, id string, data map[string]any) error {
	v := &models.ValidationError{}
	v.Add(field, id, data)
	return v
}

func (s *Server) deleteTemplate(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	if err := s.store.DeleteTemplate(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditTemplateDelete, "template:"+strconv.FormatInt(id, 10), "") {
		return
	}
	s.flash(c, "success", "templates.flash_deleted")
	c.Redirect(http.StatusSeeOther, "/templates")
}
