package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/chromedp/chromedp"
)

// phoneWidth is the narrowest common phone viewport (CSS pixels).
const phoneWidth = 390

// resize sets the tab's viewport, as a phone or a desktop browser has it.
func (b *tab) resize(step string, w, h int64) {
	b.t.Helper()
	b.do(step, chromedp.EmulateViewport(w, h))
}

// fitsPhone reloads the current page in a 390 px viewport (so scripts that
// measure at load, like the charts, measure the phone) and checks the page
// does not scroll sideways: wide tables must scroll inside their own
// container. It takes a screenshot and goes back to the desktop size.
func (b *tab) fitsPhone(page string) {
	b.t.Helper()
	url := eval[string](b, "location", `location.href`)
	b.resize("phone viewport", phoneWidth, 844)
	defer b.resize("desktop viewport", 1280, 900)
	b.do("reload "+page+" on a phone", chromedp.Navigate(url))
	b.waitFor("layout settles", `document.readyState === "complete"`, stepTimeout)
	sw := eval[int](b, "page width", `document.documentElement.scrollWidth`)
	vw := eval[int](b, "viewport width", `window.innerWidth`)
	wide := eval[string](b, "what sticks out", `(() => {
		const w = window.innerWidth;
		const out = [];
		for (const el of document.querySelectorAll("body *")) {
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && !el.closest(".overflow-auto")) out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + Math.round(r.right));
			if (out.length >= 5) break;
		}
		return out.join(", ");
	})()`)
	b.check(page+" fits a phone", sw <= vw, "%s is %d px wide in a %d px viewport (sticking out: %s)", page, sw, vw, wide)
	b.shot(page + "-phone")
	b.do("back to desktop "+page, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url))
}

// rawID matches a message id shown instead of its text ("figures.failed",
// "audit.action.device_import"): the catalog's areas as prefixes.
var rawID = regexp.MustCompile(`\b(?:action|app|audience|audit|campaign|campaigns|common|dashboard|err|error|field|figures|flash|groups|kind|nav|provider_error|providers|role|settings|stats|status|test|type)\.[a-z_]+(?:\.[a-z_]+)*\b`)

// noRawIDs checks the page shows no message id in place of its text.
func (b *tab) noRawIDs(page string) {
	b.t.Helper()
	text := b.text("body")
	if m := rawID.FindAllString(text, 5); len(m) > 0 {
		b.fail(page+" shows no raw message ids", fmt.Errorf("raw ids on %s: %s", page, strings.Join(m, ", ")))
	}
}

// docShot saves a screenshot of the viewport for the README into the
// folder PUSHDECK_SCREENSHOTS names (relative to the module root); without
// it, nothing is written.
func (b *tab) docShot(name string) {
	b.t.Helper()
	dir := os.Getenv("PUSHDECK_SCREENSHOTS")
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.fail("screenshot for docs "+name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.fail("write docs screenshot "+name, err)
	}
}
