package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// preloadBatch is the number of memories embedded and imported at once.
const preloadBatch = 2000

// runResult is everything measured about one server at one size.
type runResult struct {
	system  string
	n       int
	dim     int           // of charsim's builtin vectors; 0 for the npm server
	preload time.Duration // bulk load before the server starts
	startup time.Duration // process start until ready (charsim loads its vector index)
	phases  []stats
	memory  processMemory
}

// benchCharsim measures cmd/mcp-server on backend with n preloaded memories
// whose builtin vectors have dim dimensions: every phase when full is set,
// else recall with one client over HTTP only (for the server's RSS).
func benchCharsim(ctx context.Context, o options, binary, backend string, n, dim int, full bool, pg *postgresServer, log logf) (runResult, error) {
	result := runResult{system: "charsim " + backend, n: n, dim: dim}
	if dim != memory.DefaultBuiltinDimension {
		result.system += fmt.Sprintf(", %d-d", dim)
	}
	ss, err := newServerStore(ctx, o, "charsim", backend, n, pg,
		"EMBEDDING_PROVIDER="+memory.ProviderBuiltin, "EMBEDDING_DIMENSIONS="+strconv.Itoa(dim))
	if err != nil {
		return result, err
	}
	defer ss.cleanup()
	env, databaseURL, dataDir := ss.env, ss.databaseURL, ss.dataDir

	log("preloading %d memories in bulk through the store", n)
	start := time.Now()
	emb, err := memory.NewBuiltinEmbedder(dim)
	if err != nil {
		return result, err
	}
	characters, err := preload(ctx, env, databaseURL, dataDir, n, o.characters, memoryText,
		func(_ int, texts []string) ([][]float32, error) { return emb.Embed(ctx, texts) })
	if err != nil {
		return result, err
	}
	result.preload = time.Since(start)

	start = time.Now()
	srv, err := startServer(ctx, binary, env, filepath.Join(dataDir, "server.log"))
	if err != nil {
		return result, err
	}
	defer srv.stop()
	result.startup = time.Since(start)
	log("server ready in %s", result.startup.Round(time.Millisecond))

	sessions, err := connectHTTP(ctx, srv.endpoint, o.clients)
	if err != nil {
		return result, err
	}
	defer closeAll(sessions)

	character := func(i int) string { return characters[i%len(characters)] }
	remember := func(offset int) call {
		return func(ctx context.Context, s *mcp.ClientSession, i int) error {
			_, err := callTool(ctx, s, "remember", map[string]any{
				"character": character(i), "text": memoryText(offset + i), "importance": 1 + i%10,
				"user": fmt.Sprintf("user-%d", i%50), "channel": fmt.Sprintf("channel-%d", i%10),
			})
			return err
		}
	}
	recall := func(offset int) call {
		return func(ctx context.Context, s *mcp.ClientSession, i int) error {
			res, err := callTool(ctx, s, "recall", map[string]any{"character": character(i), "query": queryText(offset + i), "limit": 5})
			if err != nil {
				return err
			}
			// Every query shares words with some memory; an empty answer means a broken index.
			if listed(res, "memories") == 0 {
				return fmt.Errorf("recall found nothing: %v", res.StructuredContent)
			}
			return nil
		}
	}
	// Warm up connections and caches before measuring.
	if _, err := measure(ctx, phase{op: "warm-up", sessions: sessions, ops: 4 * len(sessions), call: recall(1 << 30)}); err != nil {
		return result, err
	}
	run := func(p phase) error {
		s, err := measure(ctx, p)
		if err != nil {
			return err
		}
		log("%-8s %-5s %d client(s): %.0f ops/s, p50 %s, p99 %s", s.op, s.transport, s.clients, s.perSecond(), s.p50, s.p99)
		result.phases = append(result.phases, s)
		return nil
	}
	// Recall first, so that it searches exactly n memories; over stdio too,
	// the npm server's only transport.
	if err := run(phase{op: "recall", transport: "http", sessions: sessions[:1], ops: o.ops, call: recall(0)}); err != nil {
		return result, err
	}
	if !full {
		if result.memory, err = readProcessMemory(srv.pid()); err != nil {
			return result, err
		}
		return result, checkNotReembedded(filepath.Join(dataDir, "server.log"))
	}
	if err := run(phase{op: "recall", transport: "http", sessions: sessions, ops: o.ops, call: recall(o.ops)}); err != nil {
		return result, err
	}
	if err := recallOverStdio(ctx, binary, env, func(s *mcp.ClientSession) error {
		return run(phase{op: "recall", transport: "stdio", sessions: []*mcp.ClientSession{s}, ops: o.ops, call: recall(2 * o.ops)})
	}); err != nil {
		return result, err
	}
	for _, p := range []phase{
		{op: "remember", transport: "http", sessions: sessions[:1], ops: o.ops, call: remember(n)},
		{op: "remember", transport: "http", sessions: sessions, ops: o.ops, call: remember(n + o.ops)},
	} {
		if err := run(p); err != nil {
			return result, err
		}
	}
	if result.memory, err = readProcessMemory(srv.pid()); err != nil {
		return result, err
	}
	return result, checkNotReembedded(filepath.Join(dataDir, "server.log"))
}

// checkNotReembedded fails when the server's log says it re-embedded the
// preloaded memories: its recalls were then BM25 alone and the figures
// measure something else (recordEmbedder should prevent it).
func checkNotReembedded(logPath string) error {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return fmt.Errorf("read the server log: %w", err)
	}
	if strings.Contains(string(b), "re-embedding") {
		return fmt.Errorf("the server re-embedded the preloaded memories, so recall was BM25 alone; log:\n%s", tail(logPath))
	}
	return nil
}

