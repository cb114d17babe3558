package providers

// Message field groups that not every provider carries, declared in
// Capabilities.Fields. The names are the JSON paths of the campaign body
// (and the keys of field errors), so the composer, the API and the
// validation speak of the same thing.
const (
	FieldBigText        = "message.big_text"
	FieldImageURL       = "message.image_url"
	FieldBadge          = "message.badge"
	FieldSound          = "message.sound"
	FieldExt            = "message.ext"
	FieldShowWindow     = "message.show_window"
	FieldWifiOnly       = "message.wifi_only"
	FieldSpeedHint      = "message.speed"
	FieldIOS            = "message.ios"
	FieldMutableContent = "message.ios.mutable_content"
	FieldAndroidChannel = "message.android.channel_id"
	FieldVendor         = "message.vendor"
	FieldMX             = "message.mx"
	FieldWeCom          = "message.wecom"
	FieldTTL            = "options.ttl_seconds"
)

// FieldGroups lists every field group a provider may or may not carry; a
// field not listed is carried by every provider.
func FieldGroups() []string {
	return []string{FieldBigText, FieldImageURL, FieldBadge, FieldSound, FieldExt, FieldShowWindow, FieldWifiOnly,
		FieldSpeedHint, FieldMutableContent, FieldIOS, FieldAndroidChannel, FieldVendor, FieldMX, FieldWeCom, FieldTTL}
}

// MobileFields are the groups of a mobile notification that GeTui, MX push
// and the sandbox all carry.
func MobileFields() []string {
	return []string{FieldBigText, FieldImageURL, FieldBadge, FieldSound, FieldExt, FieldShowWindow, FieldIOS,
		FieldAndroidChannel, FieldVendor}
}
