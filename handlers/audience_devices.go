package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

func (s *Server) showDevice(c *gin.Context) {
	ctx := c.Request.Context()
	d, ok := s.deviceParam(c)
	if !ok {
		return
	}
	acct, err := s.store.ProviderAccountByID(ctx, d.ProviderID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := audience.DeviceView{ID: d.ID, Account: acct.Name, CID: d.CID, Alias: d.Alias, UserID: d.UserID, Platform: d.Platform,
		Vendor: d.Vendor, Region: d.Region, Timezone: d.Timezone, OptedOut: d.OptedOut, Created: when(d.CreatedAt), Updated: when(d.UpdatedAt),
		LastSeen: whenPtr(d.LastSeenAt), EditURL: fmt.Sprintf("/audience/devices/%d/edit", d.ID),
		DeleteURL: fmt.Sprintf("/audience/devices/%d/delete", d.ID), BackURL: deviceListURL(d.ProviderID, audience.Filter{}, ""),
		InvalidSince: whenPtr(d.InvalidAt), InvalidReason: d.InvalidReason, ClearInvalidURL: fmt.Sprintf("/audience/devices/%d/clear-invalid", d.ID),
		Attributes: attrRows(d.Attributes), AttributesURL: fmt.Sprintf("/audience/devices/%d/attributes", d.ID)}
	for _, t := range d.Tags {
		v.Tags = append(v.Tags, audience.TagRow{Name: t, URL: deviceListURL(d.ProviderID, audience.Filter{Tag: t}, "")})
	}
	s.render(c, http.StatusOK, audience.Device(v))
}

// deviceParam loads the device named by :id, answering 404 itself.
func (s *Server) deviceParam(c *gin.Context) (models.Device, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return models.Device{}, false
	}
	d, err := s.store.DeviceByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return models.Device{}, false
	}
	return d, true
}

func (s *Server) showNewDevice(c *gin.Context) {
	vals := audience.DeviceFormValues{ProviderID: c.Query("provider_id"), Platform: "android"}
	s.renderDeviceForm(c, http.StatusOK, true, "", vals, nil)
}

func (s *Server) showEditDevice(c *gin.Context) {
	d, ok := s.deviceParam(c)
	if !ok {
		return
	}
	vals := audience.DeviceFormValues{ProviderID: strconv.FormatInt(d.ProviderID, 10), CID: d.CID, Alias: d.Alias, UserID: d.UserID,
		Platform: d.Platform, Vendor: d.Vendor, Region: d.Region, Tags: strings.Join(d.Tags, ", "), OptedOut: d.OptedOut, Attributes: attrLines(d.Attributes)}
	s.renderDeviceForm(c, http.StatusOK, false, fmt.Sprintf("/audience/devices/%d", d.ID), vals, nil)
}

// renderDeviceForm shows the add (action "") or edit form with the values
// typed and the errors beside their fields.
func (s *Server) renderDeviceForm(c *gin.Context, status int, isNew bool, action string, vals audience.DeviceFormValues, errs web.Errors) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, vals.ProviderID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := audience.DeviceFormView{IsNew: isNew, Action: action, Accounts: accts, Platforms: platformOptions(ctx, false), Values: vals, Errors: errs,
		Account: acct.Name, CancelURL: deviceListURL(acct.ID, audience.Filter{}, "")}
	if isNew {
		v.Action = "/audience/devices"
		if vals.ProviderID == "" {
			v.Values.ProviderID = strconv.FormatInt(acct.ID, 10)
		}
	} else {
		v.CancelURL = action
	}
	s.render(c, status, audience.DeviceForm(v))
}

