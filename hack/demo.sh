#!/usr/bin/env bash
# The whole operator on this machine, no cluster or Docker needed: a local
# control plane with kwok nodes (hack/local-cluster.sh), the CRDs and RBAC
# from the Helm chart, the manager as a local process running as the chart's
# ServiceAccount (so the demo also proves the chart's RBAC is enough), and the
# sample simulation from config/samples/, until it is Ready; then one real
# MCP server for the sample, with its web console and a seeded character.
#
#   hack/demo.sh up      build, start, apply the sample, wait for Ready (idempotent)
#   hack/demo.sh down    stop the manager and the local cluster
#
# make demo / make demo-down call these. Pods run on kwok nodes: they turn
# Running and Ready, but nothing runs in them, which is why the manager runs
# outside the cluster.
#
# Files: .local/demo/manager.log (the manager's log; the previous run's is
# manager.log.prev), manager.pid, manager.kubeconfig (a token of the chart's
# ServiceAccount), ports; console/ (the sample's MCP server's SQLite data),
# console.log, console.pid, console.port. Admin access: export KUBECONFIG=.local/kubeconfig
#
# Environment:
#   HELM     helm binary (default: the Makefile's pinned one, built when missing)
#   LDFLAGS  Go linker flags of the manager build (default: the Makefile's)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.local/demo"
kubeconfig="$root/.local/kubeconfig"
operator_ns=charsim-system
demo_ns=demo
release=charsim-operator
# The chart names its ServiceAccount after the release.
service_account=$release
sample=tavern
manager="$root/bin/manager"
tree="$root/bin/charsim-tree"
mcp_server="$root/bin/mcp-server"
seed="$root/bin/demo-seed"

started_us=${EPOCHREALTIME/./}
elapsed() {
  local ms=$(((${EPOCHREALTIME/./} - ${1:-$started_us}) / 1000))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}
log() { printf 'demo [%6s]: %s\n' "$(elapsed)" "$*" >&2; }
die() { echo "demo: error: $*" >&2; exit 1; }

kc() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }

build() {
  log "building what is missing: Kubernetes binaries (first time ~8 min), helm, manager, tree printer"
  kubectl="$("$root/hack/k8s-binaries.sh")/kubectl"
  HELM=${HELM:-$("$root/hack/make-var.sh" HELM)}
  [[ -x $HELM ]] || make --no-print-directory -C "$root" "$HELM" >&2
  LDFLAGS=${LDFLAGS-$("$root/hack/make-var.sh" LDFLAGS)}
  (cd "$root" && go build -trimpath -ldflags "$LDFLAGS" -o "$manager" . && go build -o "$tree" ./hack/tree &&
    go build -trimpath -ldflags "$LDFLAGS" -o "$mcp_server" ./cmd/mcp-server && go build -o "$seed" ./hack/demo-seed)
}

# --- the manager process ----------------------------------------------------------

pid_file="$state/manager.pid"
console_pid_file="$state/console.pid"

# running PID_FILE EXE: whether the process of PID_FILE still runs EXE.
running() {
  local pid exe
  [[ -f $1 ]] || return 1
  pid=$(cat "$1")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ $exe == "$2" || $exe == "$2 (deleted)" ]]
}

# stop NAME PID_FILE EXE: SIGTERM, then SIGKILL after 15 s.
stop() {
  local pid i
  running "$2" "$3" || { rm -f "$2"; return 0; }
  pid=$(cat "$2")
  log "stopping the $1 (pid $pid)"
  kill -TERM "$pid"
  for ((i = 0; i < 150; i++)); do
    running "$2" "$3" || { rm -f "$2"; return 0; }
    sleep 0.1
  done
  echo "demo: the $1 (pid $pid) ignored SIGTERM for 15s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$2"
}

manager_running() { running "$pid_file" "$manager"; }
stop_manager() { stop manager "$pid_file" "$manager"; }
stop_console() { stop "console's MCP server" "$console_pid_file" "$mcp_server"; }

# free_port prints a local TCP port nobody listens on, below the ephemeral
# range.
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

