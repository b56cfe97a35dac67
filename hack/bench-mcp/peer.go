package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The reference MCP memory server, pinned (npm view @modelcontextprotocol/server-memory version).
const (
	peerPackage = "@modelcontextprotocol/server-memory"
	peerVersion = "2026.8.31"
	// peerPreloadBatch is the number of entities per create_entities call
	// while preloading (its only bulk path).
	peerPreloadBatch = 500
)

// benchPeer measures the npm memory server over stdio with n preloaded
// entities: store is create_entities with one entity and one observation
// (our remember), search is search_nodes (our recall).
func benchPeer(ctx context.Context, o options, n int, log logf) (runResult, error) {
	result := runResult{system: "server-memory (npm)", n: n}
	entry, err := installPeer(ctx, o.dir)
	if err != nil {
		return result, err
	}
	dir, err := os.MkdirTemp(o.dir, "peer-")
	if err != nil {
		return result, fmt.Errorf("create a data directory: %w", err)
	}
	defer os.RemoveAll(dir)
	memoryFile, err := filepath.Abs(filepath.Join(dir, "memory.jsonl"))
	if err != nil {
		return result, err
	}

	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return result, fmt.Errorf("create the server log: %w", err)
	}
	defer logFile.Close()

	start := time.Now()
	cmd := exec.CommandContext(ctx, "node", entry)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MEMORY_FILE_PATH=" + memoryFile}
	cmd.Stderr = logFile
	client := mcp.NewClient(&mcp.Implementation{Name: "bench-mcp", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		return result, fmt.Errorf("start %s: %w", entry, err)
	}
	defer session.Close()
	result.startup = time.Since(start)

	log("preloading %d entities with create_entities (%d per call)", n, peerPreloadBatch)
	start = time.Now()
	for lo := 0; lo < n; lo += peerPreloadBatch {
		var entities []map[string]any
		for i := lo; i < min(lo+peerPreloadBatch, n); i++ {
			entities = append(entities, peerEntity(i))
		}
		if _, err := callTool(ctx, session, "create_entities", map[string]any{"entities": entities}); err != nil {
			return result, fmt.Errorf("preload: %w", err)
		}
	}
	result.preload = time.Since(start)

	// One stdio session is all the server offers. Search runs with one
	// caller, and with o.clients callers sharing the session (JSON-RPC
	// requests may be in flight together), to see what the server does with
	// concurrent requests. Store runs with one caller only: concurrent writes
	// would lose updates (each rewrites the whole file). Search first, over
	// exactly n entities.
	search := func(ctx context.Context, s *mcp.ClientSession, i int) error {
		// Entity names are unique fixed-width numbers, so this matches one
		// entity, while the server still scans every observation of the others.
		res, err := callTool(ctx, s, "search_nodes", map[string]any{"query": peerName((i * 7919) % n)})
		if err != nil {
			return err
		}
		if listed(res, "entities") == 0 {
			return fmt.Errorf("search_nodes found nothing: %v", res.StructuredContent)
		}
		return nil
	}
	one := []*mcp.ClientSession{session}
	shared := slices.Repeat(one, o.clients)
	phases := []phase{
		{op: "search", transport: "stdio", sessions: one, ops: o.peerOps, call: search},
		{op: "search", transport: "stdio", sessions: shared, ops: o.peerOps, call: search},
		{op: "store", transport: "stdio", sessions: one, ops: o.peerOps, call: func(ctx context.Context, s *mcp.ClientSession, i int) error {
			_, err := callTool(ctx, s, "create_entities", map[string]any{"entities": []map[string]any{peerEntity(n + i)}})
			return err
		}},
	}
	for _, p := range phases {
		s, err := measure(ctx, p)
		if err != nil {
			return result, err
		}
		log("%-8s %-5s %d client(s): %.0f ops/s, p50 %s, p99 %s", s.op, s.transport, s.clients, s.perSecond(), s.p50, s.p99)
		result.phases = append(result.phases, s)
	}
	result.memory, err = readProcessMemory(cmd.Process.Pid)
	return result, err
}

func peerName(i int) string { return fmt.Sprintf("memory-%08d", i) }

// peerEntity is the i-th memory of the corpus as a knowledge-graph entity.
func peerEntity(i int) map[string]any {
	return map[string]any{"name": peerName(i), "entityType": "memory", "observations": []string{memoryText(i)}}
}

// installPeer installs the pinned package under dir with npm (once) and
// returns its entry point.
func installPeer(ctx context.Context, dir string) (string, error) {
	prefix, err := filepath.Abs(filepath.Join(dir, "npm"))
	if err != nil {
		return "", err
	}
	pkgDir := filepath.Join(prefix, "node_modules", filepath.FromSlash(peerPackage))
	var installed struct {
		Version string `json:"version"`
		Bin     map[string]string
	}
	readManifest := func() error {
		b, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &installed)
	}
	if readManifest() != nil || installed.Version != peerVersion {
		install := exec.CommandContext(ctx, "npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
			"--loglevel=error", peerPackage+"@"+peerVersion)
		if out, err := install.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm install %s@%s: %w\n%s", peerPackage, peerVersion, err, out)
		}
		if err := readManifest(); err != nil {
			return "", fmt.Errorf("read the installed %s: %w", peerPackage, err)
		}
	}
	for _, entry := range installed.Bin {
		return filepath.Join(pkgDir, entry), nil
	}
	return "", fmt.Errorf("%s declares no executable", peerPackage)
}
