package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

// An attribute row: field "attr", the name in _attr.
func TestSegmentBuilderAttributeRows(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	attrs := func(kv ...string) *models.Attributes {
		a := models.Attributes{}
		for i := 0; i+1 < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		return &a
	}
	_, err := app.store.UpsertDevices(t.Context(), pid, []models.DeviceInput{
		{CID: "a", Attributes: attrs("plan", "gold", "score", "80")},
		{CID: "b", Attributes: attrs("plan", "gold", "score", "20")},
		{CID: "c", Attributes: attrs("plan", "free", "score", "95")},
		{CID: "d"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the form suggests the account's attribute names", func(t *testing.T) {
		_, body := b.get(fmt.Sprintf("/audience/segments/new?provider_id=%d", pid))
		got := doc(t, body).Find(`[data-testid="attr-names"] option`).Map(func(_ int, s *goquery.Selection) string {
			return s.AttrOr("value", "")
		})
		if strings.Join(got, ",") != "plan,score" {
			t.Errorf("names: %v", got)
		}
	})
	form := builderForm("gold, high score", "and", [][3]string{{"attr", "eq", "gold"}, {"attr", "gte", "50"}})
	form.Set("g0_r0_attr", "plan")
	form.Set("g0_r1_attr", "score")
	form.Set("provider_id", fmt.Sprint(pid))
	for _, tc := range []struct {
		name   string
		change func()
		want   string
	}{
		{"equals and a number", func() {}, ">1 "},
		{"is any of", func() { form.Set("g0_r0_op", "in"); form.Set("g0_r0_values", "gold, free") }, ">2 "},
		{"exists", func() { form.Set("g0_r1_op", "exists"); form.Set("g0_r1_values", "") }, ">3 "},
		{"below", func() { form.Set("g0_r1_op", "lt"); form.Set("g0_r1_values", "50") }, ">1 "},
	} {
		t.Run("count: "+tc.name, func(t *testing.T) {
			tc.change()
			resp, body := b.post("/audience/segment-count", form)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="audience-count"`) || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	t.Run("problems show beside the row", func(t *testing.T) {
		for _, tc := range []struct{ name, attr, op, values, want string }{
			{"no name", "", "eq", "gold", "Attribute name"},
			{"bad name", "my-plan", "eq", "gold", "my-plan"},
			{"equals with two values", "plan", "eq", "gold, free", "equals"},
			{"not a number", "score", "gt", "high", "number"},
		} {
			bad := builderForm("bad", "and", [][3]string{{"attr", tc.op, tc.values}})
			bad.Set("g0_r0_attr", tc.attr)
			bad.Set("action", "save")
			resp, body := b.post("/audience/segments", bad)
			if e := doc(t, body).Find(`[data-testid="row-error"]`).Text(); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e, tc.want) {
				t.Errorf("%s: %d %q", tc.name, resp.StatusCode, e)
			}
		}
	})
	t.Run("saved as the API's tree, reopened as rows", func(t *testing.T) {
		save := builderForm("gold, high score", "and", [][3]string{{"attr", "eq", "gold"}, {"attr", "gte", "50"}})
		save.Set("g0_r0_attr", "plan")
		save.Set("g0_r1_attr", "score")
		save.Set("action", "save")
		resp, _ := b.post("/audience/segments", save)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		sgs, err := app.store.ListSegments(t.Context())
		if err != nil || len(sgs) != 1 {
			t.Fatalf("%v %v", sgs, err)
		}
		tree, err := json.Marshal(sgs[0].Tree)
		want := `{"op":"and","items":[{"op":"in","field":"attr.plan","values":["gold"]},{"op":"gte","field":"attr.score","values":["50"]}]}`
		if err != nil || string(tree) != want {
			t.Errorf("tree %s, want %s", tree, want)
		}
		_, body := b.get(resp.Header.Get("Location"))
		d := doc(t, body)
		if d.Find(`textarea[name="tree_json"]`).Length() != 0 {
			t.Fatal("opened in the JSON editor")
		}
		for i, w := range [][3]string{{"plan", "eq", "gold"}, {"score", "gte", "50"}} {
			attr, _ := d.Find(fmt.Sprintf(`input[name="g0_r%d_attr"]`, i)).Attr("value")
			op, _ := d.Find(fmt.Sprintf(`select[name="g0_r%d_op"] option[selected]`, i)).Attr("value")
			field, _ := d.Find(fmt.Sprintf(`select[name="g0_r%d_field"] option[selected]`, i)).Attr("value")
			vals, _ := d.Find(fmt.Sprintf(`input[name="g0_r%d_values"]`, i)).Attr("value")
			if field != "attr" || attr != w[0] || op != w[1] || vals != w[2] {
				t.Errorf("row %d: %s %s %s %s", i, field, attr, op, vals)
			}
		}
	})
}
