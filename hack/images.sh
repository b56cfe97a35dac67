#!/usr/bin/env bash
# Build the charsim container images around static binaries cross-compiled on
# this machine, for one or more platforms, then prove each one: an image of
# this machine's architecture runs --version (and the MCP server serves
# /readyz); an image of another architecture cannot run here without
# emulation, so its config must name that platform and its binaries must be
# ELF files for it. `push` sends them as one manifest list per image.
#
#   hack/images.sh          build (and check) every image
#   hack/images.sh push     push the images built before to $IMG_REGISTRY
#
# It compiles manager, charsimctl, mcp-server and discord-bot with
# CGO_ENABLED=0 for each platform into a small build context
# (.local/images/context/bin/<os>_<arch>/), stages a /tmp, the host's CA
# certificates and the nonroot user (65532) beside them, and builds the
# "prebuilt" target of images/<name>/Dockerfile FROM scratch: no Go image and
# no base image is pulled, and no RUN step needs emulation, so arm64 images
# build on an amd64 machine that reaches no registry. One platform gives a
# plain image $IMG_REGISTRY/charsim-<name>:$VERSION (what `kind load` takes);
# several give one image per platform, tagged <tag>-<arch> (and <tag> for
# this machine's), which `push` sends as one manifest list named <tag>.
#
# Environment:
#   PLATFORMS     comma-separated os/arch list (default linux/<this machine's GOARCH>),
#                 e.g. linux/amd64,linux/arm64 (several need podman)
#   IMAGE_TOOL    podman (default) or docker. podman and runc are installed with
#                 apt-get when missing; podman runs with runc, cgroupfs and a
#                 containers.conf without default ulimits (.local/images/containers.conf),
#                 which works inside an unprivileged build container.
#   BASE          base image of the runtime stage (default scratch; the rootfs
#                 staged here holds what gcr.io/distroless/static:nonroot would add)
#   VERSION       version stamped into the binaries and the tags (default: VERSION file)
#   IMG_REGISTRY  repository prefix of the tags (default ghcr.io/mojin)
#   IMAGES        which images to build (default "operator mcp-server discord-bot")
#   TLS_VERIFY    push only: false for a plain-HTTP registry such as localhost:5000
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$root/.local/images
context=$work/context

IMAGE_TOOL=${IMAGE_TOOL:-podman}
BASE=${BASE:-scratch}
VERSION=${VERSION:-$(cat "$root/VERSION")}
IMG_REGISTRY=${IMG_REGISTRY:-ghcr.io/mojin}
IMAGES=${IMAGES:-operator mcp-server discord-bot}
# The architecture of this machine: its images are the ones that can run here.
host_arch=$(go env GOARCH)
PLATFORMS=${PLATFORMS:-linux/$host_arch}
IFS=, read -r -a platforms <<<"$PLATFORMS"
TLS_VERIFY=${TLS_VERIFY:-true}

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
	# jq reads the manifest lists of multi-platform builds.
	command -v jq >/dev/null || missing+=(jq)
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

