// Package install tests the two ways to install the operator, the Helm chart
// in charts/charsim-operator and the kustomize tree behind dist/install.yaml:
// they lint, render and are accepted by a real kube-apiserver (server-side
// dry-run apply, Pod Security "restricted" enforced), their values are
// checked by the chart's schema, and the chart never drifts from the CRDs and
// RBAC rules generated into config/.
package install
