package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/mojin/charsim/internal/turn"
)

// userError is a problem the user can fix or has to wait out (bad input, a
// rate limit, no character chosen); its message is shown as it is.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

// maxShownServerError keeps a server's explanation to a line or two.
const maxShownServerError = 300

// explain turns the error of op into the short message the user sees, logs
// the details and counts the error by kind. Only a user error and the MCP
// server's own explanation reach the user; anything else is summarised,
// with a reference to find the log entry by.
func (b *Bot) explain(ctx context.Context, op string, err error) string {
	kind, msg, level := b.classify(err)
	attrs := []any{"op", op, "kind", kind, "error", redactedError{err}}
	if kind == "internal" {
		ref := reference()
		msg = fmt.Sprintf("Something went wrong (reference %s); the details are in the bot's log.", ref)
		attrs = append(attrs, "reference", ref)
	}
	b.metrics.errors.WithLabelValues(kind).Inc()
	b.logger.Log(ctx, level, "request failed", attrs...)
	return "⚠️ " + msg
}

func (b *Bot) classify(err error) (kind, msg string, level slog.Level) {
	var (
		userErr     *userError
		toolErr     *turn.ToolError
		unavailable *turn.UnavailableError
		llmStatus   *turn.LLMStatusError
	)
	switch {
	case errors.As(err, &userErr):
		return "user", userErr.msg, slog.LevelDebug
	case errors.As(err, &toolErr) && toolErr.Argument() == "character":
		return "unknown_character", "That character does not exist (any more). `/character list` shows the characters.", slog.LevelInfo
	case errors.As(err, &toolErr):
		return "mcp_tool", "The character server refused: " + truncate(toolErr.Message, maxShownServerError), slog.LevelWarn
	case errors.Is(err, turn.ErrUnauthorized):
		return "mcp_auth", "The character server (MCP) refused the bot's token: check MCP_AUTH_TOKEN.", slog.LevelError
	case errors.As(err, &unavailable):
		return "mcp_unavailable", "The character server (MCP) cannot be reached right now; try again in a minute.", slog.LevelWarn
	case errors.Is(err, turn.ErrLLMTimeout):
		return "llm_timeout", fmt.Sprintf("The language model did not answer within %s; try again.", b.cfg.LLM.Timeout), slog.LevelWarn
	case errors.As(err, &llmStatus):
		return "llm", fmt.Sprintf("The language model failed (HTTP %d); try again later.", llmStatus.Status), slog.LevelWarn
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout", "That took too long and was stopped; try again.", slog.LevelWarn
	default:
		return "internal", "", slog.LevelError
	}
}

// reference is a short random ID that ties a message to its log entry.
func reference() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
