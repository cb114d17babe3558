package campaigns

// PersonalizeView is the composer's personalization panel: what the
// message's placeholders meet in the chosen account, shown beside the
// preview rendered for one device.
type PersonalizeView struct {
	// Active is true when the message holds a placeholder.
	Active bool
	// CID is the device the preview is rendered for ("" for a device
	// without values); NoDevice is set when no device has that cid.
	CID      string
	NoDevice bool
	// Attributes are the attribute names the account's devices carry.
	Attributes []string
	// Unknown are placeholders no device has: everyone gets their fallback.
	Unknown []string
	// FallsBack: the previewed device sees a fallback.
	FallsBack bool
	// Fallback is the audience's share that falls back, formatted
	// ("12 of 3,000 (0.4%)"); FallbackCount its count for the plural; ""
	// when not counted.
	Fallback      string
	FallbackCount int64
	// Problems are the provider's rules the previewed rendering breaks,
	// each "field: reason" in the operator's language.
	Problems []string
}
