//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
)

// Operator modes (CHARSIM_E2E_OPERATOR).
const (
	modeLocal     = "local"
	modeInCluster = "in-cluster"
)

// settings are the suite's environment variables, described in doc.go.
type settings struct {
	mode         string
	helm         string
	manager      string
	discordToken string
	keep         bool
	// helmSet is passed to helm install as --set (CHARSIM_E2E_HELM_SET):
	// hack/kind-e2e.sh points the chart at the images it built.
	helmSet string
}

func settingsFromEnv() (settings, error) {
	s := settings{
		mode:         os.Getenv("CHARSIM_E2E_OPERATOR"),
		helm:         os.Getenv("CHARSIM_E2E_HELM"),
		manager:      os.Getenv("CHARSIM_E2E_MANAGER"),
		discordToken: os.Getenv("CHARSIM_E2E_DISCORD_TOKEN"),
		keep:         os.Getenv("CHARSIM_E2E_KEEP") == "1",
		helmSet:      os.Getenv("CHARSIM_E2E_HELM_SET"),
	}
	switch s.mode {
	case "":
		s.mode = modeLocal
	case modeLocal, modeInCluster:
	default:
		return s, fmt.Errorf("CHARSIM_E2E_OPERATOR=%q: want %q or %q", s.mode, modeLocal, modeInCluster)
	}
	if s.helm == "" {
		path, err := exec.LookPath("helm")
		if err != nil {
			return s, fmt.Errorf("no helm on PATH: set CHARSIM_E2E_HELM, e.g. to the Makefile's pinned $(HELM) as hack/e2e-local.sh does: %w", err)
		}
		s.helm = path
	}
	if s.manager != "" {
		if _, err := os.Stat(s.manager); err != nil {
			return s, fmt.Errorf("CHARSIM_E2E_MANAGER: %w", err)
		}
	}
	return s, nil
}
