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
etcd_version=$(awk '/go.etcd.io\/etcd\/server\/v3 /{print $2; exit}' "$root/hack/tools/etcd/go.mod")
kwok_version=v0.8.0
out="$root/bin/k8s/$k8s_version"
stamp="$out/.pins"
want="k8s=$k8s_version etcd=$etcd_version kwok=$kwok_version"

log() { echo "k8s-binaries: $*" >&2; }

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

log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $k8s_version (cold build takes ~8 min)"
(cd "$root/hack/tools/k8s" && go build -trimpath -ldflags="$ldflags" -o "$out/" \
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
