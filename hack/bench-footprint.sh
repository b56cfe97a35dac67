#!/usr/bin/env bash
# make bench-footprint: the resident memory of each way to run charsim that
# runs here, in one run, after the same warm-up (hack/bench-footprint):
# host-only (the mcp-server binary on SQLite) and compose.lite.yaml under
# podman-compose (postgres, redis, mcp-server) per container and in total.
#
# The images are the container tier's: hack/images.sh builds the MCP server
# and bot images (and the static mcp-server binary host-only runs),
# hack/store-images.sh the test-only PostgreSQL and Redis images (cached).
# podman, runc, mmdebstrap, podman-compose and uidmap are installed with
# apt-get when missing. FOOTPRINT_PORT picks the compose stack's MCP host port
# (default: a free one). Extra arguments go to the program (-remember N
# -recall N).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=hack/containers-env.sh
source hack/containers-env.sh
containers_env_setup

IMAGES="mcp-server discord-bot" hack/images.sh
registry=${IMG_REGISTRY:-ghcr.io/mojin}
version=${VERSION:-$(cat VERSION)}
export MCP_SERVER_IMAGE=$registry/charsim-mcp-server:$version
export DISCORD_BOT_IMAGE=$registry/charsim-discord-bot:$version
arch=$(go env GOARCH)
export MCP_SERVER_BIN=$root/.local/images/context/bin/linux_$arch/mcp-server

mapfile -t stores < <(hack/store-images.sh)
((${#stores[@]} == 2)) || { echo "bench-footprint: hack/store-images.sh printed ${#stores[@]} images, want 2" >&2; exit 1; }
export POSTGRES_IMAGE=${stores[0]} REDIS_IMAGE=${stores[1]}

go run ./hack/bench-footprint -repo "$root" "$@"
