package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
)

// apiDevice is one device of POST /api/v1/devices. An absent (or null)
// field keeps what a registered device has; tags, when present, replace
// the device's tags, and attributes (an object of name → string or number)
// the device's attributes.
type apiDevice struct {
	CID        string                      `json:"cid"`
	Alias      *string                     `json:"alias"`
	UserID     *string                     `json:"user_id"`
	Platform   *string                     `json:"platform"`
	Vendor     *string                     `json:"vendor"`
	Region     *string                     `json:"region"`
	Timezone   *string                     `json:"timezone"`
	Tags       *[]string                   `json:"tags"`
	OptedOut   *bool                       `json:"opted_out"`
	LastSeenAt *time.Time                  `json:"last_seen_at"`
	Attributes *map[string]json.RawMessage `json:"attributes"`
}

// apiProviderID reads ?provider_id=, answering 422 itself when it is not a
// positive integer.
func apiProviderID(c *gin.Context) (int64, bool) {
	id, ok := parseID(c.Query("provider_id"))
	if !ok {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"provider_id": "is required (a provider account id)"})
	}
	return id, ok
}

// apiUpsertDevices upserts up to 10,000 devices: all valid or nothing
// written (422 with "[i].field" paths).
func (s *Server) apiUpsertDevices(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	var in []models.DeviceInput
	bad := &models.ValidationError{}
	ok = s.decodeJSONArray(c, models.MaxDeviceBatch, "devices", func(dec *json.Decoder) error {
		var d apiDevice
		if err := dec.Decode(&d); err != nil {
			return err
		}
		in = append(in, models.DeviceInput{CID: d.CID, Alias: d.Alias, UserID: d.UserID, Platform: d.Platform, Vendor: d.Vendor,
			Region: d.Region, Timezone: d.Timezone, Tags: d.Tags, OptedOut: d.OptedOut, LastSeenAt: d.LastSeenAt,
			Attributes: apiAttributes(d.Attributes, fmt.Sprintf("[%d].", len(in)), bad)})
		return nil
	})
	if !ok {
		return
	}
	if err := bad.Err(); err != nil {
		s.apiFail(c, err)
		return
	}
	res, err := s.store.UpsertDevices(c.Request.Context(), pid, in)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "device_upsert", "provider:"+c.Query("provider_id"), num(int64(len(in)))+" devices") {
		return
	}
	c.JSON(http.StatusOK, res)
}

// apiRejection is a rejected CSV line in the contract's shape.
type apiRejection struct {
	Line  int64  `json:"line"`
	Error string `json:"error"`
}

// apiImportDevices streams a CSV body into the account and answers
// {imported, updated, unchanged, rejected: [{line, error}], rejected_total}.
func (s *Server) apiImportDevices(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes)
	res, err := s.store.ImportCSV(c.Request.Context(), pid, body, models.ImportOptions{})
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		apiError(c, http.StatusRequestEntityTooLarge, "too_large", "the CSV is larger than 2 GB", nil)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	loc := s.cat.Localizer("en")
	rej := make([]apiRejection, 0, len(res.Rejected))
	for _, r := range res.Rejected {
		msg := loc.T(r.ID, r.Data)
		if r.Field != "" {
			msg = r.Field + ": " + msg
		}
		rej = append(rej, apiRejection{Line: r.Line, Error: msg})
	}
	if !s.audit(c, "device_import", "provider:"+c.Query("provider_id"), num(res.Imported)+" new, "+num(res.Updated)+" updated") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": res.Imported, "updated": res.Updated, "unchanged": res.Unchanged,
		"rejected": rej, "rejected_total": res.RejectedTotal})
}

// apiListDevices is one keyset page of an account's devices:
// ?provider_id=&tag=&platform=&vendor=&region=&q=&after=&limit=.
func (s *Server) apiListDevices(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	ds, next, err := s.store.ListDevices(c.Request.Context(), models.DeviceFilter{ProviderID: pid, Tag: c.Query("tag"),
		Platform: c.Query("platform"), Vendor: c.Query("vendor"), Region: c.Query("region"), Q: c.Query("q"), After: c.Query("after"), Limit: limit})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if ds == nil {
		ds = []models.Device{}
	}
	var nextAfter any
	if next != "" {
		nextAfter = next
	}
	c.JSON(http.StatusOK, gin.H{"items": ds, "next_after": nextAfter})
}

// apiListTags lists an account's tags with their device counts.
func (s *Server) apiListTags(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	tags, err := s.store.ListTags(c.Request.Context(), pid, 1000)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if tags == nil {
		tags = []models.TagCount{}
	}
	c.JSON(http.StatusOK, gin.H{"items": tags, "next_after": nil})
}

// apiTagDevices adds and removes tags: {cids, add, remove} → {matched, missing}.
func (s *Server) apiTagDevices(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	var body struct {
		CIDs   []string `json:"cids"`
		Add    []string `json:"add"`
		Remove []string `json:"remove"`
	}
	if !s.decodeJSON(c, &body) {
		return
	}
	res, err := s.store.TagDevices(c.Request.Context(), pid, body.CIDs, body.Add, body.Remove)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "device_tag", "provider:"+c.Query("provider_id"), "+"+strings.Join(body.Add, ",")+" -"+strings.Join(body.Remove, ",")) {
		return
	}
	c.JSON(http.StatusOK, res)
}