// deviceFromForm reads the device form: every field is set (the form shows
// them all), tags replace the device's tags and the attribute lines its
// attributes. A malformed attribute line comes back as bad.
func deviceFromForm(c *gin.Context) (audience.DeviceFormValues, models.DeviceInput, *models.ValidationError) {
	f := audience.DeviceFormValues{ProviderID: c.PostForm("provider_id"), CID: c.PostForm("cid"), Alias: c.PostForm("alias"),
		UserID: c.PostForm("user_id"), Platform: c.PostForm("platform"), Vendor: c.PostForm("vendor"), Region: c.PostForm("region"),
		Tags: c.PostForm("tags"), OptedOut: c.PostForm("opted_out") == "1", Attributes: c.PostForm("attributes")}
	alias, user, platform, vendor, region, opted := f.Alias, f.UserID, f.Platform, f.Vendor, f.Region, f.OptedOut
	tags := splitTags(f.Tags)
	attrs, bad := parseAttrLines(f.Attributes)
	return f, models.DeviceInput{CID: f.CID, Alias: &alias, UserID: &user, Platform: &platform, Vendor: &vendor, Region: &region, Tags: &tags,
		OptedOut: &opted, Attributes: &attrs}, bad
}

func (s *Server) createDevice(c *gin.Context) {
	vals, in, bad := deviceFromForm(c)
	pid, ok := parseID(vals.ProviderID)
	if !ok {
		pid = -1
	}
	var d models.Device
	var err error
	if bad != nil { // a malformed attribute line: nothing to save yet
		err = bad
	} else {
		d, err = s.store.CreateDevice(c.Request.Context(), pid, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.renderDeviceForm(c, http.StatusUnprocessableEntity, true, "", vals, fieldErrors(c, ve))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "device_create", fmt.Sprintf("provider:%d", d.ProviderID), d.CID) {
		return
	}
	s.flash(c, "success", "flash.device_saved")
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/audience/devices/%d", d.ID))
}

func (s *Server) updateDevice(c *gin.Context) {
	old, ok := s.deviceParam(c)
	if !ok {
		return
	}
	vals, in, bad := deviceFromForm(c)
	vals.CID, vals.ProviderID = old.CID, strconv.FormatInt(old.ProviderID, 10)
	var d models.Device
	var err error
	if bad != nil { // a malformed attribute line: nothing to save yet
		err = bad
	} else {
		d, err = s.store.UpdateDevice(c.Request.Context(), old.ID, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		s.renderDeviceForm(c, http.StatusUnprocessableEntity, false, fmt.Sprintf("/audience/devices/%d", old.ID), vals, fieldErrors(c, ve))
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

func (s *Server) deleteDevice(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	d, err := s.store.DeleteDevice(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "device_delete", fmt.Sprintf("provider:%d", d.ProviderID), d.CID) {
		return
	}
	s.flash(c, "success", "flash.device_deleted")
	s.redirect(c, deviceListURL(d.ProviderID, audience.Filter{}, ""))
}

// clearDeviceInvalid removes a device's invalid mark: the operator knows
// the token works again, so resolved audiences include it once more.
func (s *Server) clearDeviceInvalid(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	d, err := s.store.ClearDeviceInvalid(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, auditDeviceClearInvalid, fmt.Sprintf("provider:%d", d.ProviderID), d.CID) {
		return
	}
	s.flash(c, "success", "invalid.cleared")
	s.redirect(c, fmt.Sprintf("/audience/devices/%d", d.ID))
}

// seedSandbox imports a simulated account's fleet into the device
// registry, so a fresh install has an audience to look at and target.
func (s *Server) seedSandbox(c *gin.Context) {
	ctx := c.Request.Context()
	pid, ok := parseID(c.PostForm("provider_id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	acct, err := s.store.ProviderAccountByID(ctx, pid)
	if err != nil {
		s.fail(c, err)
		return
	}
	total, err := s.engine.SeedSimulated(ctx, acct)
	if errors.Is(err, dispatch.ErrNotSimulated) {
		s.flash(c, "error", "flash.seed_not_sandbox")
		s.redirect(c, deviceListURL(pid, audience.Filter{}, ""))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "device_seed", fmt.Sprintf("provider:%d", pid), fmt.Sprintf("%d new, %d updated", total.Imported, total.Updated)) {
		return
	}
	s.flash(c, "success", "flash.seeded")
	s.redirect(c, deviceListURL(pid, audience.Filter{}, ""))
}

// localizeRejection renders a CSV rejection in the page's language.
func localizeRejection(c *gin.Context, r models.Rejection) audience.RejectedRow {
	return audience.RejectedRow{Line: strconv.FormatInt(r.Line, 10), Field: r.Field, Reason: i18n.T(c.Request.Context(), r.ID, r.Data)}
}
