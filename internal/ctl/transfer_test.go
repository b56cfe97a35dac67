package ctl

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/archive"
	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/migrate"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// setTransferEnv configures the builtin embedder of dim dimensions and no
// Qdrant, and no default store, so that every command names its stores.
func setTransferEnv(t *testing.T, dim int) {
	setStackEnv(t, "", t.TempDir(), strconv.Itoa(dim))
}

// countTable parses the per-table table a command prints into table ->
// column -> count.
func countTable(t *testing.T, stdout string) map[string]map[string]int64 {
	t.Helper()
	var columns []string
	rows := map[string]map[string]int64{}
	for _, line := range strings.Split(stdout, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 1 && fields[0] == "table" {
			columns = fields[1:]
			continue
		}
		if columns == nil || len(fields) != len(columns)+1 {
			continue
		}
		row := map[string]int64{}
		for i, f := range fields[1:] {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				t.Fatalf("column %s of %s is %q:\n%s", columns[i], fields[0], f, stdout)
			}
			row[columns[i]] = n
		}
		rows[fields[0]] = row
	}
	if len(rows) != len(archive.Kinds()) {
		t.Fatalf("the table has rows %v, want one per kind:\n%s", rows, stdout)
	}
	return rows
}

// requireColumn fails unless column of the table equals want for every table.
func requireColumn(t *testing.T, stdout, column string, want store.Counts) {
	t.Helper()
	for table, row := range countTable(t, stdout) {
		got, ok := row[column]
		if !ok {
			t.Fatalf("no column %q in:\n%s", column, stdout)
		}
		if w := migrate.CountOf(want, table); got != w {
			t.Errorf("%s: %s = %d, want %d\n%s", table, column, got, w, stdout)
		}
	}
}

// requireTransfer exports the store at from (with --vectors) and imports the
// archive into the store at to, then checks that to holds what from does,
// that a second import adds nothing, and that recall in to finds a memory.
// Both directions of the round trip use it.
func requireTransfer(t *testing.T, from, to string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "charsim.jsonl.gz")
	exported := mustRun(t, "export", "--source", from, "--output", file, "--vectors")
	src := openTestStore(t, from, "")
	want := export(t, src)
	requireColumn(t, exported.stdout, "records", migrate.RowCounts(want))
	if !strings.Contains(exported.stdout, "256-dimensional vectors of builtin/") {
		t.Errorf("export does not describe its vectors:\n%s", exported.stdout)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("archive %s: %v, mode %v; want mode 0600", file, err, info.Mode())
	}

	first := mustRun(t, "import", file, "--target", to)
	if !strings.Contains(first.stdout, "verified") || !strings.Contains(first.stdout, "took 4 from the archive and embedded 0 memories") {
		t.Errorf("first import output:\n%s", first.stdout)
	}
	requireColumn(t, first.stdout, "added", migrate.RowCounts(want))
	dst := openTestStore(t, to, "")
	requireSameData(t, export(t, dst), want)

	second := mustRun(t, "import", file, "--target", to)
	requireColumn(t, second.stdout, "added", store.Counts{})
	requireColumn(t, second.stdout, "unchanged", migrate.RowCounts(want))
	requireSameData(t, export(t, dst), want)

	requireRecall(t, dst, 256)
}

// requireRecall fails unless recall in st with the builtin embedder of dim
// dimensions finds the fixture's first memory by a paraphrase.
func requireRecall(t *testing.T, st store.Store, dim int) {
	t.Helper()
	ctx := t.Context()
	emb := must(memory.NewBuiltinEmbedder(dim))(t)
	svc := must(memory.NewService(ctx, st, memory.NewEmbeddedStore(st), emb, memory.DefaultWeights))(t)
	defer svc.Close()
	aria := must(st.GetCharacterByName(ctx, "Aria"))(t)
	found := must(svc.Recall(ctx, memory.Query{Text: "who flies cargo planes?", Filter: memory.Filter{CharacterID: aria.ID}, Limit: 1}))(t)
	if len(found) != 1 || found[0].Text != memoryTexts[0] {
		t.Errorf("recall = %+v, want %q", found, memoryTexts[0])
	}
	if found[0].Breakdown.VectorRank != 1 {
		t.Errorf("recall breakdown = %+v, want the memory ranked first by its vector", found[0].Breakdown)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	sqlite := "sqlite://" + newSQLiteSource(t)
	postgres := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	back := "sqlite://" + filepath.Join(t.TempDir(), "back.db")

	t.Run("sqlite to postgres", func(t *testing.T) { requireTransfer(t, sqlite, postgres) })
	t.Run("postgres to sqlite", func(t *testing.T) { requireTransfer(t, postgres, back) })
}

// newArchive exports the fixture and returns the archive's path.
func newArchive(t *testing.T, vectors bool) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "fixture.jsonl.gz")
	args := []string{"export", "--source", "sqlite://" + newSQLiteSource(t), "--output", file}
	if vectors {
		args = append(args, "--vectors")
	}
	mustRun(t, args...)
	return file
}

