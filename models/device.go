package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Device field limits, in bytes: the API, the form and the CSV import
// refuse longer values rather than store a truncated id.
const (
	MaxCIDLen      = 256
	MaxAliasLen    = 128
	MaxUserIDLen   = 128
	MaxRegionLen   = 64
	MaxTimezoneLen = 64
	MaxVendorLen   = 32
	MaxTagLen      = 64
	MaxDeviceTags  = 100
	MaxDeviceBatch = 10000
)

// Platforms are the values of a device's platform.
var Platforms = []string{"ios", "android", "other"}

// Device is one registered device of a provider account.
type Device struct {
	ID         int64  `json:"id"`
	ProviderID int64  `json:"provider_id"`
	CID        string `json:"cid" gorm:"column:cid"`
	Alias      string `json:"alias"`
	UserID     string `json:"user_id"`
	Platform   string `json:"platform"`
	Vendor     string `json:"vendor"`
	Region     string `json:"region"`
	// Timezone is the device's IANA zone ("" = the campaign's zone).
	Timezone string   `json:"timezone"`
	Tags     []string `json:"tags" gorm:"-"`
	OptedOut bool     `json:"opted_out"`
	// Attributes are the device's free name → value pairs ({} for none).
	Attributes Attributes `json:"attributes" gorm:"column:attributes"`
	// InvalidAt is when a provider last answered the device's token
	// invalid (nil: never, or cleared since); InvalidReason is its code
	// and message.
	InvalidAt     *time.Time `json:"invalid_at"`
	InvalidReason string     `json:"invalid_reason"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	LastSeenAt    *time.Time `json:"last_seen_at"`
}

// DeviceInput is one device to upsert. CID is required; a nil field keeps
// what an existing device has (and takes the default for a new one), so a
// CSV without a region column or a JSON object without "tags" never wipes
// them. Tags, when set, replace the device's whole tag set, and so do
// Attributes the device's attributes (an empty value drops that name).
type DeviceInput struct {
	CID        string
	Alias      *string
	UserID     *string
	Platform   *string
	Vendor     *string
	Region     *string
	Timezone   *string
	Tags       *[]string
	Attributes *Attributes
	OptedOut   *bool
	LastSeenAt *time.Time
	// storedAttrs is the attribute set already in its stored form
	// (encodeAttrs), set by the CSV reader instead of Attributes: a map per
	// row was the import's largest allocation. Empty: not given.
	storedAttrs string
}

// attributes is the input's attribute set, nil when not given, reading
// the stored form back when that is what the input carries.
func (in DeviceInput) attributes() (*Attributes, error) {
	if in.Attributes != nil || in.storedAttrs == "" {
		return in.Attributes, nil
	}
	var a Attributes
	if err := a.Scan(in.storedAttrs); err != nil {
		return nil, err
	}
	return &a, nil
}

// Normalize trims the fields, lower-cases platform and vendor, and
// de-duplicates the tags (keeping their first order), and trims the
// attribute values in place, dropping empty ones. Validate expects a
// normalized input.
func (in *DeviceInput) Normalize() {
	in.CID = strings.TrimSpace(in.CID)
	trim := func(p *string, lower bool) {
		if p == nil {
			return
		}
		*p = strings.TrimSpace(*p)
		if lower {
			*p = strings.ToLower(*p)
		}
	}
	trim(in.Alias, false)
	trim(in.UserID, false)
	trim(in.Platform, true)
	trim(in.Vendor, true)
	trim(in.Region, false)
	trim(in.Timezone, false)
	if in.Platform != nil && *in.Platform == "" {
		other := "other"
		in.Platform = &other
	}
	if in.Tags != nil {
		tags := normalizeTags(*in.Tags)
		in.Tags = &tags
	}
	if in.Attributes != nil {
		if *in.Attributes == nil {
			*in.Attributes = Attributes{}
		}
		normalizeAttrs(*in.Attributes)
	}
	if in.LastSeenAt != nil { // stored in whole seconds (migration 00006)
		t := in.LastSeenAt.UTC().Truncate(time.Second)
		in.LastSeenAt = &t
	}
}

// normalizeTags trims, drops empties and de-duplicates, in first order.
func normalizeTags(in []string) []string {
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		dup := false
		for _, o := range out {
			if o == t {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// Validate checks a normalized input against the limits. Field keys are
// the JSON names (cid, alias, user_id, platform, vendor, region, tags,
// attributes),
// prefixed with prefix ("[3]." for the fourth item of an API array).
func (in *DeviceInput) Validate(v *ValidationError, prefix string) {
	if in.CID == "" {
		v.Add(prefix+"cid", "err.required", nil)
	} else {
		checkText(v, prefix+"cid", in.CID, MaxCIDLen)
	}
	checkOpt := func(name string, p *string, max int) {
		if p != nil {
			checkText(v, prefix+name, *p, max)
		}
	}
	checkOpt("alias", in.Alias, MaxAliasLen)
	checkOpt("user_id", in.UserID, MaxUserIDLen)
	checkOpt("vendor", in.Vendor, MaxVendorLen)
	checkOpt("region", in.Region, MaxRegionLen)
	if in.Timezone != nil && *in.Timezone != "" && checkText(v, prefix+"timezone", *in.Timezone, MaxTimezoneLen) {
		if _, err := time.LoadLocation(*in.Timezone); err != nil || *in.Timezone == "Local" {
			v.Add(prefix+"timezone", "err.device_timezone", nil)
		}
	}
	if in.Platform != nil && !validPlatform(*in.Platform) {
		v.Add(prefix+"platform", "err.audience_platform", nil)
	}
	if in.Tags != nil {
		if len(*in.Tags) > MaxDeviceTags {
			v.Add(prefix+"tags", "err.too_many", map[string]any{"Max": MaxDeviceTags})
		}
		for _, t := range *in.Tags {
			if !checkText(v, prefix+"tags", t, MaxTagLen) {
				break
			}
			if strings.ContainsRune(t, ';') {
				v.Add(prefix+"tags", "err.audience_tag_semicolon", nil)
				break
			}
		}
	}
	if in.Attributes != nil {
		validateAttrs(v, prefix, *in.Attributes)
	}
}

// checkText reports invalid UTF-8, control characters and over-long values.
func checkText(v *ValidationError, field, s string, max int) bool {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "err.audience_utf8", nil)
	case len(s) > max:
		v.Add(field, "err.too_long_bytes", map[string]any{"Max": max})
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "err.audience_control", nil)
	default:
		return true
	}
	return false
}

func validPlatform(p string) bool {
	for _, x := range Platforms {
		if p == x {
			return true
		}
	}
	return false
}

// DeviceByID loads a device with its tags.
func (s *Store) DeviceByID(ctx context.Context, id int64) (Device, error) {
	var d Device
	if err := s.conn(ctx).First(&d, id).Error; err != nil {
		return Device{}, notFound(err, fmt.Sprintf("device %d", id))
	}
	tags, err := s.deviceTags(ctx, d.ID)
	if err != nil {
		return Device{}, err
	}
	d.Tags = tags
	return d, nil
}

// DeviceByCID loads an account's device by cid, with its tags.
func (s *Store) DeviceByCID(ctx context.Context, providerID int64, cid string) (Device, error) {
	var d Device
	if err := s.conn(ctx).Where("provider_id = ? AND cid = ?", providerID, cid).First(&d).Error; err != nil {
		return Device{}, notFound(err, fmt.Sprintf("device %q of account %d", cid, providerID))
	}
	tags, err := s.deviceTags(ctx, d.ID)
	if err != nil {
		return Device{}, err
	}
	d.Tags = tags
	return d, nil
}

func (s *Store) deviceTags(ctx context.Context, id int64) ([]string, error) {
	ds := []Device{{ID: id}}
	var tags string
	if err := s.conn(ctx).Raw(`SELECT tag_ids FROM devices WHERE id = ?`, id).Scan(&tags).Error; err != nil {
		return nil, fmt.Errorf("models: tags of device %d: %w", id, err)
	}
	if err := s.tagNames(ctx, ds, []string{tags}); err != nil {
		return nil, err
	}
	return ds[0].Tags, nil
}

// DeleteDevices removes an account's devices by cid (unknown cids are
// skipped), with their tag memberships, and keeps the tag counts right. It
// returns how many it removed.
func (s *Store) DeleteDevices(ctx context.Context, providerID int64, cids []string) (int64, error) {
	var n int64
	err := s.WithTx(ctx, func(tx *Store) error {
		w := newDeviceWriter(tx, providerID)
		for _, part := range chunkStrings(dedupeStrings(cids), 500) {
			var rows []struct {
				ID     int64
				TagIDs string
			}
			if err := tx.conn(ctx).Raw(`SELECT id, tag_ids FROM devices WHERE provider_id = ? AND cid IN ?`, providerID, part).Scan(&rows).Error; err != nil {
				return fmt.Errorf("models: devices to delete: %w", err)
			}
			if len(rows) == 0 {
				continue
			}
			ids := make([]int64, len(rows))
			var del [][2]int64
			for i, r := range rows {
				ids[i] = r.ID
				_, d := w.diffPairs(r.ID, decodeTagIDs(r.TagIDs), nil)
				del = append(del, d...)
			}
			if err := w.applyTagPairs(ctx, nil, del); err != nil {
				return err
			}
			res := tx.conn(ctx).Exec(`DELETE FROM devices WHERE id IN ?`, ids)
			if res.Error != nil {
				return fmt.Errorf("models: delete devices of account %d: %w", providerID, res.Error)
			}
			n += res.RowsAffected
			w.countDelta -= res.RowsAffected
		}
		return w.finish(ctx)
	})
	return n, err
}

// TagCount is one tag of an account with how many devices carry it.
type TagCount struct {
	Name    string `json:"name"`
	Devices int64  `json:"devices"`
}

// ListTags returns an account's tags, most used first, at most limit.
// The counts are kept with every change, so this never scans devices.
func (s *Store) ListTags(ctx context.Context, providerID int64, limit int) ([]TagCount, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []TagCount
	err := s.read(ctx).Raw(`SELECT name, devices FROM tags WHERE provider_id = ? AND devices > 0 ORDER BY devices DESC, name LIMIT ?`, providerID, limit).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: tags of account %d: %w", providerID, err)
	}
	return out, nil
}

// CountDevices returns how many devices an account has (opted-out ones
// included), from the count kept with every change.
func (s *Store) CountDevices(ctx context.Context, providerID int64) (int64, error) {
	var n int64
	if err := s.read(ctx).Raw(`SELECT coalesce((SELECT devices FROM device_counts WHERE provider_id = ?), 0)`, providerID).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: count devices of account %d: %w", providerID, err)
	}
	return n, nil
}

func dedupeStrings(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

func chunkStrings(in []string, n int) [][]string {
	var out [][]string
	for len(in) > 0 {
		k := min(n, len(in))
		out = append(out, in[:k])
		in = in[k:]
	}
	return out
}
