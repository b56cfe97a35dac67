// Package interop checks that an MCP client someone else wrote can use every
// tool of the charsim MCP server: the official TypeScript SDK (pinned in
// client/package.json, installed with npm ci) plays a roleplay session over
// streamable HTTP against the real server. Node.js comes with every machine
// this project runs on; the test fails, not skips, without it.
package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mojin/charsim/internal/mcpserver"
)

// sdkVersion is the TypeScript SDK version client/package.json pins.
const sdkVersion = "1.32.2"

// allTools are the tools the server must list, each of which the session calls.
var allTools = []string{
	"add_event", "add_lore_entry", "branch_timeline", "create_character", "delete_character", "delete_lore_entry",
	"export_character_card", "forget", "forget_user", "get_character", "get_character_state", "get_context",
	"get_persona", "get_relationships", "get_timeline", "import_character_card", "import_lorebook", "list_characters",
	"list_lore", "list_memories", "log_message", "recall", "remember", "set_persona", "update_character",
	"update_character_state", "update_lore_entry", "update_memory", "update_relationship",
}

// report is what client/session.mjs prints.
type report struct {
	Unauthorized struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"unauthorized"`
	Server        map[string]any    `json:"server"`
	Tools         []string          `json:"tools"`
	Calls         []toolCall        `json:"calls"`
	Templates     []string          `json:"templates"`
	Resource      map[string]string `json:"resource"`
	Prompt        string            `json:"prompt"`
	PilotMemoryID string            `json:"pilotMemoryID"`
}

type toolCall struct {
	Tool       string          `json:"tool"`
	Arguments  map[string]any  `json:"arguments"`
	IsError    bool            `json:"isError"`
	Text       string          `json:"text"`
	Structured json.RawMessage `json:"structured"`
	Thrown     string          `json:"thrown"`
}

func TestTypeScriptClientUsesEveryTool(t *testing.T) {
	client := installClient(t)
	const token = "interop-token-7f3a"
	cfg, err := mcpserver.LoadConfig(nil, func(name string) (string, bool) {
		v, ok := map[string]string{"CHARACTER_DATA_DIR": t.TempDir(), "MCP_AUTH_TOKEN": token}[name]
		return v, ok
	}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mcpserver.Open(t.Context(), cfg, mcpserver.NewLogger(t.Output(), slog.LevelWarn))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})

	cmd := exec.CommandContext(t.Context(), "node", filepath.Join(client, "session.mjs"))
	cmd.Env = append(os.Environ(), "MCP_URL="+hs.URL+"/mcp", "MCP_AUTH_TOKEN="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node session.mjs: %v\n%s", err, stderr.String())
	}
	var r report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("decode the session report: %v\n%s", err, stdout.String())
	}

	if r.Unauthorized.Status != 401 {
		t.Errorf("a session without the token: %+v, want it refused with 401", r.Unauthorized)
	}
	if r.Server["name"] != "charsim" {
		t.Errorf("server info = %v", r.Server)
	}
	if got := slices.Sorted(slices.Values(r.Tools)); !slices.Equal(got, allTools) {
		t.Errorf("tools = %v, want %v", got, allTools)
	}
	succeeded := map[string]bool{}
	for _, c := range r.Calls {
		switch {
		case c.Thrown != "":
			t.Errorf("%s(%v) threw in the TypeScript SDK: %s", c.Tool, c.Arguments, c.Thrown)
		case c.Tool == "recall" && c.Arguments["query"] == nil:
			if !c.IsError || !strings.Contains(c.Text, "query") {
				t.Errorf("recall without a query: error %v %q, want a tool error naming query", c.IsError, c.Text)
			}
		case c.IsError:
			t.Errorf("%s(%v) failed: %s", c.Tool, c.Arguments, c.Text)
		default:
			succeeded[c.Tool] = true
		}
	}
	for _, tool := range allTools {
		if !succeeded[tool] {
			t.Errorf("%s never succeeded", tool)
		}
	}

	recalled := structured[struct {
		Memories []struct{ ID string } `json:"memories"`
	}](t, r, "recall")
	if len(recalled.Memories) == 0 || recalled.Memories[0].ID != r.PilotMemoryID {
		t.Errorf("recall ranked %v first, want the pilot memory %s", recalled.Memories, r.PilotMemoryID)
	}
	branch := structured[struct {
		Events []struct{ Description string } `json:"events"`
	}](t, r, "get_timeline")
	if got := fmt.Sprint(branch.Events); got != "[{A storm reaches the harbour} {The storm passes by}]" {
		t.Errorf("branch calm = %s", got)
	}
	if !slices.Equal(r.Templates, []string{"character://{id}", "timeline://{channel}"}) {
		t.Errorf("resource templates = %v", r.Templates)
	}
	var profile struct {
		Character struct{ Name string } `json:"character"`
	}
	if r.Resource["mimeType"] != "application/json" || json.Unmarshal([]byte(r.Resource["text"]), &profile) != nil || profile.Character.Name != "Aria" {
		t.Errorf("character://Aria = %v", r.Resource)
	}
	if !strings.Contains(r.Prompt, "You are Aria") {
		t.Errorf("roleplay prompt = %q", r.Prompt)
	}
}

// structured decodes the structured result of the first successful call of tool.
func structured[T any](t *testing.T, r report, tool string) T {
	t.Helper()
	var out T
	for _, c := range r.Calls {
		if c.Tool == tool && !c.IsError && c.Thrown == "" {
			if err := json.Unmarshal(c.Structured, &out); err != nil {
				t.Fatalf("%s: decode %s: %v", tool, c.Structured, err)
			}
			return out
		}
	}
	t.Fatalf("no successful %s call", tool)
	return out
}

// installClient installs the pinned TypeScript SDK into client/node_modules
// with npm ci (from the lockfile), unless it is there already, and returns
// the client's directory.
func installClient(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("client")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: this test needs Node.js 18 or later with npm", tool)
		}
	}
	manifest := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")
	var installed struct{ Version string }
	if b, err := os.ReadFile(manifest); err == nil && json.Unmarshal(b, &installed) == nil && installed.Version == sdkVersion {
		return dir
	}
	ci := exec.CommandContext(t.Context(), "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	ci.Dir = dir
	if out, err := ci.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return dir
}
