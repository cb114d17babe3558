package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

func (s *Server) showSegments(c *gin.Context) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, c.Query("provider_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	sgs, err := s.store.ListSegments(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	pid := strconv.FormatInt(acct.ID, 10)
	v := audience.SegmentsView{Tabs: audience.Tabs{Current: "segments", ProviderID: pid}, Accounts: accts, ProviderID: pid}
	for _, sg := range sgs {
		v.Rows = append(v.Rows, audience.SegmentRow{ID: strconv.FormatInt(sg.ID, 10), URL: fmt.Sprintf("/audience/segments/%d?provider_id=%s", sg.ID, pid),
			Name: sg.Name, Description: sg.Description, Summary: treeSummary(sg.Tree)})
	}
	s.render(c, http.StatusOK, audience.Segments(v))
}

// treeSummary writes a tree as a short formula:
// "region in (Zhejiang, Shanghai) AND NOT tag in (test)".
func treeSummary(n models.Node) string {
	switch n.Op {
	case "and", "or":
		parts := make([]string, len(n.Items))
		for i, it := range n.Items {
			parts[i] = treeSummary(it)
			if it.Op == "and" || it.Op == "or" {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, " "+strings.ToUpper(n.Op)+" ")
	case "not":
		if len(n.Items) == 1 {
			return "NOT " + treeSummary(n.Items[0])
		}
	}
	if n.Op == "exists" {
		return n.Field + " exists"
	}
	op := map[string]string{"in": "in", "not_in": "not in", "all": "has all", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[n.Op]
	return n.Field + " " + op + " (" + strings.Join(n.Values, ", ") + ")"
}

func (s *Server) showNewSegment(c *gin.Context) {
	b := audience.Builder{TopOp: "and", Groups: []audience.Group{{Op: "and", Rows: []audience.Row{{Field: "tag", Op: "in"}}}}}
	v := audience.SegmentFormView{IsNew: true, Action: "/audience/segments", Builder: reindex(b)}
	s.renderSegmentForm(c, http.StatusOK, v, c.Query("provider_id"))
}

func (s *Server) showSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	sg, err := s.store.SegmentByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := audience.SegmentFormView{Action: fmt.Sprintf("/audience/segments/%d", id), DeleteURL: fmt.Sprintf("/audience/segments/%d/delete", id),
		Name: sg.Name, Description: sg.Description, SegmentID: strconv.FormatInt(id, 10)}
	if b, ok := builderFromTree(sg.Tree); ok {
		v.Builder = reindex(b)
	} else {
		v.Advanced = true
		tree, err := json.MarshalIndent(sg.Tree, "", "  ")
		if err != nil {
			s.fail(c, fmt.Errorf("handlers: encode segment %d: %w", id, err))
			return
		}
		v.TreeJSON = string(tree)
	}
	s.renderSegmentForm(c, http.StatusOK, v, c.Query("provider_id"))
}

// renderSegmentForm fills in the option lists and the accounts to count on.
func (s *Server) renderSegmentForm(c *gin.Context, status int, v audience.SegmentFormView, providerID string) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, providerID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Accounts, v.ProviderID = accts, strconv.FormatInt(acct.ID, 10)
	opt := func(prefix string, vals ...string) []web.Option {
		out := make([]web.Option, len(vals))
		for i, x := range vals {
			out[i] = web.Option{Value: x, Label: i18n.T(ctx, prefix+x)}
		}
		return out
	}
	v.Fields = append(opt("audience.field_", models.TreeFields...), web.Option{Value: attrRowField, Label: i18n.T(ctx, "attributes.field_attr")})
	v.Ops = append(opt("audience.op_", "in", "not_in", "all"), opt("attributes.op_", opEquals, "exists", "lt", "lte", "gt", "gte")...)
	if v.AttrNames, err = s.store.AttributeNames(ctx, acct.ID, builderAttrScan); err != nil {
		s.fail(c, err)
		return
	}
	v.TopOps = opt("audience.top_", "and", "or")
	v.GroupOps = opt("audience.group_", "and", "or")
	s.render(c, status, audience.SegmentForm(v))
}

