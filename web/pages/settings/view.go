// Package settings holds the settings pages: the operator's own account
// (password, language) and, for administrators, operators, API keys and
// the audit log.
package settings

import "github.com/pushdeck/pushdeck/web"

// View is the settings page of the signed-in operator.
type View struct {
	Locale    string
	Languages []web.Option
	Email     string
	Name      string
	Role      string
	// PasswordErrors are the password form's errors; passwords are never
	// rendered back.
	PasswordErrors web.Errors
}

// OperatorRow is one operator in the list.
type OperatorRow struct {
	ID       int64
	Email    string
	Name     string
	Role     string
	Disabled bool
	Created  string
	// Self marks the signed-in administrator's own row.
	Self bool
	// Error is the refusal of the last action on this row (shown beside
	// its controls); ErrorOn names the control: "role", "password",
	// "disabled".
	Error   string
	ErrorOn string
}

// NewOperator is the create form's values as typed (never the password).
type NewOperator struct {
	Email string
	Name  string
	Role  string
}

// OperatorsView is the operators page.
type OperatorsView struct {
	Rows   []OperatorRow
	Roles  []web.Option
	New    NewOperator
	Errors web.Errors
}

// APIKeyRow is one key in the list; the key itself is never stored.
type APIKeyRow struct {
	ID       int64
	Name     string
	Prefix   string
	Role     string
	Created  string
	LastUsed string
	Revoked  string
	// Expires is when the key stops working ("" for never); Expired is
	// true once that has passed.
	Expires string
	Expired bool
}

// NewAPIKey is the create form's values as typed.
type NewAPIKey struct {
	Name string
	Role string
	// Expires is the chosen lifetime in days ("" for never).
	Expires string
}

// CreatedKey is a key just created: the only time its value is shown.
type CreatedKey struct {
	Name  string
	Plain string
}

// APIKeysView is the API keys page.
type APIKeysView struct {
	Rows  []APIKeyRow
	Roles []web.Option
	// Lifetimes are the expiry choices of the create form.
	Lifetimes []web.Option
	New       NewAPIKey
	Errors    web.Errors
	Created   *CreatedKey
}

// AuditRow is one audit entry.
type AuditRow struct {
	When   string
	Actor  string
	Action string
	// Label is the action in the operator's language ("" when the catalog
	// has none: the code is shown alone).
	Label  string
	Target string
	Detail string
	IP     string
}

// AuditView is the audit log page.
type AuditView struct {
	Rows    []AuditRow
	Actions []web.Option
	Action  string
	Actor   string
	NextURL string
}
