package ctl

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mojin/charsim/internal/migrate"
	"github.com/mojin/charsim/internal/store"
	"github.com/mojin/charsim/internal/testsvc"
)

// reportColumns parses the per-table table migrate prints to stdout into
// table -> columns (source, inserted, target).
func reportColumns(t *testing.T, stdout string) map[string][]int64 {
	t.Helper()
	rows := map[string][]int64{}
	for _, line := range strings.Split(stdout, "\n") {
		fields := strings.Fields(line)
		if len(fields) != 4 {
			continue
		}
		var cols []int64
		for _, f := range fields[1:] {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				break
			}
			cols = append(cols, n)
		}
		if len(cols) == 3 {
			rows[fields[0]] = cols
		}
	}
	if len(rows) != len(migrate.TableNames()) {
		t.Fatalf("report has rows for %v, want every table %v:\n%s", rows, migrate.TableNames(), stdout)
	}
	return rows
}

func export(t *testing.T, st store.Store) *store.Dataset {
	t.Helper()
	return must(st.Export(t.Context()))(t)
}

// requireSameData fails when two datasets differ, naming the table.
func requireSameData(t *testing.T, got, want *store.Dataset) {
	t.Helper()
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s differ:\n got %+v\nwant %+v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

func TestMigrateSQLiteToPostgres(t *testing.T) {
	source := newSQLiteSource(t)
	target := testsvc.NewDatabase(t, testsvc.PostgresURL(t))

	// Batches of one row prove that every row can go in its own transaction.
	first := mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", target, "--batch-size", "1")
	if !strings.Contains(first.stdout, "verified") {
		t.Fatalf("stdout does not report verification:\n%s", first.stdout)
	}
	for _, table := range migrate.TableNames() {
		if !strings.Contains(first.stderr, table+" ") {
			t.Errorf("stderr shows no progress for %s:\n%s", table, first.stderr)
		}
	}

	src := openTestStore(t, "sqlite://"+source, "")
	dst := openTestStore(t, target, "")
	want := export(t, src)
	if c := migrate.RowCounts(want); c.Characters != 2 || c.Memories != 4 || c.Vectors != 4 || c.Events != 5 ||
		c.Branches != 2 || c.States != 1 || c.Relationships != 2 || c.Messages != 2 {
		t.Fatalf("fixture counts = %+v, want rows in every table", c)
	}
	requireSameData(t, export(t, dst), want)
	for table, cols := range reportColumns(t, first.stdout) {
		n := migrate.CountOf(migrate.RowCounts(want), table)
		if cols[0] != n || cols[1] != n || cols[2] != n {
			t.Errorf("first run reports %s source/inserted/target = %v, want all %d", table, cols, n)
		}
	}

	// A second run inserts nothing and changes nothing.
	second := mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", target)
	for table, cols := range reportColumns(t, second.stdout) {
		if cols[1] != 0 {
			t.Errorf("second run inserted %d %s, want 0", cols[1], table)
		}
	}
	requireSameData(t, export(t, dst), want)

	// The migrated store serves the same timelines as the source.
	for _, branch := range []string{store.DefaultBranch, "calm-seas"} {
		got := must(dst.Timeline(t.Context(), "harbor", branch, 0))(t)
		wantTL := must(src.Timeline(t.Context(), "harbor", branch, 0))(t)
		if !reflect.DeepEqual(got, wantTL) {
			t.Errorf("timeline %s after migration = %+v, want %+v", branch, got, wantTL)
		}
	}
}

func TestMigrateCompletesPartialTarget(t *testing.T) {
	source := newSQLiteSource(t)
	target := testsvc.NewDatabase(t, testsvc.PostgresURL(t))
	src := openTestStore(t, "sqlite://"+source, "")
	dst := openTestStore(t, target, "")
	// An earlier, interrupted run got as far as one character and one memory.
	data := export(t, src)
	must(dst.Import(t.Context(), &store.Dataset{Characters: data.Characters, Memories: data.Memories[:1]}))(t)

	r := mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", target)
	cols := reportColumns(t, r.stdout)
	if got := cols["memories"][1]; got != int64(len(data.Memories)-1) {
		t.Errorf("inserted %d memories, want %d (the rest)", got, len(data.Memories)-1)
	}
	if got := cols["characters"][1]; got != 0 {
		t.Errorf("inserted %d characters, want 0 (both were there)", got)
	}
	requireSameData(t, export(t, dst), data)
}

func TestMigrateDryRunWritesNothing(t *testing.T) {
	source := newSQLiteSource(t)
	target := testsvc.NewDatabase(t, testsvc.PostgresURL(t))

	r := mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", target, "--dry-run")
	if !strings.Contains(r.stdout, "dry run") || !strings.Contains(r.stdout, "nothing was written") {
		t.Errorf("stdout does not say it is a dry run:\n%s", r.stdout)
	}
	for _, want := range []string{"characters", "memories", "vectors", "events", "branches"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run does not list %s:\n%s", want, r.stdout)
		}
	}
	// Not even the schema was created.
	conn := must(pgx.Connect(t.Context(), target))(t)
	defer conn.Close(t.Context())
	var tables int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("dry run created %d tables in the target, want none", tables)
	}
}

