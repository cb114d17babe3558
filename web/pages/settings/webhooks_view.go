package settings

import (
	"fmt"

	"github.com/pushdeck/pushdeck/web"
)

// WebhookRow is one endpoint in the list.
type WebhookRow struct {
	ID         int64
	URL        string
	SecretHint string
	// Events are the subscribed types' labels.
	Events   []string
	Disabled bool
	Created  string
}

// EditURL is the endpoint's page.
func (r WebhookRow) EditURL() string { return fmt.Sprintf("/settings/webhooks/%d", r.ID) }

// EventChoice is one event type's checkbox.
type EventChoice struct {
	Type    string
	Label   string
	Checked bool
}

// WebhookForm is the create or edit form's values as typed.
type WebhookForm struct {
	URL      string
	Events   []EventChoice
	Disabled bool
}

// CreatedWebhook is an endpoint just created: the only time its secret
// is shown.
type CreatedWebhook struct {
	URL    string
	Secret string
}

// WebhooksView is the webhooks list page.
type WebhooksView struct {
	Rows    []WebhookRow
	New     WebhookForm
	Errors  web.Errors
	Created *CreatedWebhook
	// Full is true when no more endpoints may be added.
	Full bool
}

// WebhookLogRow is one delivery of the log.
type WebhookLogRow struct {
	EventID string
	Type    string
	State   string
	// StateLabel is State in the reader's language.
	StateLabel string
	Attempts   int
	Status     string
	Latency    string
	Error      string
	When       string
}

// WebhookLogView is an endpoint's delivery log, refreshed by htmx.
type WebhookLogView struct {
	URL  string
	Rows []WebhookLogRow
}

// WebhookView is one endpoint's page: its settings, the test button and
// its delivery log.
type WebhookView struct {
	ID         int64
	URL        string
	SecretHint string
	Form       WebhookForm
	Errors     web.Errors
	Log        WebhookLogView
}

// Action is the URL of one of the endpoint's actions ("" for the form).
func (v WebhookView) Action(name string) string {
	if name == "" {
		return fmt.Sprintf("/settings/webhooks/%d", v.ID)
	}
	return fmt.Sprintf("/settings/webhooks/%d/%s", v.ID, name)
}
