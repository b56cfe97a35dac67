package mcpserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/store"
)

// Avatars are public: Discord fetches a webhook message's avatar_url itself,
// without any token, so GET /avatars/{id}.png needs no authentication. It
// serves only the image the character's card carried (the card's text
// chunks are not part of it) or a placeholder drawn from the name, never
// the card or the persona.

// avatarID is what a character ID looks like (UUIDs, and the IDs an archive
// may bring); anything else is refused before the store is asked.
var avatarID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// avatarMaxAge lets Discord's media proxy and browsers keep an avatar for
// an hour: a new card avatar shows within that time.
const avatarMaxAge = 3600

// avatarTypes are the image types served as they are; a card asset of any
// other type (or no image at all) is replaced by the placeholder.
var avatarTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// serveAvatar answers GET /avatars/{file}, file being "{id}.png".
func (s *Server) serveAvatar(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	id, ok := strings.CutSuffix(file, ".png")
	if !ok || !avatarID.MatchString(id) {
		http.Error(w, "not found: an avatar is /avatars/{character id}.png", http.StatusNotFound)
		return
	}
	ch, err := s.store.GetCharacter(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		http.Error(w, "not found: no character has this ID", http.StatusNotFound)
		return
	}
	if err != nil {
		s.logger.ErrorContext(r.Context(), "avatar: read the character", "character", id, "error", err)
		http.Error(w, "the character store failed", http.StatusServiceUnavailable)
		return
	}
	var image []byte
	stored, err := s.store.GetCharacterCard(r.Context(), ch.ID)
	switch {
	case err == nil:
		image = stored.Avatar
	case !errors.Is(err, store.ErrNotFound):
		s.logger.ErrorContext(r.Context(), "avatar: read the card", "character", id, "error", err)
		http.Error(w, "the character store failed", http.StatusServiceUnavailable)
		return
	}
	contentType := http.DetectContentType(image)
	if len(image) == 0 || !avatarTypes[contentType] {
		image, contentType = card.Placeholder(ch.Name), "image/png"
	}
	sum := sha256.Sum256(image)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(avatarMaxAge))
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers HEAD, ranges and If-None-Match (a 304 for an
	// unchanged avatar).
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(image))
}
