package card

import (
	"strings"
	"testing"
)

func TestLimitsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int64
		err   string
	}{
		{"", DefaultMaxFileSize, ""},
		{"  ", DefaultMaxFileSize, ""},
		{"1048576", 1 << 20, ""},
		{"50MiB", 50 << 20, ""},
		{"512 KiB", 512 << 10, ""},
		{"1GiB", 1 << 30, ""},
		{"100B", 100, ""},
		{"0", 0, "positive"},
		{"-5MiB", 0, "positive"},
		{"20MB", 0, "KiB, MiB or GiB"},
		{"lots", 0, "positive"},
		{"2000GiB", 0, "1 TiB"},
	} {
		lim, err := LimitsFromEnv(func(name string) (string, bool) {
			if name != MaxFileSizeEnv {
				t.Errorf("looked up %s", name)
			}
			return tc.value, true
		})
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), MaxFileSizeEnv+": ") {
				t.Errorf("%q: %v, want an error naming %s and %q", tc.value, err, MaxFileSizeEnv, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case lim.MaxFileSize != tc.want || lim.MaxCardJSON != DefaultMaxCardJSON:
			t.Errorf("%q: %+v, want MaxFileSize %d and the other defaults", tc.value, lim, tc.want)
		}
	}

	// The limit is the one Decode applies.
	lim, _ := LimitsFromEnv(func(string) (string, bool) { return "10B", true })
	if _, err := lim.Decode([]byte(`{"name": "Aria", "x": 1}`)); err == nil || !strings.Contains(err.Error(), "the limit is 10") {
		t.Errorf("Decode of 24 bytes with a 10-byte limit: %v", err)
	}
}
