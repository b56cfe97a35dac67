package bot

import "testing"

func TestScales(t *testing.T) {
	for v, want := range map[float64]string{1: "devoted", 0.3: "fond of you", 0.1: "friendly", 0: "neutral", -0.2: "wary", -0.5: "dislikes you", -1: "hostile"} {
		if got := affinityWord(v); got != want {
			t.Errorf("affinityWord(%v) = %q, want %q", v, got, want)
		}
	}
	if got := trustWord(-1); got != "distrustful" {
		t.Errorf("trustWord(-1) = %q", got)
	}
}
