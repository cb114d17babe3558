package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// builderForm is a builder submission: groups of rows (field, op, values).
func builderForm(name, topOp string, groups ...[][3]string) url.Values {
	f := url.Values{"name": {name}, "top_op": {topOp}, "groups": {fmt.Sprint(len(groups))}}
	for gi, rows := range groups {
		f.Set(fmt.Sprintf("g%d_op", gi), "and")
		f.Set(fmt.Sprintf("g%d_rows", gi), fmt.Sprint(len(rows)))
		for ri, r := range rows {
			f.Set(fmt.Sprintf("g%d_r%d_field", gi, ri), r[0])
			f.Set(fmt.Sprintf("g%d_r%d_op", gi, ri), r[1])
			f.Set(fmt.Sprintf("g%d_r%d_values", gi, ri), r[2])
		}
	}
	return f
}

func TestSegmentBuilderPages(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	str := func(v string) *string { return &v }
	tags := func(v ...string) *[]string { return &v }
	_, err := app.store.UpsertDevices(t.Context(), pid, []models.DeviceInput{
		{CID: "a", Platform: str("android"), Region: str("Zhejiang"), Tags: tags("vip")},
		{CID: "b", Platform: str("android"), Region: str("Shanghai"), Tags: tags("test")},
		{CID: "c", Platform: str("ios"), Region: str("Zhejiang")},
		{CID: "d", Platform: str("android"), Region: str("Inner Mongolia")},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := b.get("/audience/segments/new")
	if resp.StatusCode != http.StatusOK || doc(t, body).Find(`[data-testid="seg-row"]`).Length() != 1 {
		t.Fatalf("new segment form: %d", resp.StatusCode)
	}
	// The row and group buttons re-render the form, values kept.
	f := builderForm("zj android", "and", [][3]string{{"region", "in", "Zhejiang, Inner Mongolia"}})
	f.Set("action", "add_row:0")
	resp, body = b.post("/audience/segments", f)
	d := doc(t, body)
	if resp.StatusCode != http.StatusOK || d.Find(`[data-testid="seg-row"]`).Length() != 2 {
		t.Fatalf("add row: %d, %d rows", resp.StatusCode, d.Find(`[data-testid="seg-row"]`).Length())
	}
	if v, _ := d.Find(`input[name="g0_r0_values"]`).Attr("value"); v != "Zhejiang, Inner Mongolia" {
		t.Errorf("typed values lost: %q", v)
	}
	f.Set("action", "add_group")
	_, body = b.post("/audience/segments", f)
	if n := doc(t, body).Find(`[data-testid="seg-group"]`).Length(); n != 2 {
		t.Errorf("add group: %d groups", n)
	}
	// Saving with a bad row shows the problem beside the row.
	bad := builderForm("zj android", "and", [][3]string{{"region", "in", "Zhejiang"}, {"platform", "in", "windows"}})
	bad.Set("action", "save")
	resp, body = b.post("/audience/segments", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="row-error"]`).Length() != 1 {
		t.Fatalf("bad row: %d %s", resp.StatusCode, doc(t, body).Find(`[data-testid="form-errors"]`).Text())
	}
	// Region in (Zhejiang, Inner Mongolia) AND platform android, AND NOT tag test.
	good := builderForm("zj android", "and", [][3]string{{"region", "in", "Zhejiang, Inner Mongolia"}, {"platform", "in", "android"}},
		[][3]string{{"tag", "in", "test"}})
	good.Set("g1_not", "1")
	good.Set("provider_id", fmt.Sprint(pid))
	resp, body = b.post("/audience/segment-count", good)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="audience-count"`) || !strings.Contains(body, ">2 ") {
		t.Fatalf("live count: %d %s", resp.StatusCode, body)
	}
	good.Set("action", "save")
	resp, _ = b.post("/audience/segments", good)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	sgs, err := app.store.ListSegments(t.Context())
	if err != nil || len(sgs) != 1 {
		t.Fatalf("segments %v %v", sgs, err)
	}
	n, err := app.store.CountAudience(t.Context(), pid, models.Audience{Kind: "segment", Values: []string{fmt.Sprint(sgs[0].ID)}})
	if err != nil || n != 2 {
		t.Errorf("saved segment counts %d (%v), want 2", n, err)
	}
	// Editing shows the same builder back.
	_, body = b.get(resp.Header.Get("Location"))
	d = doc(t, body)
	if d.Find(`[data-testid="seg-group"]`).Length() != 2 || d.Find(`input[name="g1_not"][checked]`).Length() != 1 {
		t.Errorf("edit form does not show the tree: %s", d.Find(`[data-testid="builder"]`).Text())
	}
	if v, _ := d.Find(`input[name="g0_r0_values"]`).Attr("value"); v != "Zhejiang, Inner Mongolia" {
		t.Errorf("stored values: %q", v)
	}
	// The list counts each segment on the chosen account.
	_, body = b.get("/audience/segments")
	if !strings.Contains(body, "zj android") || !strings.Contains(body, "region in (Zhejiang, Inner Mongolia) AND platform in (android)") {
		t.Errorf("segment list: %s", doc(t, body).Find(`[data-testid="segment-table"]`).Text())
	}
	resp, body = b.post("/audience/segment-count", url.Values{"segment_id": {fmt.Sprint(sgs[0].ID)}, "provider_id": {fmt.Sprint(pid)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ">2 ") {
		t.Errorf("list count: %s", body)
	}
	resp, _ = b.post(fmt.Sprintf("/audience/segments/%d/delete", sgs[0].ID), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
}

func TestAdvancedSegmentIsEditedAsJSON(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	deep := `{"op":"or","items":[{"op":"and","items":[{"field":"tag","op":"in","values":["a"]},{"op":"or","items":[{"field":"region","op":"in","values":["x"]},{"field":"vendor","op":"in","values":["y"]}]}]},{"field":"platform","op":"in","values":["ios"]}]}`
	sg, err := app.store.CreateSegment(t.Context(), models.SegmentInput{Name: "deep", Tree: []byte(deep)})
	if err != nil {
		t.Fatal(err)
	}
	_, body := b.get(fmt.Sprintf("/audience/segments/%d", sg.ID))
	d := doc(t, body)
	if d.Find(`textarea[name="tree_json"]`).Length() != 1 || d.Find(`[data-testid="builder"]`).Length() != 0 {
		t.Fatal("a deep tree should be edited as JSON")
	}
	resp, body := b.post(fmt.Sprintf("/audience/segments/%d", sg.ID), url.Values{"name": {"deep"}, "advanced": {"1"}, "tree_json": {`{"op":"xor"}`}, "action": {"save"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find(`[data-testid="error-tree"]`).Length() != 1 {
		t.Errorf("bad JSON tree: %d", resp.StatusCode)
	}
}

func TestAudiencePreviewFragment(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := fmt.Sprint(app.sandboxID())
	b.post("/audience/seed", url.Values{"provider_id": {pid}})
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"all", url.Values{"audience_kind": {"all"}}, "about 10,000 devices"},
		{"cid list", url.Values{"audience_kind": {"cid"}, "audience_values": {"x1\nx2, x2 x3"}}, ">3 "},
		{"tag missing values", url.Values{"audience_kind": {"tag"}}, `data-testid="audience-count-error"`},
		{"segment unknown", url.Values{"audience_kind": {"segment"}, "segment_id": {"99"}}, `data-testid="audience-count-error"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("provider_id", pid)
			resp, body := b.post("/audience/preview", tc.form)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
}
