package handlers

import (
	"context"
	"time"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// apiProviderError is the provider's last error on a retrying batch.
type apiProviderError struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// apiRetries is what the API adds to a campaign while batches wait for
// another attempt; every field is left out when none does.
type apiRetries struct {
	Retrying      int64             `json:"retrying,omitempty"`
	Error         *apiProviderError `json:"error,omitempty"`
	NextAttemptAt *time.Time        `json:"next_attempt_at,omitempty"`
}

// campaignRetries reads the retrying batches of a sending or paused
// campaign (others have none worth showing). A paused campaign has no
// next attempt until it is resumed.
func (s *Server) campaignRetries(ctx context.Context, cm models.Campaign) (apiRetries, error) {
	if cm.Status != models.StatusSending && cm.Status != models.StatusPaused {
		return apiRetries{}, nil
	}
	r, err := s.store.CampaignRetries(ctx, cm.ID)
	if err != nil || r.Batches == 0 {
		return apiRetries{}, err
	}
	out := apiRetries{Retrying: r.Batches, Error: &apiProviderError{Code: r.Code, Message: r.Message, At: r.At.UTC()}}
	if cm.Status == models.StatusSending {
		next := r.NextAttemptAt.UTC()
		out.NextAttemptAt = &next
	}
	return out, nil
}

// retryView words the retrying batches for the campaign page.
func retryView(ctx context.Context, r apiRetries, now time.Time) *campaigns.RetryView {
	if r.Retrying == 0 || r.Error == nil {
		return nil
	}
	v := &campaigns.RetryView{Batches: num(r.Retrying), Code: r.Error.Code, Message: r.Error.Message, At: clock(r.Error.At)}
	if r.NextAttemptAt != nil {
		if wait := r.NextAttemptAt.Sub(now).Round(time.Second); wait > 0 {
			v.Next = i18n.T(ctx, "retry.next_in", map[string]any{"At": clock(*r.NextAttemptAt), "In": wait.String()})
		} else {
			v.Next = i18n.T(ctx, "retry.next_now")
		}
	}
	return v
}

// clock formats a time to the second (UTC): retries are seconds apart.
func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// reasonText words why the engine moved a campaign in the operator's
// language; other reasons (an operator's, older ones) are shown as stored.
func reasonText(ctx context.Context, cm models.Campaign) string {
	switch cm.StatusReasonCode {
	case models.ReasonNoDelivery, models.ReasonErrorThreshold, models.ReasonNoRecipients:
	default:
		return cm.StatusReason
	}
	data := map[string]any{}
	for k, v := range cm.ReasonData() {
		if f, ok := v.(float64); ok {
			v = num(int64(f)) // JSON numbers decode as float64
		}
		data[k] = v
	}
	key := "reason." + cm.StatusReasonCode
	if cm.StatusReasonCode == models.ReasonNoDelivery && cm.Recipients == 0 {
		key = "reason.no_delivery_request" // a broadcast the provider refused
	}
	text := i18n.T(ctx, key, data)
	code, _ := data["Code"].(string)
	msg, _ := data["Message"].(string)
	if cm.StatusReasonCode == models.ReasonNoDelivery && code+msg != "" {
		text += " " + i18n.T(ctx, "reason.provider_said", data)
	}
	return text
}

// noneAccepted is true for a finished listed campaign where the provider
// accepted nobody (every recipient invalid or failed): never shown as a
// success.
func noneAccepted(cm models.Campaign) bool {
	return cm.Status.Terminal() && cm.Recipients > 0 && cm.Accepted == 0
}
