#!/usr/bin/env bash
# Throw-away PostgreSQL and Redis servers for the stack tests.
#
#   hack/test-services.sh start   install what is missing (Debian packages
#                                 postgresql, redis-server), start both on random
#                                 free ports on 127.0.0.1 and write
#                                 .local/test-services.env
#   hack/test-services.sh stop    stop both and delete their data
#   hack/test-services.sh env     print the export lines (eval "$(... env)")
#
# Both commands are idempotent: start leaves running servers alone, stop does
# nothing when nothing runs. The servers keep their data in a temp directory and
# trust every local connection: they are for tests only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
local_dir=$root/.local
env_file=$local_dir/test-services.env
state_file=$local_dir/test-services.state

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# pg_bin prints the bin directory of the newest installed PostgreSQL server.
pg_bin() {
	local initdb
	initdb=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)
	[[ -n $initdb ]] && dirname "$initdb"
}

ensure_packages() {
	local missing=()
	pg_bin >/dev/null || missing+=(postgresql)
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
	((${#missing[@]} == 0)) && return
	[[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	pg_bin >/dev/null || die "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb was found"
}

# as_postgres runs a server binary as the postgres user when we are root:
# initdb and postgres refuse to run as root.
as_postgres() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		# A refused connection means nothing listens there.
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "found no free port"
}

running() {
	[[ -f $state_file ]] || return 1
	# shellcheck disable=SC1090
	source "$state_file"
	as_postgres "$PG_BIN/pg_ctl" -D "$WORK_DIR/pg/data" status >/dev/null 2>&1 &&
		[[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

write_env() {
	mkdir -p "$local_dir"
	cat >"$env_file" <<EOF
export CHARSIM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable
export CHARSIM_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
EOF
}

start() {
	if running; then
		write_env
		log "already running (postgres :$PG_PORT, redis :$REDIS_PORT)"
		return
	fi
	stop # leftovers of a crashed run
	ensure_packages
	mkdir -p "$local_dir"

	PG_BIN=$(pg_bin)
	WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/charsim-test-services.XXXXXX")
	PG_PORT=$(free_port)
	REDIS_PORT=$(free_port)
	cat >"$state_file" <<EOF
PG_BIN=$PG_BIN
WORK_DIR=$WORK_DIR
PG_PORT=$PG_PORT
REDIS_PORT=$REDIS_PORT
EOF
	# The postgres user must reach its directory inside ours.
	chmod 711 "$WORK_DIR"
	mkdir -p "$WORK_DIR/pg" "$WORK_DIR/redis"
	[[ $(id -u) == 0 ]] && chown postgres: "$WORK_DIR/pg"

	log "starting postgres on 127.0.0.1:$PG_PORT ($PG_BIN)"
	as_postgres "$PG_BIN/initdb" -D "$WORK_DIR/pg/data" --auth=trust --username=postgres \
		--encoding=UTF8 --locale=C --no-sync >"$WORK_DIR/pg/initdb.log" 2>&1 ||
		die "initdb failed: $(cat "$WORK_DIR/pg/initdb.log")"
	as_postgres "$PG_BIN/pg_ctl" -D "$WORK_DIR/pg/data" -l "$WORK_DIR/pg/server.log" -w -t 60 \
		-o "-p $PG_PORT -k $WORK_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
		start >/dev/null || die "postgres did not start: $(cat "$WORK_DIR/pg/server.log")"

	log "starting redis on 127.0.0.1:$REDIS_PORT"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$WORK_DIR/redis" \
		--pidfile "$WORK_DIR/redis/redis.pid" --logfile "$WORK_DIR/redis/redis.log" \
		--save '' --appendonly no >/dev/null
	for _ in $(seq 100); do
		[[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && break
		sleep 0.1
	done
	[[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] ||
		die "redis did not start: $(cat "$WORK_DIR/redis/redis.log")"

	write_env
	log "ready; source $env_file"
}

stop() {
	[[ -f $state_file ]] || { rm -f "$env_file"; return 0; }
	# shellcheck disable=SC1090
	source "$state_file"
	if [[ -d $WORK_DIR/pg/data ]]; then
		as_postgres "$PG_BIN/pg_ctl" -D "$WORK_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [[ -f $WORK_DIR/redis/redis.pid ]]; then
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 ||
			kill "$(cat "$WORK_DIR/redis/redis.pid")" 2>/dev/null || true
	fi
	[[ $WORK_DIR == */charsim-test-services.* ]] && rm -rf "$WORK_DIR"
	rm -f "$state_file" "$env_file"
	log "stopped"
}

case ${1:-} in
start) start ;;
stop) stop ;;
env)
	[[ -f $env_file ]] || die "not running; run $0 start"
	cat "$env_file"
	;;
*) die "usage: $0 start|stop|env" ;;
esac
