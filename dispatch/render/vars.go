package render

// Fixed field names a template may use besides the device's attributes.
const (
	FieldCID      = "cid"
	FieldAlias    = "alias"
	FieldUserID   = "user_id"
	FieldPlatform = "platform"
	FieldRegion   = "region"
)

// FixedFields lists the device's fixed fields a template may name.
func FixedFields() []string {
	return []string{FieldCID, FieldAlias, FieldUserID, FieldPlatform, FieldRegion}
}

// Vars are one recipient's values: the device's fixed fields and its own
// attributes, nothing else.
type Vars struct {
	CID, Alias, UserID, Platform, Region string
	Attrs                                map[string]string
}

// Lookup returns the recipient's value for name; "" when it has none.
// Attributes cannot take a fixed field's name, so the two never clash.
func (v Vars) Lookup(name string) string {
	switch name {
	case FieldCID:
		return v.CID
	case FieldAlias:
		return v.Alias
	case FieldUserID:
		return v.UserID
	case FieldPlatform:
		return v.Platform
	case FieldRegion:
		return v.Region
	}
	return v.Attrs[name]
}

// IsFixed reports whether name is one of the device's fixed fields.
func IsFixed(name string) bool {
	switch name {
	case FieldCID, FieldAlias, FieldUserID, FieldPlatform, FieldRegion:
		return true
	}
	return false
}
