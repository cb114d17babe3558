package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// postedForm is what a browser posts for the composer as rendered: no
// button, nothing disabled (or inside a disabled group), a box only when
// ticked, a select's chosen option.
func postedForm(d *goquery.Document) url.Values {
	out := url.Values{}
	d.Find(`#campaign-form input, #campaign-form select, #campaign-form textarea`).Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok || name == "" {
			return
		}
		if _, off := s.Attr("disabled"); off || s.ParentsFiltered("fieldset[disabled]").Length() > 0 {
			return
		}
		switch goquery.NodeName(s) {
		case "textarea":
			out.Add(name, s.Text())
		case "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option:not([disabled])").First()
			}
			out.Add(name, opt.AttrOr("value", ""))
		default:
			switch s.AttrOr("type", "text") {
			case "submit", "button", "file":
			case "checkbox", "radio":
				if _, on := s.Attr("checked"); on {
					out.Add(name, s.AttrOr("value", "on"))
				}
			default:
				out.Add(name, s.AttrOr("value", ""))
			}
		}
	})
	return out
}

// variantOf loads a campaign's variants.
func variantsOf(t *testing.T, app *testApp, id int64) []draft.Variant {
	t.Helper()
	cm, err := app.store.CampaignByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	d, err := draft.Of(cm)
	if err != nil {
		t.Fatal(err)
	}
	return d.Variants
}

