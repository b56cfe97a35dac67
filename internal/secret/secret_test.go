package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const real = "s3cr3t-value"

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestValueNeverShowsItself(t *testing.T) {
	v := Value(real)
	type holder struct{ Key Value }
	js, err := json.Marshal(holder{Key: v})
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "key", v, "holder", holder{Key: v})

	for name, out := range map[string]string{
		"%v":   fmt.Sprintf("%v", v),
		"%s":   fmt.Sprintf("%s", v),
		"%#v":  fmt.Sprintf("%#v", v),
		"%+v":  fmt.Sprintf("%+v", holder{Key: v}),
		"json": string(js),
		"slog": logged.String(),
	} {
		if strings.Contains(out, real) || !strings.Contains(out, Redacted) {
			t.Errorf("%s: %q leaks the value or lacks %s", name, out, Redacted)
		}
	}
	if string(v) != real {
		t.Errorf("string(v) = %q, want the real value", string(v))
	}
	if Value("").String() != "" {
		t.Errorf("an empty Value prints %q, want empty", Value("").String())
	}
}

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		env  map[string]string
		want Value
	}{
		{"unset", nil, ""},
		{"variable", map[string]string{"TOKEN": " direct "}, "direct"},
		{"file", map[string]string{"TOKEN_FILE": file}, "from-file"},
		{"blank variable beside a file", map[string]string{"TOKEN": " ", "TOKEN_FILE": file}, "from-file"},
	}
	for _, c := range cases {
		got, err := FromEnv("TOKEN", lookupIn(c.env))
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, string(got), err, string(c.want))
		}
	}

	failures := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"both", map[string]string{"TOKEN": "x", "TOKEN_FILE": file}, []string{"TOKEN", "TOKEN_FILE", "not both"}},
		{"missing file", map[string]string{"TOKEN_FILE": filepath.Join(dir, "missing")}, []string{"TOKEN_FILE: read the secret file"}},
		{"empty file", map[string]string{"TOKEN_FILE": empty}, []string{"TOKEN_FILE", empty, "is empty"}},
	}
	for _, c := range failures {
		_, err := FromEnv("TOKEN", lookupIn(c.env))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "from-file") {
			t.Errorf("%s: error %q quotes the secret", c.name, err)
		}
	}
}