// apiSetAlias sets one alias on listed devices: {cids, alias} → {matched, missing}.
func (s *Server) apiSetAlias(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	var body struct {
		CIDs  []string `json:"cids"`
		Alias *string  `json:"alias"`
	}
	if !s.decodeJSON(c, &body) {
		return
	}
	if body.Alias == nil {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"alias": "is required (\"\" clears it)"})
		return
	}
	res, err := s.store.SetAlias(c.Request.Context(), pid, body.CIDs, *body.Alias)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "device_alias", "provider:"+c.Query("provider_id"), *body.Alias) {
		return
	}
	c.JSON(http.StatusOK, res)
}

// apiDeleteDevices deletes listed devices: {cids} → {deleted}.
func (s *Server) apiDeleteDevices(c *gin.Context) {
	pid, ok := apiProviderID(c)
	if !ok {
		return
	}
	var body struct {
		CIDs []string `json:"cids"`
	}
	if !s.decodeJSON(c, &body) {
		return
	}
	if len(body.CIDs) == 0 || len(body.CIDs) > models.MaxListChange {
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"cids": "must list 1 to 10000 client ids"})
		return
	}
	n, err := s.store.DeleteDevices(c.Request.Context(), pid, body.CIDs)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "device_delete", "provider:"+c.Query("provider_id"), num(n)+" devices") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": n})
}

// apiAudiencePreview counts an audience: {provider_id, audience} →
// {count, native}. native is true when the provider is sent the audience
// natively (all, tag where native): it then reaches every device it knows,
// count is only the matching devices registered here, and no per-recipient
// deliveries are recorded. When native is false, count is exact.
func (s *Server) apiAudiencePreview(c *gin.Context) {
	var body struct {
		ProviderID int64           `json:"provider_id"`
		Audience   models.Audience `json:"audience"`
	}
	if !s.decodeJSON(c, &body) {
		return
	}
	ctx := c.Request.Context()
	acct, err := s.store.ProviderAccountByID(ctx, body.ProviderID)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"provider_id": "does not exist"})
			return
		}
		s.apiFail(c, err)
		return
	}
	n, err := s.countPreview(ctx, body.ProviderID, body.Audience)
	switch {
	case errors.Is(err, errPreviewBusy):
		c.Header("Retry-After", "1")
		apiError(c, http.StatusServiceUnavailable, "busy", "too many audience counts are running; try again shortly", nil)
		return
	case errors.Is(err, errPreviewTimeout):
		apiError(c, http.StatusServiceUnavailable, "timeout", "counting this audience took longer than "+s.cfg.Limits.PreviewTimeout.String()+"; narrow the conditions", nil)
		return
	case err != nil:
		s.apiFail(c, err)
		return
	}
	native, err := s.nativeKind(ctx, acct, body.Audience)
	if err != nil {
		s.log.Error("audience preview: provider client", slog.Int64("account", acct.ID), slog.String("kind", acct.Kind), slog.Any("error", err))
		apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid",
			map[string]string{"provider_id": "cannot be used as configured (test the account)"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"count": n, "native": native != ""})
}

// apiSegment is a segment in the API's shape.
type apiSegment struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Tree        json.RawMessage `json:"tree"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func toAPISegment(sg models.Segment) apiSegment {
	tree, err := json.Marshal(sg.Tree)
	if err != nil {
		tree = json.RawMessage(`null`)
	}
	return apiSegment{ID: sg.ID, Name: sg.Name, Description: sg.Description, Tree: tree, CreatedBy: sg.CreatedBy, CreatedAt: sg.CreatedAt, UpdatedAt: sg.UpdatedAt}
}

// segmentBody is the body of segment create and replace.
type segmentBody struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Tree        json.RawMessage `json:"tree"`
}

func (s *Server) apiListSegments(c *gin.Context) {
	sgs, err := s.store.ListSegments(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	items := make([]apiSegment, 0, len(sgs))
	for _, sg := range sgs {
		items = append(items, toAPISegment(sg))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_after": nil})
}

func (s *Server) apiCreateSegment(c *gin.Context) {
	var body segmentBody
	if !s.decodeJSON(c, &body) {
		return
	}
	sg, err := s.store.CreateSegment(c.Request.Context(), models.SegmentInput{Name: body.Name, Description: body.Description, Tree: body.Tree, Actor: actor(c)})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "segment_create", "segment:"+strconv.FormatInt(sg.ID, 10), sg.Name) {
		return
	}
	c.JSON(http.StatusCreated, toAPISegment(sg))
}

func (s *Server) apiGetSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	sg, err := s.store.SegmentByID(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, toAPISegment(sg))
}

func (s *Server) apiUpdateSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	var body segmentBody
	if !s.decodeJSON(c, &body) {
		return
	}
	sg, err := s.store.UpdateSegment(c.Request.Context(), id, models.SegmentInput{Name: body.Name, Description: body.Description, Tree: body.Tree, Actor: actor(c)})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "segment_update", "segment:"+strconv.FormatInt(sg.ID, 10), sg.Name) {
		return
	}
	c.JSON(http.StatusOK, toAPISegment(sg))
}

func (s *Server) apiDeleteSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.apiFail(c, models.ErrNotFound)
		return
	}
	if err := s.store.DeleteSegment(c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return
	}
	if !s.audit(c, "segment_delete", "segment:"+strconv.FormatInt(id, 10), "") {
		return
	}
	c.Status(http.StatusNoContent)
}
