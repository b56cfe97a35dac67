package browser

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mojin/charsim/internal/changes"
	"github.com/mojin/charsim/internal/console"
	"github.com/mojin/charsim/internal/mcpserver"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// axeVersion is the axe-core release hack/test.sh installs (npm, exact).
const axeVersion = "4.10.3"

const (
	defaultChromium = "/usr/bin/chromium-headless-shell"
	// defaultAxe is below the repository root.
	defaultAxe = ".local/npm/node_modules/axe-core/axe.min.js"
	// token is the MCP_AUTH_TOKEN of every console under test.
	token = "browser-test-token"
)

// shared is the one browser every test opens its tabs in.
var shared struct {
	ctx     context.Context // the browser's context; tabs derive from it
	axe     string          // axe.min.js
	root    string          // the repository root
	missing string          // why there is no browser, when there is none
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // every test skips; no browser to start
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "go.mod"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests: cannot find the repository root:", err)
		return 1
	}
	shared.root = root
	chromium := envOr("CHROMIUM_PATH", defaultChromium)
	axePath := envOr("AXE_PATH", filepath.Join(root, defaultAxe))
	if _, err := os.Stat(chromium); err != nil {
		shared.missing = fmt.Sprintf("no headless browser at %s (apt-get install chromium-headless-shell fonts-dejavu-core, or set CHROMIUM_PATH; hack/test.sh does it)", chromium)
		return m.Run()
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		shared.missing = fmt.Sprintf("no axe-core at %s (npm install --prefix .local/npm axe-core@%s, or set AXE_PATH; hack/test.sh does it)", axePath, axeVersion)
		return m.Run()
	}
	shared.axe = string(axe)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("mute-audio", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// Start the browser once, with no deadline: a deadline here would stop it.
	if err := chromedp.Do(browserCtx); err != nil {
		fmt.Fprintf(os.Stderr, "browser tests: start %s: %v\n", chromium, err)
		return 1
	}
	shared.ctx = browserCtx
	return m.Run()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// needBrowser skips the test under -short and without a browser, and fails
// it without a browser under CI.
func needBrowser(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("the browser tier does not run under -short (make test-unit)")
	}
	if shared.missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", shared.missing)
	}
	t.Skipf("skipping the browser tests: %s", shared.missing)
}

