#!/usr/bin/env bash
# The e2e-kind tier (make test-e2e-kind): the test/e2e suite on a kind
# cluster with the real images, the chart's Deployment running the operator
# (CHARSIM_E2E_OPERATOR=in-cluster), csi-hostpath volumes and the CSI
# snapshot controller.
#
# NOT RUN on the machine this project is developed on: it has no Docker and
# reaches no registry. It is checked there with bash -n and shellcheck only;
# run it where Docker and the internet are available.
#
#   hack/kind-e2e.sh [go test flags, e.g. -run Lifecycle -v]
#   hack/kind-e2e.sh --preflight   what can be checked without Docker (make
#                                  test runs it): the snapshot CRDs resolve
#                                  from the module cache, and the chart
#                                  renders with the images this run builds
#
# Steps: build kind (Makefile's KIND) and helm; build the images with
# hack/images.sh (docker) and kind load them; create the cluster; install the
# VolumeSnapshot CRDs (from the external-snapshotter client module pinned in
# go.mod, as the local cluster does), the snapshot controller from the
# external-snapshotter release of the same version, and the csi-hostpath
# driver with its deploy script from its release tag, whose StorageClass
# becomes the default; then run the suite, with the chart pointed at the
# images built here (VERSION, IMG_REGISTRY); then the Qdrant tier: the
# Qdrant tests of internal/memory (the vector-store and recall contract
# suites among them) against the managed Qdrant of a simulation the suite
# leaves Ready, port-forwarded, with its API key. A cluster this run created
# is deleted on exit; an existing one it reused is left alone.
#
# Environment:
#   KIND_CLUSTER          cluster name (default charsim-e2e)
#   KIND_NODE_IMAGE       node image (default: the one kind ships with)
#   KEEP_CLUSTER          1: leave a cluster this run created running after the suite
#   CSI_HOSTPATH_VERSION  csi-driver-host-path release tag (default v1.17.1, released 2026-02)
#   SNAPSHOTTER_VERSION   external-snapshotter release of the snapshot
#                         controller (default: the client version in go.mod)
#   VERSION, IMG_REGISTRY image tags, as in hack/images.sh; the chart's
#                         defaults expect the repository's VERSION
#   CHARSIM_E2E_*         the suite's settings (test/e2e/doc.go), e.g.
#                         CHARSIM_E2E_DISCORD_TOKEN to run the sample's bot
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$root/.local/kind
kubeconfig=$work/kubeconfig

KIND_CLUSTER=${KIND_CLUSTER:-charsim-e2e}
KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-}
KEEP_CLUSTER=${KEEP_CLUSTER:-}
CSI_HOSTPATH_VERSION=${CSI_HOSTPATH_VERSION:-v1.17.1}
export VERSION=${VERSION:-$(cat VERSION)}
export IMG_REGISTRY=${IMG_REGISTRY:-ghcr.io/mojin}
images=(operator mcp-server discord-bot)

