package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/dispatch/draft"
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
	ReasonCode string            `json:"status_reason_code,omitempty"`
	Audience   models.Audience   `json:"audience"`
	Message    providers.Message `json:"message"`
	Options    draft.Options     `json:"options"`
	ScheduleAt *time.Time        `json:"schedule_at"`
	Totals     models.Totals     `json:"totals"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	// TemplateID is the saved template the campaign was started from.
	TemplateID *int64 `json:"template_id"`
	// Variants are the A/B versions of the message (message is the
	// first's); AB is where a test-first campaign is.
	Variants []draft.Variant `json:"variants,omitempty"`
	AB       *apiABState     `json:"ab,omitempty"`
	// The retrying batches, only on GET of one campaign.
	apiRetries
}

func toAPICampaign(c models.Campaign) (apiCampaign, error) {
	d, err := draft.Of(c)
	if err != nil {
		return apiCampaign{}, err
	}
	return apiCampaign{ID: c.ID, Name: c.Name, ProviderID: c.ProviderID, Group: c.GroupName, Status: c.Status, Reason: c.StatusReason, ReasonCode: c.StatusReasonCode,
		Audience: c.Audience, Message: d.Message, Options: d.Options, ScheduleAt: c.ScheduleAt, Totals: c.Totals(),
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, TemplateID: c.TemplateID,
		Variants: d.Variants, AB: abStateOf(c)}, nil
}

func (s *Server) writeCampaign(c *gin.Context, status int, cm models.Campaign) {
	out, err := toAPICampaign(cm)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(status, out)
}

// readCloser reads through r and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// apiCreateCampaign creates a draft; a repeated Idempotency-Key (the same
// API key's, within 24 hours, with the same body) returns the campaign
// first created with it (200 instead of 201); with another body it is a 422.
func (s *Server) apiCreateCampaign(c *gin.Context) {
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if len(key) > 200 {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"Idempotency-Key": "must be at most 200 characters"})
		return
	}
	// The body is hashed as it is decoded, so a repeated key with another
	// body is refused. The decoder reads the whole JSON value and refuses
	// anything after it but whitespace, so equal bodies hash equal.
	body := sha256.New()
	c.Request.Body = readCloser{io.TeeReader(c.Request.Body, body), c.Request.Body}
	d, up, ok := s.decodeDraft(c)
	if !ok {
		return
	}
	idem := models.Idempotency{Owner: fmt.Sprintf("apikey:%d", c.GetInt64(ctxAPIKeyID)), Key: key, BodyHash: hex.EncodeToString(body.Sum(nil))}
	if up != nil {
		// Nothing once a campaign took the upload; the request's own
		// values otherwise.
		defer func() {
			if err := up.Discard(context.WithoutCancel(c.Request.Context())); err != nil {
				s.log.Error("discard audience upload", "upload", up.ID, "error", err)
			}
		}()
	}
	cm, created, err := s.engine.CreateCampaign(c.Request.Context(), d, actor(c), idem)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		if !s.audit(c, "campaign_create", fmt.Sprintf("campaign:%d", cm.ID), cm.Name) {
			return
		}
	}
	s.writeCampaign(c, status, cm)
}

func (s *Server) apiListCampaigns(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	f := models.CampaignFilter{Status: models.Status(c.Query("status")), Limit: limit, WithAudience: true}
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

// apiCampaign loads the campaign the path's :id names. On false the
// response (404, or the load's error) is already written.
func (s *Server) apiCampaign(c *gin.Context) (models.Campaign, bool) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return models.Campaign{}, false
	}
	cm, err := s.store.CampaignByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return models.Campaign{}, false
	}
	return cm, true
}

func (s *Server) apiGetCampaign(c *gin.Context) {
	cm, ok := s.apiCampaign(c)
	if !ok {
		return
	}
	out, err := toAPICampaign(cm)
	if err == nil {
		out.apiRetries, err = s.campaignRetries(c.Request.Context(), cm)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
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
	if !s.audit(c, "campaign_test", fmt.Sprintf("campaign:%d", id), strings.Join(body.CIDs, ",")) {
		return
	}
	type outcome struct {
		CID     string `json:"cid"`
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	items := make([]outcome, 0, len(body.CIDs))
	en := s.englishOutcomes()
	for _, o := range testOutcomes(body.CIDs, res) {
		items = append(items, outcome{CID: o.Recipient, Status: o.Status, Code: o.Code, Message: en.text(o.Message)})
	}
	c.JSON(http.StatusOK, gin.H{"request_id": res.RequestID, "task_id": res.TaskID, "items": items})
}

// apiCampaignAudience pages a campaign's audience values in key order:
// {kind, count, items, next_after}. A cid or alias list (up to a million
// values) is read a keyset page at a time.
func (s *Server) apiCampaignAudience(c *gin.Context) {
	id, ok := s.apiCampaignID(c)
	if !ok {
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cm, err := s.store.CampaignByID(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	a, after := cm.Audience, c.Query("after")
	var items []string
	if a.Stored != nil {
		if items, err = s.store.CampaignValues(ctx, id, after, limit+1); err != nil {
			s.apiFail(c, err)
			return
		}
	} else {
		vals := slices.Clone(a.Values)
		slices.Sort(vals)
		i, _ := slices.BinarySearch(vals, after)
		if i < len(vals) && vals[i] == after {
			i++
		}
		items = vals[i:min(len(vals), i+limit+1)]
	}
	var next any
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1]
	}
	if items == nil {
		items = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"kind": a.Kind, "count": a.Count, "items": items, "next_after": next})
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
	cm, err := s.store.CampaignHead(c.Request.Context(), id)
	if err != nil {
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
	c.JSON(http.StatusOK, gin.H{"items": apiDeliveries(ds, variantNames(cm), s.englishOutcomes()), "next_after": nextAfter})
}

// followUpName reads the optional {"name": "..."} body of duplicate and
// resend-failed; an empty body takes the default name.
func (s *Server) followUpName(c *gin.Context, def string) (string, bool) {
	if c.Request.ContentLength == 0 {
		return def, true
	}
	var body struct {
		Name *string `json:"name"`
	}
	if !s.decodeJSON(c, &body) {
		return "", false
	}
	if body.Name == nil {
		return def, true
	}
	return *body.Name, true
}

// apiDuplicateCampaign copies a campaign into a new draft: 201 with it.
func (s *Server) apiDuplicateCampaign(c *gin.Context) {
	cm, ok := s.apiCampaign(c)
	if !ok {
		return
	}
	name, ok := s.followUpName(c, "Copy of "+cm.Name)
	if !ok {
		return
	}
	out, err := s.engine.DuplicateCampaign(c.Request.Context(), cm.ID, name, actor(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "campaign_duplicate", fmt.Sprintf("campaign:%d", out.ID), fmt.Sprintf("from campaign:%d", cm.ID)) {
		return
	}
	s.writeCampaign(c, http.StatusCreated, out)
}

// apiResendFailed creates the follow-up draft for the recipients that ended
// failed: 201 with it, 409 while the campaign runs, 422 when none failed.
func (s *Server) apiResendFailed(c *gin.Context) {
	cm, ok := s.apiCampaign(c)
	if !ok {
		return
	}
	name, ok := s.followUpName(c, cm.Name+" (resend to failed)")
	if !ok {
		return
	}
	out, err := s.engine.ResendFailed(c.Request.Context(), cm.ID, name, actor(c))
	switch {
	case errors.Is(err, dispatch.ErrNotFinished):
		apiError(c, http.StatusConflict, "conflict", fmt.Sprintf("the campaign is %s; only a completed, cancelled or failed campaign can be resent", cm.Status), nil)
		return
	case errors.Is(err, dispatch.ErrNoFailed):
		apiError(c, http.StatusUnprocessableEntity, "no_failed_recipients", "no recipient of this campaign ended failed", nil)
		return
	case err != nil:
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "campaign_resend_failed", fmt.Sprintf("campaign:%d", out.ID), fmt.Sprintf("from campaign:%d, %d recipients", cm.ID, out.Audience.Count)) {
		return
	}
	s.writeCampaign(c, http.StatusCreated, out)
}
