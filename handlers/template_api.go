package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// templateRoutes are the saved message templates: read by viewers,
// written by operators, like campaigns.
func (s *Server) templateRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/templates", viewer, s.showTemplates),
		page(http.MethodGet, "/templates/new", operator, s.showNewTemplate),
		page(http.MethodPost, "/templates", operator, s.saveNewTemplate),
		page(http.MethodPost, "/templates/from-composer", operator, s.saveComposerTemplate),
		page(http.MethodGet, "/templates/:id", viewer, s.showTemplate),
		page(http.MethodGet, "/templates/:id/edit", operator, s.showEditTemplate),
		page(http.MethodPost, "/templates/:id", operator, s.saveTemplate),
		page(http.MethodPost, "/templates/:id/delete", operator, s.deleteTemplate),

		api(http.MethodGet, "/templates", viewer, s.apiListTemplates),
		api(http.MethodPost, "/templates", operator, s.apiCreateTemplate),
		api(http.MethodGet, "/templates/:id", viewer, s.apiGetTemplate),
		api(http.MethodPut, "/templates/:id", operator, s.apiUpdateTemplate),
		api(http.MethodDelete, "/templates/:id", operator, s.apiDeleteTemplate),
	}
}

// apiTemplate is a template in the contract's shape.
type apiTemplate struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Message   providers.Message `json:"message"`
	UsedBy    int64             `json:"used_by"`
	CreatedBy string            `json:"created_by"`
	UpdatedBy string            `json:"updated_by"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func toAPITemplate(t models.Template) (apiTemplate, error) {
	m, err := dispatch.TemplateMessage(t)
	return apiTemplate{ID: t.ID, Name: t.Name, Kind: t.Kind, Message: m, UsedBy: t.UsedBy,
		CreatedBy: t.CreatedBy, UpdatedBy: t.UpdatedBy, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}, err
}

func (s *Server) writeTemplate(c *gin.Context, status int, t models.Template) {
	out, err := toAPITemplate(t)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(status, out)
}

func (s *Server) apiListTemplates(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	ts, next, err := s.store.ListTemplates(c.Request.Context(), models.TemplateFilter{Kind: c.Query("kind"), After: c.Query("after"), Limit: limit})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiTemplate, 0, len(ts))
	for _, t := range ts {
		a, err := toAPITemplate(t)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		items = append(items, a)
	}
	var nextAfter any
	if next != "" {
		nextAfter = next
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nextAfter})
}

func (s *Server) apiCreateTemplate(c *gin.Context) {
	var body dispatch.TemplateDraft
	if !s.decodeJSON(c, &body) {
		return
	}
	t, err := s.engine.CreateTemplate(c.Request.Context(), body, actor(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditTemplateCreate, "template:"+strconv.FormatInt(t.ID, 10), t.Name) {
		return
	}
	s.writeTemplate(c, http.StatusCreated, t)
}

func (s *Server) apiGetTemplate(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	t, err := s.store.TemplateByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeTemplate(c, http.StatusOK, t)
}

func (s *Server) apiUpdateTemplate(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	var body dispatch.TemplateDraft
	if !s.decodeJSON(c, &body) {
		return
	}
	t, err := s.engine.UpdateTemplate(c.Request.Context(), id, body, actor(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditTemplateUpdate, "template:"+strconv.FormatInt(t.ID, 10), t.Name) {
		return
	}
	s.writeTemplate(c, http.StatusOK, t)
}

func (s *Server) apiDeleteTemplate(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	if err := s.store.DeleteTemplate(c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditTemplateDelete, "template:"+strconv.FormatInt(id, 10), "") {
		return
	}
	c.Status(http.StatusNoContent)
}
