package redact_test

import (
	"testing"

	"github.com/mojin/charsim/internal/redact"
)

func TestURL(t *testing.T) {
	for raw, want := range map[string]string{
		"":                                     "",
		"postgres://u:p@h/db":                  "postgres://u:xxxxx@h/db",
		"postgres://h/db?password=p&sslmode=x": "postgres://h/db?password=xxxxx&sslmode=x",
		"redis://h:6379":                       "redis://h:6379",
		"::not a url":                          "[unparseable URL]",
	} {
		if got := redact.URL(raw); got != want {
			t.Errorf("URL(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestIn(t *testing.T) {
	source, target := "sqlite:///data/a.db", "postgres://u:s3cret@db/charsim?sslpassword=k3y"
	msg := `copy from "` + source + `" to "` + target + `": connection to ` + target + ` refused`
	got := redact.In(msg, source, "", target)
	want := `copy from "sqlite:///data/a.db" to "postgres://u:xxxxx@db/charsim?sslpassword=xxxxx": connection to postgres://u:xxxxx@db/charsim?sslpassword=xxxxx refused`
	if got != want {
		t.Errorf("In = %q\nwant %q", got, want)
	}
	if got := redact.In("no URLs here"); got != "no URLs here" {
		t.Errorf("In without URLs = %q", got)
	}
}
