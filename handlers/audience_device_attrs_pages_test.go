package handlers

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// attrRowsForm is an attribute editor submission: rows of name, value and
// "1" to remove.
func attrRowsForm(rows ...[3]string) url.Values {
	f := url.Values{"rows": {fmt.Sprint(len(rows))}, "action": {"save"}}
	for i, r := range rows {
		f.Set(fmt.Sprintf("a%d_name", i), r[0])
		f.Set(fmt.Sprintf("a%d_value", i), r[1])
		f.Set(fmt.Sprintf("a%d_remove", i), r[2])
	}
	return f
}

func TestDeviceAttributeEditor(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	if _, err := app.store.UpsertDevices(t.Context(), pid, []models.DeviceInput{{CID: "dev-1", Attributes: &models.Attributes{"plan": "gold", "score": "42"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := app.store.DeviceByCID(t.Context(), pid, "dev-1")
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/audience/devices/%d", d.ID)
	editor := page + "/attributes"
	attrsNow := func() models.Attributes {
		t.Helper()
		d, err := app.store.DeviceByID(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d.Attributes
	}

	_, body := b.get(page)
	if href, _ := doc(t, body).Find(`[data-testid="edit-attributes"]`).Attr("href"); href != editor {
		t.Errorf("device page links %q", href)
	}
	resp, body := b.get(editor)
	dd := doc(t, body)
	if resp.StatusCode != http.StatusOK || dd.Find(`[data-testid="attr-row"]`).Length() != 2+attrBlankRows {
		t.Fatalf("editor: %d, %d rows", resp.StatusCode, dd.Find(`[data-testid="attr-row"]`).Length())
	}
	if v, _ := dd.Find(`input[name="a1_value"]`).Attr("value"); v != "42" {
		t.Errorf("row 1 value %q", v)
	}
	t.Run("more rows keeps what was typed", func(t *testing.T) {
		f := attrRowsForm([3]string{"plan", "typed", ""}, [3]string{"", "", ""})
		f.Set("action", "more")
		resp, body := b.post(editor, f)
		dd := doc(t, body)
		if v, _ := dd.Find(`input[name="a0_value"]`).Attr("value"); resp.StatusCode != http.StatusOK || v != "typed" || dd.Find(`[data-testid="attr-row"]`).Length() != 2+attrBlankRows {
			t.Errorf("%d %q %d rows", resp.StatusCode, v, dd.Find(`[data-testid="attr-row"]`).Length())
		}
	})
	for _, tc := range []struct {
		name       string
		rows       [][3]string
		sel, wants string
	}{
		{"bad name", [][3]string{{"plan", "gold", ""}, {"my-plan", "x", ""}}, `[data-testid="attr-name-error"]`, "my-plan"},
		{"device field", [][3]string{{"Region", "x", ""}}, `[data-testid="attr-name-error"]`, "Region"},
		{"value too long", [][3]string{{"plan", strings.Repeat("v", models.MaxAttrValueLen+1), ""}}, `[data-testid="attr-value-error"]`, "“plan”"},
		{"value without a name", [][3]string{{"", "orphan", ""}}, `[data-testid="attr-name-error"]`, "required"},
		{"a name twice", [][3]string{{"plan", "a", ""}, {"plan", "b", ""}}, `[data-testid="attr-name-error"]`, "row 1"},
		{"too many", manyAttrRows(models.MaxDeviceAttrs + 1), `[data-testid="error-attributes"]`, fmt.Sprint(models.MaxDeviceAttrs)},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			resp, body := b.post(editor, attrRowsForm(tc.rows...))
			got := doc(t, body).Find(tc.sel).Text()
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, tc.wants) {
				t.Errorf("%d %q, want %q", resp.StatusCode, got, tc.wants)
			}
			if got := attrsNow(); !maps.Equal(got, models.Attributes{"plan": "gold", "score": "42"}) {
				t.Errorf("written anyway: %v", got)
			}
		})
	}
	t.Run("change, remove and add in one save", func(t *testing.T) {
		resp, _ := b.post(editor, attrRowsForm([3]string{"plan", "silver", ""}, [3]string{"score", "42", "1"}, [3]string{"city", " Hangzhou ", ""}, [3]string{"", "", ""}))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := attrsNow(); !maps.Equal(got, models.Attributes{"plan": "silver", "city": "Hangzhou"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a viewer may not edit", func(t *testing.T) {
		app.createUser("viewer@example.com", models.RoleViewer)
		v := app.browser()
		v.login("viewer@example.com", "password123")
		_, body := v.get(page)
		if doc(t, body).Find(`[data-testid="edit-attributes"]`).Length() != 0 {
			t.Error("viewer sees the edit button")
		}
		if resp, _ := v.post(editor, attrRowsForm([3]string{"plan", "x", ""})); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer post: %d", resp.StatusCode)
		}
	})
}

func manyAttrRows(n int) [][3]string {
	rows := make([][3]string, n)
	for i := range rows {
		rows[i] = [3]string{fmt.Sprintf("a%d", i), "v", ""}
	}
	return rows
}
