package handlers

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// apiCampaign is a campaign in the contract's shape.
type apiCampaign struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	ProviderID int64             `json:"provider_id"`
	Group      string            `json:"group"`
	Status     models.Status     `json:"status"`
	Reason     string            `json:"status_reason,omitempty"`
	Audience   models.Audience   `json:"audience"`
	Message    providers.Message `json:"message"`
	Options    dispatch.Options  `json:"options"`
	ScheduleAt *time.Time        `json:"schedule_at"`
	Totals     models.Totals     `json:"totals"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
}

func toAPICampaign(c models.Campaign) (apiCampaign, error) {
	d, err := dispatch.DraftOf(c)
	if err != nil {
		return apiCampaign{}, err
	}
	return apiCampaign{ID: c.ID, Name: c.Name, ProviderID: c.ProviderID, Group: c.GroupName, Status: c.Status, Reason: c.StatusReason,
		Audience: c.Audience, Message: d.Message, Options: d.Options, ScheduleAt: c.ScheduleAt, Totals: c.Totals(),
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}, nil
}

func (s *Server) writeCampaign(c *gin.Context, status int, cm models.Campaign) {
	out, err := toAPICampaign(cm)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(status, out)
}

// apiCreateCampaign creates a draft; a repeated Idempotency-Key returns the
// campaign first created with it (200 instead of 201).
func (s *Server) apiCreateCampaign(c *gin.Context) {
	var d dispatch.Draft
	if !s.decodeJSON(c, &d) {
		return
	}
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if len(key) > 200 {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"Idempotency-Key": "must be at most 200 characters"})
		return
	}
	cm, created, err := s.engine.CreateCampaign(c.Request.Context(), d, actor(c), key)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.audit(c, "campaign_create", fmt.Sprintf("campaign:%d", cm.ID), cm.Name)
	}
	s.writeCampaign(c, status, cm)
}

func (s *Server) apiListCampaigns(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f := models.CampaignFilter{Status: models.Status(c.Query("status")), Limit: limit}
	if f.Status != "" && !f.Status.Valid() {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"status": "must be one of draft, scheduled, sending, paused, completed, cancelled, failed"})
		return
	}
	if a := c.Query("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 {
			apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"after": "must be a campaign id"})
			return
		}
		f.After = n
	}
	cs, next, err := s.store.ListCampaigns(c.Request.Context(), f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiCampaign, 0, len(cs))
	for _, cm := range cs {
		a, err := toAPICampaign(cm)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		items = append(items, a)
	}
	var nextAfter any
	if next > 0 {
		nextAfter = next
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nextAfter})
}

func (s *Server) apiCampaignID(c *gin.Context) (int64, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		apiError(c, http.StatusNotFound, "not_found", "no such resource", nil)
	}
	return id, ok
}

func (s *Server) apiGetCampaign(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	cm, err := s.store.CampaignByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeCampaign(c, http.StatusOK, cm)
}

// apiCampaignAction runs send / pause / resume / cancel; 409 when the
// transition table forbids it.
func (s *Server) apiCampaignAction(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	cm, err := s.runAction(c, id, path.Base(c.Request.URL.Path))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeCampaign(c, http.StatusOK, cm)
}

func (s *Server) apiTestSend(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	var body struct {
		CIDs []string `json:"cids"`
	}
	if !s.decodeJSON(c, &body) {
		return
	}
	res, err := s.engine.TestSend(c.Request.Context(), id, body.CIDs)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.audit(c, "campaign_test", fmt.Sprintf("campaign:%d", id), strings.Join(body.CIDs, ","))
	type outcome struct {
		CID     string `json:"cid"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	items := make([]outcome, 0, len(body.CIDs))
	for _, o := range testOutcomes(body.CIDs, res) {
		items = append(items, outcome{CID: o.Recipient, Status: o.Status, Code: o.Code, Message: o.Message})
	}
	c.JSON(http.StatusOK, gin.H{"request_id": res.RequestID, "task_id": res.TaskID, "items": items})
}

func (s *Server) apiListDeliveries(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	st := c.Query("status")
	switch st {
	case "", models.DeliveryPending, models.DeliveryAccepted, models.DeliveryInvalid, models.DeliveryFailed:
	default:
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"status": "must be one of pending, accepted, invalid, failed"})
		return
	}
	if _, err := s.store.CampaignByID(c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return
	}
	ds, next, err := s.store.ListDeliveries(c.Request.Context(), id, models.DeliveryFilter{Status: st, After: c.Query("after"), Limit: limit})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	var nextAfter any
	if next != "" {
		nextAfter = next
	}
	if ds == nil {
		ds = []models.Delivery{}
	}
	c.JSON(http.StatusOK, gin.H{"items": ds, "next_after": nextAfter})
}