func TestMigrateNeverPrintsThePassword(t *testing.T) {
	const password = "hunter2-very-secret"
	source := newSQLiteSource(t)
	u := must(url.Parse(testsvc.NewDatabase(t, testsvc.PostgresURL(t))))(t)
	// The test server trusts local connections, so the password is accepted and ignored.
	u.User = url.UserPassword(u.User.Username(), password)
	withPassword := u.String()
	u.Path = "/no_such_database"
	unreachable := u.String()

	failed := run(t, "migrate", "--source", "sqlite://"+source, "--target", unreachable)
	if failed.err == nil || !strings.Contains(failed.err.Error(), "--target") {
		t.Errorf("migrating into a missing database: error %v, want one naming --target", failed.err)
	}
	for name, r := range map[string]result{
		"success":          mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", withPassword),
		"dry run":          mustRun(t, "migrate", "--source", "sqlite://"+source, "--target", withPassword, "--dry-run"),
		"no such database": failed,
	} {
		all := r.stdout + r.stderr + fmt.Sprint(r.err)
		if strings.Contains(all, password) {
			t.Errorf("%s: the password appears in the output:\n%s", name, all)
		}
		if !strings.Contains(all, "xxxxx@127.0.0.1") {
			t.Errorf("%s: the output does not name the redacted target:\n%s", name, all)
		}
	}
}

func TestMigrateFlagErrors(t *testing.T) {
	t.Setenv(store.EnvDatabaseURL, "")
	t.Setenv(store.EnvTimelineDatabaseURL, "")
	source := "sqlite://" + newSQLiteSource(t)
	missing := filepath.Join(t.TempDir(), "typo.db")
	const target = "postgres://charsim@db.invalid:5432/charsim"

	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of the error
	}{
		{"no source", []string{"--target", target}, []string{"--source", "required"}},
		{"no target", []string{"--source", source}, []string{"--target", "DATABASE_URL"}},
		{"missing SQLite file", []string{"--source", "sqlite://" + missing, "--target", target}, []string{"--source", missing}},
		{"unsupported source", []string{"--source", "mysql://x", "--target", target}, []string{"--source", "sqlite://PATH"}},
		{"unsupported target", []string{"--source", source, "--target", "redis://localhost"}, []string{"--target", "postgres://"}},
		{"same store", []string{"--source", source, "--target", source}, []string{"--target", "differ"}},
		{"zero batch", []string{"--source", source, "--target", target, "--batch-size", "0"}, []string{"--batch-size", "at least 1"}},
		{"not a number", []string{"--source", source, "--target", target, "--batch-size", "many"}, []string{"--batch-size"}},
		{"unknown flag", []string{"--source", source, "--target", target, "--dryrun"}, []string{"--dryrun"}},
		{"stray argument", []string{"--source", source, "--target", target, "now"}, []string{"now"}},
		{"every problem at once", []string{"--target", "redis://x", "--batch-size", "-1"}, []string{"--source", "--target", "--batch-size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, append([]string{"migrate"}, tc.args...)...)
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
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a mistyped --source created %s (stat: %v)", missing, err)
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if r := mustRun(t, "--version"); !strings.HasPrefix(r.stdout, "charsimctl ") {
		t.Errorf("--version printed %q", r.stdout)
	}
	if r := run(t, "migarte"); r.err == nil || !strings.Contains(r.err.Error(), "migarte") {
		t.Errorf("unknown command: error %v, want one naming it", r.err)
	}
}