# check_platforms refuses a malformed PLATFORMS before anything is built.
check_platforms() {
	local platform
	((${#platforms[@]} > 0)) || die "PLATFORMS is empty; want e.g. linux/amd64,linux/arm64"
	for platform in "${platforms[@]}"; do
		[[ $platform =~ ^linux/(amd64|arm64|arm|ppc64le|s390x|riscv64)$ ]] ||
			die "PLATFORMS: $platform is not linux/<amd64|arm64|arm|ppc64le|s390x|riscv64>"
	done
	if ((${#platforms[@]} > 1)) && [[ $IMAGE_TOOL != podman ]]; then
		die "PLATFORMS: several platforms need IMAGE_TOOL=podman (a manifest list); docker builds one at a time"
	fi
}

# stage_context writes the prebuilt build context: bin/<os>_<arch>/ with
# static binaries for each platform, rootfs/ with /tmp, the CA certificates
# and the nonroot user, data/ for the MCP server's /data.
stage_context() {
	local certs=/etc/ssl/certs/ca-certificates.crt
	[[ -f $certs ]] || die "$certs is missing; install the ca-certificates package"
	rm -rf "$context"
	mkdir -p "$context/rootfs/tmp" "$context/rootfs/etc/ssl/certs" "$context/data"
	chmod 1777 "$context/rootfs/tmp"
	cp "$certs" "$context/rootfs/etc/ssl/certs/"
	# Tools that map the uid to a name (ps, some libraries) find the user
	# distroless calls nonroot.
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$context/rootfs/etc/passwd"
	printf 'root:x:0:\nnonroot:x:65532:\n' >"$context/rootfs/etc/group"

	local platform os arch image pair bin pkg
	for platform in "${platforms[@]}"; do
		os=${platform%/*} arch=${platform#*/}
		mkdir -p "$context/bin/${os}_$arch"
		for image in $IMAGES; do
			for pair in ${binaries[$image]}; do
				bin=${pair%%:*} pkg=${pair#*:}
				log "go build $bin ($VERSION, $platform)"
				# timetzdata: a scratch image has no zoneinfo, and the backup
				# schedules take a time zone.
				(cd "$root" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -tags timetzdata \
					-ldflags "-s -w -X github.com/mojin/charsim/internal/version.Version=$VERSION" \
					-o "$context/bin/${os}_$arch/$bin" "$pkg")
			done
		done
	done
}

tag_of() { printf '%s/charsim-%s:%s' "$IMG_REGISTRY" "$1" "$VERSION"; }

# id_file keeps the image ID each platform's build printed, so the checks
# address that image and not whatever a tag resolves to.
id_file() { printf '%s/%s_%s.id' "$work" "$1" "${2//\//_}"; }

build_image() {
	local image=$1 tag platform os arch tags
	tag=$(tag_of "$image")
	for platform in "${platforms[@]}"; do
		os=${platform%/*} arch=${platform#*/}
		# Several platforms: each image is tagged <tag>-<arch>, and <tag> is
		# this machine's one (what compose and kind load use); push makes the
		# manifest list. No list is kept locally: podman 4.3's `podman images`
		# fails on a local list of locally built images.
		tags=(-t "$tag")
		if ((${#platforms[@]} > 1)); then
			tags=(-t "$tag-$arch")
			[[ $platform == "linux/$host_arch" ]] && tags+=(-t "$tag")
		fi
		log "build $tag for $platform (BASE=$BASE)"
		"$IMAGE_TOOL" build --quiet --target prebuilt --platform "$platform" \
			--build-arg "TARGETOS=$os" --build-arg "TARGETARCH=$arch" \
			--build-arg "BASE=$BASE" --build-arg "VERSION=$VERSION" \
			"${tags[@]}" -f "$root/images/$image/Dockerfile" "$context" |
			tail -n 1 >"$(id_file "$image" "$platform")"
	done
}

# check_version runs a binary of an image with --version and expects VERSION.
check_version() {
	local image=$1 ref=$2 entrypoint=${3:-} out
	local args=(run --rm "${run_flags[@]}")
	[[ -n $entrypoint ]] && args+=(--entrypoint "$entrypoint")
	out=$("$IMAGE_TOOL" "${args[@]}" "$ref" --version 2>&1) ||
		die "$(tag_of "$image") ${entrypoint:-(entrypoint)} --version failed: $out"
	[[ $out == *"$VERSION"* ]] || die "$(tag_of "$image") ${entrypoint:-(entrypoint)} --version printed '$out', want $VERSION"
	log "ok $(tag_of "$image") ($host_arch) ${entrypoint:-(entrypoint)} --version: $out"
}

# elf_machines are the ELF e_machine numbers of the architectures we build.
declare -A elf_machines=([amd64]=62 [arm64]=183 [arm]=40 [ppc64le]=21 [s390x]=22 [riscv64]=243)

# elf_machine prints the e_machine field (bytes 18-19, little-endian) of a
# file in an image, read from a container that is created but never started.
elf_machine() {
	local ref=$1 path=$2 container out
	out=$(mktemp)
	container=$("$IMAGE_TOOL" create "${run_flags[@]}" "$ref" 2>/dev/null)
	"$IMAGE_TOOL" cp "$container:$path" "$out" >/dev/null
	"$IMAGE_TOOL" rm "$container" >/dev/null
	od -An -t u2 -j 18 -N 2 "$out" | tr -d ' '
	rm -f "$out"
}

# check_foreign holds an image this machine cannot run to its platform: the
# image config names os/arch, and its entrypoint binary is an ELF for that arch.
check_foreign() {
	local image=$1 platform=$2 ref=$3 got tag bin machine
	tag=$(tag_of "$image")
	got=$("$IMAGE_TOOL" image inspect --format '{{.Os}}/{{.Architecture}}' "$ref")
	[[ $got == "$platform" ]] || die "$tag for $platform: the image config says $got"
	bin=${binaries[$image]%%:*}
	machine=$(elf_machine "$ref" "/$bin")
	[[ $machine == "${elf_machines[${platform#*/}]:-?}" ]] ||
		die "$tag for $platform: /$bin is an ELF for machine $machine, want ${elf_machines[${platform#*/}]:-?}"
	log "ok $tag ($platform): the image config names $platform and /$bin is an ELF for it (machine $machine)"
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
	local ref=$1 tag address
	tag=$(tag_of mcp-server)
	trap remove_smoke EXIT
	"$IMAGE_TOOL" run -d --name "$smoke" "${run_flags[@]}" --read-only --tmpfs /tmp \
		-v "$smoke:/data" -p 127.0.0.1::8000 "$ref" >/dev/null
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

check_image() {
	local image=$1 platform ref
	for platform in "${platforms[@]}"; do
		ref=$(cat "$(id_file "$image" "$platform")")
		if [[ $platform != "linux/$host_arch" ]]; then
			check_foreign "$image" "$platform" "$ref"
			continue
		fi
		check_version "$image" "$ref"
		case $image in
		# The backup CronJob runs charsimctl from the operator image.
		operator) check_version "$image" "$ref" /charsimctl ;;
		mcp-server) check_mcp_serves "$ref" ;;
		esac
	done
}

push_image() {
	local image=$1 tag list platform
	tag=$(tag_of "$image")
	if ((${#platforms[@]} == 1)); then
		log "push $tag ($PLATFORMS)"
		if [[ $IMAGE_TOOL == podman ]]; then
			"$IMAGE_TOOL" push --quiet --tls-verify="$TLS_VERIFY" "$tag"
		else
			"$IMAGE_TOOL" push --quiet "$tag"
		fi
		return
	fi
	# The list lives only for the push, under a local name of its own.
	list=localhost/charsim-$image-list:$VERSION
	"$IMAGE_TOOL" manifest rm "$list" >/dev/null 2>&1 || true
	"$IMAGE_TOOL" manifest create "$list" >/dev/null
	for platform in "${platforms[@]}"; do
		"$IMAGE_TOOL" manifest add "$list" "containers-storage:$tag-${platform#*/}" >/dev/null ||
			die "$tag-${platform#*/} is missing: run make images with PLATFORMS=$PLATFORMS first"
		"$IMAGE_TOOL" manifest inspect "$list" |
			jq -e --arg os "${platform%/*}" --arg arch "${platform#*/}" \
				'[.manifests[].platform | select(.os == $os and .architecture == $arch)] | length == 1' >/dev/null ||
			die "$tag: the manifest list does not name $platform exactly once"
	done
	log "push $tag (manifest list: $PLATFORMS)"
	"$IMAGE_TOOL" manifest push --quiet --all --tls-verify="$TLS_VERIFY" "$list" "docker://$tag"
	"$IMAGE_TOOL" manifest rm "$list" >/dev/null
}

main() {
	local mode=${1:-build} image
	[[ $mode == build || $mode == push ]] || die "usage: $0 [push]"
	for image in $IMAGES; do
		[[ -n ${binaries[$image]:-} ]] || die "IMAGES: unknown image $image (want operator, mcp-server or discord-bot)"
	done
	case $IMAGE_TOOL in
	podman) setup_podman ;;
	docker) command -v docker >/dev/null || die "docker is not installed" ;;
	*) die "IMAGE_TOOL: must be podman or docker, got $IMAGE_TOOL" ;;
	esac
	check_platforms
	if [[ $mode == push ]]; then
		for image in $IMAGES; do
			push_image "$image"
		done
		return
	fi
	stage_context
	for image in $IMAGES; do
		build_image "$image"
	done
	for image in $IMAGES; do
		check_image "$image"
	done
}

main "$@"
