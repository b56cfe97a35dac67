#!/usr/bin/env bash
# The images tier of `make test`: build every image for linux/amd64 and
# linux/arm64 with hack/images.sh (which runs this machine's images and checks
# the others' manifests), push them as the release workflow does, to a
# throw-away registry on 127.0.0.1, and read each manifest list back from
# that registry's API: it must name both platforms, and each platform's image
# config must say the same.
#
# The registry is CNCF Distribution, built from its Go module (pinned below)
# into bin/; its storage lives in .local/registry and is deleted on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
registry_version=v3.1.2
registry_bin=$root/bin/registry-$registry_version
work=$root/.local/registry
platforms=linux/amd64,linux/arm64
version=$(cat VERSION)

log() { printf 'test-images: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [[ ! -x $registry_bin ]]; then
	log "building the registry $registry_version"
	mkdir -p "$root/bin"
	GOBIN=$root/bin/.registry go install "github.com/distribution/distribution/v3/cmd/registry@$registry_version"
	mv "$root/bin/.registry/registry" "$registry_bin"
	rmdir "$root/bin/.registry"
fi

# A free port: the first of a few random ones where nothing answers.
port=
for candidate in $(shuf -i 20000-29999 -n 20); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
		port=$candidate
		break
	fi
done
[[ -n $port ]] || die "no free port for the registry"
address=127.0.0.1:$port

rm -rf "$work"
mkdir -p "$work"
cat >"$work/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/data
http:
  addr: $address
EOF
"$registry_bin" serve "$work/config.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
cleanup() {
	kill "$registry_pid" 2>/dev/null || true
	wait "$registry_pid" 2>/dev/null || true
	rm -rf "$work"
	# The images tagged for this registry would pile up run after run.
	local image suffix
	for image in operator mcp-server discord-bot; do
		for suffix in "" -amd64 -arm64; do
			podman rmi "$address/charsim/charsim-$image:$version$suffix" >/dev/null 2>&1 || true
		done
	done
}
trap cleanup EXIT
for _ in $(seq 100); do
	curl -fsS "http://$address/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://$address/v2/" >/dev/null || { cat "$work/registry.log" >&2; die "the registry at $address does not answer"; }
log "registry $registry_version at $address"

export PLATFORMS=$platforms IMG_REGISTRY=$address/charsim VERSION=$version TLS_VERIFY=false
hack/images.sh
hack/images.sh push

accept='application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json'
for image in operator mcp-server discord-bot; do
	repo=charsim/charsim-$image
	index=$(curl -fsS -H "Accept: $accept" "http://$address/v2/$repo/manifests/$version") ||
		die "$repo:$version is not in the registry"
	for platform in ${platforms//,/ }; do
		os=${platform%/*} arch=${platform#*/}
		digest=$(jq -er --arg os "$os" --arg arch "$arch" \
			'[.manifests[] | select(.platform.os == $os and .platform.architecture == $arch)] | if length == 1 then .[0].digest else error("want one \($os)/\($arch) entry, got \(length)") end' <<<"$index") ||
			die "$repo:$version: the pushed manifest list does not name $platform once: $index"
		manifest=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json' \
			"http://$address/v2/$repo/manifests/$digest")
		config=$(jq -er .config.digest <<<"$manifest")
		got=$(curl -fsS "http://$address/v2/$repo/blobs/$config" | jq -er '"\(.os)/\(.architecture)"')
		[[ $got == "$platform" ]] || die "$repo:$version $platform: the pushed image config says $got"
		log "ok pushed $repo:$version $platform ($digest)"
	done
done
