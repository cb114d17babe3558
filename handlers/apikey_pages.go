package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

func (s *Server) apiKeysView(c *gin.Context) (settings.APIKeysView, error) {
	ks, err := s.store.ListAPIKeys(c.Request.Context())
	if err != nil {
		return settings.APIKeysView{}, err
	}
	v := settings.APIKeysView{Roles: roleOptions(c.Request.Context()), New: settings.NewAPIKey{Role: string(models.RoleOperator)}}
	for _, k := range ks {
		v.Rows = append(v.Rows, settings.APIKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Role: string(k.Role),
			Created: when(k.CreatedAt), LastUsed: whenPtr(k.LastUsedAt), Revoked: whenPtr(k.RevokedAt)})
	}
	return v, nil
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
	k, plain, err := s.store.CreateAPIKey(ctx, name, role, &me)
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
		v.New = settings.NewAPIKey{Name: name, Role: string(role)}
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
