package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

// shared are the templates every page is parsed with: the layout (which
// calls the page's "content") and the partials.
var shared = []string{"templates/layout.html", "templates/partials.html"}

// pages holds one template set per page file, because every page defines
// its own "content".
type pages struct{ byName map[string]*template.Template }

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		if isShared(name) {
			continue
		}
		t, err := template.New(path.Base(name)).Funcs(templateFuncs).ParseFS(templateFiles, append(shared, name)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return p, nil
}

func isShared(name string) bool {
	for _, s := range shared {
		if s == name {
			return true
		}
	}
	return false
}

// view is what every template gets; Data is the page's own.
type view struct {
	Base  string
	CSRF  string
	Title string
	// Nav names the menu entry of the page, for aria-current.
	Nav string
	// CanLogOut is set when there is a token to log out from.
	CanLogOut bool
	Flash     string
	Data      any
}

// isFragment reports whether htmx asked for the page's content only. A
// history restore (back button with htmx's cache missed) wants the full page.
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// render writes page with data: its "content" for an htmx request, the
// whole layout for any other. It renders into a buffer first, so that a
// template error is a clean 500 and not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page, nav, title string, data any) {
	t, ok := c.pages.byName[page]
	if !ok {
		c.fail(w, r, fmt.Errorf("no template %q", page))
		return
	}
	s := sessionOf(r)
	v := view{Base: c.base, CSRF: s.csrf, Title: title, Nav: nav, CanLogOut: c.hasToken && s.authenticated, Data: data}
	if s.id != "" {
		v.Flash = c.sessions.takeFlash(s.id)
	}
	name := "layout"
	if isFragment(r) {
		name = "content"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		c.fail(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// fail logs an unexpected error and answers 500 without its details, which
// may name database internals.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.deps.Logger.Error("console request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	http.Error(w, "500 internal server error: the server logged the details", http.StatusInternalServerError)
}

// redirect sends the browser to url after a write (post, redirect, get).
// For htmx it is an HX-Location, which loads the new page's content into
// #main and pushes the URL, so the back button and a reload still work.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		loc, _ := json.Marshal(map[string]string{"path": url, "target": "#main"})
		w.Header().Set("HX-Location", string(loc))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// fullRedirect replaces the whole page (login, logout), for htmx too.
func (c *Console) fullRedirect(w http.ResponseWriter, r *http.Request, url string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", url)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// flash shows msg once, on the session's next page.
func (c *Console) flash(r *http.Request, msg string) {
	if s := sessionOf(r); s.id != "" {
		c.sessions.setFlash(s.id, msg)
	}
}

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"isoTime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"lines":    func(xs []string) string { return strings.Join(xs, "\n") },
	"join":     strings.Join,
	"fixed2":   func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"fixed3":   func(f float64) string { return fmt.Sprintf("%.3f", f) },
	"heat":     heatClass,
	"clipText": clipText,
	"navItem": func(v view, nav, path, label string) navLink {
		return navLink{Href: v.Base + path, Label: label, Current: v.Nav == nav}
	},
	"add": func(a, b int) int { return a + b },
	"seq": func(lo, hi int) []int {
		var out []int
		for i := lo; i <= hi; i++ {
			out = append(out, i)
		}
		return out
	},
}

// navLink is one entry of the menu.
type navLink struct {
	Href, Label string
	Current     bool
}

// heatClass buckets v in -1..1 into one of 11 classes (heat-m5 … heat-p5),
// because the CSP forbids style attributes, so colours come from classes.
func heatClass(v float64) string {
	step := min(max(int(math.Round(v*5)), -5), 5) // a fifth of 0..1 per step
	switch {
	case step < 0:
		return fmt.Sprintf("heat-m%d", -step)
	case step > 0:
		return fmt.Sprintf("heat-p%d", step)
	}
	return "heat-0"
}