func TestImportWithoutVectorsEmbedsAgain(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	withVectors, without := newArchive(t, true), newArchive(t, false)
	for _, tc := range []struct {
		name, file string
		dim        int
		note       string
	}{
		{"an archive without vectors", without, 256, ""},
		{"vectors of another embedder", withVectors, 64, "the archive's vectors are not used"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setTransferEnv(t, tc.dim)
			for name, target := range map[string]string{
				"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "target.db"),
				"postgres": testsvc.NewDatabase(t, testsvc.PostgresURL(t)),
			} {
				t.Run(name, func(t *testing.T) {
					r := mustRun(t, "import", tc.file, "--target", target)
					if !strings.Contains(r.stdout, "took 0 from the archive and embedded 4 memories") || !strings.Contains(r.stdout, tc.note) {
						t.Errorf("stdout does not say the memories were embedded:\n%s", r.stdout)
					}
					st := openTestStore(t, target, "")
					got := export(t, st)
					if len(got.Vectors) != 4 {
						t.Fatalf("%d vectors after the import, want 4", len(got.Vectors))
					}
					for _, v := range got.Vectors {
						if len(v.Vector) != tc.dim {
							t.Errorf("vector of %s has %d dimensions, want %d", v.MemoryID, len(v.Vector), tc.dim)
						}
					}
					fingerprint, ok, err := st.GetMeta(t.Context(), memory.EmbedderMetaKey("embedded"))
					if err != nil || !ok || !strings.HasSuffix(fingerprint, fmt.Sprintf("/%d", tc.dim)) {
						t.Errorf("recorded embedder = %q, %v, %v; want the %d-dimensional builtin", fingerprint, ok, err, tc.dim)
					}
					requireRecall(t, st, tc.dim)
				})
			}
		})
	}
}

// archiveLines returns the uncompressed lines of an archive file.
func archiveLines(t *testing.T, file string) []string {
	t.Helper()
	f := must(os.Open(file))(t)
	defer f.Close()
	gz := must(gzip.NewReader(f))(t)
	text := must(io.ReadAll(gz))(t)
	return strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
}

