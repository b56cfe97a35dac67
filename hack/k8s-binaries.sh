#!/usr/bin/env bash
# Builds the pinned Kubernetes control-plane binaries (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) and kwok from Go modules
# into bin/k8s/<version>/, for envtest (KUBEBUILDER_ASSETS) and the local
# cluster. No download site is needed: everything comes from the Go module proxy.
#
# Idempotent and cached: a binary is rebuilt only when its pin changes, so a
# second run takes well under a second. Prints the assets directory on stdout.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s_version=v1.37.2
etcd_version=$(cd "$root/hack/tools/etcd" && go list -m -f "{{.Version}}" go.etcd.io/etcd/server/v3)
kwok_version=v0.8.0
out="$root/bin/k8s/$k8s_version"
stamp="$out/.pins"
# Bump build_rev when the way the binaries are built changes, to relink them.
build_rev=2
want="k8s=$k8s_version etcd=$etcd_version kwok=$kwok_version rev=$build_rev"

log() { echo "k8s-binaries: $*" >&2; }

# Two runs at once (make test beside an envtest run) would both build and
# race on the same files: the second waits for the first, then finds the pins.
mkdir -p "$root/bin"
exec 9>"$root/bin/.k8s-binaries.lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
    [[ -x "$out/$b" ]] || { rm -f "$stamp"; break; }
  done
fi
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out"
ldflags="-s -w"
# A build from the module proxy has no git metadata, so the API server would
# report v0.0.0-master; stamp the real version (Helm checks kubeVersion).
minor=${k8s_version#v1.}
minor=${minor%%.*}
k8s_ldflags="$ldflags"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $k8s_version (cold build takes ~8 min)"
(cd "$root/hack/tools/k8s" && go build -trimpath -ldflags="$k8s_ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl)

log "building etcd $etcd_version"
(cd "$root/hack/tools/etcd" && go build -trimpath -ldflags="$ldflags" -o "$out/etcd" .)

log "building kwok $kwok_version"
GOBIN="$out" go install -trimpath -ldflags="$ldflags" "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"

echo "$want" >"$stamp"
log "done: $out"
echo "$out"