// stack is a real MCP server with its console, on SQLite in a temp dir,
// behind a real listener, plus a second store handle on the same file
// (what another process would see).
type stack struct {
	server *mcpserver.Server
	http   *httptest.Server
	store  store.Store
	memory *memory.Service
	base   string // the console's URL
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := t.Context()
	mem, err := memory.LoadConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := mcpserver.Config{DataDir: dir, Memory: mem, AuthToken: token}
	srv, err := mcpserver.Open(ctx, cfg, mcpserver.NewLogger(t.Output(), slog.LevelWarn))
	if err != nil {
		t.Fatalf("open the MCP server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	h, err := srv.HandlerWithConsole(console.Config{Enabled: true, BasePath: console.DefaultBasePath}, console.NewErrorLog(10))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)

	st, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatalf("second store handle: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	ms, err := memory.Open(ctx, mem, st)
	if err != nil {
		t.Fatalf("second memory service: %v", err)
	}
	t.Cleanup(func() { ms.Close() })
	return &stack{server: srv, http: hs, store: st, memory: ms, base: hs.URL + console.DefaultBasePath}
}

// noticed subscribes to the server's change feed; the func it returns waits
// until the server has announced the writes made since (at least one
// notice, then quiet for longer than the change log's poll interval).
func (s *stack) noticed(t *testing.T) func() {
	t.Helper()
	sub := s.server.Changes().Subscribe()
	return func() {
		t.Helper()
		defer sub.Close()
		select {
		case <-sub.C():
		case <-time.After(10 * time.Second):
			t.Fatal("the server announced no change of the other store handle's writes")
		}
		for {
			select {
			case <-sub.C():
			case <-time.After(changes.FollowInterval + 300*time.Millisecond):
				return
			}
		}
	}
}

// viewport is one screen the flows run on.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
	dark          bool // prefers-color-scheme: dark
}

var viewports = []viewport{
	{name: "1280", width: 1280, height: 800},
	{name: "390", width: 390, height: 844, mobile: true, dark: true},
}

// tab is one browser tab in a browser context of its own (its own cookies).
type tab struct {
	t   *testing.T
	ctx context.Context
	vp  viewport
}

// watchScript records what the page's CSP blocked and any uncaught script
// error. It is added through DevTools, so the CSP does not apply to it.
const watchScript = `window.__cspViolations = []; window.__scriptErrors = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
window.addEventListener("error", function (e) { window.__scriptErrors.push(String(e.message)); });
window.__htmxLog = [];
document.addEventListener("htmx:sseOpen", function () { window.__sseOpen = true; });
["htmx:beforeRequest", "htmx:afterRequest", "htmx:responseError", "htmx:sendError", "htmx:swapError", "htmx:targetError", "htmx:afterSwap"].forEach(function (name) {
  document.addEventListener(name, function (e) {
    var d = e.detail || {}, x = d.xhr;
    window.__htmxLog.push(name + " " + (d.requestConfig ? d.requestConfig.verb + " " + d.requestConfig.path : "") + (x ? " " + x.status : "") + (x && x.status >= 400 ? " " + x.responseText.slice(0, 200) : ""));
  });
});`

func newTab(t *testing.T, vp viewport) *tab {
	t.Helper()
	needBrowser(t)
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	scheme := "light"
	if vp.dark {
		scheme = "dark"
	}
	var opts []chromedp.EmulateViewportOption
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(vp.width, vp.height, opts...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, vp: vp}
}

// do runs actions with a deadline.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates an expression in the page (awaiting a promise) and decodes
// its JSON value into out.
func eval[T any](b *tab, what, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor polls a boolean expression until it is true.
func (b *tab) waitFor(what, expr string) {
	b.t.Helper()
	// Generous: make test runs other packages beside this one on two cores.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			where := eval[string](b, "location", `location.href + "; htmx: " + (window.__htmxLog || []).slice(-6).join(", ") + "; showing: " + (document.querySelector("main") || document.body).innerText.slice(0, 300)`)
			b.t.Fatalf("waiting for %s (%s): err %v; at %s", what, expr, err, where)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open loads a console path as a full page and waits until htmx is there.
func (b *tab) open(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
	b.ready()
}

// ready waits for the page and its scripts (htmx and console.js, deferred).
func (b *tab) ready() {
	b.t.Helper()
	b.waitFor("the page and htmx", `document.readyState === "complete" && window.htmx`)
}

// settled waits for htmx to finish requests and swaps.
func (b *tab) settled() {
	b.t.Helper()
	b.waitFor("htmx to settle", `!document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")`)
}

// axeScript runs axe-core with the WCAG 2.0/2.1 A and AA rules and returns
// the violations, each with its nodes' target selectors.
const axeScript = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
.then(function (r) { return r.violations.map(function (v) {
  return {id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(function (n) {
    return {target: n.target.map(String), summary: n.failureSummary || ""};
  })};
}); })`

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// targetScript lists the controls smaller than 44×44 CSS px. Exempt, as
// WCAG 2.5.5 allows: links inline in text, the story tree's circles (the
// reading path links the same events), and controls not rendered. A
// checkbox counts with the label around it.
const targetScript = `(function () {
  var bad = [];
  var sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  document.querySelectorAll(sel).forEach(function (el) {
    if (el.closest("svg")) { return; }
    var cs = getComputedStyle(el);
    if (el.tagName === "A" && cs.display === "inline") { return; }
    if (cs.visibility === "hidden" || cs.display === "none") { return; }
    var box = el;
    if ((el.type === "checkbox" || el.type === "radio") && el.closest("label")) { box = el.closest("label"); }
    var r = box.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { return; }
    if (r.width < 44 || r.height < 44) {
      bad.push(el.outerHTML.slice(0, 120) + " is " + Math.round(r.width) + "×" + Math.round(r.height));
    }
  });
  return bad;
})()`

// check runs every page check, then saves a screenshot as name.
func (b *tab) check(name string) {
	b.t.Helper()
	start := time.Now()
	defer func() { b.t.Logf("checked %s in %v", name, time.Since(start).Round(time.Millisecond)) }()
	b.settled()
	if v := eval[[]string](b, "CSP violations", `window.__cspViolations || ["the watch script did not run"]`); len(v) > 0 {
		b.t.Errorf("%s: the Content-Security-Policy blocked: %s", name, strings.Join(v, "; "))
	}
	if v := eval[[]string](b, "script errors", `window.__scriptErrors || []`); len(v) > 0 {
		b.t.Errorf("%s: script errors: %s", name, strings.Join(v, "; "))
	}
	if b.vp.width <= 390 {
		w := eval[[2]int](b, "widths", `[document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		if w[0] > w[1] {
			wide := eval[[]string](b, "wide elements", `Array.from(document.querySelectorAll("body *")).filter(function (e) {
  var r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 1 && !e.closest(".tree-box, .matrix-box");
}).slice(0, 8).map(function (e) { return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : "") + " right " + Math.round(e.getBoundingClientRect().right); })`)
			b.t.Errorf("%s: horizontal overflow at %d px: scrollWidth %d > clientWidth %d; widest: %s", name, b.vp.width, w[0], w[1], strings.Join(wide, ", "))
		}
	}
	if small := eval[[]string](b, "target sizes", targetScript); len(small) > 0 {
		b.t.Errorf("%s: touch targets under 44×44 px:\n  %s", name, strings.Join(small, "\n  "))
	}
	if !eval[bool](b, "axe loaded", `typeof axe !== "undefined"`) {
		// Evaluated through DevTools: the page's CSP does not apply.
		b.do("inject axe-core", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](shared.axe+"\n;undefined")(ctx, tg)
			return err
		}))
		if v := eval[string](b, "axe version", `typeof axe === "undefined" ? "not loaded" : axe.version`); v != axeVersion {
			b.t.Fatalf("axe-core %s, want the pinned %s (hack/test.sh installs it)", v, axeVersion)
		}
	}
	violations := eval[[]axeViolation](b, "axe.run", axeScript)
	for _, v := range violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, " ")+" ("+strings.ReplaceAll(n.Summary, "\n", " ")+")")
		}
		b.t.Errorf("%s: axe %s [%s] %s:\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(targets, "\n  "))
	}
	b.screenshot(name)
}

// screenshot saves the full page under .local/screenshots/.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(shared.root, ".local", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join(dir, fmt.Sprintf("console-%s-%s.png", name, b.vp.name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// jsString quotes s for a script.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// isNotFound reports a store lookup that found nothing.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
