package audience

import "fmt"

// DeviceAttrsView is the attribute editor of one device: a row per
// attribute (rename, change, remove) and blank rows to add more.
type DeviceAttrsView struct {
	CID     string
	Account string
	// Action posts the rows; CancelURL is the device's page.
	Action    string
	CancelURL string
	Rows      []AttrEditRow
	// Error is a problem of the set as a whole (too many attributes).
	Error string
	// Max is how many attributes a device may carry, and MaxValue how many
	// bytes a value may hold.
	Max, MaxValue int
	// CanAdd is set while the form may show more blank rows.
	CanAdd bool
}

// AttrEditRow is one row of the attribute editor, with its problems.
type AttrEditRow struct {
	Index      int
	Name       string
	Value      string
	Remove     bool
	NameError  string
	ValueError string
}

// Field is the form name of a row's part.
func (r AttrEditRow) Field(part string) string { return fmt.Sprintf("a%d_%s", r.Index, part) }
