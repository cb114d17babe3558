package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/models"
)

func TestDeviceAttributesPageAndForm(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := fmt.Sprint(app.sandboxID())

	resp, _ := b.post("/audience/devices", url.Values{"provider_id": {pid}, "cid": {"dev-1"}, "platform": {"ios"},
		"attributes": {"plan=gold\n\nscore = 42\n"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	_, body := b.get(loc)
	got := doc(t, body).Find(`[data-testid="device-attribute"]`).Map(func(_ int, s *goquery.Selection) string {
		return strings.Join(strings.Fields(s.Text()), " ")
	})
	if strings.Join(got, "|") != "plan = gold|score = 42" {
		t.Errorf("device page attributes: %q", got)
	}
	t.Run("the edit form shows them as lines", func(t *testing.T) {
		_, body := b.get(loc + "/edit")
		if v := doc(t, body).Find(`textarea[name="attributes"]`).Text(); v != "plan=gold\nscore=42\n" {
			t.Errorf("form: %q", v)
		}
	})
	t.Run("saving the form replaces them", func(t *testing.T) {
		resp, _ := b.post(loc, url.Values{"platform": {"ios"}, "attributes": {"tier=3"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		d, err := app.store.DeviceByCID(t.Context(), app.sandboxID(), "dev-1")
		if err != nil || len(d.Attributes) != 1 || d.Attributes["tier"] != "3" {
			t.Errorf("got %v %v", d.Attributes, err)
		}
	})
	t.Run("a bad line or name is shown beside the field", func(t *testing.T) {
		for _, lines := range []string{"plan gold", "region=x", "my-plan=x"} {
			resp, body := b.post(loc, url.Values{"platform": {"ios"}, "attributes": {lines}})
			d := doc(t, body)
			if resp.StatusCode != http.StatusUnprocessableEntity || d.Find(`[data-testid="error-attributes"]`).Length() != 1 {
				t.Errorf("%q: %d", lines, resp.StatusCode)
			}
			if v := d.Find(`textarea[name="attributes"]`).Text(); v != lines {
				t.Errorf("%q: typed lines lost: %q", lines, v)
			}
		}
	})
}

func TestDeviceAttributesAPI(t *testing.T) {
	app := newTestApp(t)
	key := app.apiKey(models.RoleOperator)
	pid := app.sandboxID()
	dev := fmt.Sprintf("/api/v1/devices?provider_id=%d", pid)

	resp, body := app.apiDo(http.MethodPost, dev, key, `[{"cid":"a","attributes":{"plan":"gold","score":12.50,"gone":null}}]`, nil)
	apiJSON(t, resp, body, http.StatusOK)
	t.Run("the list returns them, numbers as their text", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodGet, dev, key, "", nil)
		m := apiJSON(t, resp, body, http.StatusOK)
		attrs := m["items"].([]any)[0].(map[string]any)["attributes"]
		if fmt.Sprint(attrs) != "map[plan:gold score:12.50]" {
			t.Errorf("got %v", attrs)
		}
	})
	t.Run("absent keeps, unchanged counted", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, dev, key, `[{"cid":"a","attributes":{"score":"12.50","plan":"gold"}}]`, nil)
		if m := apiJSON(t, resp, body, http.StatusOK); m["unchanged"] != 1.0 {
			t.Errorf("got %v", m)
		}
	})
	t.Run("bad values are 422 at their path", func(t *testing.T) {
		resp, body := app.apiDo(http.MethodPost, dev, key, `[{"cid":"b"},{"cid":"c","attributes":{"plan":["x"]}}]`, nil)
		if f := apiFields(t, resp, body); f["[1].attributes.plan"] == nil {
			t.Errorf("got %v", f)
		}
		resp, body = app.apiDo(http.MethodPost, dev, key, `[{"cid":"c","attributes":{"region":"x"}}]`, nil)
		if f := apiFields(t, resp, body); f["[0].attributes"] == nil {
			t.Errorf("got %v", f)
		}
	})
}
