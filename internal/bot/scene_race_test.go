package bot

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/bot/discordfake"
)

// /character join of several characters at once, in one channel, loses
// none of them: the scene is read, checked and written in one step.
func TestConcurrentJoinsLoseNone(t *testing.T) {
	h := startBot(t, nil, nil)
	lead := h.importCard(t, ariaCard)
	wantPublic(t, h.slash(t, "character use", map[string]any{"name": lead.Name}))

	const joins = 5
	names := make([]string, joins)
	for i := range names {
		names[i] = fmt.Sprintf("Joiner%d", i)
		h.importCard(t, fmt.Sprintf(`{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":%q,"description":"","personality":"","first_mes":"","mes_example":"","scenario":""}}`, names[i]))
	}
	var wg sync.WaitGroup
	states := make([]discordfake.InteractionState, joins)
	for i, name := range names {
		wg.Go(func() {
			states[i] = h.slash(t, "character join", map[string]any{"name": name})
		})
	}
	wg.Wait()
	for i, st := range states {
		if text := wantPublic(t, st); !strings.Contains(text, "joins the scene") {
			t.Errorf("join of %s: %q, want the announcement", names[i], text)
		}
	}
	sc, ok, err := h.bot.channels.Get(t.Context(), h.channel)
	if err != nil || !ok {
		t.Fatalf("the channel's scene: %v, %v", ok, err)
	}
	if len(sc.Cast) != joins+1 || sc.lead().ID != lead.ID {
		t.Errorf("the scene after %d joins at once: %s, want %s first and all of them", joins, sc.names(), lead.Name)
	}
	for _, name := range names {
		if !strings.Contains(sc.names(), "**"+name+"**") {
			t.Errorf("%s's join was lost: %s", name, sc.names())
		}
	}
}
