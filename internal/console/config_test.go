package console

import (
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    Config
		wantErr string
	}{
		{env: nil, want: Config{Enabled: true, BasePath: "/console/"}},
		{env: map[string]string{"CONSOLE_ENABLED": "false"}, want: Config{Enabled: false, BasePath: "/console/"}},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/admin"}, want: Config{Enabled: true, BasePath: "/admin/"}},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/a/b/"}, want: Config{Enabled: true, BasePath: "/a/b/"}},
		{env: map[string]string{"CONSOLE_ENABLED": "maybe"}, wantErr: `CONSOLE_ENABLED: must be true or false, got "maybe"`},
		{env: map[string]string{"CONSOLE_BASE_PATH": "console"}, wantErr: "CONSOLE_BASE_PATH: must start with /"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/"}, wantErr: "CONSOLE_BASE_PATH: must not be /"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/mcp"}, wantErr: "CONSOLE_BASE_PATH: must not be /mcp"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/healthz/"}, wantErr: "CONSOLE_BASE_PATH: must not be /healthz"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/a/../b"}, wantErr: "CONSOLE_BASE_PATH: must be a clean path"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/a b"}, wantErr: "CONSOLE_BASE_PATH: may hold only"},
		{env: map[string]string{"CONSOLE_BASE_PATH": "/x\"><script>"}, wantErr: "CONSOLE_BASE_PATH: may hold only"},
	} {
		got, err := LoadConfig(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("env %v: error %v, want one containing %q", tc.env, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("env %v: %v", tc.env, err)
		case tc.wantErr == "" && got != tc.want:
			t.Errorf("env %v: %+v, want %+v", tc.env, got, tc.want)
		}
	}
}

func TestConsoleUnderAnotherBasePath(t *testing.T) {
	e := newEnv(t, "")
	c, err := New(Config{Enabled: true, BasePath: "/admin/"}, e.console.deps)
	if err != nil {
		t.Fatal(err)
	}
	if c.BasePath() != "/admin/" {
		t.Fatalf("BasePath = %q", c.BasePath())
	}
	for path, code := range map[string]int{"/admin/": 200, "/admin/characters": 200, "/admin/static/console.css": 200, "/admin": 301, "/console/": 404} {
		rec := serve(c, "GET", path, "127.0.0.1:1")
		if rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
		if code == 200 && path == "/admin/" && !strings.Contains(rec.Body.String(), `href="/admin/static/console.css"`) {
			t.Errorf("the page links its files outside /admin/")
		}
	}
}
