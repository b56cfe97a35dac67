package console

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The vendored files are exactly the ones the README records.
func TestVendoredFilesMatchTheirChecksums(t *testing.T) {
	readme, err := fs.ReadFile(staticFiles, "static/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `[^`]+` \\| ([0-9.]+) \\| .* \\| `([0-9a-f]{64})` \\|$")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	files, _ := fs.Glob(staticFiles, "static/vendor/*.js")
	if len(rows) != len(files) || len(rows) != 2 {
		t.Fatalf("README lists %d files, the directory holds %d (%q)", len(rows), len(files), files)
	}
	for _, r := range rows {
		name, version, want := r[1], r[2], r[3]
		if !strings.Contains(name, version) {
			t.Errorf("%s: the name does not carry its version %s", name, version)
		}
		data, err := fs.ReadFile(staticFiles, "static/vendor/"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, README says %s", name, got, want)
		}
		if !strings.Contains(layoutTemplate(t), "static/vendor/"+name) {
			t.Errorf("%s is not loaded by templates/layout.html", name)
		}
	}
}

func layoutTemplate(t *testing.T) string {
	data, err := fs.ReadFile(templateFiles, "templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// serve runs one request through h from remote.
func serve(h http.Handler, method, path, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
