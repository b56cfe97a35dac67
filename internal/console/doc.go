// Package console is charsim's web console: server-rendered pages over the
// MCP server's own store and memory service, mounted by the mcp-server
// binary at CONSOLE_BASE_PATH (default /console/).
//
// Pages are html/template files embedded with go:embed; htmx (vendored
// under static/vendor, see its README) swaps fragments when it is there,
// and every page is also a full page for a plain load, a deep link or the
// back button: a request with HX-Request gets the page's "content"
// template only, any other the whole layout.
//
// Access is safe by default (see access.go): with MCP_AUTH_TOKEN set, the
// console asks for that token once and keeps a server-side session behind
// an HttpOnly, SameSite=Strict cookie; without a token it answers loopback
// clients only. Every POST carries the session's CSRF token, and every
// response a strict Content-Security-Policy with no inline script or style.
//
// A page is one handler file (page_*.go) plus one template
// (templates/*.html), added to the route table in routes.go with one line.
package console
