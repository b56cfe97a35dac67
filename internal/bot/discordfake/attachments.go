package discordfake

import (
	"net/http"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// Attachments: a file a user attaches to a slash command's attachment
// option is uploaded to Discord's CDN first; the interaction carries it in
// its resolved data, with its size and a URL the bot downloads it from.
// The emulator serves those URLs (the client's transport sends the CDN host
// to it too) and counts the downloads, so a test sees whether a bot
// refused a file by its size before downloading it.

type attachment struct {
	channelID, filename string
	content             []byte
}

// cdnHost is the host of attachment URLs, as Discord's.
const cdnHost = "https://cdn.discordapp.com"

// Attachment uploads content as a file attached in a channel and returns
// what an interaction carries of it.
func (s *Server) Attachment(channelID, filename, contentType string, content []byte) *discordgo.MessageAttachment {
	id := s.newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attachments[id] = attachment{channelID: channelID, filename: filename, content: content}
	url := cdnHost + "/attachments/" + channelID + "/" + id + "/" + filename
	return &discordgo.MessageAttachment{
		ID: id, Filename: filename, ContentType: contentType, Size: len(content), URL: url, ProxyURL: url,
	}
}

// AttachmentDownloads is how often an attachment was downloaded.
func (s *Server) AttachmentDownloads(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[id]
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.attachments[r.PathValue("id")]
	if ok && a.channelID == r.PathValue("channel") && a.filename == r.PathValue("filename") {
		s.downloads[r.PathValue("id")]++
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.content)))
	_, _ = w.Write(a.content) // the client went away; nothing to do
}
