package console

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// sessionTTL is how long a session lasts after it was last used.
const sessionTTL = 12 * time.Hour

// maxSessions bounds the memory a flood of login-page loads can take; the
// least recently used session goes first.
const maxSessions = 10000

// session is one browser's state on the server: the cookie carries only
// its random ID.
type session struct {
	id string
	// csrf is the token every POST of this session must carry.
	csrf string
	// authenticated is set by a login with the token, or at once for a
	// loopback client when no token is configured.
	authenticated bool
	lastUsed      time.Time
	// flash is a message shown once on the next page (after a redirect).
	flash string
	// displayName is the name the user gave on the Play page, kept for
	// the session's next turns.
	displayName string
}

// sessions is the server-side session store. Sessions live in memory: a
// restart logs everyone out, which is the safe way round.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	now  func() time.Time
}

func newSessions() *sessions {
	return &sessions{byID: map[string]*session{}, now: time.Now}
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session.
func (s *sessions) create(authenticated bool) session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked()
	sess := &session{id: randomToken(), csrf: randomToken(), authenticated: authenticated, lastUsed: s.now()}
	s.byID[sess.id] = sess
	return *sess
}

// get returns the live session with this ID and renews it.
func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return session{}, false
	}
	if s.now().Sub(sess.lastUsed) > sessionTTL {
		delete(s.byID, id)
		return session{}, false
	}
	sess.lastUsed = s.now()
	return *sess, true
}

// delete ends a session (logout, or the old ID at login).
func (s *sessions) delete(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

// pruneLocked drops expired sessions and, over maxSessions, the least
// recently used.
func (s *sessions) pruneLocked() {
	now := s.now()
	var oldest *session
	for id, sess := range s.byID {
		if now.Sub(sess.lastUsed) > sessionTTL {
			delete(s.byID, id)
		} else if oldest == nil || sess.lastUsed.Before(oldest.lastUsed) {
			oldest = sess
		}
	}
	if len(s.byID) >= maxSessions && oldest != nil {
		delete(s.byID, oldest.id)
	}
}

// setFlash keeps a one-time message for the session's next page.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	if sess, ok := s.byID[id]; ok {
		sess.flash = msg
	}
	s.mu.Unlock()
}

// takeFlash returns and clears the session's message.
func (s *sessions) takeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return ""
	}
	msg := sess.flash
	sess.flash = ""
	return msg
}

// setDisplayName keeps the name the user plays under.
func (s *sessions) setDisplayName(id, name string) {
	s.mu.Lock()
	if sess, ok := s.byID[id]; ok {
		sess.displayName = name
	}
	s.mu.Unlock()
}
