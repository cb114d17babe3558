package handlers

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// apiRecurringBody is a campaign body (DESIGN's) with its repeat rule.
type apiRecurringBody struct {
	draft.Draft
	Repeat dispatch.RepeatRule `json:"repeat"`
}

// apiRecurring is a recurring definition: the campaign each run is made
// from, its rule, and where it stands.
type apiRecurring struct {
	ID         int64               `json:"id"`
	Name       string              `json:"name"`
	ProviderID int64               `json:"provider_id"`
	Status     string              `json:"status"`
	Repeat     dispatch.RepeatRule `json:"repeat"`
	Campaign   draft.Draft         `json:"campaign"`
	NextRunAt  *time.Time          `json:"next_run_at"`
	LastSlotAt *time.Time          `json:"last_run_at"`
	Runs       int                 `json:"runs"`
	LastError  string              `json:"last_error,omitempty"`
	CreatedBy  string              `json:"created_by"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
	// RunList is the latest runs, only on GET of one definition.
	RunList []apiRun `json:"run_list,omitempty"`
}

// apiRun is one run of a definition.
type apiRun struct {
	ID     int64         `json:"id"`
	Name   string        `json:"name"`
	Status models.Status `json:"status"`
	Slot   *time.Time    `json:"slot"`
	Totals models.Totals `json:"totals"`
}

// maxRunList is how many runs one definition's page and answer show.
const maxRunList = 50

func toAPIRecurring(r models.Recurring) (apiRecurring, error) {
	def, err := dispatch.RecurringOf(r)
	if err != nil {
		return apiRecurring{}, err
	}
	return apiRecurring{ID: r.ID, Name: r.Name, ProviderID: r.ProviderID, Status: r.Status, Repeat: def.Rule, Campaign: def.Draft,
		NextRunAt: r.NextRunAt, LastSlotAt: r.LastSlotAt, Runs: r.Runs, LastError: r.LastError,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

func (s *Server) apiCreateRecurring(c *gin.Context) {
	var body apiRecurringBody
	if !s.decodeJSON(c, &body) {
		return
	}
	r, err := s.engine.CreateRecurring(c.Request.Context(), body.Draft, body.Repeat, actor(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditRecurringCreate, fmt.Sprintf("recurring:%d", r.ID), r.Name) {
		return
	}
	s.writeRecurring(c, http.StatusCreated, r, false)
}

func (s *Server) writeRecurring(c *gin.Context, status int, r models.Recurring, withRuns bool) {
	out, err := toAPIRecurring(r)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if withRuns {
		runs, err := s.store.RecurringRuns(c.Request.Context(), r.ID, maxRunList)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		for _, cm := range runs {
			out.RunList = append(out.RunList, apiRun{ID: cm.ID, Name: cm.Name, Status: cm.Status, Slot: cm.RunSlot, Totals: cm.Totals()})
		}
	}
	c.JSON(status, out)
}

func (s *Server) apiListRecurring(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	var after int64
	if a := c.Query("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 {
			apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"after": "must be a recurring campaign id"})
			return
		}
		after = n
	}
	rs, err := s.store.ListRecurring(c.Request.Context(), after, limit+1)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	var next any
	if len(rs) > limit {
		rs = rs[:limit]
		next = rs[limit-1].ID
	}
	items := make([]apiRecurring, 0, len(rs))
	for _, r := range rs {
		a, err := toAPIRecurring(r)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		items = append(items, a)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": next})
}

func (s *Server) apiGetRecurring(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	r, err := s.store.RecurringByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeRecurring(c, http.StatusOK, r, true)
}

// apiRecurringAction pauses, resumes or ends a definition; 409 once ended.
func (s *Server) apiRecurringAction(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	action := path.Base(c.Request.URL.Path)
	r, err := s.recurringAction(c, id, action)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.auditRecurring(c, action, r) {
		return
	}
	s.writeRecurring(c, http.StatusOK, r, false)
}

func (s *Server) apiDeleteRecurring(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	r, err := s.store.RecurringByID(c.Request.Context(), id)
	if err == nil {
		err = s.store.DeleteRecurring(c.Request.Context(), id)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, auditRecurringDelete, fmt.Sprintf("recurring:%d", id), r.Name) {
		return
	}
	c.Status(http.StatusNoContent)
}

// recurringAction runs pause / resume / end.
func (s *Server) recurringAction(c *gin.Context, id int64, action string) (models.Recurring, error) {
	ctx := c.Request.Context()
	switch action {
	case "pause":
		return s.engine.PauseRecurring(ctx, id)
	case "resume":
		return s.engine.ResumeRecurring(ctx, id)
	case "end":
		return s.engine.EndRecurring(ctx, id)
	}
	return models.Recurring{}, models.ErrNotFound
}

// auditRecurring records a pause / resume / end; false when the record
// failed (the answer is written).
func (s *Server) auditRecurring(c *gin.Context, action string, r models.Recurring) bool {
	target := fmt.Sprintf("recurring:%d", r.ID)
	switch action {
	case "pause":
		return s.audit(c, auditRecurringPause, target, r.Name)
	case "resume":
		return s.audit(c, auditRecurringResume, target, r.Name)
	}
	return s.audit(c, auditRecurringEnd, target, r.Name)
}
