package i18n_test

import (
	"testing"

	"github.com/pushdeck/pushdeck/dispatch"
	"github.com/pushdeck/pushdeck/handlers"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/jpush"
	"github.com/pushdeck/pushdeck/web/i18n"
	provpages "github.com/pushdeck/pushdeck/web/pages/providers"
)

// TestRuntimeIDsExist checks the message ids that code builds at run time
// ("audit.action." + action, "status." + status, ...), which the scan of
// literal T(ctx, "…") calls cannot see: each must be in both languages, so
// no page shows a raw id.
func TestRuntimeIDsExist(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range handlers.AuditActions() {
		ids = append(ids, "audit.action."+a)
	}
	// What an operator is told of a provider failure (every class, and
	// the failures that are not the provider's answer).
	ids = append(ids, dispatch.FailureIDs()...)
	for _, st := range models.Statuses {
		ids = append(ids, "status."+string(st))
	}
	for _, st := range []string{models.DeliveryPending, models.DeliveryAccepted, models.DeliveryInvalid, models.DeliveryFailed} {
		ids = append(ids, "status."+st)
	}
	for _, r := range []string{models.ReasonNoDelivery, models.ReasonNoRecipients, models.ReasonErrorThreshold} {
		ids = append(ids, "reason."+r)
	}
	for _, h := range []string{provpages.HealthOK, provpages.HealthFailing, provpages.HealthUnknown} {
		ids = append(ids, "health."+h)
	}
	for _, k := range []providers.Kind{providers.KindSandbox, providers.KindGeTui, providers.KindMXPush, providers.KindWeCom, jpush.Kind, fcm.Kind} {
		ids = append(ids, "kind."+string(k))
	}
	// A provider's own settings and rules name their catalog ids.
	for _, o := range jpush.Capabilities().Options {
		ids = append(ids, o.Label, o.Help)
		for _, c := range o.Choices {
			ids = append(ids, "jpush."+o.Name+"."+c)
		}
	}
	ids = append(ids, "jpush.err.content_too_long")
	for _, o := range fcm.Capabilities().Options {
		ids = append(ids, o.Label, o.Help)
		for _, c := range o.Choices {
			ids = append(ids, "fcm."+o.Name+"."+c)
		}
	}
	// FCM's draft problems, and the message its THIRD_PARTY_AUTH_ERROR
	// outcomes carry.
	for _, e := range []string{"ext_object", "reserved_key", "client_key", "data_too_big", "label_chars", "too_many_topics", "topic_chars", "topic_needs_option",
		"sa_json", "sa_type", "sa_missing", "sa_project", "sa_token_uri", "sa_key"} {
		ids = append(ids, "fcm.err."+e)
	}
	ids = append(ids, fcm.MsgThirdPartyAuth)
	for _, t := range []providers.MessageType{providers.TypeNotification, providers.TypeTransmission, providers.TypeLink, providers.TypeImage,
		providers.TypeText, providers.TypeTextCard, providers.TypeMarkdown, providers.TypeNews} {
		ids = append(ids, "type."+string(t))
	}
	// The flash of each lifecycle action ("flash.action_" + the route's
	// last segment, and schedule for a send that scheduled).
	for _, a := range []string{"send", "schedule", "pause", "resume", "cancel"} {
		ids = append(ids, "flash.action_"+a)
	}
	for _, st := range []string{models.WebhookPending, models.WebhookDelivered, models.WebhookDead} {
		ids = append(ids, "webhooks.state."+st)
	}
	for _, typ := range models.WebhookEventTypes() {
		ids = append(ids, "webhooks.event."+typ)
	}
	for _, l := range i18n.Supported {
		loc := cat.Localizer(l.Tag)
		for _, id := range ids {
			if got := loc.T(id); got == id {
				t.Errorf("%s: %s is not in the catalog", l.Tag, id)
			}
		}
	}
}
