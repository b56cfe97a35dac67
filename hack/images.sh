#!/usr/bin/env bash
# Build the charsim container images around static binaries compiled on this
# machine, then run each image once to prove it starts and carries the version.
#
#   hack/images.sh
#
# It compiles manager, charsimctl, mcp-server and discord-bot with
# CGO_ENABLED=0, stages them with a /tmp and the host's CA certificates in a
# small build context (.local/images/context) and builds the "prebuilt"
# target of images/<name>/Dockerfile, tagged $IMG_REGISTRY/charsim-<name>:$VERSION.
# No Go image is pulled, so with BASE=scratch nothing is pulled at all: this is
# how the images are built on a machine that reaches no registry.
#
# Environment:
#   IMAGE_TOOL    podman (default) or docker. podman and runc are installed with
#                 apt-get when missing; podman runs with runc, cgroupfs and a
#                 containers.conf without default ulimits (.local/images/containers.conf),
#                 which works inside an unprivileged build container.
#   BASE          base image of the runtime stage (default gcr.io/distroless/static:nonroot;
#                 scratch needs no registry)
#   VERSION       version stamped into the binaries and the tags (default: VERSION file)
#   IMG_REGISTRY  repository prefix of the tags (default ghcr.io/mojin)
#   IMAGES        which images to build (default "operator mcp-server discord-bot")
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/.local/images
context=$work/context

IMAGE_TOOL=${IMAGE_TOOL:-podman}
BASE=${BASE:-gcr.io/distroless/static:nonroot}
VERSION=${VERSION:-$(cat "$root/VERSION")}
IMG_REGISTRY=${IMG_REGISTRY:-ghcr.io/mojin}
IMAGES=${IMAGES:-operator mcp-server discord-bot}
# The images are for the architecture of this machine's Go toolchain.
arch=$(go env GOARCH)

log() { printf 'images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# binaries are the "binary:package" pairs each image holds.
declare -A binaries=(
	[operator]="manager:. charsimctl:./cmd/charsimctl"
	[mcp-server]="mcp-server:./cmd/mcp-server"
	[discord-bot]="discord-bot:./cmd/discord-bot"
)

# run_flags are the extra flags the tool needs to run a container here.
run_flags=()

setup_podman() {
	local missing=()
	command -v podman >/dev/null || missing+=(podman)
	command -v runc >/dev/null || missing+=(runc)
	if ((${#missing[@]} > 0)); then
		[[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
		log "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	# Without this podman asks runc for an RLIMIT_NOFILE this sandbox may not
	# raise, and every container fails with "error setting rlimit type 7".
	mkdir -p "$work"
	cat >"$work/containers.conf" <<-'EOF'
		[containers]
		default_ulimits = []
	EOF
	export CONTAINERS_CONF=$work/containers.conf
	# No systemd here: runc with plain cgroupfs instead of crun with the systemd driver.
	run_flags=(--runtime runc --cgroup-manager cgroupfs)
}

# stage_context writes the prebuilt build context: bin/ with static binaries,
# rootfs/ with /tmp and the CA certificates, data/ for the MCP server's /data.
stage_context() {
	local certs=/etc/ssl/certs/ca-certificates.crt
	[[ -f $certs ]] || die "$certs is missing; install the ca-certificates package"
	rm -rf "$context"
	mkdir -p "$context/bin" "$context/rootfs/tmp" "$context/rootfs/etc/ssl/certs" "$context/data"
	chmod 1777 "$context/rootfs/tmp"
	cp "$certs" "$context/rootfs/etc/ssl/certs/"

	local image pair bin pkg
	for image in $IMAGES; do
		for pair in ${binaries[$image]}; do
			bin=${pair%%:*} pkg=${pair#*:}
			log "go build $bin ($VERSION)"
			(cd "$root" && CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath \
				-ldflags "-s -w -X github.com/mojin/charsim/internal/version.Version=$VERSION" \
				-o "$context/bin/$bin" "$pkg")
		done
	done
}

build_image() {
	local image=$1 tag=$IMG_REGISTRY/charsim-$1:$VERSION
	log "build $tag (BASE=$BASE)"
	"$IMAGE_TOOL" build --quiet --target prebuilt --platform "linux/$arch" \
		--build-arg "BASE=$BASE" --build-arg "VERSION=$VERSION" \
		-f "$root/images/$image/Dockerfile" -t "$tag" "$context" >/dev/null
}

# check_version runs a binary of an image with --version and expects VERSION.
check_version() {
	local tag=$1 entrypoint=${2:-} out
	local args=(run --rm "${run_flags[@]}")
	[[ -n $entrypoint ]] && args+=(--entrypoint "$entrypoint")
	out=$("$IMAGE_TOOL" "${args[@]}" "$tag" --version 2>&1) ||
		die "$tag ${entrypoint:-(entrypoint)} --version failed: $out"
	[[ $out == *"$VERSION"* ]] || die "$tag ${entrypoint:-(entrypoint)} --version printed '$out', want $VERSION"
	log "ok $tag ${entrypoint:-(entrypoint)} --version: $out"
}

# check_mcp_serves runs the MCP server image as `docker run` users do without
# a database: read-only root, SQLite in a fresh named volume at /data (the
# image's /data belongs to its non-root user), the port published. It must
# answer /readyz.
smoke=charsim-images-smoke-$$
remove_smoke() {
	"$IMAGE_TOOL" rm -f "$smoke" >/dev/null 2>&1 || true
	"$IMAGE_TOOL" volume rm -f "$smoke" >/dev/null 2>&1 || true
}
check_mcp_serves() {
	local tag=$1 address
	trap remove_smoke EXIT
	"$IMAGE_TOOL" run -d --name "$smoke" "${run_flags[@]}" --read-only --tmpfs /tmp \
		-v "$smoke:/data" -p 127.0.0.1::8000 "$tag" >/dev/null
	address=$("$IMAGE_TOOL" port "$smoke" 8000/tcp | head -n 1)
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/${address%:*}/${address##*:}" &&
			printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null; then
			log "ok $tag serves /readyz at $address (read-only root, SQLite in a named volume)"
			remove_smoke
			return
		fi
		sleep 0.2
	done
	"$IMAGE_TOOL" logs "$smoke" >&2 || true
	die "$tag: no ready /readyz at $address within 20s"
}

main() {
	local image
	for image in $IMAGES; do
		[[ -n ${binaries[$image]:-} ]] || die "IMAGES: unknown image $image (want operator, mcp-server or discord-bot)"
	done
	case $IMAGE_TOOL in
	podman) setup_podman ;;
	docker) command -v docker >/dev/null || die "docker is not installed" ;;
	*) die "IMAGE_TOOL: must be podman or docker, got $IMAGE_TOOL" ;;
	esac
	stage_context
	for image in $IMAGES; do
		build_image "$image"
	done
	local tag
	for image in $IMAGES; do
		tag=$IMG_REGISTRY/charsim-$image:$VERSION
		check_version "$tag"
		case $image in
		# The backup CronJob runs charsimctl from the operator image.
		operator) check_version "$tag" /charsimctl ;;
		mcp-server) check_mcp_serves "$tag" ;;
		esac
	done
}

main "$@"
