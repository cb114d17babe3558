package handlers

import (
	"time"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// apiDelivery is one recipient in the deliveries list: the delivery row
// with its variant's name beside the variant's index, since an index of 0
// alone cannot tell the first variant from a campaign without variants.
type apiDelivery struct {
	Recipient string    `json:"cid"`
	Status    string    `json:"status"`
	Code      string    `json:"code"`
	Message   string    `json:"message"`
	RequestID string    `json:"request_id"`
	UpdatedAt time.Time `json:"updated_at"`
	// Variant is the index of the A/B variant its batch sent (0 without
	// variants); VariantName its name ("" without variants).
	Variant     int    `json:"variant"`
	VariantName string `json:"variant_name"`
}

// variantNames lists a campaign's variant names by index (nil without
// variants, or when the stored list does not decode: the export still
// carries every row, with the name left empty).
func variantNames(cm models.Campaign) []string {
	vs, err := draft.DecodeVariants(cm.Variants)
	if err != nil {
		return nil
	}
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return names
}

// variantName is the name of variant i, "" when the campaign has none.
func variantName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return ""
	}
	return names[i]
}

func apiDeliveries(ds []models.Delivery, names []string, en outcomeLocalizer) []apiDelivery {
	out := make([]apiDelivery, len(ds))
	for i, d := range ds {
		out[i] = apiDelivery{Recipient: d.Recipient, Status: d.Status, Code: d.Code, Message: en.text(d.Message),
			RequestID: d.RequestID, UpdatedAt: d.UpdatedAt, Variant: d.Variant, VariantName: variantName(names, d.Variant)}
	}
	return out
}
