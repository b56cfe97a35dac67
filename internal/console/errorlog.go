package console

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ErrorLog keeps the most recent error log records in memory, for the
// Overview page: the server logs JSON lines to stderr, which a console user
// (on a phone, behind a port-forward) cannot read.
type ErrorLog struct {
	mu      sync.Mutex
	entries []LoggedError // a ring: next is where the next one goes
	next    int
	full    bool
}

// LoggedError is one error log record.
type LoggedError struct {
	Time    time.Time
	Message string
	// Attrs is the record's attributes as key=value pairs.
	Attrs string
}

// NewErrorLog keeps up to size records.
func NewErrorLog(size int) *ErrorLog {
	return &ErrorLog{entries: make([]LoggedError, max(size, 1))}
}

// Recent returns the kept records, newest first.
func (l *ErrorLog) Recent() []LoggedError {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	if l.full {
		n = len(l.entries)
	}
	out := make([]LoggedError, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, l.entries[(l.next-i+len(l.entries))%len(l.entries)])
	}
	return out
}

func (l *ErrorLog) add(e LoggedError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries[l.next] = e
	l.next = (l.next + 1) % len(l.entries)
	if l.next == 0 {
		l.full = true
	}
}

// Handler wraps next so that every record at level ERROR or above is also
// kept here.
func (l *ErrorLog) Handler(next slog.Handler) slog.Handler {
	return &errorTee{next: next, log: l}
}

type errorTee struct {
	next  slog.Handler
	log   *ErrorLog
	attrs []slog.Attr
	group string
}

func (h *errorTee) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelError || h.next.Enabled(ctx, level)
}

func (h *errorTee) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		var b strings.Builder
		write := func(a slog.Attr) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(a.Key + "=" + a.Value.String())
		}
		for _, a := range h.attrs {
			write(a)
		}
		r.Attrs(func(a slog.Attr) bool { write(h.grouped(a)); return true })
		h.log.add(LoggedError{Time: r.Time, Message: r.Message, Attrs: b.String()})
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

// grouped qualifies a's key with the groups opened so far.
func (h *errorTee) grouped(a slog.Attr) slog.Attr {
	if h.group != "" {
		a.Key = h.group + "." + a.Key
	}
	return a
}

func (h *errorTee) WithAttrs(attrs []slog.Attr) slog.Handler {
	kept := append([]slog.Attr(nil), h.attrs...)
	for _, a := range attrs {
		kept = append(kept, h.grouped(a))
	}
	return &errorTee{next: h.next.WithAttrs(attrs), log: h.log, attrs: kept, group: h.group}
}

func (h *errorTee) WithGroup(name string) slog.Handler {
	group := name
	if h.group != "" {
		group = h.group + "." + name
	}
	return &errorTee{next: h.next.WithGroup(name), log: h.log, attrs: h.attrs, group: group}
}
