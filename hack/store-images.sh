#!/usr/bin/env bash
# Build the PostgreSQL and Redis images the container tier runs the
# operator's store pods with: test scaffolding only, since no registry is
# reachable here to pull the official images users run.
#
#   hack/store-images.sh      build (or find cached) localhost/charsim-test-{postgres,redis}:TAG
#
# A minimal Debian rootfs from mmdebstrap is imported as the base image
# localhost/charsim-test-base:KEY, where KEY hashes everything that goes into
# it (suite, mirror, variant, packages, this script), so a second run finds
# it and skips the 40 s mmdebstrap; the rootfs tar is kept under
# .local/store-images/ for a re-import after `podman system reset`.
# hack/store-images/*.Containerfile install the servers with apt-get on that
# base; podman's layer cache makes a rebuild of an unchanged file instant.
#
# Environment:
#   STORE_IMAGE_TAG  tag of the two images (default: the hash of their inputs)
#   DEBIAN_MIRROR    mirror for mmdebstrap and apt-get (default http://deb.debian.org/debian)
# It prints the two image references, postgres first, on stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=hack/containers-env.sh
source "$root/hack/containers-env.sh"
containers_env_setup

src=$root/hack/store-images
work=$root/.local/store-images
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Nothing but what the Containerfiles' RUN steps need (groupadd/useradd are
# in passwd, part of minbase); the docs, man pages and locales are left out.
mmdebstrap_args=(
	--variant=minbase --quiet
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-include=/usr/share/locale/locale.alias'
)

log() { printf 'store-images: %s\n' "$*" >&2; }

key=$(printf '%s\n' "$suite" "$mirror" "${mmdebstrap_args[@]}" | cat - "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
base=localhost/charsim-test-base:$key
mkdir -p "$work"
if ! podman image exists "$base"; then
	tar=$work/rootfs-$key.tar
	if [[ ! -s $tar ]]; then
		log "mmdebstrap $suite ($mirror) into $tar"
		start=$SECONDS
		# mmdebstrap picks its output format by the name's extension.
		mmdebstrap "${mmdebstrap_args[@]}" --format=tar "$suite" "$tar.partial" "$mirror"
		mv "$tar.partial" "$tar"
		log "rootfs built in $((SECONDS - start)) s"
		# Older rootfs tars of other keys are no longer used.
		find "$work" -name 'rootfs-*.tar' ! -name "rootfs-$key.tar" -delete
	fi
	log "podman import $tar as $base"
	podman import --quiet "$tar" "$base" >/dev/null
fi

tag=${STORE_IMAGE_TAG:-$(cat "$src"/* | printf '%s%s' "$key" "$(cat)" | sha256sum | cut -c1-12)}
for store in postgres redis; do
	image=localhost/charsim-test-$store:$tag
	if ! podman image exists "$image"; then
		log "build $image"
		podman build --quiet --build-arg "BASE=$base" -t "$image" -f "$src/$store.Containerfile" "$src" >/dev/null
	fi
	echo "$image"
done
