#!/usr/bin/env bash
# The container tier of `make test` (also `make test-containers`): the pods
# the operator renders for one simulation run as real podman containers.
#
#   1. the MCP server and bot images are built and checked by hack/images.sh
#      (this machine's platform);
#   2. the test-only PostgreSQL and Redis images come from
#      hack/store-images.sh (cached: seconds after the first run);
#   3. go test -tags containers ./test/containers/ runs the rendered MCP
#      server and bot pods against the throw-away PostgreSQL and Redis of
#      hack/test-services.sh and the Discord emulator, and the rendered
#      store pods with the store images, every declared probe included;
#   4. the same go test brings compose.lite.yaml (no Qdrant) up with
#      podman-compose on these images (healthchecks, only 127.0.0.1:MCP
#      published, a memory surviving down and up, down -v) and runs
#      compose.yaml through podman-compose --dry-run (Qdrant cannot run here).
#
# podman, runc, mmdebstrap, podman-compose and uidmap are installed with
# apt-get when missing (hack/containers-env.sh). A missing prerequisite
# fails the tier. Extra arguments go to go test (e.g. -run TestStorePods).
# With CHARSIM_TEST_POSTGRES_URL already set (hack/test.sh), the test
# services are the caller's; otherwise this script starts and stops them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=hack/containers-env.sh
source hack/containers-env.sh
containers_env_setup

log() { printf 'test-containers: %s\n' "$*" >&2; }
start=$SECONDS

IMAGES="mcp-server discord-bot" hack/images.sh
registry=${IMG_REGISTRY:-ghcr.io/mojin}
version=${VERSION:-$(cat VERSION)}
export CHARSIM_TEST_MCP_SERVER_IMAGE=$registry/charsim-mcp-server:$version
export CHARSIM_TEST_DISCORD_BOT_IMAGE=$registry/charsim-discord-bot:$version

mapfile -t stores < <(hack/store-images.sh)
((${#stores[@]} == 2)) || { log "hack/store-images.sh printed ${#stores[@]} images, want 2"; exit 1; }
export CHARSIM_TEST_POSTGRES_IMAGE=${stores[0]} CHARSIM_TEST_REDIS_IMAGE=${stores[1]}

if [[ -z ${CHARSIM_TEST_POSTGRES_URL:-} ]]; then
	hack/test-services.sh start
	trap 'hack/test-services.sh stop' EXIT
	# shellcheck disable=SC1091
	source .local/test-services.env
fi
log "images ready after $((SECONDS - start)) s"

go test -tags containers -count=1 -timeout 20m "$@" ./test/containers/
log "the container tier took $((SECONDS - start)) s"
