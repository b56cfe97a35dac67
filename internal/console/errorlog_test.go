package console

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestErrorLogKeepsRecentErrorsNewestFirst(t *testing.T) {
	var out bytes.Buffer
	errs := NewErrorLog(3)
	logger := slog.New(errs.Handler(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}))).With("component", "x")
	logger.Info("not kept, not written")
	logger.Warn("written, not kept")
	for i := range 5 {
		logger.WithGroup("g").Error(fmt.Sprintf("failure %d", i), "n", i)
	}
	got := errs.Recent()
	if len(got) != 3 || got[0].Message != "failure 4" || got[2].Message != "failure 2" {
		t.Fatalf("Recent = %+v, want failures 4, 3, 2", got)
	}
	if got[0].Attrs != "component=x g.n=4" {
		t.Fatalf("attrs = %q", got[0].Attrs)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 6 {
		t.Fatalf("the wrapped handler wrote %d lines, want 6 (the warning and the errors)", lines)
	}
	var none *ErrorLog
	if none.Recent() != nil {
		t.Fatal("a nil log has entries")
	}
}

func TestOverviewShowsServerHealthCountsAndErrors(t *testing.T) {
	e := newEnv(t, "")
	seed(t, e)
	e.console.deps.Logger.Error("qdrant went away", "error", "<b>connection refused</b>")
	res := e.browser(t).get("")
	requireStatus(t, res, http.StatusOK)
	for _, want := range []string{"v-test", "<dd>sqlite</dd>", "<dd>embedded</dd>", "<dd>builtin", "<strong>sqlite</strong>", "answers",
		"<dt>Memories</dt><dd>5</dd>", "<dt>Timeline events</dt><dd>4</dd>", "qdrant went away", "&lt;b&gt;connection refused&lt;/b&gt;"} {
		if !strings.Contains(res.body, want) {
			t.Fatalf("the overview lacks %q:\n%s", want, res.body)
		}
	}
}
