#!/usr/bin/env bash
# A local Kubernetes cluster with simulated nodes, for the e2e-local tier:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok, all
# plain processes built by hack/k8s-binaries.sh. kwok plays the kubelets
# (nodes turn Ready, pods turn Running/Ready, nothing is ever pulled or run)
# and, through the Stages in hack/local-cluster/kwok/, the CSI snapshotter.
#
#   hack/local-cluster.sh up          start (idempotent; restarts dead parts)
#   hack/local-cluster.sh down        stop everything and delete .local/cluster
#   hack/local-cluster.sh status      pid and health of each component
#   hack/local-cluster.sh kubeconfig  print the admin kubeconfig
#   hack/local-cluster.sh selftest    check the cluster does what e2e needs
#
# Everything lives under .local/cluster/ (certificates, etcd data, hostpath
# volumes, one log and one pid file per component); the admin kubeconfig is
# .local/kubeconfig.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
assets="$root/hack/local-cluster"
state="$root/.local/cluster"
pki="$state/pki"
logs="$state/logs"
run="$state/run"
volumes="$state/volumes"
ports_file="$state/ports"
kubeconfig="$root/.local/kubeconfig"

kwok_version=v0.8.0
service_cidr=10.96.0.0/16
pod_cidr=10.244.0.0/16
# The in-tree hostpath provisioner always creates volumes below this
# directory; kube-controller-manager gets it bind-mounted onto $volumes.
hostpath_root=/tmp/hostpath_pv
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

started_us=${EPOCHREALTIME/./}
log() {
  local ms=$(((${EPOCHREALTIME/./} - started_us) / 1000))
  printf 'local-cluster [%3d.%ds]: %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2
}
die() { echo "local-cluster: error: $*" >&2; exit 1; }

# ensure_tools installs the Debian packages the script relies on when a fresh
# machine lacks them.
ensure_tools() {
  local missing=()
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]} == 0)) && return
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}"
  echo "local-cluster: installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

kc() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

# --- processes ---------------------------------------------------------------

pid_of() { [[ -f "$run/$1.pid" ]] && cat "$run/$1.pid"; }

# is_running checks the recorded pid is still this component's binary, so a
# recycled pid is never mistaken for (or killed as) a component.
is_running() {
  local pid exe
  pid=$(pid_of "$1") || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ $exe == */"$1" || $exe == */"$1 (deleted)" ]]
}

# start NAME ARGS... starts the component binary in its own session (so it
# outlives this script and the caller's terminal) unless it already runs.
start() {
  local name=$1
  shift
  is_running "$name" && return
  log "starting $name"
  # 9>&-: the component must not inherit (and so hold) the up/down lock.
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$run/$name.pid"
}

stop() {
  local name=$1 pid i
  is_running "$name" || { rm -f "$run/$name.pid"; return 0; }
  pid=$(pid_of "$name")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    is_running "$name" || { rm -f "$run/$name.pid"; return 0; }
    sleep 0.1
  done
  echo "local-cluster: $name (pid $pid) ignored SIGTERM for 10s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$run/$name.pid"
}

# wait_for SECONDS COMPONENT DESCRIPTION COMMAND... polls COMMAND while
# COMPONENT runs. A component that exits meanwhile is started once more (kwok,
# for one, exits when an API it simulates is not fully published yet; a
# component killed just before `up` may still be shutting down). On failure it
# shows the end of the component's log, which usually names the cause.
wait_for() {
  local timeout=$1 component=$2 what=$3
  shift 3
  local deadline=$(($(date +%s) + timeout)) restarted=false
  until "$@" >"$state/wait.out" 2>&1; do
    if ! is_running "$component"; then
      if $restarted; then
        echo "local-cluster: $component exited while waiting for $what; end of $logs/$component.log:" >&2
        tail -n 30 "$logs/$component.log" >&2 || true
        exit 1
      fi
      log "$component exited; starting it again"
      restarted=true
      "start_${component//-/_}"
    fi
    if (($(date +%s) >= deadline)); then
      echo "local-cluster: timed out after ${timeout}s waiting for $what (last check said: $(cat "$state/wait.out")); end of $logs/$component.log:" >&2
      tail -n 30 "$logs/$component.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  rm -f "$state/wait.out"
}

