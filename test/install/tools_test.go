package install

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mojin/charsim/internal/testenv"
)

// toolBuilds serialises building a pinned tool, so two tests never run the
// same `make` target at once.
var toolBuilds sync.Mutex

// pinnedTool returns bin/<name>-<version> with the version the Makefile pins
// in versionVar (e.g. HELM_VERSION), building it through the Makefile's own
// target when it is missing. Failing to build it fails the test: the tool can
// always be built here from the Go module proxy.
func pinnedTool(t *testing.T, name, versionVar string) string {
	t.Helper()
	root := testenv.RepoRoot()
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatalf("read Makefile for %s: %v", versionVar, err)
	}
	m := regexp.MustCompile(`(?m)^` + versionVar + `\s*\?=\s*(\S+)\s*$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatalf("Makefile pins no %s", versionVar)
	}
	bin := filepath.Join(root, "bin", name+"-"+string(m[1]))

	toolBuilds.Lock()
	defer toolBuilds.Unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	t.Logf("building %s with make (first run only)", bin)
	cmd := exec.Command("make", "--no-print-directory", bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", bin, err, out)
	}
	return bin
}

// run runs a command and returns its stdout; a non-zero exit fails the test
// with stderr in the message.
func run(t *testing.T, env []string, name string, args ...string) []byte {
	t.Helper()
	stdout, stderr, err := tryRun(env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// tryRun runs a command from the repository root and returns stdout, stderr
// and the exit error, for tests that expect a failure.
func tryRun(env []string, name string, args ...string) (stdout, stderr []byte, err error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.Bytes(), errOut.Bytes(), fmt.Errorf("run %s: %w", filepath.Base(name), err)
	}
	return out.Bytes(), errOut.Bytes(), nil
}