# write_manager_kubeconfig writes a kubeconfig that authenticates as the
# chart's ServiceAccount with a token from the TokenRequest API, on the admin
# kubeconfig's server and CA. The token lives as long as the cluster may.
write_manager_kubeconfig() {
  local server ca token tmp="$state/manager.kubeconfig.tmp"
  server=$(kc config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kc config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  token=$(kc create token "$service_account" -n "$operator_ns" --duration=8760h)
  (
    umask 077
    cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: charsim-local
  cluster:
    server: $server
    certificate-authority-data: $ca
users:
- name: $operator_ns-$service_account
  user:
    token: $token
contexts:
- name: $service_account
  context:
    cluster: charsim-local
    user: $operator_ns-$service_account
    namespace: $operator_ns
current-context: $service_account
EOF
  )
  mv "$tmp" "$state/manager.kubeconfig"
}

manager_ready() { curl --silent --fail --max-time 2 "http://127.0.0.1:$health_port/readyz" >/dev/null; }

start_manager() {
  stop_manager
  write_manager_kubeconfig
  health_port=$(free_port)
  taken_ports=$health_port
  metrics_port=$(free_port)
  echo "$health_port $metrics_port" >"$state/ports"
  [[ -f $state/manager.log ]] && mv "$state/manager.log" "$state/manager.log.prev"
  log "starting the manager as ServiceAccount $operator_ns/$service_account (log: ${state#"$root"/}/manager.log)"
  # setsid: the manager outlives this script and its terminal, like the
  # cluster's components.
  KUBECONFIG="$state/manager.kubeconfig" setsid "$manager" \
    --leader-elect --leader-election-namespace="$operator_ns" \
    --health-probe-bind-address="127.0.0.1:$health_port" \
    --metrics-bind-address="127.0.0.1:$metrics_port" \
    >"$state/manager.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  wait_ready "the manager" manager_ready manager_running "$state/manager.log"
}

# wait_ready WHAT READY RUNNING LOG waits up to 30 s for the command READY to
# succeed, and stops the demo with the end of LOG as soon as the command
# RUNNING says the process exited, or at the deadline.
wait_ready() {
  local what=$1 ready=$2 alive=$3 logfile=$4 deadline=$((SECONDS + 30))
  until "$ready"; do
    if ! "$alive"; then
      echo "demo: $what exited; end of $logfile:" >&2
      tail -n 30 "$logfile" >&2
      exit 1
    fi
    ((SECONDS < deadline)) || die "$what is not ready after 30s; see $logfile"
    sleep 0.2
  done
}

# --- the console ------------------------------------------------------------------

console_ready() { curl --silent --fail --max-time 2 "http://127.0.0.1:$console_port/readyz" >/dev/null; }
console_running() { running "$console_pid_file" "$mcp_server"; }

# start_console runs one real MCP server for the sample simulation, since
# the simulated pods run nothing: on local SQLite under .local/demo/console,
# with no token, so its console answers loopback clients only. demo-seed
# gives it Mira and a short branching story.
start_console() {
  stop_console
  console_port=$(free_port)
  echo "$console_port" >"$state/console.port"
  log "starting the sample's MCP server with its console on 127.0.0.1:$console_port (log: ${state#"$root"/}/console.log)"
  CHARACTER_DATA_DIR="$state/console" MCP_LISTEN_ADDR="127.0.0.1:$console_port" \
    setsid "$mcp_server" >>"$state/console.log" 2>&1 </dev/null &
  echo $! >"$console_pid_file"
  wait_ready "the console's MCP server" console_ready console_running "$state/console.log"
  "$seed" "http://127.0.0.1:$console_port/mcp" >&2
}

# --- install --------------------------------------------------------------------

# restricted_namespace NAME creates or updates a namespace that enforces Pod
# Security "restricted".
restricted_namespace() {
  kc apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
EOF
}

# only_kinds KIND... keeps the documents of a multi-document YAML stream
# (as helm template writes it) whose top-level kind is one of KIND.
only_kinds() {
  awk -v wanted=" $* " '
    function flush() { if (keep) printf "---\n%s", doc; doc = ""; keep = 0 }
    /^---/ { flush(); next }
    /^kind:/ { keep = index(wanted, " " $2 " ") > 0 }
    { doc = doc $0 "\n" }
    END { flush() }'
}

# install_chart applies the CRDs and the RBAC of the chart: the chart has no
# switch to leave out its Deployment, whose pod could not run the manager on
# a kwok node anyway.
install_chart() {
  log "installing the CRDs and RBAC from charts/charsim-operator into $operator_ns"
  restricted_namespace "$operator_ns"
  "$HELM" template "$release" "$root/charts/charsim-operator" --namespace "$operator_ns" --include-crds |
    only_kinds CustomResourceDefinition ServiceAccount ClusterRole ClusterRoleBinding Role RoleBinding |
    kc apply --server-side --force-conflicts -f - >/dev/null
  local crd deadline=$((SECONDS + 30))
  for crd in $(kc get crd -o name | grep '\.charsim\.mojin\.dev$'); do
    # Not kubectl wait --for=condition: it fails at once on a CRD created a
    # moment ago, whose status.conditions is still null.
    until [[ $(kc get "$crd" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}') == True ]]; do
      ((SECONDS < deadline)) || die "$crd is not Established after 30s"
      sleep 0.2
    done
  done
}

apply_sample() {
  log "applying config/samples/ to namespace $demo_ns, with a dummy Discord token"
  restricted_namespace "$demo_ns"
  # The token goes through stdin, never a command line.
  printf 'dummy-token-for-the-demo' |
    kc create secret generic discord -n "$demo_ns" --from-file=token=/dev/stdin --dry-run=client -o yaml |
    kc apply --server-side -f - >/dev/null
  kc apply --server-side -n "$demo_ns" -k "$root/config/samples" >/dev/null
}

show() {
  echo
  # By full name: "charsim" is also the category of every charsim kind.
  kc get charactersimulations.charsim.mojin.dev -n "$demo_ns" -o wide
  echo
  echo "Conditions of $demo_ns/$sample:"
  kc get "charactersimulation.charsim.mojin.dev/$sample" -n "$demo_ns" \
    -o jsonpath='{range .status.conditions[*]}{.type}{"\t"}{.status}{"\t"}{.reason}{"\t"}{.message}{"\n"}{end}' |
    awk -F '\t' 'BEGIN { printf "%-20s %-7s %-24s %s\n", "TYPE", "STATUS", "REASON", "MESSAGE" }
      { printf "%-20s %-7s %-24s %s\n", $1, $2, $3, $4 }'
  echo
  echo "Objects of $demo_ns/$sample:"
  KUBECONFIG=$kubeconfig "$tree" -n "$demo_ns" "$sample"
}

cmd_up() {
  mkdir -p "$state"
  build
  log "build done"
  local ready_from=${EPOCHREALTIME/./}
  "$root/hack/local-cluster.sh" up
  install_chart
  start_manager
  apply_sample
  log "waiting for $demo_ns/$sample to be Ready"
  if ! kc wait --for=condition=Ready "charactersimulation/$sample" -n "$demo_ns" --timeout=120s >/dev/null; then
    show >&2 || true
    echo "demo: $sample is not Ready after 120s; end of $state/manager.log:" >&2
    tail -n 30 "$state/manager.log" >&2
    exit 1
  fi
  start_console
  local to_ready
  to_ready=$(elapsed "$ready_from")
  show
  read -r health_port metrics_port <"$state/ports"
  cat <<EOF

$sample is Ready $to_ready after the build (cluster, chart, manager, sample, console).

  export KUBECONFIG=$kubeconfig   # kubectl as cluster admin, then e.g.
  kubectl get charactersimulations -A
  tail -f ${state#"$root"/}/manager.log       # the manager, pid $(cat "$pid_file")
  make demo-down                      # stop the manager and the cluster

The manager serves /readyz on http://127.0.0.1:$health_port and metrics on
https://127.0.0.1:$metrics_port/metrics (to a bearer token with the charsim-operator-metrics-reader ClusterRole).
The sample's MCP server (a real process, pid $(cat "$console_pid_file"), on SQLite) serves MCP at
http://127.0.0.1:$console_port/mcp; Mira, a lighthouse keeper, answers on the console's Play page.

Console: http://127.0.0.1:$console_port/console/   (make demo-down stops it)
EOF
}

cmd_down() {
  stop_console
  stop_manager
  "$root/hack/local-cluster.sh" down
  rm -rf "$state"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
*)
  echo "usage: $0 up|down" >&2
  exit 2
  ;;
esac
