package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/settings"
)

// roleOptions are the roles in the operator's language, most privileged first.
func roleOptions(ctx context.Context) []web.Option {
	out := make([]web.Option, 0, 3)
	for _, r := range []models.Role{models.RoleAdmin, models.RoleOperator, models.RoleViewer} {
		out = append(out, web.Option{Value: string(r), Label: i18n.T(ctx, "role."+string(r))})
	}
	return out
}

// operatorsView builds the operators page; rowErr, when set, is shown on
// the row of operator rowID beside the control named by on.
func (s *Server) operatorsView(c *gin.Context, rowID int64, on, rowErr string) (settings.OperatorsView, error) {
	ctx := c.Request.Context()
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return settings.OperatorsView{}, err
	}
	me := currentUser(c).ID
	v := settings.OperatorsView{Roles: roleOptions(ctx), New: settings.NewOperator{Role: string(models.RoleOperator)}}
	for _, u := range us {
		r := settings.OperatorRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Disabled: u.Disabled,
			Created: when(u.CreatedAt), Self: u.ID == me}
		if u.ID == rowID {
			r.Error, r.ErrorOn = rowErr, on
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

func (s *Server) showOperators(c *gin.Context) {
	v, err := s.operatorsView(c, 0, "", "")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, settings.Operators(v))
}

// createOperator adds an operator with an initial password, which they
// can change under Settings once signed in.
func (s *Server) createOperator(c *gin.Context) {
	ctx := c.Request.Context()
	in := models.NewUser{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name")),
		Role: models.Role(c.PostForm("role")), Password: c.PostForm("password")}
	u, err := s.store.CreateUser(ctx, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v, ferr := s.operatorsView(c, 0, "", "")
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		v.New = settings.NewOperator{Email: in.Email, Name: in.Name, Role: string(in.Role)}
		v.Errors = fieldErrors(c, ve)
		s.render(c, http.StatusUnprocessableEntity, settings.Operators(v))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.audit(c, "operator_create", u.Email, "role="+string(u.Role)) {
		return
	}
	s.flash(c, "success", "flash.operator_created")
	s.redirect(c, "/settings/operators")
}

// operatorFailed re-renders the operators page with a refused row action's
// reason beside its control: 422 for a bad value, 409 for the last
// administrator; anything else takes the common error path.
func (s *Server) operatorFailed(c *gin.Context, id int64, on string, err error) {
	ctx := c.Request.Context()
	var ve *models.ValidationError
	var msg string
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &ve):
		for _, fe := range ve.Fields {
			msg = i18n.T(ctx, fe.ID, fe.Data)
		}
	case errors.Is(err, models.ErrLastAdmin):
		status, msg = http.StatusConflict, i18n.T(ctx, "operators.last_admin")
	default:
		s.fail(c, err)
		return
	}
	v, verr := s.operatorsView(c, id, on, msg)
	if verr != nil {
		s.fail(c, verr)
		return
	}
	s.render(c, status, settings.Operators(v))
}

func (s *Server) setOperatorRole(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	role := models.Role(c.PostForm("role"))
	before, err := s.store.SetUserRole(c.Request.Context(), id, role)
	if err != nil {
		s.operatorFailed(c, id, "role", err)
		return
	}
	if before.Role != role {
		if !s.audit(c, "operator_role", before.Email, fmt.Sprintf("%s → %s", before.Role, role)) {
			return
		}
	}
	s.flash(c, "success", "flash.operator_role")
	s.redirect(c, "/settings/operators")
}

// resetOperatorPassword sets a new password and signs the operator out
// everywhere (an administrator resetting their own keeps this session).
func (s *Server) resetOperatorPassword(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	keep := ""
	if u.ID == currentUser(c).ID {
		keep = c.MustGet(ctxSession).(models.Session).ID
	}
	if err := s.store.SetUserPassword(ctx, id, c.PostForm("password"), keep); err != nil {
		s.operatorFailed(c, id, "password", err)
		return
	}
	if !s.audit(c, "operator_password_reset", u.Email, "") {
		return
	}
	s.flash(c, "success", "flash.operator_password")
	s.redirect(c, "/settings/operators")
}

// setOperatorDisabled disables (ending the operator's sessions at once) or
// enables an operator, by the last path segment.
func (s *Server) setOperatorDisabled(c *gin.Context) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		s.fail(c, models.ErrNotFound)
		return
	}
	action := path.Base(c.Request.URL.Path)
	disable := action == "disable"
	before, err := s.store.SetUserDisabled(c.Request.Context(), id, disable)
	if err != nil {
		s.operatorFailed(c, id, "disabled", err)
		return
	}
	if before.Disabled != disable {
		if !s.audit(c, "operator_"+action, before.Email, "") {
			return
		}
	}
	if disable && id == currentUser(c).ID {
		// Their own sessions just ended, this one included.
		s.redirect(c, "/login")
		return
	}
	s.flash(c, "success", "flash.operator_"+action)
	s.redirect(c, "/settings/operators")
}
