#!/usr/bin/env bash
# The e2e-local tier of make test: the test/e2e suite on the local cluster
# (hack/local-cluster.sh: a real control plane, kwok nodes, simulated pods),
# with the manager as a local process (CHARSIM_E2E_OPERATOR=local).
#
#   hack/e2e-local.sh [go test flags, e.g. -run Restart -v]
#
# It starts the cluster, runs its selftest and the suite, and stops the
# cluster on exit, whatever happens. A cluster that was already up (make demo)
# is used and left running; the suite refuses to run next to another active
# charsim operator, so stop the demo's first (make demo-down).
#
# Environment: HELM and LDFLAGS as in the Makefile (default: the Makefile's),
# and the suite's CHARSIM_E2E_* settings (see test/e2e/doc.go).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

HELM=${HELM:-$("$root/hack/make-var.sh" HELM)}
[[ -x $HELM ]] || make --no-print-directory "$HELM" >&2
LDFLAGS=${LDFLAGS-$("$root/hack/make-var.sh" LDFLAGS)}
work=$root/.local/e2e
mkdir -p "$work"
go build -trimpath -ldflags "$LDFLAGS" -o "$work/manager" .

if hack/local-cluster.sh status >/dev/null 2>&1; then
  echo "e2e-local: using the local cluster that is already up (it stays up)" >&2
else
  trap 'hack/local-cluster.sh down' EXIT
  hack/local-cluster.sh up
fi
hack/local-cluster.sh selftest

KUBECONFIG=$root/.local/kubeconfig \
  CHARSIM_E2E_OPERATOR=local \
  CHARSIM_E2E_HELM=$HELM \
  CHARSIM_E2E_MANAGER=$work/manager \
  go test -tags e2e -count=1 -timeout 20m "$@" ./test/e2e/...
