package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// envPostgresURL is where hack/test-services.sh publishes its PostgreSQL.
const envPostgresURL = "CHARSIM_TEST_POSTGRES_URL"

// postgresServer is the PostgreSQL the benchmark creates its databases on.
type postgresServer struct {
	base string // URL of the maintenance database
	// script is hack/test-services.sh when this run started the server and
	// must stop it again; empty when someone else owns it.
	script string
}

// findPostgres uses the server named by CHARSIM_TEST_POSTGRES_URL or
// .local/test-services.env, or starts one with hack/test-services.sh.
func findPostgres(ctx context.Context, log logf) (*postgresServer, error) {
	if u := os.Getenv(envPostgresURL); u != "" {
		return &postgresServer{base: u}, nil
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	envFile := filepath.Join(root, ".local", "test-services.env")
	if u, err := readEnvFile(envFile, envPostgresURL); err == nil && u != "" {
		log("using PostgreSQL from %s", envFile)
		return &postgresServer{base: u}, nil
	}
	script := filepath.Join(root, "hack", "test-services.sh")
	log("starting PostgreSQL with %s", script)
	start := exec.CommandContext(ctx, script, "start")
	start.Stderr = os.Stderr
	if err := start.Run(); err != nil {
		return nil, fmt.Errorf("%s start: %w", script, err)
	}
	u, err := readEnvFile(envFile, envPostgresURL)
	if err != nil {
		return nil, err
	}
	return &postgresServer{base: u, script: script}, nil
}

// release stops the server if this run started it.
func (p *postgresServer) release(log logf) {
	if p.script == "" {
		return
	}
	log("stopping the PostgreSQL this run started")
	stop := exec.Command(p.script, "stop")
	stop.Stderr = os.Stderr
	if err := stop.Run(); err != nil {
		log("%s stop: %v", p.script, err)
	}
}

// createDatabase creates a new database named after prefix and returns its
// URL and a function that drops it.
func (p *postgresServer) createDatabase(ctx context.Context, prefix string) (string, func(), error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := prefix + "_" + hex.EncodeToString(suffix)
	ident := pgx.Identifier{name}.Sanitize()
	if err := p.exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(p.base)
	if err != nil {
		return "", nil, errors.New("the PostgreSQL URL does not parse")
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := p.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

func (p *postgresServer) exec(ctx context.Context, statement string) error {
	conn, err := pgx.Connect(ctx, p.base)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}

// readEnvFile returns the value of `export NAME=VALUE` in a shell env file.
func readEnvFile(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		if value, ok := strings.CutPrefix(line, name+"="); ok {
			return strings.Trim(value, `"'`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not set %s", path, name)
}

// moduleRoot is the directory of the charsim go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}