# --- ports and certificates --------------------------------------------------

# free_port prints a local TCP port nobody listens on, below the kernel's
# ephemeral range so outgoing connections cannot take it in the meantime.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    [[ " ${taken_ports:-} " == *" $port "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    echo "$port"
    return
  done
}

# Ports are chosen once per cluster and kept, so restarting one component
# finds the others where they were.
load_ports() {
  if [[ ! -f $ports_file ]]; then
    local ports=() i
    for ((i = 0; i < 6; i++)); do ports+=("$(free_port)"); taken_ports="${ports[*]}"; done
    echo "${ports[*]}" >"$ports_file"
  fi
  read -r etcd_port etcd_peer_port apiserver_port kcm_port scheduler_port kwok_port <"$ports_file"
}

# sign NAME SUBJECT EXTENSIONS issues an ECDSA key and a certificate signed
# by the cluster CA.
sign() {
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$pki/$1.key" -subj "$2" 2>/dev/null |
    openssl x509 -req -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 3650 -extfile <(printf '%b' "$3") -out "$pki/$1.crt" 2>/dev/null
}

ensure_certificates() {
  [[ -f $pki/admin.crt ]] && return
  log "generating certificates"
  mkdir -p "$pki"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 3650 -subj "/CN=charsim-local-ca" 2>/dev/null
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,IP:${service_cidr%.0/*}.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment"
  sign admin "/O=system:masters/CN=charsim-local-admin" \
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$pki/service-account.key" 2>/dev/null
  openssl pkey -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub"
  chmod 600 "$pki"/*.key
}

write_kubeconfig() {
  local tmp="$kubeconfig.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: charsim-local
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: charsim-local-admin
  user:
    client-certificate-data: $(base64 -w0 <"$pki/admin.crt")
    client-key-data: $(base64 -w0 <"$pki/admin.key")
contexts:
- name: charsim-local
  context:
    cluster: charsim-local
    user: charsim-local-admin
current-context: charsim-local
EOF
  chmod 600 "$tmp"
  mv "$tmp" "$kubeconfig"
}

# --- health --------------------------------------------------------------------

health_url() {
  case $1 in
  etcd) echo "http://127.0.0.1:$etcd_port/health" ;;
  kube-apiserver) echo "https://127.0.0.1:$apiserver_port/readyz" ;;
  kube-controller-manager) echo "https://127.0.0.1:$kcm_port/healthz" ;;
  kube-scheduler) echo "https://127.0.0.1:$scheduler_port/healthz" ;;
  kwok) echo "http://127.0.0.1:$kwok_port/healthz" ;;
  esac
}

healthy() {
  local tls=()
  [[ $1 == kube-apiserver ]] && tls=(--cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
  # The controller-manager and scheduler serve /healthz with a self-signed
  # certificate of their own; only liveness is read from them.
  [[ $1 == kube-controller-manager || $1 == kube-scheduler ]] && tls=(--insecure)
  curl --silent --fail --max-time 2 "${tls[@]}" "$(health_url "$1")" >/dev/null
}

cluster_is_up() {
  [[ -f $ports_file && -f $kubeconfig ]] || return 1
  load_ports
  local c
  for c in "${components[@]}"; do is_running "$c" || return 1; done
  healthy kube-apiserver
}

# --- components ---------------------------------------------------------------

start_etcd() {
  start etcd "$bin/etcd" \
    --name=local --data-dir="$state/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="local=http://127.0.0.1:$etcd_peer_port" \
    --listen-metrics-urls="" \
    --unsafe-no-fsync=true
}

start_kube_apiserver() {
  start kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$apiserver_port" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/service-account.pub" \
    --service-account-signing-key-file="$pki/service-account.key" \
    --service-cluster-ip-range="$service_cidr" \
    --authorization-mode=Node,RBAC \
    --allow-privileged=true
}

# kube-controller-manager runs in a private mount namespace in which
# $hostpath_root is $volumes, so provisioned volumes land in .local/cluster.
# Where namespaces are not allowed it runs as is and they land in /tmp.
start_kube_controller_manager() {
  local ns_opts=(--mount --propagation private) wrapper=()
  [[ $(id -u) == 0 ]] || ns_opts=(--user --map-root-user "${ns_opts[@]}")
  mkdir -p "$hostpath_root" "$volumes"
  if unshare "${ns_opts[@]}" -- mount --bind "$volumes" "$hostpath_root" 2>/dev/null; then
    # shellcheck disable=SC2016 # expanded by the inner shell
    wrapper=(unshare "${ns_opts[@]}" -- sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$volumes" "$hostpath_root")
  else
    log "warning: cannot create a mount namespace; hostpath volumes go to $hostpath_root"
  fi
  start kube-controller-manager "${wrapper[@]}" "$bin/kube-controller-manager" \
    --kubeconfig="$kubeconfig" \
    --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" --cert-dir="$pki/kube-controller-manager" \
    --controllers='*,-serviceaccount-token,-nodeipam' \
    --enable-hostpath-provisioner \
    --use-service-account-credentials=false \
    --leader-elect=false \
    --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$service_cidr" \
    --cluster-name=charsim-local
}

start_kube_scheduler() {
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$kubeconfig" \
    --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$scheduler_port" --cert-dir="$pki/kube-scheduler" \
    --leader-elect=false
}

start_kwok() {
  local stages="$kwok_dir/kustomize/stage" configs=() f
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    configs+=(--config="$stages/$f")
  done
  for f in "$assets"/kwok/*.yaml; do configs+=(--config="$f"); done
  start kwok "$bin/kwok" \
    --kubeconfig="$kubeconfig" \
    --manage-all-nodes=true \
    --server-address="127.0.0.1:$kwok_port" \
    --cidr="$pod_cidr" \
    "${configs[@]}"
}

# kwok resolves every Stage's resource through the OpenAPI v3 document of its
# group version and exits when that is not published yet, which is the case
# for a moment after a CRD is established.
snapshot_openapi_published() {
  kc get --raw /openapi/v3 | grep -q '"apis/snapshot.storage.k8s.io/v1"'
}

nodes_ready() {
  local want got
  want=$(kc get nodes -l type=kwok -o name | wc -l)
  got=$(kc get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)
  ((want > 0 && got == want))
}

install_cluster_objects() {
  local snapshot_crds
  snapshot_crds="$(cd "$root" && go list -m -f '{{.Dir}}' github.com/kubernetes-csi/external-snapshotter/client/v8)/config/crd"
  log "installing VolumeSnapshot CRDs, nodes, StorageClass and VolumeSnapshotClass"
  kc apply --server-side --force-conflicts -k "$snapshot_crds" >/dev/null
  # Poll rather than `kubectl wait --for=condition`, which can fail at once
  # ("accessor error") on a CRD whose status is not written yet.
  local crd deadline=$((SECONDS + 30))
  for crd in volumesnapshots volumesnapshotclasses volumesnapshotcontents; do
    until [[ $(kc get "crd/$crd.snapshot.storage.k8s.io" \
      -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null) == True ]]; do
      ((SECONDS < deadline)) || die "CRD $crd.snapshot.storage.k8s.io not Established after 30s"
      sleep 0.2
    done
  done
  kc apply --server-side -f "$assets/manifests" >/dev/null
}

# --- commands -------------------------------------------------------------------

cmd_up() {
  bin=$("$root/hack/k8s-binaries.sh")
  if cluster_is_up; then
    echo "local cluster is already up: export KUBECONFIG=$kubeconfig"
    return
  fi
  ensure_tools
  kwok_dir=$(cd "$root" && go mod download -json "sigs.k8s.io/kwok@$kwok_version" | grep '"Dir":' | cut -d'"' -f4)
  [[ -d $kwok_dir/kustomize/stage ]] || die "kwok $kwok_version stage configs not found (go mod download sigs.k8s.io/kwok@$kwok_version)"
  mkdir -p "$state" "$logs" "$run"
  load_ports
  ensure_certificates
  write_kubeconfig

  start_etcd
  wait_for 30 etcd "etcd to be healthy" healthy etcd
  start_kube_apiserver
  wait_for 60 kube-apiserver "kube-apiserver to be ready" healthy kube-apiserver
  start_kube_controller_manager
  start_kube_scheduler
  install_cluster_objects
  wait_for 60 kube-apiserver "the VolumeSnapshot API in OpenAPI v3" snapshot_openapi_published
  start_kwok
  wait_for 60 kwok "the kwok nodes to be Ready" nodes_ready
  wait_for 60 kube-controller-manager "the default ServiceAccount" kc get serviceaccount default -n default
  wait_for 30 kube-controller-manager "kube-controller-manager to be healthy" healthy kube-controller-manager
  wait_for 30 kube-scheduler "kube-scheduler to be healthy" healthy kube-scheduler
  log "up: export KUBECONFIG=$kubeconfig"
}

cmd_down() {
  local c
  if [[ -d $run ]]; then
    # Dependents first, so nothing spends its last seconds retrying a
    # vanished apiserver.
    for c in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$c"; done
  fi
  rm -rf "$state" "$kubeconfig"
  echo "local cluster is down"
}

cmd_status() {
  [[ -f $ports_file ]] || { echo "local cluster is not set up (run: hack/local-cluster.sh up)"; return 1; }
  load_ports
  local c pid health failed=0
  printf '%-24s %-8s %-8s %s\n' COMPONENT PID HEALTH ENDPOINT
  for c in "${components[@]}"; do
    pid=$(pid_of "$c" || echo -)
    if ! is_running "$c"; then
      health=stopped failed=1
    elif healthy "$c"; then
      health=ok
    else
      health=failing failed=1
    fi
    printf '%-24s %-8s %-8s %s\n' "$c" "$pid" "$health" "$(health_url "$c")"
  done
  echo "kubeconfig: $kubeconfig"
  return "$failed"
}

cmd_kubeconfig() {
  [[ -f $kubeconfig ]] || die "no kubeconfig: the local cluster is not up (run: hack/local-cluster.sh up)"
  cat "$kubeconfig"
}

# --- selftest -------------------------------------------------------------------

selftest_ns=local-cluster-selftest

check() {
  local what=$1
  shift
  if "$@" >"$state/selftest.out" 2>&1; then
    log "ok: $what"
  else
    echo "local-cluster: selftest FAILED: $what" >&2
    cat "$state/selftest.out" >&2
    exit 1
  fi
}

kcn() { kc -n "$selftest_ns" "$@"; }

pod_on_kwok_node() {
  local node
  node=$(kcn get pod db-0 -o jsonpath='{.spec.nodeName}')
  [[ $(kc get node "$node" -o jsonpath='{.metadata.labels.type}') == kwok ]]
}

# volume_dir prints where the hostpath provisioner's directory for the
# StatefulSet's claim is on this host: below .local/cluster when
# kube-controller-manager runs in its own mount namespace, else in /tmp (as
# up warned).
volume_dir() {
  local pv path
  pv=$(kcn get pvc data-db-0 -o jsonpath='{.spec.volumeName}')
  path=$(kc get pv "$pv" -o jsonpath='{.spec.hostPath.path}')
  [[ -n $path ]] || return 1
  if [[ $(readlink "/proc/$(pid_of kube-controller-manager)/ns/mnt") == "$(readlink /proc/self/ns/mnt)" ]]; then
    echo "$path"
  else
    echo "$volumes/${path#"$hostpath_root"/}"
  fi
}

privileged_pod_refused() {
  local out
  if out=$(kcn apply -f "$assets/selftest/privileged-pod.yaml" 2>&1); then
    echo "a privileged pod was admitted in a restricted namespace: $out"
    return 1
  fi
  grep -q 'violates PodSecurity "restricted' <<<"$out" || { echo "$out"; return 1; }
}

namespace_gone() { ! kc get namespace "$selftest_ns" >/dev/null 2>&1; }

cmd_selftest() {
  bin=$("$root/hack/k8s-binaries.sh")
  cluster_is_up || die "the local cluster is not up (run: hack/local-cluster.sh up)"
  local files="$assets/selftest" pv dir
  if ! namespace_gone; then
    kc delete namespace "$selftest_ns" --wait=true --timeout=60s >/dev/null
  fi
  check "namespace $selftest_ns enforces Pod Security restricted" kc apply -f "$files/namespace.yaml"
  check "StatefulSet and Deployment are admitted" kcn apply -f "$files/statefulset.yaml" -f "$files/deployment.yaml"
  # `kubectl wait --for=condition` fails at once on an object that does not
  # exist yet, so first wait for the StatefulSet controller to create them.
  check "StatefulSet creates its claim and pod" kcn wait --for=create pvc/data-db-0 pod/db-0 --timeout=60s
  check "StatefulSet pod becomes Ready" kcn wait --for=condition=Ready pod/db-0 --timeout=60s
  check "StatefulSet pod runs on a kwok node" pod_on_kwok_node
  check "volumeClaimTemplate PVC is Bound" kcn wait --for=jsonpath='{.status.phase}'=Bound pvc/data-db-0 --timeout=60s
  dir=$(volume_dir) || die "selftest FAILED: the claim data-db-0 has no hostPath volume"
  check "hostpath provisioner created $dir" test -d "$dir"
  check "StatefulSet reports 1 ready replica" kcn wait --for=jsonpath='{.status.readyReplicas}'=1 statefulset/db --timeout=60s
  check "VolumeSnapshot is created" kcn apply -f "$files/volumesnapshot.yaml"
  check "VolumeSnapshot becomes readyToUse" kcn wait --for=jsonpath='{.status.readyToUse}'=true volumesnapshot/data-db-0 --timeout=60s
  check "PVC restored from the VolumeSnapshot is created" kcn apply -f "$files/restored-pvc.yaml"
  check "restored PVC is Bound" kcn wait --for=jsonpath='{.status.phase}'=Bound pvc/data-db-0-restored --timeout=60s
  check "Deployment becomes Available" kcn wait --for=condition=Available deployment/web --timeout=60s
  check "privileged pod is refused by Pod Security restricted" privileged_pod_refused
  pv=$(kcn get pvc data-db-0 -o jsonpath='{.spec.volumeName}')
  check "workloads, claims and snapshot are deleted" \
    kcn delete statefulset,deployment,pvc,volumesnapshot --all --wait=true --timeout=60s
  check "namespace is deleted" kc delete namespace "$selftest_ns" --wait=true --timeout=90s
  check "released volume $pv is deleted" kc wait --for=delete "pv/$pv" --timeout=60s
  check "its directory is removed" test ! -e "$dir"
  rm -f "$state/selftest.out"
  log "selftest passed"
}

# up and down take a lock, so two callers never start or stop the same
# components at once.
lock() {
  mkdir -p "$root/.local"
  exec 9>"$root/.local/local-cluster.lock"
  flock 9
}

case "${1:-}" in
up) lock && cmd_up ;;
down) lock && cmd_down ;;
status) cmd_status ;;
kubeconfig) cmd_kubeconfig ;;
selftest) cmd_selftest ;;
*)
  echo "usage: $0 up|down|status|kubeconfig|selftest" >&2
  exit 2
  ;;
esac