// builderAttrScan is how many of the account's newest devices the
// builder reads for the attribute names it suggests: a bounded query on a
// large registry (any valid name can still be typed).
const builderAttrScan = 5000

func (s *Server) createSegment(c *gin.Context) {
	s.submitSegment(c, 0)
}

func (s *Server) saveSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	s.submitSegment(c, id)
}

// submitSegment handles the builder form: its row and group buttons
// re-render the form changed, "save" validates and stores (id 0: new).
func (s *Server) submitSegment(c *gin.Context, id int64) {
	ctx := c.Request.Context()
	v := audience.SegmentFormView{IsNew: id == 0, Action: "/audience/segments", Name: c.PostForm("name"), Description: c.PostForm("description"),
		Advanced: c.PostForm("advanced") == "1", TreeJSON: c.PostForm("tree_json")}
	if id != 0 {
		v.Action, v.DeleteURL = fmt.Sprintf("/audience/segments/%d", id), fmt.Sprintf("/audience/segments/%d/delete", id)
	}
	v.Builder = builderFromForm(c)
	if action := c.PostForm("action"); action != "" && action != "save" {
		v.Builder = reindex(applyBuilderAction(v.Builder, action))
		s.renderSegmentForm(c, http.StatusOK, v, c.PostForm("provider_id"))
		return
	}
	tree, ok := s.formTree(c, &v)
	if !ok {
		s.renderSegmentForm(c, http.StatusUnprocessableEntity, v, c.PostForm("provider_id"))
		return
	}
	in := models.SegmentInput{Name: v.Name, Description: v.Description, Tree: tree, Actor: actor(c)}
	var sg models.Segment
	var err error
	if id == 0 {
		sg, err = s.store.CreateSegment(ctx, in)
	} else {
		sg, err = s.store.UpdateSegment(ctx, id, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v.Errors = fieldErrors(c, ve)
		s.renderSegmentForm(c, http.StatusUnprocessableEntity, v, c.PostForm("provider_id"))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "segment_save", "segment:"+strconv.FormatInt(sg.ID, 10), sg.Name) {
		return
	}
	s.flash(c, "success", "flash.segment_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/audience/segments/%d?provider_id=%s", sg.ID, c.PostForm("provider_id")))
}

// formTree builds the tree JSON from the builder (or the advanced JSON
// field), putting each row's problem beside the row. ok is false when
// something is wrong; v then carries the errors.
func (s *Server) formTree(c *gin.Context, v *audience.SegmentFormView) (json.RawMessage, bool) {
	ctx := c.Request.Context()
	v.Errors = web.Errors{}
	if strings.TrimSpace(v.Name) == "" {
		v.Errors["name"] = i18n.T(ctx, "err.required")
	}
	if v.Advanced {
		if _, err := models.ParseTree([]byte(v.TreeJSON), "tree"); err != nil {
			v.Errors["tree"] = firstFieldError(c, err)
		}
		return json.RawMessage(v.TreeJSON), len(v.Errors) == 0
	}
	tree, ok := treeFromBuilder(ctx, &v.Builder)
	if !ok {
		v.Errors["tree"] = i18n.T(ctx, "audience.builder_has_errors")
		return nil, false
	}
	raw, err := json.Marshal(tree)
	if err == nil {
		_, err = models.ParseTree(raw, "tree")
	}
	if err != nil {
		v.Errors["tree"] = firstFieldError(c, err)
		return nil, false
	}
	return raw, len(v.Errors) == 0
}

// firstFieldError renders one problem of a validation error with its path
// (for condition trees, where the path says which node).
func firstFieldError(c *gin.Context, err error) string {
	key, msg := firstProblem(c, err)
	if key == "" {
		return msg
	}
	return key + ": " + msg
}

// firstProblem is the first (by path) problem of a validation error.
func firstProblem(c *gin.Context, err error) (key, msg string) {
	var ve *models.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return "", i18n.T(c.Request.Context(), "error.internal")
	}
	keys := make([]string, 0, len(ve.Fields))
	for k := range ve.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fe := ve.Fields[keys[0]]
	return keys[0], i18n.T(c.Request.Context(), fe.ID, fe.Data)
}

