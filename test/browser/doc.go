// Package browser drives the web console in a real headless Chromium
// (Debian's chromium-headless-shell, through the DevTools protocol with
// chromedp): log in, create a character, add an event and branch from it,
// bulk-forget memories, play a turn, and watch another client's writes
// arrive over SSE, at 1280×800 and at 390×844 (dark). Every page is checked
// with axe-core (WCAG 2 A/AA), for touch targets, for horizontal overflow at
// 390 px and for Content-Security-Policy violations, and a screenshot of it
// is written under .local/screenshots/.
//
// hack/test.sh installs the browser and the pinned axe-core; CHROMIUM_PATH
// and AXE_PATH override where the tests look for them. Without them the
// tests skip with a message, and under CI=true they fail.
package browser