log() { printf 'kind-e2e: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

preflight=false
if [[ ${1:-} == --preflight ]]; then
  preflight=true
  shift
fi

snapshot_module=github.com/kubernetes-csi/external-snapshotter/client/v8
# go list prints no directory for a module not yet in the cache (a fresh
# machine): download it first.
go mod download "$snapshot_module"
snapshot_client_dir=$(go list -m -f '{{.Dir}}' "$snapshot_module")
[[ -n $snapshot_client_dir && -d $snapshot_client_dir/config/crd ]] ||
  die "the VolumeSnapshot CRDs of $snapshot_module are not at '$snapshot_client_dir/config/crd'"
SNAPSHOTTER_VERSION=${SNAPSHOTTER_VERSION:-$(go list -m -f '{{.Version}}' "$snapshot_module")}

# The chart's images are the ones built and loaded here, whatever VERSION
# and IMG_REGISTRY say, or the pods would pull the defaults and never start.
chart_images="image.repository=$IMG_REGISTRY/charsim-operator,image.tag=$VERSION"
chart_images+=",mcpServerImage.repository=$IMG_REGISTRY/charsim-mcp-server,mcpServerImage.tag=$VERSION"
chart_images+=",discordBotImage.repository=$IMG_REGISTRY/charsim-discord-bot,discordBotImage.tag=$VERSION"

mapfile -t tools < <(hack/make-var.sh KIND HELM)
KIND=${tools[0]} HELM=${tools[1]}
tools_needed=("$HELM")
$preflight || tools_needed+=("$KIND")
for tool in "${tools_needed[@]}"; do
  [[ -x $tool ]] || make --no-print-directory "$tool" >&2
done

if $preflight; then
  rendered=$("$HELM" template charsim-operator charts/charsim-operator --set "$chart_images")
  for want in "image: \"$IMG_REGISTRY/charsim-operator:$VERSION\"" \
    "--mcp-server-image=$IMG_REGISTRY/charsim-mcp-server:$VERSION" \
    "--discord-bot-image=$IMG_REGISTRY/charsim-discord-bot:$VERSION"; do
    grep -qF -- "$want" <<<"$rendered" || die "the chart rendered with $chart_images has no $want"
  done
  log "preflight ok: snapshot CRDs at $snapshot_client_dir/config/crd, the chart points at $IMG_REGISTRY/charsim-*:$VERSION"
  exit 0
fi

command -v docker >/dev/null || die "needs Docker (not installed)"
docker info >/dev/null 2>&1 || die "needs a running Docker daemon"
command -v git >/dev/null || die "needs git (to fetch the csi-hostpath deploy scripts)"
command -v curl >/dev/null || die "needs curl (the csi-hostpath deploy script downloads with it)"
# The csi-hostpath deploy script calls kubectl from PATH.
if ! command -v kubectl >/dev/null; then
  PATH="$(hack/k8s-binaries.sh):$PATH"
fi
kc() { kubectl --kubeconfig "$kubeconfig" "$@"; }
mkdir -p "$work"

log "building the images ($IMG_REGISTRY/charsim-*:$VERSION)"
IMAGE_TOOL=docker hack/images.sh

cleanup=()
on_exit() {
  local i
  for ((i = ${#cleanup[@]} - 1; i >= 0; i--)); do
    eval "${cleanup[i]}" || true
  done
}
trap on_exit EXIT

if "$KIND" get clusters 2>/dev/null | grep -qx "$KIND_CLUSTER"; then
  # Not ours: it is left as it was found, KEEP_CLUSTER or not.
  log "using the existing kind cluster $KIND_CLUSTER"
  "$KIND" export kubeconfig --name "$KIND_CLUSTER" --kubeconfig "$kubeconfig"
else
  log "creating kind cluster $KIND_CLUSTER"
  node_image=()
  [[ -n $KIND_NODE_IMAGE ]] && node_image=(--image "$KIND_NODE_IMAGE")
  "$KIND" create cluster --name "$KIND_CLUSTER" --kubeconfig "$kubeconfig" --wait 5m "${node_image[@]}"
  if [[ $KEEP_CLUSTER != 1 ]]; then
    cleanup+=('"$KIND" delete cluster --name "$KIND_CLUSTER" --kubeconfig "$kubeconfig"')
  fi
fi

for image in "${images[@]}"; do
  "$KIND" load docker-image --name "$KIND_CLUSTER" "$IMG_REGISTRY/charsim-$image:$VERSION"
done

log "installing the VolumeSnapshot CRDs and the snapshot controller $SNAPSHOTTER_VERSION"
kc apply --server-side -k "$snapshot_client_dir/config/crd"
snapshotter_url=https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/$SNAPSHOTTER_VERSION/deploy/kubernetes/snapshot-controller
kc apply -f "$snapshotter_url/rbac-snapshot-controller.yaml" -f "$snapshotter_url/setup-snapshot-controller.yaml"
kc -n kube-system rollout status deployment/snapshot-controller --timeout=5m

log "installing csi-driver-host-path $CSI_HOSTPATH_VERSION"
hostpath=$work/csi-driver-host-path-$CSI_HOSTPATH_VERSION
[[ -d $hostpath ]] || git clone --quiet --depth 1 --branch "$CSI_HOSTPATH_VERSION" \
  https://github.com/kubernetes-csi/csi-driver-host-path "$hostpath"
KUBECONFIG=$kubeconfig "$hostpath/deploy/kubernetes-latest/deploy.sh"
kc apply -f "$hostpath/examples/csi-storageclass.yaml"
# Claims without a class (the sample's) get csi-hostpath volumes, which can
# be snapshotted; kind's own class stops being the default.
for sc in $(kc get storageclass -o name); do
  kc annotate --overwrite "$sc" storageclass.kubernetes.io/is-default-class=false
done
kc annotate --overwrite storageclass/csi-hostpath-sc storageclass.kubernetes.io/is-default-class=true

log "running the e2e suite"
KUBECONFIG=$kubeconfig \
  CHARSIM_E2E_OPERATOR=in-cluster \
  CHARSIM_E2E_HELM=$HELM \
  CHARSIM_E2E_HELM_SET=$chart_images \
  CHARSIM_E2E_KEEP=1 \
  go test -tags e2e -count=1 -timeout 40m "$@" ./test/e2e/...

# The Qdrant tier: the contract suites of internal/memory that skip without
# QDRANT_URL, against the managed Qdrant of a simulation the suite left
# running (CHARSIM_E2E_KEEP=1), port-forwarded to this machine.
log "running the Qdrant tier of internal/memory against a managed Qdrant"
sim_ns=$(kc get charactersimulations -A -o jsonpath='{range .items[?(@.status.phase=="Ready")]}{.metadata.namespace}{" "}{.metadata.name}{"\n"}{end}' | head -n 1)
[[ -n $sim_ns ]] || die "no Ready simulation left by the e2e suite to test Qdrant against"
read -r qns qsim <<<"$sim_ns"
qdrant_key=$(kc -n "$qns" get secret "$qsim-qdrant-credentials" -o jsonpath='{.data.api-key}' | base64 -d)
qport=$(shuf -i 30000-39999 -n 1)
kc -n "$qns" port-forward "svc/$qsim-qdrant" "$qport:6334" >"$work/qdrant-port-forward.log" 2>&1 &
cleanup+=("kill $! 2>/dev/null")
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$qport") 2>/dev/null && break
  sleep 0.2
done
QDRANT_URL=http://127.0.0.1:$qport QDRANT_API_KEY=$qdrant_key \
  go test -count=1 -run Qdrant -v ./internal/memory/