func savedID(t *testing.T, resp *http.Response, body string) int64 {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, doc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/campaigns/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestComposerVariantFields: a further variant sets every field of the
// message section, not only title and body; it starts as a copy of the
// first, names what differs, and keeps every field through save, edit,
// duplicate and a template start. A field that fails names the variant's
// field beside its input.
func TestComposerVariantFields(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.setupAdmin("admin@example.com", "password123")
	pid := app.sandboxID()
	sb := strconv.FormatInt(pid, 10)
	rich := map[string]string{"big_text": "Long text of A", "click_action": "url", "click_value": "https://a.example/spring"}
	differing := abForm(map[string]string{"ab_click_action_1": "url", "ab_click_value_1": "https://b.example/offer",
		"ab_big_text_1": "Long text of B", "ab_image_url_1": "https://b.example/banner.png", "ab_badge_1": "3",
		"ab_ext_1": `{"variant":"b"}`, "ab_wifi_only_1": "1", "ab_test": "", "ab_sample": "", "ab_wait": ""})
	for k, v := range rich {
		differing[k] = v
	}

	t.Run("a new variant is a copy of the first", func(t *testing.T) {
		over := abForm(map[string]string{"ab_add": "1"})
		for k, v := range rich {
			over[k] = v
		}
		resp, body := b.post("/campaigns", composerForm("sandbox", sb, over))
		d := doc(t, body)
		if resp.StatusCode != http.StatusOK || fieldValue(d, "ab_big_text_2") != "Long text of A" || fieldValue(d, "ab_click_value_2") != "https://a.example/spring" ||
			fieldValue(d, "ab_click_action_2") != "url" || fieldValue(d, "ab_title_2") != "Hi" {
			t.Fatalf("added variant: %d, big text %q, url %q", resp.StatusCode, fieldValue(d, "ab_big_text_2"), fieldValue(d, "ab_click_value_2"))
		}
		if got := strings.TrimSpace(d.Find(`[data-testid="ab-differs-2"]`).Text()); !strings.Contains(got, "same message as A") {
			t.Errorf("copy says %q", got)
		}
		if _, open := d.Find(`[data-testid="ab-more-2"]`).Attr("open"); open {
			t.Errorf("a copy's other fields start open")
		}
	})

	t.Run("removing the first makes the second's message the composer's", func(t *testing.T) {
		resp, body := b.post("/campaigns", composerForm("sandbox", sb, abForm(map[string]string{"ab_remove": "0", "ab_count": "3", "ab_name_2": "C",
			"ab_big_text_1": "Long text of B", "ab_title_2": "Third"})))
		d := doc(t, body)
		if resp.StatusCode != http.StatusOK || fieldValue(d, "title") != "Hello there" || fieldValue(d, "big_text") != "Long text of B" ||
			fieldValue(d, "ab_name_0") != "B" || fieldValue(d, "ab_title_1") != "Third" {
			t.Fatalf("after removing A: %d, title %q, big text %q, first %q, second's title %q", resp.StatusCode, fieldValue(d, "title"),
				fieldValue(d, "big_text"), fieldValue(d, "ab_name_0"), fieldValue(d, "ab_title_1"))
		}
	})

	var id int64
	t.Run("saved with every differing field", func(t *testing.T) {
		resp, body := b.post("/campaigns", composerForm("sandbox", sb, differing))
		id = savedID(t, resp, body)
		vs := variantsOf(t, app, id)
		if len(vs) != 2 {
			t.Fatalf("%d variants", len(vs))
		}
		a, bm := vs[0].Message, vs[1].Message
		if a.Click.URL != "https://a.example/spring" || a.BigText != "Long text of A" || a.ImageURL != "" || a.Badge != nil || a.WifiOnly {
			t.Errorf("first variant: %+v", a)
		}
		if bm.Click.Action != "url" || bm.Click.URL != "https://b.example/offer" || bm.BigText != "Long text of B" || bm.ImageURL != "https://b.example/banner.png" ||
			bm.Badge == nil || *bm.Badge != 3 || string(bm.Ext) != `{"variant":"b"}` || !bm.WifiOnly || bm.Title != "Hello there" || bm.Body != "Other body" {
			t.Errorf("second variant: %+v", bm)
		}
		_, page := b.get(fmt.Sprintf("/campaigns/%d", id))
		other := doc(t, page).Find(`[data-testid="ab-summary-other"]`)
		if other.Length() != 2 || strings.TrimSpace(other.First().Text()) != "" || !strings.Contains(other.Last().Text(), "https://b.example/offer") ||
			!strings.Contains(other.Last().Text(), "Badge: 3") || !strings.Contains(other.Last().Text(), "Wi-Fi") {
			t.Errorf("campaign page lists the differences as %q", other.Text())
		}
	})

	t.Run("reopened, saved unchanged, duplicated", func(t *testing.T) {
		_, body := b.get(fmt.Sprintf("/campaigns/%d/edit", id))
		d := doc(t, body)
		if fieldValue(d, "ab_click_value_1") != "https://b.example/offer" || fieldValue(d, "ab_image_url_1") != "https://b.example/banner.png" ||
			fieldValue(d, "ab_badge_1") != "3" || fieldValue(d, "ab_wifi_only_1") != "1" || fieldValue(d, "ab_ext_1") != `{"variant":"b"}` {
			t.Fatalf("edit form lost fields: url %q image %q badge %q", fieldValue(d, "ab_click_value_1"), fieldValue(d, "ab_image_url_1"), fieldValue(d, "ab_badge_1"))
		}
		if _, open := d.Find(`[data-testid="ab-more-1"]`).Attr("open"); !open {
			t.Errorf("differing fields start closed")
		}
		diff := d.Find(`[data-testid="ab-differs-1"]`).Text()
		for _, label := range []string{"Title", "Big text", "Image URL", "URL / intent / payload", "Badge"} {
			if !strings.Contains(strings.ToLower(diff), strings.ToLower(label)) {
				t.Errorf("differs %q lacks %q", diff, label)
			}
		}
		if d.Find(`.ab-field[data-differs] [name="ab_big_text_1"]`).Length() != 1 || d.Find(`.ab-field[data-differs] [name="ab_sound_1"]`).Length() != 0 {
			t.Errorf("differing fields not marked")
		}
		before := variantsOf(t, app, id)
		resp, body := b.post(fmt.Sprintf("/campaigns/%d", id), postedForm(d))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resave: %d %s", resp.StatusCode, doc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
		}
		after := variantsOf(t, app, id)
		if x, y := mustJSON(t, before), mustJSON(t, after); x != y {
			t.Fatalf("edit round trip changed the variants:\n%s\n%s", x, y)
		}
		resp, _ = b.post(fmt.Sprintf("/campaigns/%d/duplicate", id), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("duplicate: %d", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		copyID, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/campaigns/"), "/edit"), 10, 64)
		if err != nil {
			t.Fatalf("duplicate went to %q", loc)
		}
		_, body = b.get(loc)
		resp, body = b.post(fmt.Sprintf("/campaigns/%d", copyID), postedForm(doc(t, body)))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save the copy: %d %s", resp.StatusCode, doc(t, body).Find(".field-error, [data-testid=form-errors]").Text())
		}
		if x, y := mustJSON(t, before), mustJSON(t, variantsOf(t, app, copyID)); x != y {
			t.Fatalf("duplicate changed the variants:\n%s\n%s", x, y)
		}
	})

	t.Run("started from a template", func(t *testing.T) {
		op := app.apiKey(models.RoleOperator)
		resp, out := app.apiDo(http.MethodPost, "/api/v1/templates", op, `{"name":"spring","kind":"sandbox","message":{"type":"notification","title":"From template",
			"body":"Template body","big_text":"Template long text","click":{"action":"url","url":"https://t.example/"}}}`, nil)
		tid := int64(apiJSON(t, resp, out, http.StatusCreated)["id"].(float64))
		_, body := b.get(fmt.Sprintf("/campaigns/new?template=%d", tid))
		d := doc(t, body)
		if fieldValue(d, "ab_title_1") != "From template" || fieldValue(d, "ab_big_text_1") != "Template long text" || fieldValue(d, "ab_click_value_1") != "https://t.example/" {
			t.Fatalf("the second variant does not start as the template's copy: %q %q", fieldValue(d, "ab_title_1"), fieldValue(d, "ab_click_value_1"))
		}
		form := postedForm(d)
		form.Set("name", "From template")
		form.Set("audience_kind", "cid")
		form.Set("audience_values", "t1\nt2")
		form.Set("provider_id", sb)
		form.Set("ab_on", "1")
		form.Set("ab_click_value_1", "https://t.example/b")
		form.Set("ab_big_text_1", "Other long text")
		resp, body = b.post("/campaigns", form)
		tplID := savedID(t, resp, body)
		vs := variantsOf(t, app, tplID)
		if len(vs) != 2 || vs[0].Message.Click.URL != "https://t.example/" || vs[1].Message.Click.URL != "https://t.example/b" ||
			vs[1].Message.BigText != "Other long text" || vs[1].Message.Title != "From template" {
			t.Fatalf("template start: %+v", vs)
		}
	})

	t.Run("errors beside the variant's field", func(t *testing.T) {
		cases := []struct {
			name, field, key string
			over             map[string]string
		}{
			{"url missing", "ab_click_value_1", "variants[1].message.click.url", map[string]string{"ab_click_value_1": " "}},
			{"url not a URL", "ab_click_value_1", "variants[1].message.click.url", map[string]string{"ab_click_value_1": "not a url"}},
			{"image not a URL", "ab_image_url_1", "variants[1].message.image_url", map[string]string{"ab_image_url_1": "ftp://b.example/x.png"}},
			{"badge not a number", "ab_badge_1", "variants[1].message.badge", map[string]string{"ab_badge_1": "three"}},
			{"ext not JSON", "ab_ext_1", "variants[1].message.ext", map[string]string{"ab_ext_1": "{broken"}},
			{"type unknown", "ab_type_1", "variants[1].message.type", map[string]string{"ab_type_1": "hologram"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				form := map[string]string{}
				for k, v := range differing {
					form[k] = v
				}
				for k, v := range tc.over {
					form[k] = v
				}
				resp, body := b.post("/campaigns", composerForm("sandbox", sb, form))
				d := doc(t, body)
				if resp.StatusCode != http.StatusUnprocessableEntity || d.Find(fmt.Sprintf(`[data-testid="error-%s"]`, tc.field)).Length() != 1 {
					t.Fatalf("status %d; errors %q", resp.StatusCode, d.Find(".field-error, [data-testid=form-errors]").Text())
				}
				if d.Find(fmt.Sprintf(`[data-testid="field-%s"] [data-testid="error-%s"]`, tc.field, tc.field)).Length() != 1 {
					t.Errorf("the error is not beside %s", tc.field)
				}
				if _, open := d.Find(`[data-testid="ab-more-1"]`).Attr("open"); !open && tc.field != "ab_title_1" {
					t.Errorf("the field with the error is closed away")
				}
				if d.Find(`[data-testid="error-click_value"], [data-testid="error-badge"], [data-testid="error-image_url"]`).Length() != 0 {
					t.Errorf("the error landed on the first variant's field")
				}
			})
			t.Run(tc.name+" (API)", func(t *testing.T) {
				msg := map[string]any{"type": "notification", "title": "Hello", "body": "Other", "click": map[string]any{"action": "url", "url": "https://b.example/"}}
				switch tc.field {
				case "ab_click_value_1":
					msg["click"] = map[string]any{"action": "url", "url": strings.TrimSpace(tc.over["ab_click_value_1"])}
				case "ab_image_url_1":
					msg["image_url"] = tc.over["ab_image_url_1"]
				case "ab_badge_1":
					msg["badge"] = -1
				case "ab_ext_1":
					msg["ext"] = "not an object"
				case "ab_type_1":
					msg["type"] = "hologram"
				}
				raw, _ := json.Marshal(msg)
				body := fmt.Sprintf(`{"name":"api","provider_id":%d,"audience":{"kind":"cid","values":["c1"]},"variants":[%s,{"name":"B","share":50,"message":%s}]}`,
					pid, abVariant("A", 50, "Hi"), raw)
				resp, out := app.apiDo(http.MethodPost, "/api/v1/campaigns", app.apiKey(models.RoleOperator), body, nil)
				if f := apiFields(t, resp, out); f[tc.key] == nil {
					t.Fatalf("API fields %v, want %s", f, tc.key)
				}
			})
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
