package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// apiJSON decodes an API answer, failing on a status other than want.
func apiJSON(t *testing.T, resp *http.Response, body string, want int) map[string]any {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
	}
	var m map[string]any
	if body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
	}
	return m
}

// apiFields returns the error's field map of a 422.
func apiFields(t *testing.T, resp *http.Response, body string) map[string]any {
	t.Helper()
	m := apiJSON(t, resp, body, http.StatusUnprocessableEntity)
	e, _ := m["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	if len(f) == 0 {
		t.Fatalf("422 without fields: %s", body)
	}
	return f
}

func TestDevicesAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	dev := func(q string) string { return fmt.Sprintf("/api/v1/devices%s?provider_id=%d", q, pid) }

	t.Run("invalid items are 422 with their paths, nothing written", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, dev(""), key, `[{"cid":"a","platform":"ios"},{"cid":"b","platform":"symbian"},{"platform":"ios"},{"cid":"a"},{"cid":"e","tags":["x;y"]}]`, nil)
		f := apiFields(t, resp, body)
		for _, k := range []string{"[1].platform", "[2].cid", "[3].cid", "[4].tags"} {
			if _, ok := f[k]; !ok {
				t.Errorf("no error on %s: %v", k, f)
			}
		}
		if n, _ := app.store.CountDevices(t.Context(), pid); n != 0 {
			t.Errorf("a refused request wrote %d devices", n)
		}
	})
	t.Run("request problems", func(t *testing.T) {
		tests := []struct {
			name, path, body string
			want             int
			field            string
		}{
			{"no provider", "/api/v1/devices", `[]`, 422, "provider_id"},
			{"unknown provider", "/api/v1/devices?provider_id=999", `[{"cid":"x"}]`, 422, "provider_id"},
			{"not an array", dev(""), `{"cid":"x"}`, 400, ""},
			{"unknown field", dev(""), `[{"cid":"x","color":"red"}]`, 400, ""},
			{"tags: both ways", dev("/tags"), `{"cids":["a"],"add":["x"],"remove":["x"]}`, 422, "remove"},
			{"tags: nothing to do", dev("/tags"), `{"cids":["a"]}`, 422, "add"},
			{"alias: missing", dev("/alias"), `{"cids":["a"]}`, 422, "alias"},
			{"alias: too long", dev("/alias"), `{"cids":["a"],"alias":"` + strings.Repeat("x", 129) + `"}`, 422, "alias"},
			{"delete: no cids", dev("/delete"), `{"cids":[]}`, 422, "cids"},
			{"list: bad limit", dev("") + "&limit=0", ``, 422, "limit"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				method := http.MethodPost
				if tc.name == "list: bad limit" {
					method = http.MethodGet
				}
				resp, body := app.apiDo(method, tc.path, key, tc.body, nil)
				if tc.want == 422 {
					if f := apiFields(t, resp, body); f[tc.field] == nil {
						t.Errorf("no error on %s: %v", tc.field, f)
					}
					return
				}
				apiJSON(t, resp, body, tc.want)
			})
		}
	})
	t.Run("upsert, re-send, tag, alias, list, delete", func(t *testing.T) {
		body := `[{"cid":"a","platform":"ios","tags":["vip"]},{"cid":"b","alias":"bob","tags":["vip","beta"]},{"cid":"c"}]`
		m := apiOK(t)(app.apiDo(http.MethodPost, dev(""), key, body, nil))
		if m["imported"] != 3.0 || m["updated"] != 0.0 {
			t.Fatalf("upsert: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodPost, dev(""), key, body, nil))
		if m["unchanged"] != 3.0 {
			t.Errorf("re-send: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodPost, dev("/tags"), key, `{"cids":["a","c","zz"],"add":["new"],"remove":["vip"]}`, nil))
		if m["matched"] != 2.0 || fmt.Sprint(m["missing"]) != "[zz]" {
			t.Errorf("tags: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodPost, dev("/alias"), key, `{"cids":["c"],"alias":"carol"}`, nil))
		if m["matched"] != 1.0 {
			t.Errorf("alias: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodGet, dev("")+"&limit=2", key, "", nil))
		items, _ := m["items"].([]any)
		if len(items) != 2 || m["next_after"] != "b" {
			t.Fatalf("list page 1: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodGet, dev("")+"&limit=2&after=b", key, "", nil))
		items, _ = m["items"].([]any)
		if len(items) != 1 || m["next_after"] != nil || items[0].(map[string]any)["alias"] != "carol" {
			t.Fatalf("list page 2: %v", m)
		}
		m = apiOK(t)(app.apiDo(http.MethodGet, dev("/tags"), key, "", nil))
		if got := fmt.Sprint(m["items"]); !strings.Contains(got, "new") || strings.Contains(got, "vip 2") {
			t.Errorf("tag list: %v", got)
		}
		m = apiOK(t)(app.apiDo(http.MethodPost, dev("/delete"), key, `{"cids":["a","nope"]}`, nil))
		if m["deleted"] != 1.0 {
			t.Errorf("delete: %v", m)
		}
	})
}

// apiOK returns a decoder of a 200 answer, to wrap apiDo's two results.
func apiOK(t *testing.T) func(*http.Response, string) map[string]any {
	return func(resp *http.Response, body string) map[string]any {
		t.Helper()
		return apiJSON(t, resp, body, http.StatusOK)
	}
}

func TestImportAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	path := fmt.Sprintf("/api/v1/devices/import?provider_id=%d", app.sandboxID())
	csv := "cid,platform,tags\r\nA,ios,vip\r\nB,windows,\r\n\"C\nD\",android,\r\nA,ios,\r\nE,android,x;y\r\n"
	resp, body := app.apiDo(http.MethodPost, path, key, csv, map[string]string{"Content-Type": "text/csv"})
	m := apiJSON(t, resp, body, http.StatusOK)
	if m["imported"] != 2.0 || m["rejected_total"] != 3.0 {
		t.Fatalf("import: %s", body)
	}
	rej, _ := m["rejected"].([]any)
	want := []string{"3 platform: must be ios, android or other", "4 cid: may not contain control characters", "6 cid: repeats the cid of line 2"}
	if len(rej) != len(want) {
		t.Fatalf("rejected: %v", rej)
	}
	for i, w := range want {
		r := rej[i].(map[string]any)
		if got := fmt.Sprintf("%v %v", r["line"], r["error"]); !strings.HasPrefix(got, w) {
			t.Errorf("rejection %d: %q, want %q…", i, got, w)
		}
	}
	resp, body = app.apiDo(http.MethodPost, path, key, csv, nil)
	if m := apiJSON(t, resp, body, http.StatusOK); m["unchanged"] != 2.0 || m["imported"] != 0.0 {
		t.Errorf("re-import: %s", body)
	}
	resp, body = app.apiDo(http.MethodPost, path, key, "alias,tag\nx,y\n", nil)
	if f := apiFields(t, resp, body); f["header"] == nil {
		t.Errorf("bad header: %v", f)
	}
	viewer := app.apiKey(models.RoleViewer)
	if resp, _ := app.apiDo(http.MethodPost, path, viewer, csv, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer import: %d", resp.StatusCode)
	}
}

func TestAudiencePreviewAndSegmentsAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	viewer := app.apiKey(models.RoleViewer)
	pid := app.sandboxID()
	devices := `[{"cid":"a","platform":"android","region":"Zhejiang","tags":["vip"]},
	{"cid":"b","platform":"android","region":"Shanghai","tags":["test"]},
	{"cid":"c","platform":"ios","region":"Zhejiang","alias":"carol"},
	{"cid":"d","platform":"android","region":"Beijing","opted_out":true}]`
	apiOK(t)(app.apiDo(http.MethodPost, fmt.Sprintf("/api/v1/devices?provider_id=%d", pid), key, devices, nil))

	tree := `{"op":"and","items":[{"field":"region","op":"in","values":["Zhejiang","Shanghai"]},{"op":"not","items":[{"field":"tag","op":"in","values":["test"]}]},{"field":"platform","op":"in","values":["android"]}]}`
	resp, body := app.apiDo(http.MethodPost, "/api/v1/segments", key, `{"name":"zj-sh android","tree":`+tree+`}`, nil)
	sg := apiJSON(t, resp, body, http.StatusCreated)
	segID := fmt.Sprint(sg["id"])

	previews := []struct {
		name     string
		audience string
		want     float64
	}{
		{"all (opted out left out)", `{"kind":"all"}`, 3},
		{"tag", `{"kind":"tag","values":["vip","test"]}`, 2},
		{"alias", `{"kind":"alias","values":["carol","nobody"]}`, 1},
		{"cid as given", `{"kind":"cid","values":["a","zz","a","d"]}`, 2},
		{"segment", `{"kind":"segment","values":["` + segID + `"]}`, 1},
		{"conditions", `{"kind":"conditions","conditions":{"field":"platform","op":"in","values":["android"]}}`, 2},
	}
	for _, tc := range previews {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := app.apiDo(http.MethodPost, "/api/v1/audience/preview", viewer, fmt.Sprintf(`{"provider_id":%d,"audience":%s}`, pid, tc.audience), nil)
			if m := apiJSON(t, resp, body, http.StatusOK); m["count"] != tc.want {
				t.Errorf("count %v, want %v", m["count"], tc.want)
			}
		})
	}
	invalid := []struct {
		name, body, field string
	}{
		{"unknown kind", fmt.Sprintf(`{"provider_id":%d,"audience":{"kind":"everyone"}}`, pid), "audience.kind"},
		{"unknown account", `{"provider_id":999,"audience":{"kind":"all"}}`, "provider_id"},
		{"missing segment", fmt.Sprintf(`{"provider_id":%d,"audience":{"kind":"segment","values":["999"]}}`, pid), "audience.values"},
		{"bad tree", fmt.Sprintf(`{"provider_id":%d,"audience":{"kind":"conditions","conditions":{"op":"and","items":[{"field":"os","op":"in","values":["x"]}]}}}`, pid), "audience.conditions.items[0].field"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := app.apiDo(http.MethodPost, "/api/v1/audience/preview", viewer, tc.body, nil)
			if f := apiFields(t, resp, body); f[tc.field] == nil {
				t.Errorf("no error on %s: %v", tc.field, f)
			}
		})
	}
	t.Run("segment validation and lifecycle", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, "/api/v1/segments", key, `{"name":"","tree":{"op":"not","items":[]}}`, nil)
		f := apiFields(t, resp, body)
		if f["name"] == nil || f["tree.items"] == nil {
			t.Errorf("fields: %v", f)
		}
		resp, body = app.apiDo(http.MethodPost, "/api/v1/segments", key, `{"name":"zj-sh android","tree":{"field":"tag","op":"in","values":["x"]}}`, nil)
		if f := apiFields(t, resp, body); f["name"] == nil {
			t.Errorf("taken name: %v", f)
		}
		resp, body = app.apiDo(http.MethodPut, "/api/v1/segments/"+segID, key, `{"name":"renamed","tree":`+tree+`}`, nil)
		if m := apiJSON(t, resp, body, http.StatusOK); m["name"] != "renamed" {
			t.Errorf("update: %v", m)
		}
		resp, body = app.apiDo(http.MethodGet, "/api/v1/segments", viewer, "", nil)
		if m := apiJSON(t, resp, body, http.StatusOK); len(m["items"].([]any)) != 1 {
			t.Errorf("list: %v", m)
		}
		// A draft targeting the segment keeps it from being deleted.
		if _, _, err := app.store.CreateCampaign(t.Context(), models.NewCampaign{Name: "c", ProviderID: pid,
			Audience: models.Audience{Kind: "segment", Values: []string{segID}}, Message: json.RawMessage(`{"type":"notification"}`)}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := app.apiDo(http.MethodDelete, "/api/v1/segments/"+segID, key, "", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("delete in use: %d", resp.StatusCode)
		}
		resp, body = app.apiDo(http.MethodPost, "/api/v1/segments", key, `{"name":"spare","tree":{"field":"tag","op":"in","values":["x"]}}`, nil)
		spare := apiJSON(t, resp, body, http.StatusCreated)
		if resp, _ := app.apiDo(http.MethodDelete, fmt.Sprintf("/api/v1/segments/%v", spare["id"]), key, "", nil); resp.StatusCode != http.StatusNoContent {
			t.Errorf("delete: %d", resp.StatusCode)
		}
		if resp, _ := app.apiDo(http.MethodGet, fmt.Sprintf("/api/v1/segments/%v", spare["id"]), key, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted segment: %d", resp.StatusCode)
		}
	})
}

// TestAudiencePreviewAPINative: the API answers the same fact as the
// composer: native is true where the provider is sent the audience itself
// (its count is then the registered devices only), false where the count
// is exact; count keeps its name and meaning.
func TestAudiencePreviewAPINative(t *testing.T) {
	app := newTestApp(t)
	viewer := app.apiKey(models.RoleViewer)
	sandbox := app.sandboxID()
	app.registerDevices(sandbox, 11, 4)
	getui := app.account("getui", "", testCreds["getui"])
	sg, err := app.store.CreateSegment(t.Context(), models.SegmentInput{Name: "vip",
		Tree: []byte(`{"field":"tag","op":"in","values":["vip"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		pid      int64
		audience string
		count    float64
		native   bool
	}{
		{"sandbox all", sandbox, `{"kind":"all"}`, 11, true},
		{"sandbox tag", sandbox, `{"kind":"tag","values":["vip"]}`, 4, true},
		{"getui tag", getui, `{"kind":"tag","values":["vip"]}`, 0, true},
		{"segment", sandbox, fmt.Sprintf(`{"kind":"segment","values":["%d"]}`, sg.ID), 4, false},
		{"conditions", sandbox, `{"kind":"conditions","conditions":{"field":"tag","op":"in","values":["vip"]}}`, 4, false},
		{"cid", sandbox, `{"kind":"cid","values":["dev-000","x"]}`, 2, false},
		{"alias", getui, `{"kind":"alias","values":["a"]}`, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := app.apiDo(http.MethodPost, "/api/v1/audience/preview", viewer, fmt.Sprintf(`{"provider_id":%d,"audience":%s}`, tc.pid, tc.audience), nil)
			m := apiJSON(t, resp, body, http.StatusOK)
			if m["count"] != tc.count {
				t.Errorf("count %v, want %v", m["count"], tc.count)
			}
			if native, ok := m["native"].(bool); !ok || native != tc.native {
				t.Errorf("native %v, want %v: %s", m["native"], tc.native, body)
			}
		})
	}
}