// recallOverStdio starts a second server process on the same store with
// --stdio, warms it up and hands its session to measure.
func recallOverStdio(ctx context.Context, binary string, env []string, measure func(*mcp.ClientSession) error) error {
	cmd := exec.CommandContext(ctx, binary, "--stdio")
	cmd.Env = env
	client := mcp.NewClient(&mcp.Implementation{Name: "bench-mcp", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		return fmt.Errorf("start %s --stdio: %w", binary, err)
	}
	defer session.Close()
	for range 4 {
		if _, err := session.ListTools(ctx, nil); err != nil {
			return fmt.Errorf("warm up the stdio server: %w", err)
		}
	}
	return measure(session)
}

// preload creates the characters and n memories with their vectors directly
// in the store, in bulk, and returns the characters' names. Memory i's text
// is text(i); embed returns the vectors of the memories lo, lo+1, ... whose
// texts are given. Memory i belongs to character i % characters. It records
// the embedder that the server started with env will use as the one that
// made the vectors (see recordEmbedder).
func preload(ctx context.Context, env []string, databaseURL, dataDir string, n, characters int,
	text func(i int) string, embed func(lo int, texts []string) ([][]float32, error)) ([]string, error) {
	st, err := store.Open(ctx, databaseURL, dataDir)
	if err != nil {
		return nil, fmt.Errorf("open the store: %w", err)
	}
	defer st.Close()
	if err := recordEmbedder(ctx, st, env); err != nil {
		return nil, err
	}
	names := make([]string, characters)
	ids := make([]string, characters)
	for c := range characters {
		created, err := st.CreateCharacter(ctx, store.Character{Name: fmt.Sprintf("bench-%d", c), Personality: "patient"})
		if err != nil {
			return nil, fmt.Errorf("create a character: %w", err)
		}
		names[c], ids[c] = created.Name, created.ID
	}
	now := time.Now()
	for lo := 0; lo < n; lo += preloadBatch {
		hi := min(lo+preloadBatch, n)
		texts := make([]string, 0, hi-lo)
		for i := lo; i < hi; i++ {
			texts = append(texts, text(i))
		}
		vectors, err := embed(lo, texts)
		if err != nil {
			return nil, err
		}
		d := &store.Dataset{}
		for i := lo; i < hi; i++ {
			m := store.Memory{
				ID: uuid.Must(uuid.NewV7()).String(), CharacterID: ids[i%characters],
				UserID: fmt.Sprintf("user-%d", i%50), ChannelID: fmt.Sprintf("channel-%d", i%10),
				Kind: store.KindEpisodic, Text: texts[i-lo], Importance: 1 + i%10,
				CreatedAt: now.Add(-time.Duration(n-i) * time.Minute),
			}
			d.Memories = append(d.Memories, m)
			d.Vectors = append(d.Vectors, store.MemoryVector{MemoryID: m.ID, CharacterID: m.CharacterID,
				UserID: m.UserID, ChannelID: m.ChannelID, Kind: m.Kind, Vector: vectors[i-lo]})
		}
		if _, err := st.Import(ctx, d); err != nil {
			return nil, fmt.Errorf("import memories %d..%d: %w", lo, hi, err)
		}
	}
	return names, nil
}

// connectHTTP opens n MCP client sessions to the streamable HTTP endpoint,
// sharing one keep-alive connection pool.
func connectHTTP(ctx context.Context, endpoint string, n int) ([]*mcp.ClientSession, error) {
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * n}}
	client := mcp.NewClient(&mcp.Implementation{Name: "bench-mcp", Version: "1"}, nil)
	sessions := make([]*mcp.ClientSession, 0, n)
	for range n {
		s, err := client.Connect(ctx, &mcp.StreamableClientTransport{
			Endpoint: endpoint, HTTPClient: httpClient,
			// The server is stateless; it sends nothing outside responses.
			DisableStandaloneSSE: true,
		}, nil)
		if err != nil {
			closeAll(sessions)
			return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
		}
		sessions = append(sessions, s)
	}
	return sessions, nil
}

func closeAll(sessions []*mcp.ClientSession) {
	for _, s := range sessions {
		_ = s.Close() // the benchmark is over; nothing to recover
	}
}

// recordEmbedder writes, as the server does when it stores vectors itself,
// which embedder made the stored vectors: the one that the memory
// configuration in env selects. Without the record a server that finds
// memories re-embeds all of them in the background at start, and recalls
// by BM25 alone meanwhile (internal/memory/reembed.go), which would be
// measured instead of the vector search. The key is the server's
// "vectors.embedder.<vector store>".
func recordEmbedder(ctx context.Context, st store.Store, env []string) error {
	cfg, err := serverConfig(env)
	if err != nil {
		return err
	}
	// With EMBEDDING_DIMENSIONS set, this makes no request.
	emb, err := memory.NewEmbedder(ctx, cfg.Embedding)
	if err != nil {
		return err
	}
	vs, err := memory.OpenVectorStore(cfg, st)
	if err != nil {
		return err
	}
	defer vs.Close()
	if err := st.SetMeta(ctx, "vectors.embedder."+vs.Name(), memory.Fingerprint(emb)); err != nil {
		return fmt.Errorf("record the embedder of the preloaded vectors: %w", err)
	}
	return nil
}

// serverConfig is the memory configuration a server started with env reads.
func serverConfig(env []string) (memory.Config, error) {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return memory.LoadConfig(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
}
