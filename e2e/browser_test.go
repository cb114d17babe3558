package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one step; a step that waits for the engine says so.
const stepTimeout = 15 * time.Second

// maxShotHeight is the tallest page (CSS pixels) shot whole. Encoding a
// full screenshot of the API reference (every operation, many screens
// tall) outlasted stepTimeout on a loaded CI machine; its top shows it.
const maxShotHeight = 6000

// tab is one headless chromium with a fresh profile, driving one server.
// Every step names itself: a failing step saves a screenshot and prints
// the page's URL and text and the end of the server log.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *server
	n   int
}

// newTab starts chromium with the flags CI uses and a fresh user-data dir,
// accepting every confirm() dialog (the send and cancel buttons ask).
func newTab(t *testing.T, srv *server) *tab {
	t.Helper()
	requireBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Do starts the browser; it gets no timeout of its own, which
	// would end the browser with it (chromedp's rule), so a watchdog bounds it.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	case <-time.After(60 * time.Second):
		cancelTab()
		t.Fatal("chromium did not start within 60s")
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			// Accept in another goroutine: the click that opened the dialog
			// is still waiting for it.
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}) // the tab may be closing
			}()
		}
	}()
	return &tab{t: t, ctx: ctx, srv: srv}
}

// run runs actions as one named step.
func (b *tab) run(step string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(step, err)
	}
}

// do is run with the default timeout.
func (b *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.run(step, stepTimeout, actions...)
}

// open loads a path of the server and returns the HTTP status.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.srv.URL+path))
	if err != nil {
		b.fail("open "+path, err)
	}
	return resp.Status
}

// submit clicks a button (or link) that loads a new page, waits for it,
// and returns the status of the page it landed on.
func (b *tab) submit(step, sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.fail(step, err)
	}
	return resp.Status
}

// fill sets form fields by name (inputs, selects and textareas) in the
// form matched by form, as typing would: each field gets input and change
// events, so scripts and htmx triggers on the page react. A field that is
// missing, or a select without the option, fails the step by name.
func (b *tab) fill(step, form string, values map[string]string) {
	b.t.Helper()
	vals, err := json.Marshal(values)
	if err != nil {
		b.t.Fatal(err)
	}
	js := fmt.Sprintf(`(() => {
		const form = document.querySelector(%s);
		if (!form) return "no form " + %s;
		const vals = %s;
		for (const [name, v] of Object.entries(vals)) {
			const el = form.querySelector("[name=" + JSON.stringify(name) + "]");
			if (!el) return "no field " + name;
			el.focus();
			el.value = v;
			if (el.value !== v) return "field " + name + " does not take " + JSON.stringify(v) + " (has " + JSON.stringify(el.value) + ")";
			el.dispatchEvent(new Event("input", {bubbles: true}));
			el.dispatchEvent(new Event("change", {bubbles: true}));
		}
		return "";
	})()`, jsString(form), jsString(form), vals)
	if problem := eval[string](b, step, js); problem != "" {
		b.fail(step, errors.New(problem))
	}
}

// eval runs JavaScript and decodes its result.
func eval[T any](b *tab, step, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(step, err)
	}
	return v
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	q, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(q)
}

// count is how many elements match a CSS selector now.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return eval[int](b, "count "+sel, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)))
}

// text is the visible text of the first element matching sel ("" if none).
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, "text of "+sel, fmt.Sprintf(`(document.querySelector(%s) || {innerText: ""}).innerText`, jsString(sel)))
}

// value is the current value of the form control matching sel.
func (b *tab) value(sel string) string {
	b.t.Helper()
	return eval[string](b, "value of "+sel, fmt.Sprintf(`(document.querySelector(%s) || {value: ""}).value`, jsString(sel)))
}

// check fails the journey at step unless ok, with the page shown.
func (b *tab) check(step string, ok bool, format string, args ...any) {
	b.t.Helper()
	if !ok {
		b.fail(step, fmt.Errorf(format, args...))
	}
}

// shot saves a screenshot as NN-name.png in the artifact dir: the whole
// page, or its top when the page is taller than maxShotHeight.
func (b *tab) shot(name string) {
	b.t.Helper()
	if err := b.saveShot(name); err != nil {
		b.fail("screenshot "+name, err)
	}
}

func (b *tab) saveShot(name string) error {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	height, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement ? document.documentElement.scrollHeight : 0`))
	if err != nil {
		return err
	}
	shot := chromedp.FullScreenshot(100)
	if height > maxShotHeight {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		return err
	}
	b.n++
	path := filepath.Join(b.srv.artifacts, fmt.Sprintf("%02d-%s.png", b.n, name))
	return os.WriteFile(path, png, 0o644)
}

// fail stops the journey with everything needed to see why: the step, the
// error, the page's address and text, a screenshot and the server log.
func (b *tab) fail(step string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	where, _ := chromedp.Run(ctx, chromedp.Location())                                                               // best effort: the page may be gone
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : "(no body)"`)) // as above
	shotErr := b.saveShot("FAILED-" + strings.ReplaceAll(step, " ", "-"))
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out: %w", err)
	}
	b.t.Fatalf("step %q: %v\npage: %s\n--- page text ---\n%s\n--- end of page (screenshot error: %v) ---\n--- server log (end) ---\n%s",
		step, err, where, body, shotErr, b.srv.logTail())
}

// upload puts a local file into a file input, as choosing it in the
// file dialog would.
func (b *tab) upload(step, sel, path string) {
	b.t.Helper()
	b.do(step, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path}, chromedp.NodeReady))
}

// typeText types into a field key by key (focus, keydown, input, keyup),
// as a person would.
func (b *tab) typeText(step, sel, text string) {
	b.t.Helper()
	b.do(step, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// click clicks an element that changes the page in place (a checkbox, an
// htmx button): no new page is awaited.
func (b *tab) click(step, sel string) {
	b.t.Helper()
	b.do(step, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// waitText waits until the first element matching sel shows want (its
// visible text, trimmed), and fails with what it showed last.
func (b *tab) waitText(step, sel, want string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := strings.TrimSpace(b.text(sel))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			b.fail(step, fmt.Errorf("%s shows %q after %s, want %q", sel, got, timeout, want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
