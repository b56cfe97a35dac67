package browser

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

// play talks to the character on the Play page with the offline responder
// (no LLM is configured): the reply shows, and the turn's timeline events
// are in the store and on the page.
func play(t *testing.T, s *stack, b *tab, ch store.Character) {
	ctx := t.Context()
	before, err := s.store.ChannelEvents(ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	b.open(s.base + "play")
	b.check("play")
	b.do("say something",
		chromedp.SendKeys(chromedp.CSS("#play-name"), "Anna"),
		chromedp.SetValue(chromedp.CSS("#play-character"), ch.ID),
		chromedp.SendKeys(chromedp.CSS("#play-channel"), "harbour"),
		chromedp.SendKeys(chromedp.CSS("#play-message"), "I saw a red sail at dawn, Ilse. I promise I will bring the lamp oil tomorrow."),
		chromedp.Click(chromedp.CSS(`form[action$="/play"] button[type=submit]`)),
	)
	b.waitFor("the reply", `document.querySelector("#reply-h") && document.querySelector("blockquote.reply").textContent.trim() !== ""`)
	reply := eval[string](b, "reply", `document.querySelector("blockquote.reply").textContent.trim()`)
	messages, err := s.store.RecentMessages(ctx, ch.ID, "harbour", 10)
	if err != nil {
		t.Fatal(err)
	}
	var logged bool
	for _, m := range messages {
		if m.Role == "assistant" && strings.Contains(reply, strings.TrimSpace(strings.SplitN(m.Content, "\n", 2)[0])) {
			logged = true
		}
	}
	if !logged {
		t.Errorf("the reply %q shown on the Play page is not logged as the character's message; logged: %+v", reply, messages)
	}
	after, err := s.store.ChannelEvents(ctx, "harbour")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) <= len(before) {
		t.Fatalf("the turn added no timeline event to harbour (%d before, %d after)", len(before), len(after))
	}
	shown := eval[string](b, "the turn's changes", `document.querySelector("section[aria-labelledby=reply-h]").textContent`)
	for _, e := range after[len(before):] {
		if !strings.Contains(shown, e.Description) {
			t.Errorf("the turn's new event %q is stored but not shown on the Play page", e.Description)
		}
	}
	b.check("play-reply")
}

// live opens a channel's timeline and has a second client, an MCP session
// with the bearer token, add an event: the tree and the path show it over
// SSE without a reload. Then the same for a memory another process stores.
func live(t *testing.T, s *stack, b *tab, ch store.Character) {
	b.open(s.base + "timeline?channel=harbour")
	b.waitFor("the event stream open", `document.querySelector("[sse-connect]") && window.__sseOpen === true`)
	nodes := eval[int](b, "tree nodes", `document.querySelectorAll("svg.tree a").length`)
	noReload(b)

	httpClient := &http.Client{Transport: bearer{next: http.DefaultTransport}, Timeout: 30 * time.Second}
	client := mcp.NewClient(&mcp.Implementation{Name: "browser-test", Version: "test"}, nil)
	session, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.http.URL + "/mcp", HTTPClient: httpClient, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("MCP connect: %v", err)
	}
	defer session.Close()
	text := "A second ship rounds the headland."
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "add_event", Arguments: map[string]any{
		"channel": "harbour", "description": text, "type": "plot_point", "impact": 7, "branch": "main",
	}})
	if err != nil || res.IsError {
		t.Fatalf("add_event over MCP: %v %+v", err, res)
	}
	b.waitFor("the new event over SSE", fmt.Sprintf(`document.querySelectorAll("svg.tree a").length === %d && document.body.textContent.includes(%s)`, nodes+1, jsString(text)))
	wasNotReloaded(t, b, "live timeline")
	b.check("timeline-live")

	// A memory written by another process (the second store handle on the
	// same SQLite file) reaches the open memories list through the vector
	// change log the server follows.
	b.open(s.base + "memories")
	b.waitFor("the memories stream open", `window.__sseOpen === true`)
	noReload(b)
	// A box ticked for a bulk forget stays ticked when the list re-reads.
	first, err := s.memory.Remember(t.Context(), store.Memory{CharacterID: ch.ID, Kind: store.KindSemantic, Text: "Ilse mends nets on Sundays.", Importance: 3})
	if err != nil {
		t.Fatal(err)
	}
	box := jsString(`[id="sel-` + first.ID + `"]`)
	b.waitFor("the first memory over SSE", `document.querySelector(`+box+`) !== null`)
	b.do("tick the first memory", chromedp.Click(chromedp.CSS(`[id="sel-`+first.ID+`"]`)))
	memText := "Ilse keeps a spare lamp wick in the boathouse."
	if _, err := s.memory.Remember(t.Context(), store.Memory{CharacterID: ch.ID, Kind: store.KindSemantic, Text: memText, Importance: 4}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the other process's memory over SSE", `document.querySelector("main").textContent.includes(`+jsString(memText)+`)`)
	wasNotReloaded(t, b, "live memories")
	if !eval[bool](b, "the ticked box", `document.querySelector(`+box+`).checked`) {
		t.Error("the box ticked before the list re-read over SSE is no longer ticked")
	}
}

// bearer sends the console's token on MCP requests.
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	return b.next.RoundTrip(r)
}
