#!/usr/bin/env bash
# Runs every test tier that `make test` promises, on a machine with no cluster
# and no Docker:
#   unit + envtest  go test ./... with KUBEBUILDER_ASSETS from hack/k8s-binaries.sh
#   stack           the same run, with throw-away PostgreSQL and Redis from
#                   hack/test-services.sh (tests needing them fail without them)
#   interop         the same run: test/interop needs Node.js and npm, installed
#                   with apt-get when missing
#   e2e-local       test/e2e on a fresh local cluster (kwok nodes), the operator
#                   as a local process: hack/e2e-local.sh
#   images          every image built for linux/amd64 and linux/arm64 with
#                   podman, this machine's run, all pushed to a throw-away
#                   registry and read back: hack/test-images.sh
#   containers      the operator's rendered MCP server, bot, PostgreSQL and
#                   Redis pods run as podman containers with their security
#                   context, env and probes: hack/test-containers.sh
#   kind preflight  what the kind tier needs besides Docker, which is not
#                   here: hack/kind-e2e.sh --preflight
# The services are stopped on exit, whatever happens.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	if [[ $(id -u) != 0 ]]; then
		echo "test: Node.js and npm are missing; install them (apt-get install nodejs npm) or run as root" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

KUBEBUILDER_ASSETS=$(hack/k8s-binaries.sh)
export KUBEBUILDER_ASSETS

hack/test-services.sh start
trap 'hack/test-services.sh stop' EXIT
# shellcheck disable=SC1091
source .local/test-services.env

go test -count=1 -timeout 40m "$@" ./...

hack/e2e-local.sh

hack/test-images.sh

hack/test-containers.sh

hack/kind-e2e.sh --preflight
