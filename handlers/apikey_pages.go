package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

func (s *Server) apiKeysView(c *gin.Context) (settings.APIKeysView, error) {
	ks, err := s.store.ListAPIKeys(c.Request.Context())
	if err != nil {
		return settings.APIKeysView{}, err
	}
	ctx := c.Request.Context()
	v := settings.APIKeysView{Roles: roleOptions(ctx), New: settings.NewAPIKey{Role: string(models.RoleOperator)}}
	for _, d := range []string{"", "30", "90", "365"} {
		label := "apikeys.expires_never"
		if d != "" {
			label = "apikeys.expires_" + d
		}
		v.Lifetimes = append(v.Lifetimes, web.Option{Value: d, Label: i18n.T(ctx, label)})
	}
	now := s.store.Now()
	for _, k := range ks {
		v.Rows = append(v.Rows, settings.APIKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Role: string(k.Role),
			Created: when(k.CreatedAt), LastUsed: whenPtr(k.LastUsedAt), Revoked: whenPtr(k.RevokedAt),
			Expires: whenPtr(k.ExpiresAt), Expired: k.ExpiresAt != nil && !k.ExpiresAt.After(now)})
	}
	return v, nil
}

// keyLifetime reads the create form's expiry choice: "" (never) or a
// number of days from the offered ones.
func keyLifetime(choice string) (time.Duration, bool) {
	switch choice {
	case "":
		return 0, true
	case "30", "90", "365":
		days, err := strconv.Atoi(choice)
		return time.Duration(days) * 24 * time.Hour, err == nil
	}
	return 0, false
}

func (s *Server) showAPIKeys(c *gin.Context) {
	v, err := s.apiKeysView(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, settings.APIKeys(v))
}

// createAPIKey makes a key and shows it in this response only: it is not
// stored (only its hash is), never put in a cookie or a URL, and the page
// is marked no-store so no cache keeps it.
func (s *Server) createAPIKey(c *gin.Context) {
	ctx := c.Request.Context()
	name, role := strings.TrimSpace(c.PostForm("name")), models.Role(c.PostForm("role"))
	me := currentUser(c).ID
	lifetime, ok := keyLifetime(c.PostForm("expires"))
	var k models.APIKey
	var plain string
	var err error
	if ok {
		k, plain, err = s.store.CreateExpiringAPIKey(ctx, name, role, &me, lifetime)
	} else {
		bad := &models.ValidationError{}
		bad.Add("expires", "err.choice", nil)
		err = bad
	}
	var ve *models.ValidationError
	if err != nil && !errors.As(err, &ve) {
		s.fail(c, err)
		return
	}
	v, verr := s.apiKeysView(c)
	if verr != nil {
		s.fail(c, verr)
		return
	}
	if ve != nil {
		v.New = settings.NewAPIKey{Name: name, Role: string(role), Expires: c.PostForm("expires")}
		v.Errors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, settings.APIKeys(v))
		return
	}
	if !s.audit(c, "apikey_create", k.Name, "role="+string(k.Role)+" prefix="+k.Prefix) {
		return
	}
	v.Created = &settings.CreatedKey{Name: k.Name, Plain: plain}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, settings.APIKeys(v))
}

func (s *Server) revokeAPIKey(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	k, err := s.store.APIKeyByID(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	// A second click on a revoked key changes nothing and records nothing.
	if k.RevokedAt == nil {
		if err := s.store.RevokeAPIKey(ctx, id); err != nil && !errors.Is(err, models.ErrNotFound) {
			s.fail(c, err)
			return
		}
		if !s.audit(c, "apikey_revoke", k.Name, "prefix="+k.Prefix) {
			return
		}
	}
	s.flash(c, "success", "flash.apikey_revoked")
	s.redirect(c, "/settings/apikeys")
}
