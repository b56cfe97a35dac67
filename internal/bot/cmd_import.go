package bot

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/card"
	"github.com/mojin/charsim/internal/turn"
)

// maxCardFile is the largest card file /character import downloads: the
// limit the MCP server applies too (CARD_MAX_FILE_SIZE, 20 MiB by
// default), checked before anything is downloaded (by the size Discord
// reports) and again while reading.
func (b *Bot) maxCardFile() int64 {
	if b.cfg.CardMaxFileSize > 0 {
		return b.cfg.CardMaxFileSize
	}
	return card.DefaultMaxFileSize
}

// importedCard is the part of import_character_card's result the bot shows.
type importedCard struct {
	Character   turn.Character `json:"character"`
	Format      string         `json:"format"`
	SpecVersion string         `json:"spec_version"`
	Greetings   []string       `json:"greetings"`
	LoreEntries int            `json:"lore_entries"`
	Warnings    []string       `json:"warnings,omitempty"`
}

func (b *Bot) characterImport(ctx context.Context, c *call) (reply, error) {
	att := c.attachment("card")
	if att == nil {
		return reply{}, userErrorf("`card` must be an attached file.")
	}
	if int64(att.Size) > b.maxCardFile() {
		return reply{}, userErrorf("%s is too large: %s, at most %s.", att.Filename, mib(int64(att.Size)), mib(b.maxCardFile()))
	}
	data, err := b.download(ctx, att)
	if err != nil {
		return reply{}, err
	}
	out, err := turn.Call[importedCard](ctx, b.mcp, "import_character_card", map[string]any{
		"content": base64.StdEncoding.EncodeToString(data),
	})
	var te *turn.ToolError
	if errors.As(err, &te) {
		// The server names what is wrong with the file; that is for the user.
		return reply{}, userErrorf("%s cannot be imported: %s", att.Filename, truncate(te.Message, maxShownServerError))
	}
	if err != nil {
		return reply{}, err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "📥 %s imported **%s** from %s (%s %s): %s, %s.", c.userName, out.Character.Name, att.Filename,
		out.SpecVersion, strings.ToUpper(out.Format), plural(len(out.Greetings), "greeting"), plural(out.LoreEntries, "lore entry"))
	for _, w := range out.Warnings {
		fmt.Fprintf(&s, "\n-# ⚠️ %s", w)
	}
	fmt.Fprintf(&s, "\n`/character use name:%s` makes them answer here.", out.Character.Name)
	return reply{content: s.String()}, nil
}

// download fetches an attachment from Discord's CDN, reading at most
// maxCardFile bytes whatever the server claims.
func (b *Bot) download(ctx context.Context, att *discordgo.MessageAttachment) ([]byte, error) {
	maxCardFile := b.maxCardFile()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("download the attachment %s: %w", att.Filename, err)
	}
	resp, err := b.session.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download the attachment %s: %w", att.Filename, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download the attachment %s: HTTP %d", att.Filename, resp.StatusCode)
	}
	if resp.ContentLength > maxCardFile {
		return nil, userErrorf("%s is too large: %s, at most %s.", att.Filename, mib(resp.ContentLength), mib(maxCardFile))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCardFile+1))
	if err != nil {
		return nil, fmt.Errorf("download the attachment %s: %w", att.Filename, err)
	}
	if int64(len(data)) > maxCardFile {
		return nil, userErrorf("%s is too large: more than %s.", att.Filename, mib(maxCardFile))
	}
	return data, nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
