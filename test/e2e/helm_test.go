//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mojin/charsim/internal/testenv"
)

// fieldOwner is the suite's server-side apply field manager.
const fieldOwner = "charsim-e2e"

func chartDir() string { return filepath.Join(testenv.RepoRoot(), "charts", "charsim-operator") }

// installChart installs the chart as a release in the operator namespace. In
// local mode the Deployment gets no replicas: the manager runs as a local
// process instead, with the release's ServiceAccount and RBAC.
func (e *environment) installChart(ctx context.Context) error {
	// Helm installs crds/ only when they are absent and never upgrades them;
	// apply them first so a cluster left by an older run has the current schema.
	if err := applyCRDs(ctx, e.client, filepath.Join(chartDir(), "crds")); err != nil {
		return err
	}
	args := []string{"install", e.release, chartDir(), "--namespace", e.operatorNamespace, "--wait", "--timeout", "5m"}
	if e.mode == modeLocal {
		args = append(args, "--set", "replicaCount=0")
	}
	if e.helmSet != "" {
		args = append(args, "--set", e.helmSet)
	}
	if err := e.runHelm(ctx, args...); err != nil {
		return err
	}
	e.installed = true
	return nil
}

func (e *environment) uninstallChart(ctx context.Context) error {
	return e.runHelm(ctx, "uninstall", e.release, "--namespace", e.operatorNamespace, "--wait", "--timeout", "2m")
}

func (e *environment) runHelm(ctx context.Context, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, e.helm, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("helm %s: %w\n%s", args[0], err, out.Bytes())
	}
	return nil
}

// applyCRDs server-side applies every CustomResourceDefinition in dir.
func applyCRDs(ctx context.Context, c client.Client, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no CRDs in %s: %v", dir, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read CRD: %w", err)
		}
		decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			crd := &unstructured.Unstructured{}
			if err := decoder.Decode(&crd.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("decode %s: %w", file, err)
			}
			if len(crd.Object) == 0 {
				continue
			}
			err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(crd), client.FieldOwner(fieldOwner), client.ForceOwnership)
			if err != nil {
				return fmt.Errorf("apply CRD %s: %w", crd.GetName(), err)
			}
		}
	}
	return nil
}
