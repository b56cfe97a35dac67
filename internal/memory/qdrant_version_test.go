package memory

import "testing"

func TestCompatibleMinor(t *testing.T) {
	for _, tc := range []struct {
		server, client string
		want           bool
	}{
		{"1.17.0", "v1.17.1", true},
		{"1.16.3", "v1.17.1", true},
		{"1.18.0", "v1.17.1", true},
		{"1.15.4", "v1.17.1", false},
		{"2.0.0", "v1.17.1", false},
		{"dev", "v1.17.1", true},
		{"1.17.0", "unknown", true},
	} {
		if got := compatibleMinor(tc.server, tc.client); got != tc.want {
			t.Errorf("compatibleMinor(%q, %q) = %t, want %t", tc.server, tc.client, got, tc.want)
		}
	}
}
