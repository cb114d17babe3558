package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// bulkDevices applies the device list's bulk bar to the ticked devices:
// add or remove the typed tags, or delete the devices. Refusals (no device
// ticked, no tag typed, a bad tag) come back as a flash on the same list.
func (s *Server) bulkDevices(c *gin.Context) {
	ctx := c.Request.Context()
	pid, ok := parseID(c.PostForm("provider_id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	if _, err := s.store.ProviderAccountByID(ctx, pid); err != nil {
		s.fail(c, err)
		return
	}
	back := c.PostForm("back")
	// Only the device list itself, never another site or page.
	if !strings.HasPrefix(back, "/audience?") {
		back = deviceListURL(pid, audience.Filter{}, "")
	}
	cids := c.PostFormArray("cids")
	if len(cids) == 0 {
		s.flash(c, "error", "flash.bulk_none_selected")
		s.redirect(c, back)
		return
	}
	if len(cids) > models.MaxListChange {
		s.flash(c, "error", "flash.bulk_too_many")
		s.redirect(c, back)
		return
	}
	tags := splitValues(c.PostForm("tags"))
	var err error
	var msg string
	switch c.PostForm("action") {
	case "add_tags", "remove_tags":
		add, remove := tags, []string(nil)
		if c.PostForm("action") == "remove_tags" {
			add, remove = nil, tags
		}
		_, err = s.store.TagDevices(ctx, pid, cids, add, remove)
		if err == nil {
			if !s.audit(c, auditDeviceTag, "provider:"+c.PostForm("provider_id"), "+"+strings.Join(add, ",")+" -"+strings.Join(remove, ",")) {
				return
			}
		}
		msg = "flash.bulk_tagged"
	case "delete":
		var n int64
		n, err = s.store.DeleteDevices(ctx, pid, cids)
		if err == nil {
			if !s.audit(c, auditDeviceDelete, "provider:"+c.PostForm("provider_id"), num(n)+" devices") {
				return
			}
		}
		msg = "flash.bulk_deleted"
	default:
		s.fail(c, models.ErrNotFound)
		return
	}
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		msg = "flash.bulk_tags_invalid"
		s.flash(c, "error", msg)
	case err != nil:
		s.fail(c, err)
		return
	default:
		s.flash(c, "success", msg)
	}
	c.Redirect(http.StatusSeeOther, back)
}
