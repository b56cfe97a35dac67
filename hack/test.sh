#!/usr/bin/env bash
# Runs every test tier that `make test` promises, on a machine with no cluster
# and no Docker:
#   unit + envtest  go test ./... with KUBEBUILDER_ASSETS from hack/k8s-binaries.sh
#   stack           the same run, with throw-away PostgreSQL and Redis from
#                   hack/test-services.sh (tests needing them fail without them)
#   interop         the same run: test/interop needs Node.js and npm, installed
#                   with apt-get when missing
#   browser         the same run: test/browser drives the web console in
#                   Debian's chromium-headless-shell (with fonts-dejavu-core),
#                   installed with apt-get when missing, and checks every page
#                   with axe-core, pinned below, from npm into .local/npm
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

# The browser tests' Chromium and fonts, from Debian.
if ! command -v chromium-headless-shell >/dev/null || ! dpkg -s fonts-dejavu-core >/dev/null 2>&1; then
	as_root=()
	if [[ $(id -u) != 0 ]]; then
		if ! sudo -n true 2>/dev/null; then
			echo "test: chromium-headless-shell or fonts-dejavu-core is missing; install them (apt-get install chromium-headless-shell fonts-dejavu-core) or run as root" >&2
			exit 1
		fi
		as_root=(sudo -n)
	fi
	"${as_root[@]}" apt-get update -qq
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell fonts-dejavu-core >/dev/null
fi
CHROMIUM_PATH=$(command -v chromium-headless-shell)
export CHROMIUM_PATH

# axe-core for the browser tests: this exact version (test/browser checks
# it), from npm into a project-local directory, never from a CDN.
AXE_CORE_VERSION=4.10.3
axe_dir=$root/.local/npm
AXE_PATH=$axe_dir/node_modules/axe-core/axe.min.js
if [[ ! -f $AXE_PATH ]] || [[ $(node -p "require(process.argv[1]).version" "$axe_dir/node_modules/axe-core/package.json" 2>/dev/null) != "$AXE_CORE_VERSION" ]]; then
	mkdir -p "$axe_dir"
	npm install --prefix "$axe_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "axe-core@$AXE_CORE_VERSION" >/dev/null
fi
export AXE_PATH

KUBEBUILDER_ASSETS=$(hack/k8s-binaries.sh)
export KUBEBUILDER_ASSETS

hack/test-services.sh start
trap 'hack/test-services.sh stop' EXIT
# shellcheck disable=SC1091
source .local/test-services.env

# The whole output is kept; on failure its failing tests, their messages and
# any panic are printed again at the end, where a CI log's tail shows them.
go_test_log=$root/.local/go-test.log
if ! go test -count=1 -timeout 40m "$@" ./... 2>&1 | tee "$go_test_log"; then
	echo "test: go test failed; the failures (whole output in $go_test_log):" >&2
	# Not anchored: a test's lines can land in the middle of a log line that
	# a package's processes write to stderr at the same time.
	grep -E -o -e '--- FAIL: .*' -e '[[:alnum:]_]+_test\.go:[0-9]+: .*' -e 'panic: .*' -e '^FAIL\s.*' -e 'test timed out.*' "$go_test_log" | grep -v 'harness_test.go:[0-9]*: checked ' | tail -n 80 >&2 || true
	exit 1
fi

hack/e2e-local.sh

hack/test-images.sh

hack/test-containers.sh

hack/kind-e2e.sh --preflight
