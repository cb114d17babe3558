package render

import "strings"

// Render writes the text for one recipient: a placeholder whose value is
// missing or empty takes its fallback (or nothing). fallback, when true,
// renders every placeholder as its fallback, as for a recipient with no
// values at all. The output is at most MaxRendered bytes, else the
// error is ErrTooLong.
func (t Text) Render(v Vars, fallback bool) (string, error) {
	if len(t.segs) == 1 && !t.segs[0].hasVar {
		return t.segs[0].lit, nil
	}
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteString(s.lit)
		if !s.hasVar {
			continue
		}
		val := ""
		if !fallback {
			val = v.Lookup(s.name)
		}
		if val == "" {
			val = s.def
		}
		if b.Len()+len(val) > MaxRendered {
			return "", parseErr(ErrTooLong, map[string]any{"Max": MaxRendered})
		}
		b.WriteString(val)
	}
	if b.Len() > MaxRendered {
		return "", parseErr(ErrTooLong, map[string]any{"Max": MaxRendered})
	}
	return b.String(), nil
}

// Names appends the names the text uses, each once, in order.
func (t Text) Names(seen map[string]bool, out []string) []string {
	for _, s := range t.segs {
		if s.hasVar && !seen[s.name] {
			seen[s.name] = true
			out = append(out, s.name)
		}
	}
	return out
}

// FallsBack reports whether a recipient with v would see a fallback (or
// nothing) for at least one placeholder.
func (t Text) FallsBack(v Vars) bool {
	for _, s := range t.segs {
		if s.hasVar && v.Lookup(s.name) == "" {
			return true
		}
	}
	return false
}
