package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/mojin/charsim/internal/secret"
)

// RouteDiscordgoLogs sends discordgo's log lines to logger. discordgo has
// one package-wide hook, so this is for main to call once. The token is
// removed from every line, in case a library message ever quotes it, and
// so are the interaction and webhook tokens of the URLs it quotes.
func RouteDiscordgoLogs(logger *slog.Logger, token secret.Value) {
	discordgo.Logger = func(level, _ int, format string, args ...any) {
		msg := redactTokens(fmt.Sprintf(format, args...))
		if token != "" {
			msg = strings.ReplaceAll(msg, string(token), secret.Redacted)
		}
		logger.Log(context.Background(), discordgoLevel(level), strings.TrimSpace(msg), "source", "discordgo")
	}
}

func discordgoLevel(level int) slog.Level {
	switch level {
	case discordgo.LogError:
		return slog.LevelError
	case discordgo.LogWarning:
		return slog.LevelWarn
	case discordgo.LogInformational:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}
