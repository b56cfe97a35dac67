package console

import "net/http"

// loginForm asks for MCP_AUTH_TOKEN; without a token there is nothing to
// log in to.
func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	if !c.requiresLogin() || sessionOf(r).authenticated {
		c.fullRedirect(w, r, c.base)
		return
	}
	c.render(w, r, http.StatusOK, "login", "", "Log in", loginData{})
}

type loginData struct{ Error string }

// login checks the token and, when it matches, replaces the anonymous
// session with a new authenticated one (a new ID, so a session ID planted
// before the login is worthless after it).
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !c.requiresLogin() {
		c.fullRedirect(w, r, c.base)
		return
	}
	if !c.tokenMatches(r.PostFormValue("token")) {
		c.deps.Logger.Warn("console login refused: wrong token", "remote", r.RemoteAddr)
		c.render(w, r, http.StatusUnauthorized, "login", "", "Log in", loginData{Error: "token: that is not the MCP_AUTH_TOKEN of this server"})
		return
	}
	c.sessions.delete(sessionOf(r).id)
	s := c.sessions.create(true)
	c.setSessionCookie(w, r, s.id)
	c.fullRedirect(w, r, c.base)
}

// logout ends the session.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	c.sessions.delete(sessionOf(r).id)
	c.clearSessionCookie(w, r)
	target := c.base + "login"
	if !c.requiresLogin() {
		target = c.base
	}
	c.fullRedirect(w, r, target)
}
