package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// The attribute editor's rows: a{i}_name, a{i}_value and a{i}_remove, rows
// counting them. A device carries at most models.MaxDeviceAttrs
// attributes; the form shows a few blank rows beyond them for adding, and
// reads at most maxAttrEditRows, so a hostile form allocates little.
const (
	attrBlankRows   = 3
	maxAttrEditRows = models.MaxDeviceAttrs + 2*attrBlankRows
)

// showDeviceAttrs opens the attribute editor on the device's set.
func (s *Server) showDeviceAttrs(c *gin.Context) {
	d, ok := s.deviceParam(c)
	if !ok {
		return
	}
	var rows []audience.AttrEditRow
	for _, a := range attrRows(d.Attributes) {
		rows = append(rows, audience.AttrEditRow{Name: a.Name, Value: a.Value})
	}
	s.renderDeviceAttrs(c, http.StatusOK, d, withBlankRows(rows), "")
}

// saveDeviceAttrs replaces the device's attributes with the rows (one
// transaction, through UpdateDevice); "more" re-renders with blank rows.
// A problem is shown beside the row it belongs to.
func (s *Server) saveDeviceAttrs(c *gin.Context) {
	ctx := c.Request.Context()
	d, ok := s.deviceParam(c)
	if !ok {
		return
	}
	rows := attrEditRowsFromForm(c)
	if c.PostForm("action") == "more" {
		s.renderDeviceAttrs(c, http.StatusOK, d, withBlankRows(rows), "")
		return
	}
	attrs, ok := attrsFromEditRows(ctx, rows)
	if !ok {
		s.renderDeviceAttrs(c, http.StatusUnprocessableEntity, d, rows, "")
		return
	}
	_, err := s.store.UpdateDevice(ctx, d.ID, models.DeviceInput{Attributes: &attrs})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.renderDeviceAttrs(c, http.StatusUnprocessableEntity, d, rows, placeAttrErrors(ctx, ve, rows))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "device_update", fmt.Sprintf("provider:%d", d.ProviderID), d.CID) {
		return
	}
	s.flash(c, "success", "flash.device_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/audience/devices/%d", d.ID))
}

func (s *Server) renderDeviceAttrs(c *gin.Context, status int, d models.Device, rows []audience.AttrEditRow, setError string) {
	acct, err := s.store.ProviderAccountByID(c.Request.Context(), d.ProviderID)
	if err != nil {
		s.fail(c, err)
		return
	}
	for i := range rows {
		rows[i].Index = i
	}
	page := fmt.Sprintf("/audience/devices/%d", d.ID)
	s.render(c, status, audience.DeviceAttrs(audience.DeviceAttrsView{CID: d.CID, Account: acct.Name, Action: page + "/attributes", CancelURL: page,
		Rows: rows, Error: setError, Max: models.MaxDeviceAttrs, MaxValue: models.MaxAttrValueLen, CanAdd: len(rows) < maxAttrEditRows}))
}

// withBlankRows appends blank rows for adding, within maxAttrEditRows.
func withBlankRows(rows []audience.AttrEditRow) []audience.AttrEditRow {
	for range attrBlankRows {
		if len(rows) >= maxAttrEditRows {
			break
		}
		rows = append(rows, audience.AttrEditRow{})
	}
	return rows
}

// attrEditRowsFromForm reads the rows as typed (names trimmed).
func attrEditRowsFromForm(c *gin.Context) []audience.AttrEditRow {
	n, err := strconv.Atoi(c.PostForm("rows"))
	if err != nil || n < 0 {
		n = 0
	}
	rows := make([]audience.AttrEditRow, 0, min(n, maxAttrEditRows))
	for i := range min(n, maxAttrEditRows) {
		r := audience.AttrEditRow{Index: i}
		r.Name, r.Value, r.Remove = strings.TrimSpace(c.PostForm(r.Field("name"))), c.PostForm(r.Field("value")), c.PostForm(r.Field("remove")) == "1"
		rows = append(rows, r)
	}
	return rows
}

// attrsFromEditRows is the set the rows describe: blank and removed rows
// are skipped (a name with an empty value is removed too, as everywhere
// else). A value without a name and a name given twice are marked on
// their rows; ok is false then.
func attrsFromEditRows(ctx context.Context, rows []audience.AttrEditRow) (models.Attributes, bool) {
	out := models.Attributes{}
	first := map[string]int{}
	ok := true
	for i := range rows {
		r := &rows[i]
		switch {
		case r.Remove || r.Name == "" && strings.TrimSpace(r.Value) == "":
		case r.Name == "":
			r.NameError, ok = i18n.T(ctx, "err.required"), false
		case first[r.Name] > 0:
			r.NameError, ok = i18n.T(ctx, "attributes.err_twice", map[string]any{"Name": r.Name, "Row": first[r.Name]}), false
		default:
			first[r.Name] = i + 1
			out[r.Name] = r.Value
		}
	}
	return out, ok
}

// placeAttrErrors puts the store's verdict on the rows: a problem with a
// name or a value names the attribute, which finds its row; anything else
// (too many attributes) is the set's error, returned.
func placeAttrErrors(ctx context.Context, ve *models.ValidationError, rows []audience.AttrEditRow) string {
	var set []string
	for _, fe := range ve.Fields {
		msg := i18n.T(ctx, fe.ID, fe.Data)
		name, _ := fe.Data["Name"].(string)
		placed := false
		for i := range rows {
			r := &rows[i]
			if name == "" || r.Remove || r.Name != name {
				continue
			}
			if strings.HasPrefix(fe.ID, "err.attr_value") {
				r.ValueError = msg
			} else {
				r.NameError = msg
			}
			placed = true
			break
		}
		if !placed {
			set = append(set, msg)
		}
	}
	return strings.Join(set, " ")
}
