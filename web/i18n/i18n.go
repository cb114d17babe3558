// Package i18n is pushdeck's message catalog (go-i18n), in English and
// Simplified Chinese. Every UI string goes through it: templates call T with
// a message id; the request's localizer travels in the context.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Supported languages, in the order offered to operators.
var Supported = []Language{
	{Tag: "en", Name: "English"},
	{Tag: "zh-Hans", Name: "简体中文"},
}

// Language is one offered language.
type Language struct {
	Tag  string
	Name string
}

// Catalog holds every message in every language.
type Catalog struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
}

// New loads the embedded catalogs.
func New() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	// One file per area and language: locales/<area>.<lang>.json, so each
	// feature keeps its own strings (the test checks both languages match).
	paths, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: list catalogs: %w", err)
	}
	for _, path := range paths {
		buf, err := localeFS.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", path, err)
		}
		if _, err := b.ParseMessageFileBytes(buf, path); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", path, err)
		}
	}
	return &Catalog{bundle: b, matcher: language.NewMatcher([]language.Tag{language.English, language.MustParse("zh-Hans")})}, nil
}

// Match picks a supported language from an explicit preference (an
// operator's setting; may be empty) and an Accept-Language header.
func (c *Catalog) Match(pref, acceptLanguage string) string {
	if pref != "" {
		for _, l := range Supported {
			if l.Tag == pref {
				return pref
			}
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Supported[idx].Tag
}

// Localizer returns a localizer for one supported language tag.
func (c *Catalog) Localizer(lang string) *Localizer {
	return &Localizer{l: goi18n.NewLocalizer(c.bundle, lang, "en"), Lang: lang}
}

// Localizer translates message ids for one language.
type Localizer struct {
	l *goi18n.Localizer
	// Lang is the language tag in use ("en", "zh-Hans").
	Lang string
}

// T translates id with optional template data. A missing id renders as the
// id itself, so a gap is visible rather than blank (the catalog test keeps
// the two languages complete).
func (l *Localizer) T(id string, data ...map[string]any) string {
	if l == nil {
		return id
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 && data[0] != nil {
		cfg.TemplateData = data[0]
		if n, ok := data[0]["Count"]; ok {
			cfg.PluralCount = n
		}
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

// HTMLLang is the value for <html lang>.
func (l *Localizer) HTMLLang() string {
	if l == nil {
		return "en"
	}
	return strings.ReplaceAll(l.Lang, "_", "-")
}

type ctxKey struct{}

// WithLocalizer returns a context carrying l.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the context's localizer (nil-safe: T on nil returns ids).
func FromContext(ctx context.Context) *Localizer {
	l, _ := ctx.Value(ctxKey{}).(*Localizer)
	return l
}

// T translates id in the context's language.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return FromContext(ctx).T(id, data...)
}
