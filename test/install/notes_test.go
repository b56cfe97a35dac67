package install

import (
	"regexp"
	"strings"
	"testing"
)

// notesSample matches the heredoc in NOTES.txt that users pipe to kubectl.
var notesSample = regexp.MustCompile(`(?s)<<'YAML'\n(.*?)\n\s*YAML\n`)

// TestChartNotesSampleIsAccepted renders the install notes the way a user
// sees them and sends their sample simulation to the API server, so the notes
// cannot fall behind the CRD.
func TestChartNotesSampleIsAccepted(t *testing.T) {
	const namespace = "charsim-notes"
	api := cluster(t)
	h := newHelm(t)
	out := string(run(t, h.env, h.bin, "install", helmRelease, chartPath, "--namespace", namespace,
		"--dry-run=client", "--kubeconfig", api.kubeconfig))
	_, notes, ok := strings.Cut(out, "\nNOTES:\n")
	if !ok {
		t.Fatalf("helm install printed no NOTES:\n%s", out)
	}
	for _, want := range []string{
		"deployment/" + helmRelease,
		"get charactersimulations",
		helmRelease + "-metrics-reader",
		"kubectl apply --server-side -f charsim-operator/crds/",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("NOTES lack %q:\n%s", want, notes)
		}
	}
	match := notesSample.FindStringSubmatch(notes)
	if match == nil {
		t.Fatalf("NOTES have no <<'YAML' sample:\n%s", notes)
	}
	// The sample is indented by two spaces in the notes; the shell heredoc
	// keeps them, and YAML accepts a uniformly indented document.
	objects := decodeManifests(t, []byte(match[1]))
	if len(objects) != 1 || objects[0].GetKind() != "CharacterSimulation" {
		t.Fatalf("NOTES sample is %d objects, want one CharacterSimulation:\n%s", len(objects), match[1])
	}
	sample := objects[0]
	sample.SetNamespace(namespace)
	api.createRestrictedNamespace(t, namespace)
	api.dryRunApply(t, objects)
}
