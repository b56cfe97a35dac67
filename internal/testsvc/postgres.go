package testsvc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// PostgresInstance is a private, throw-away PostgreSQL server that a test can
// stop and start again, to prove that its code survives a database outage.
// Its methods fail the test on error, so call them from the test's goroutine.
type PostgresInstance struct {
	t       testing.TB
	bin     string // directory of initdb and pg_ctl
	dir     string // data directory, socket and log
	port    int
	running bool
}

// StartPostgres initialises and starts a server on a free port of 127.0.0.1,
// with trust authentication, and removes it when the test ends. It fails the
// test when the PostgreSQL server binaries are not installed (skips it under -short).
func StartPostgres(t testing.TB) *PostgresInstance {
	t.Helper()
	bin := postgresBinDir()
	if bin == "" {
		msg := "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: " +
			"run `make test` or hack/test-services.sh start (it installs the postgresql package)"
		if testing.Short() {
			t.Skip(msg + " (skipped because of -short)")
		}
		t.Fatal(msg)
	}
	// Not t.TempDir: the directory must belong to the user the server runs as.
	dir, err := os.MkdirTemp("", "charsim-pg-")
	if err != nil {
		t.Fatalf("create postgres directory: %v", err)
	}
	p := &PostgresInstance{t: t, bin: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		if p.running {
			p.Stop()
		}
		_ = os.RemoveAll(dir)
	})
	if err := ownByServerUser(dir); err != nil {
		t.Fatalf("hand %s to the postgres user: %v", dir, err)
	}
	p.run("initdb", "-D", p.dataDir(), "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync")
	p.Start()
	return p
}

// URL is the connection URL of the server's postgres database.
func (p *PostgresInstance) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Start starts the server (again) on its port and waits until it accepts connections.
func (p *PostgresInstance) Start() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.dataDir(), "-l", filepath.Join(p.dir, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, p.dir), "start")
	p.running = true
}

// Stop shuts the server down, disconnecting every client.
func (p *PostgresInstance) Stop() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.dataDir(), "-m", "fast", "-w", "stop")
	p.running = false
}

func (p *PostgresInstance) dataDir() string { return filepath.Join(p.dir, "data") }

// run runs a server program, as the postgres user when we are root (initdb
// and postgres refuse to run as root).
func (p *PostgresInstance) run(program string, args ...string) {
	p.t.Helper()
	name, argv := filepath.Join(p.bin, program), args
	if os.Geteuid() == 0 {
		name, argv = "runuser", append([]string{"-u", "postgres", "--", name}, args...)
	}
	out, err := exec.Command(name, argv...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		p.t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", program, args, err, out, log)
	}
}

// postgresBinDir returns the bin directory of the newest installed server, or "".
func postgresBinDir() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	version := func(path string) int {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
		return v
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) < version(matches[j]) })
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

// ownByServerUser gives dir to the postgres user when we are root.
func ownByServerUser(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return err
	}
	return os.Chown(dir, uid, gid)
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
