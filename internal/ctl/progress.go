package ctl

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// progressInterval bounds how often a progress line is redrawn: a terminal
// that gets a line per record slows the command more than the work does.
const progressInterval = 100 * time.Millisecond

// progress is one status line on a terminal that rewrites itself ("reading
// line 1200 of 5000"). When its writer is not a terminal (a log file, a CI
// job, a pipe) it prints nothing: those get a few plain lines instead.
type progress struct {
	w     io.Writer
	on    bool
	last  time.Time
	shown bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, on: isTerminal(w)} }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// update redraws the line, unless it was drawn less than progressInterval ago.
func (p *progress) update(format string, args ...any) {
	if !p.on || time.Since(p.last) < progressInterval {
		return
	}
	p.last = time.Now()
	p.shown = true
	// Carriage return, then erase to the end of the line.
	fmt.Fprintf(p.w, "\r\x1b[K"+format, args...)
}

// done erases the line, so that what is printed next starts on a clean line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
	p.last = time.Time{}
}
