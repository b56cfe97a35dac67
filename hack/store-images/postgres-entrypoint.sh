#!/bin/sh
# The part of the official image's entrypoint the operator and compose rely
# on: on an empty PGDATA, initdb with POSTGRES_USER as the superuser and
# POSTGRES_PASSWORD (scram-sha-256 over TCP, trust on the local socket),
# create POSTGRES_DB through a socket-only server, then run the server as
# PID 1 listening on every address. It runs as whatever user the pod says;
# a user that cannot own PGDATA fails here, as it does with the official
# image.
set -eu
if [ "${1:-postgres}" != postgres ]; then
	exec "$@"
fi
shift $(( $# > 0 ? 1 : 0 ))
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
: "${PGDATA:?set PGDATA}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA"
	pwfile=$(mktemp)
	printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
	initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
	rm -f "$pwfile"
	printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
	pg_ctl --pgdata="$PGDATA" --wait --silent -o "-c listen_addresses=''" start
	if [ "$db" != postgres ]; then
		psql --no-psqlrc --quiet --username="$user" --dbname=postgres \
			--set=ON_ERROR_STOP=1 --set=db="$db" <<-'SQL'
			CREATE DATABASE :"db";
		SQL
	fi
	pg_ctl --pgdata="$PGDATA" --wait --silent --mode=fast stop
	echo "postgres-entrypoint: initialised $PGDATA for $user/$db"
fi
exec postgres -c listen_addresses='*' "$@"
