// Package templates renders the saved message templates: their list, one
// template with the campaigns started from it, and its form.
package templates

import (
	"context"

	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
)

// Row is one template in the list.
type Row struct {
	Name    string
	URL     string
	Kind    string
	UsedBy  string
	Updated string
}

// ListView is the templates page.
type ListView struct {
	Rows    []Row
	NextURL string
}

// CampaignLink is a campaign started from a template.
type CampaignLink struct {
	Name    string
	URL     string
	Status  string
	Created string
}

// ShowView is one template's page.
type ShowView struct {
	ID          int64
	Name        string
	Kind        string
	UsedBy      string
	Updated     string
	MessageJSON string
	Campaigns   []CampaignLink
	// NewCampaignURL opens the composer prefilled with the message.
	NewCampaignURL string
	EditURL        string
	DeleteURL      string
}

// FormView is the new/edit form of a template.
type FormView struct {
	Action      string
	New         bool
	Name        string
	Kind        string
	Kinds       []web.Option
	MessageJSON string
	Errors      web.Errors
	// Other holds problems of no field shown (a message field by path).
	Other []string
}

func formTitle(ctx context.Context, v FormView) string {
	if v.New {
		return i18n.T(ctx, "templates.new")
	}
	return i18n.T(ctx, "templates.edit_title")
}
