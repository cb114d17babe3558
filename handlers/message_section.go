package handlers

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web/pages/campaigns"
)

// sectionValues reads the message section's fields, each under the name
// name gives it: the composer's own, or a variant's (ab_title_1). A field
// the form did not post at all (a variant's group hidden for the chosen
// kind, or a form from before variants had it) is first's.
func sectionValues(c *gin.Context, name func(string) string, first campaigns.MessageValues) campaigns.MessageValues {
	var m campaigns.MessageValues
	for _, f := range campaigns.VariantFields() {
		n := name(f.Name)
		switch {
		case c.Request.PostForm.Has(n):
			m.Set(f.Name, c.PostForm(n))
		case f.Type == "checkbox" && c.Request.PostForm.Has(name("type")):
			// An unticked box is not posted: with the rest of the section
			// posted, it was left unticked.
		default:
			m.Set(f.Name, first.Get(f.Name))
		}
	}
	return m
}

// applySection sets m's message-section fields from the typed values. What
// does not parse is a field error under at (message. or
// variants[1].message.), as the API would name it.
func applySection(m *providers.Message, s campaigns.MessageValues, v *models.ValidationError, loc *time.Location, at string) {
	m.Type, m.Title, m.Body = providers.MessageType(s.Type), s.Title, s.Body
	m.BigText, m.ImageURL, m.Sound, m.WifiOnly = strings.TrimSpace(s.BigText), strings.TrimSpace(s.ImageURL), strings.TrimSpace(s.Sound), s.WifiOnly
	m.Click = providers.Click{Action: s.ClickAction}
	switch s.ClickAction {
	case providers.ClickURL:
		m.Click.URL = strings.TrimSpace(s.ClickValue)
	case providers.ClickIntent:
		m.Click.Intent = s.ClickValue
	case providers.ClickPayload:
		m.Click.Payload = s.ClickValue
	}
	m.Badge = nil
	if strings.TrimSpace(s.Badge) != "" {
		var n int
		intField(v, s.Badge, at+"badge", &n)
		m.Badge = &n
	}
	m.Ext = nil
	if ext := strings.TrimSpace(s.Ext); ext != "" {
		m.Ext = json.RawMessage(ext)
		if !json.Valid(m.Ext) {
			v.Add(at+"ext", "err.json_object", nil)
			m.Ext = nil
		}
	}
	m.ShowBegin, m.ShowEnd = time.Time{}, time.Time{}
	if b := timeField(v, s.ShowBegin, at+"show_begin", loc); b != nil {
		m.ShowBegin = *b
	}
	if e := timeField(v, s.ShowEnd, at+"show_end", loc); e != nil {
		m.ShowEnd = *e
	}
}

// sectionOf renders a message's section back into the composer's fields,
// times in loc.
func sectionOf(m providers.Message, loc *time.Location) campaigns.MessageValues {
	s := campaigns.MessageValues{Type: string(m.Type), Title: m.Title, Body: m.Body, BigText: m.BigText, ImageURL: m.ImageURL,
		ClickAction: m.Click.Action, Sound: m.Sound, ShowBegin: localInput(m.ShowBegin, loc), ShowEnd: localInput(m.ShowEnd, loc), WifiOnly: m.WifiOnly}
	s.ClickValue = map[string]string{providers.ClickURL: m.Click.URL, providers.ClickIntent: m.Click.Intent, providers.ClickPayload: m.Click.Payload}[m.Click.Action]
	if m.Badge != nil {
		s.Badge = strconv.Itoa(*m.Badge)
	}
	if len(bytes.TrimSpace(m.Ext)) > 0 && string(bytes.TrimSpace(m.Ext)) != "null" {
		s.Ext = string(m.Ext)
	}
	return s
}
