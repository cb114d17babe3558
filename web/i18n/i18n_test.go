package i18n

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCatalogsComplete checks that every area's English and Chinese files
// hold the same ids, that no id is defined by two areas, and that no
// message is empty.
func TestCatalogsComplete(t *testing.T) {
	paths, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	byArea := map[string]map[string]map[string]string{}
	owner := map[string]string{}
	for _, p := range paths {
		base := strings.TrimSuffix(filepath.Base(p), ".json")
		dot := strings.Index(base, ".")
		area, lang := base[:dot], base[dot+1:]
		buf, err := localeFS.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := flatten(buf)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if byArea[area] == nil {
			byArea[area] = map[string]map[string]string{}
		}
		byArea[area][lang] = m
		for id, msg := range m {
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: %s is empty", p, id)
			}
			if lang == "en" {
				if prev, ok := owner[id]; ok && prev != area {
					t.Errorf("id %s is defined by areas %s and %s", id, prev, area)
				}
				owner[id] = area
			}
		}
	}
	for area, langs := range byArea {
		for _, l := range Supported {
			if langs[l.Tag] == nil {
				t.Errorf("area %s has no %s catalog", area, l.Tag)
			}
		}
		for id := range langs["en"] {
			if _, ok := langs["zh-Hans"][id]; !ok {
				t.Errorf("area %s: %s missing in zh-Hans", area, id)
			}
		}
		for id := range langs["zh-Hans"] {
			if _, ok := langs["en"][id]; !ok {
				t.Errorf("area %s: %s missing in en", area, id)
			}
		}
	}
}

// flatten reads a catalog file: a message is a string, or an object of
// plural forms ("one", "other") whose forms are joined for the checks.
// A plural message needs its "other" form.
func flatten(buf []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(raw))
	for id, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[id] = s
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			return nil, fmt.Errorf("%s: neither a string nor plural forms: %w", id, err)
		}
		if strings.TrimSpace(forms["other"]) == "" {
			return nil, fmt.Errorf("%s: plural forms without \"other\"", id)
		}
		out[id] = forms["other"]
	}
	return out, nil
}

// TestTemplateKeysExist scans the templ and Go sources for literal message
// ids and checks each is in the catalog, so a typo shows up here rather
// than as a raw id on a page.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := New()
	if err != nil {
		t.Fatal(err)
	}
	en := cat.Localizer("en")
	re := regexp.MustCompile(`(?:i18n\.T|web\.T|\.T)\(ctx, "([a-z_]+\.[a-z_.]+)"`)
	root := filepath.Join("..", "..")
	var missing []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(p, "_templ.go") || !(strings.HasSuffix(p, ".templ") || strings.HasSuffix(p, ".go")) {
			return nil
		}
		buf, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(buf), -1) {
			if en.T(m[1]) == m[1] {
				missing = append(missing, p+": "+m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("message id not in catalog: %s", m)
	}
}

func TestMatchAndTranslate(t *testing.T) {
	cat, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, pref, accept, want string
	}{
		{"default", "", "", "en"},
		{"chinese browser", "", "zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"},
		{"english browser", "", "en-US,en;q=0.9", "en"},
		{"setting wins", "zh-Hans", "en-US", "zh-Hans"},
		{"unknown setting ignored", "fr", "en", "en"},
		{"garbage header", "", ";;;", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cat.Match(tc.pref, tc.accept); got != tc.want {
				t.Errorf("Match(%q, %q) = %q, want %q", tc.pref, tc.accept, got, tc.want)
			}
		})
	}
	zh := WithLocalizer(context.Background(), cat.Localizer("zh-Hans"))
	if got := T(zh, "nav.campaigns"); got != "推送活动" {
		t.Errorf("zh nav.campaigns = %q", got)
	}
	if got := T(zh, "err.too_long", map[string]any{"Max": 50}); got != "最多 50 个字符" {
		t.Errorf("zh err.too_long = %q", got)
	}
	if got := T(context.Background(), "nav.campaigns"); got != "nav.campaigns" {
		t.Errorf("no localizer should render the id, got %q", got)
	}
}
