package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// route is one console URL: method, path under the base path, handler, and
// whether it is open to a session that has not logged in.
type route struct {
	method, path string
	handler      func(*Console, http.ResponseWriter, *http.Request)
	public       bool
}

// routes is every console page and action. A new page is one line here,
// one page_*.go handler and one template.
var routes = []route{
	{"GET", "{$}", (*Console).overview, false},
	{"GET", "login", (*Console).loginForm, true},
	{"POST", "login", (*Console).login, true},
	{"POST", "logout", (*Console).logout, false},

	{"GET", "characters", (*Console).characterList, false},
	{"POST", "characters", (*Console).characterCreate, false},
	{"POST", "characters/import", (*Console).cardImport, false},
	{"GET", "characters/{id}", (*Console).characterEdit, false},
	{"POST", "characters/{id}", (*Console).characterUpdate, false},
	{"POST", "characters/{id}/state", (*Console).characterState, false},
	{"GET", "characters/{id}/delete", (*Console).characterDeleteConfirm, false},
	{"POST", "characters/{id}/delete", (*Console).characterDelete, false},

	{"GET", "timeline", (*Console).timeline, false},
	{"POST", "timeline/events", (*Console).eventAdd, false},
	{"POST", "timeline/events/{id}", (*Console).eventUpdate, false},
	{"POST", "timeline/events/{id}/branch", (*Console).eventBranch, false},

	{"GET", "memories", (*Console).memoryList, false},
	{"POST", "memories/forget", (*Console).memoryForget, false},
	{"GET", "memories/{id}", (*Console).memoryEdit, false},
	{"POST", "memories/{id}", (*Console).memoryUpdate, false},

	{"GET", "relationships", (*Console).relationships, false},

	{"GET", "play", (*Console).play, false},
	{"POST", "play", (*Console).playTurn, false},

	{"GET", "events", (*Console).events, false},

	{"GET", "transfer", (*Console).transfer, false},
	{"GET", "transfer/export", (*Console).export, false},
	{"POST", "transfer/import", (*Console).importArchive, false},
}

func (c *Console) registerRoutes() {
	for _, rt := range routes {
		h := rt.handler
		c.mux.HandleFunc(rt.method+" "+c.base+rt.path, c.access(rt.public, func(w http.ResponseWriter, r *http.Request) { h(c, w, r) }))
	}
	static, _ := fs.Sub(staticFiles, "static") // a constant path in the embedded tree
	files := http.StripPrefix(c.base+"static/", http.FileServerFS(static))
	c.mux.HandleFunc("GET "+c.base+"static/", func(w http.ResponseWriter, r *http.Request) {
		if !c.requiresLogin() && !isLoopback(r.RemoteAddr) {
			http.Error(w, strings.TrimSuffix(loopbackOnly, "\n"), http.StatusForbidden)
			return
		}
		// The files change only with the binary, whose version is not in
		// their names: a short cache, revalidated.
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
	// The base path without its slash, and anything unknown below it.
	c.mux.HandleFunc("GET "+strings.TrimSuffix(c.base, "/"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, c.base, http.StatusMovedPermanently)
	})
	c.mux.HandleFunc(c.base, c.access(true, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 not found: no console page at "+r.URL.Path, http.StatusNotFound)
	}))
}