func (s *Server) deleteSegment(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	err := s.store.DeleteSegment(c.Request.Context(), id)
	if errors.Is(err, models.ErrConflict) {
		s.flash(c, "error", "flash.segment_in_use")
		s.redirect(c, fmt.Sprintf("/audience/segments/%d", id))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "segment_delete", "segment:"+strconv.FormatInt(id, 10), "") {
		return
	}
	s.flash(c, "success", "flash.segment_deleted")
	s.redirect(c, "/audience/segments")
}

// segmentCount is the live count of the builder (or of a saved segment:
// segment_id) on the account provider_id, as a small fragment.
func (s *Server) segmentCount(c *gin.Context) {
	ctx := c.Request.Context()
	var a models.Audience
	if id := c.PostForm("segment_id"); id != "" {
		a = models.Audience{Kind: "segment", Values: []string{id}}
	} else {
		v := audience.SegmentFormView{Advanced: c.PostForm("advanced") == "1", TreeJSON: c.PostForm("tree_json"), Name: "-", Builder: builderFromForm(c)}
		tree, ok := s.formTree(c, &v)
		if !ok {
			s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: i18n.T(ctx, "audience.count_incomplete")}))
			return
		}
		a = models.Audience{Kind: "conditions", Tree: tree}
	}
	s.renderCount(c, c.PostForm("provider_id"), a)
}

// audiencePreview is the composer's live audience count. Form fields:
// provider_id, audience_kind (all, tag, alias, cid, segment, conditions),
// audience_values (tags, aliases or cids, separated by newlines, commas,
// spaces or semicolons), segment_id (for kind segment) and
// audience_conditions (a condition tree as JSON, for kind conditions).
func (s *Server) audiencePreview(c *gin.Context) {
	a := models.Audience{Kind: c.PostForm("audience_kind"), IncludeInvalid: c.PostForm("include_invalid") != ""}
	switch a.Kind {
	case "segment":
		a.Values = []string{strings.TrimSpace(c.PostForm("segment_id"))}
	case "conditions":
		a.Tree = json.RawMessage(c.PostForm("audience_conditions"))
	case "all":
	default:
		a.Values = splitValues(c.PostForm("audience_values"))
	}
	s.renderCount(c, c.PostForm("provider_id"), a)
}

// previewLabels name the fields of a count's problem.
var previewLabels = map[string]string{"audience.values": "field.audience_values", "audience.kind": "field.audience_kind"}

// renderCount answers a count fragment: the exact count, or the first
// reason the audience cannot be counted. Always 200: htmx swaps only
// successful answers.
func (s *Server) renderCount(c *gin.Context, rawPID string, a models.Audience) {
	ctx := c.Request.Context()
	pid, ok := parseID(rawPID)
	if !ok {
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: i18n.T(ctx, "audience.pick_account")}))
		return
	}
	acct, err := s.store.ProviderAccountByID(ctx, pid)
	if errors.Is(err, models.ErrNotFound) {
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: i18n.T(ctx, "audience.pick_account")}))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	n, err := s.countPreview(ctx, pid, a)
	var ve *models.ValidationError
	switch {
	case errors.Is(err, errPreviewBusy):
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: i18n.T(ctx, "audience.count_busy")}))
		return
	case errors.Is(err, errPreviewTimeout):
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: i18n.T(ctx, "audience.count_timeout")}))
		return
	}
	if errors.As(err, &ve) {
		key, msg := firstProblem(c, err)
		if label, ok := previewLabels[key]; ok {
			msg = i18n.T(ctx, label) + " " + msg
		}
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: msg}))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	native, err := s.nativeKind(ctx, acct, a)
	if err != nil {
		s.log.Error("audience preview: provider client", slog.Int64("account", acct.ID), slog.String("kind", acct.Kind), slog.Any("error", err))
		msg := i18n.T(ctx, "audience.account_unusable")
		if isProviderFailure(err) {
			// Unusable settings are named, so the operator knows what to fix.
			msg += " " + providerFailure(ctx, err)
		}
		s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Error: msg}))
		return
	}
	s.render(c, http.StatusOK, audience.Preview(audience.PreviewView{Count: num(n), CountN: n, Native: native}))
}
