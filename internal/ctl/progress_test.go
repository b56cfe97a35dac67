package ctl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestProgressRedrawsOneLineOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, on: true}
	p.update("reading line %d of %d", 1000, 5000)
	p.update("reading line %d of %d", 2000, 5000) // within progressInterval: skipped
	p.done()
	if got, want := out.String(), "\r\x1b[Kreading line 1000 of 5000\r\x1b[K"; got != want {
		t.Errorf("terminal output = %q, want %q", got, want)
	}

	out.Reset()
	p.update("reading line %d of %d", 3000, 5000) // done resets the interval
	if got := out.String(); got != "\r\x1b[Kreading line 3000 of 5000" {
		t.Errorf("after done: %q", got)
	}
}

func TestProgressIsSilentOffATerminal(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var buf bytes.Buffer
	for name, w := range map[string]*progress{"buffer": newProgress(&buf), "file": newProgress(file)} {
		if w.on {
			t.Errorf("%s is taken for a terminal", name)
		}
		w.update("line %d", 1)
		w.done()
	}
	if info, _ := file.Stat(); buf.Len() != 0 || info.Size() != 0 {
		t.Errorf("progress wrote %q and %d bytes to a file", buf.String(), info.Size())
	}
}