// writeLines writes lines as a gzip archive and returns its path.
func writeLines(t *testing.T, lines []string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	for _, l := range lines {
		io.WriteString(gz, l+"\n")
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return writeBytes(t, buf.Bytes())
}

func writeBytes(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "broken.jsonl.gz")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineOf is the 1-based line of the first line of kind.
func lineOf(t *testing.T, lines []string, kind string) int {
	t.Helper()
	for i, l := range lines {
		if strings.HasPrefix(l, `{"kind":"`+kind+`"`) {
			return i + 1
		}
	}
	t.Fatalf("no %s line", kind)
	return 0
}

// replaceField sets field of the data of line n (1-based).
func replaceField(t *testing.T, lines []string, n int, field string, value any) []string {
	t.Helper()
	var rec struct {
		Kind string         `json:"kind"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(lines[n-1]), &rec); err != nil {
		t.Fatal(err)
	}
	rec.Data[field] = value
	out := append([]string(nil), lines...)
	out[n-1] = string(must(json.Marshal(rec))(t))
	return out
}

func TestImportRefusesBrokenArchivesAndWritesNothing(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	file := newArchive(t, true)
	valid := must(os.ReadFile(file))(t)
	lines := archiveLines(t, file)
	n := len(lines)
	memoryLine := lineOf(t, lines, "memory")

	// A second archive whose memory belongs to a character the target lacks.
	ghost := filepath.Join(t.TempDir(), "ghost.jsonl.gz")
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Header{Charsim: "test", CreatedAt: at(0)}, &store.Dataset{Memories: []store.Memory{{
		ID: "m-ghost", CharacterID: "ghost", Kind: store.KindEpisodic, Text: "boo", Importance: 1, CreatedAt: at(1)}}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ghost, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, file string
		want       string // a substring of the error, line included
	}{
		{"truncated", writeBytes(t, valid[:len(valid)*2/3]), "truncated"},
		{"not gzip", writeBytes(t, []byte("characters,memories\n")), "not a gzip"},
		{"bad JSON", writeLines(t, append(append(append([]string{}, lines[:3]...), `{"kind":"memory","data":{`), lines[4:]...)), "line 4: invalid JSON"},
		{"no trailer", writeLines(t, lines[:n-1]), fmt.Sprintf("line %d: the archive ends without its trailer", n)},
		{"a record missing", writeLines(t, append(append([]string{}, lines[:memoryLine-1]...), lines[memoryLine:]...)), fmt.Sprintf("line %d: the trailer counts", n-1)},
		{"a newer major version", writeLines(t, append([]string{strings.Replace(lines[0], `"version":"`+archive.Version()+`"`, `"version":"2.0"`, 1)}, lines[1:]...)), "line 1: archive format version 2.0"},
		{"an invalid memory", writeLines(t, replaceField(t, lines, memoryLine+2, "importance", 11)), fmt.Sprintf("line %d: invalid memory record: invalid importance", memoryLine+2)},
		{"a dangling reference", ghost, "line 2: memory m-ghost refers to character ghost"},
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			target := "sqlite://" + filepath.Join(t.TempDir(), "target.db")
			if backend == "postgres" {
				target = testsvc.NewDatabase(t, testsvc.PostgresURL(t))
			}
			// The target holds one character already, which the failed imports must leave alone.
			st := openTestStore(t, target, "")
			must(st.CreateCharacter(t.Context(), store.Character{Name: "Keeper"}))(t)
			before := export(t, st)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := run(t, "import", tc.file, "--target", target)
					if r.err == nil {
						t.Fatalf("import succeeded:\n%s", r.stdout)
					}
					for _, want := range []string{tc.want, "nothing was written"} {
						if !strings.Contains(r.err.Error(), want) {
							t.Errorf("error %q does not say %q", r.err, want)
						}
					}
					requireSameData(t, export(t, st), before)
				})
			}
		})
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	file := newArchive(t, true)
	want := migrate.RowCounts(must(archive.Read(must(os.Open(file))(t), archive.ReadOptions{}))(t).Data)

	missing := filepath.Join(t.TempDir(), "new", "charsim.db")
	r := mustRun(t, "import", file, "--target", "sqlite://"+missing, "--dry-run")
	if !strings.Contains(r.stdout, "nothing was written") || !strings.Contains(r.stdout, "does not exist yet") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	requireColumn(t, r.stdout, "new", want)
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a dry run created %s (stat: %v)", missing, err)
	}

	// Into an empty PostgreSQL database: not even the schema is created.
	target := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	r = mustRun(t, "import", file, "--target", target, "--dry-run")
	requireColumn(t, r.stdout, "new", want)
	conn := must(pgx.Connect(t.Context(), target))(t)
	defer conn.Close(t.Context())
	var tables int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("a dry run created %d tables, want none", tables)
	}

	// Into a store that has it all already: nothing would be added.
	mustRun(t, "import", file, "--target", target)
	st := openTestStore(t, target, "")
	before := export(t, st)
	r = mustRun(t, "import", file, "--target", target, "--dry-run")
	requireColumn(t, r.stdout, "new", store.Counts{})
	requireSameData(t, export(t, st), before)
}

func TestImportKeepsAndReportsRowsThatDiffer(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	file := newArchive(t, true)
	target := "sqlite://" + filepath.Join(t.TempDir(), "target.db")
	mustRun(t, "import", file, "--target", target)
	st := openTestStore(t, target, "")
	aria := must(st.GetCharacterByName(t.Context(), "Aria"))(t)
	must(st.UpdateCharacter(t.Context(), aria.ID, store.CharacterPatch{Personality: ptr("cautious")}))(t)
	// A recall since the export moved a memory's last access: not a difference.
	recalled := export(t, st).Memories[0].ID
	if err := st.TouchMemories(t.Context(), map[string]time.Time{recalled: at(999)}); err != nil {
		t.Fatal(err)
	}
	before := export(t, st)

	r := mustRun(t, "import", file, "--target", target)
	line := lineOf(t, archiveLines(t, file), "character")
	if want := fmt.Sprintf("line %d: the target has character %s with other content; the target's is kept", line, aria.ID); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
	rows := countTable(t, r.stdout)
	if rows["characters"]["differ"] != 1 || rows["characters"]["added"] != 0 || rows["characters"]["unchanged"] != 1 {
		t.Errorf("characters row = %v, want 1 differing, 1 unchanged, none added", rows["characters"])
	}
	if rows["memories"]["differ"] != 0 || rows["memories"]["unchanged"] != 4 {
		t.Errorf("memories row = %v, want all 4 unchanged", rows["memories"])
	}
	requireSameData(t, export(t, st), before)
	if got := must(st.GetCharacter(t.Context(), aria.ID))(t); got.Personality != "cautious" {
		t.Errorf("personality = %q after the import, want the target's %q", got.Personality, "cautious")
	}
}

func TestImportNewerMinorVersion(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	lines := archiveLines(t, newArchive(t, false))
	n := len(lines)
	// What a newer charsim would write: format 1.9 and a kind this one does not know.
	var header, trailer map[string]any
	must(0, json.Unmarshal([]byte(lines[0]), &header))(t)
	must(0, json.Unmarshal([]byte(lines[n-1]), &trailer))(t)
	header["version"] = "1.9"
	header["counts"].(map[string]any)["lore"] = 1
	trailer["counts"].(map[string]any)["lore"] = 1
	trailer["records"] = trailer["records"].(float64) + 1
	newer := append([]string{string(must(json.Marshal(header))(t))}, lines[1:n-1]...)
	newer = append(newer, `{"kind":"lore","data":{"keys":["harbor"],"content":"the harbor freezes in winter"}}`, string(must(json.Marshal(trailer))(t)))
	file := writeLines(t, newer)
	target := "sqlite://" + filepath.Join(t.TempDir(), "target.db")

	r := run(t, "import", file, "--target", target)
	if r.err == nil || !strings.Contains(r.err.Error(), fmt.Sprintf(`line %d: record kind "lore" is from archive format 1.9`, n)) ||
		!strings.Contains(r.err.Error(), "--skip-unknown") {
		t.Fatalf("import without --skip-unknown: %v", r.err)
	}
	r = mustRun(t, "import", file, "--target", target, "--skip-unknown")
	if want := fmt.Sprintf(`skipped 1 × kind "lore" (first on line %d)`, n); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
	if c := must(openTestStore(t, target, "").Count(t.Context()))(t); c.Characters != 2 || c.Memories != 4 {
		t.Errorf("counts after the import = %+v", c)
	}
}

// A running MCP server keeps its store open (SQLite in WAL mode, or
// PostgreSQL) with the embedded index following other processes' writes:
// export reads beside it, and what import adds reaches the server's recall.
func TestExportImportBesideARunningServer(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			source := "sqlite://" + newSQLiteSource(t)
			target := "sqlite://" + filepath.Join(t.TempDir(), "server.db")
			if backend == "postgres" {
				target = testsvc.NewDatabase(t, testsvc.PostgresURL(t))
			}
			emb := must(memory.NewBuiltinEmbedder(memory.DefaultBuiltinDimension))(t)
			open := func(url string) *memory.Service {
				st := openTestStore(t, url, "")
				svc := must(memory.NewService(ctx, st, memory.NewEmbeddedStore(st), emb, memory.DefaultWeights))(t)
				t.Cleanup(func() { svc.Close() })
				return svc
			}
			open(source)
			server := open(target)
			targetStore := openTestStore(t, target, "")
			must(targetStore.CreateCharacter(ctx, store.Character{Name: "Keeper"}))(t)

			file := filepath.Join(t.TempDir(), "live.jsonl.gz")
			mustRun(t, "export", "--source", source, "--output", file, "--vectors")
			mustRun(t, "import", file, "--target", target)

			aria := must(targetStore.GetCharacterByName(ctx, "Aria"))(t)
			deadline := time.Now().Add(10 * time.Second)
			for {
				found := must(server.Recall(ctx, memory.Query{Text: "who flies cargo planes?", Filter: memory.Filter{CharacterID: aria.ID}, Limit: 1}))(t)
				if len(found) == 1 && found[0].Text == memoryTexts[0] && found[0].Breakdown.VectorRank == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the running server's recall = %+v, want %q found by its vector", found, memoryTexts[0])
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

func TestExportImportNeverPrintPasswords(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	const password = "hunter2-very-secret"
	u := must(url.Parse(testsvc.NewDatabase(t, testsvc.PostgresURL(t))))(t)
	u.User = url.UserPassword(u.User.Username(), password) // the test server trusts local connections
	withPassword := u.String()
	u.Path = "/no_such_database"
	unreachable := u.String()
	file := newArchive(t, true)
	out := filepath.Join(t.TempDir(), "out.jsonl.gz")

	results := map[string]result{
		"import":            mustRun(t, "import", file, "--target", withPassword),
		"import dry run":    mustRun(t, "import", file, "--target", withPassword, "--dry-run"),
		"export":            mustRun(t, "export", "--source", withPassword, "--output", out),
		"import, no db":     run(t, "import", file, "--target", unreachable),
		"dry run, no db":    run(t, "import", file, "--target", unreachable, "--dry-run"),
		"export, no db":     run(t, "export", "--source", unreachable, "--output", out),
		"import, bad input": run(t, "import", writeBytes(t, []byte("junk")), "--target", withPassword),
	}
	for name, r := range results {
		all := r.stdout + r.stderr + fmt.Sprint(r.err)
		if strings.Contains(all, password) {
			t.Errorf("%s: the password appears in the output:\n%s", name, all)
		}
		if strings.Contains(name, "no db") && (r.err == nil || !strings.Contains(r.err.Error(), "xxxxx@127.0.0.1")) {
			t.Errorf("%s: error %v, want one naming the redacted store", name, r.err)
		}
	}
	// The archive names the source's backend, never its URL.
	if text := strings.Join(archiveLines(t, out), "\n"); strings.Contains(text, password) || strings.Contains(text, "127.0.0.1") {
		t.Errorf("the archive holds the source's URL:\n%s", archiveLines(t, out)[0])
	}
}

func TestExportImportFlagErrors(t *testing.T) {
	setTransferEnv(t, memory.DefaultBuiltinDimension)
	source := "sqlite://" + newSQLiteSource(t)
	missing := filepath.Join(t.TempDir(), "typo.db")
	out := filepath.Join(t.TempDir(), "out.jsonl.gz")
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"export without output", []string{"export", "--source", source}, nil, []string{"--output", "required"}},
		{"export of a missing file", []string{"export", "--source", "sqlite://" + missing, "--output", out}, nil, []string{"--source", missing}},
		{"export of an unsupported store", []string{"export", "--source", "mysql://x", "--output", out}, nil, []string{"--source", "sqlite://PATH"}},
		{"export of vectors from an unreachable Qdrant", []string{"export", "--source", source, "--output", out, "--vectors"},
			map[string]string{"QDRANT_URL": "http://qdrant.invalid:6334"}, []string{"--vectors", "read the vectors from Qdrant"}},
		{"import without a file", []string{"import"}, nil, []string{"arg"}},
		{"import of a missing file", []string{"import", missing, "--target", source}, nil, []string{missing}},
		{"import into an unsupported store", []string{"import", out, "--target", "redis://x"}, nil, []string{"--target", "postgres://"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := run(t, tc.args...)
			if r.err == nil {
				t.Fatalf("no error; stdout:\n%s", r.stdout)
			}
			for _, want := range tc.want {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("error %q does not mention %q", r.err, want)
				}
			}
		})
	}
	for _, path := range []string{missing, out} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a failed command created %s (stat: %v)", path, err)
		}
	}
}

// With no --source and --target, export and import use the MCP server's
// store, and export - writes the archive to standard output.
func TestExportImportDefaultStoresAndStandardStreams(t *testing.T) {
	dataDir := t.TempDir()
	setStackEnv(t, "", dataDir, "256")
	server := openTestStore(t, "", dataDir)
	populate(t.Context(), t, server)
	want := export(t, server)

	var archived, summary bytes.Buffer
	if err := Run(t.Context(), []string{"export", "--output", "-", "--vectors"}, &archived, &summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary.String(), "exported sqlite://"+dataDir) {
		t.Errorf("the summary on stderr does not name the default store:\n%s", summary.String())
	}

	other := t.TempDir()
	setStackEnv(t, "", other, "256")
	root := newRootCommand()
	var stdout, stderr bytes.Buffer
	root.SetArgs([]string{"import", "-"})
	root.SetIn(&archived)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("import -: %v\n%s", err, stderr.String())
	}
	requireSameData(t, export(t, openTestStore(t, "", other)), want)
}
