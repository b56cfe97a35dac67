#!/bin/sh
# With a command (the operator's "redis-server /etc/redis/redis.conf",
# compose's own "sh -c ..."), run it as PID 1. Without one, serve on 6379
# with the password from REDISCLI_AUTH, given on stdin so that it never
# appears on a command line.
set -eu
if [ "$#" -gt 0 ]; then
	exec "$@"
fi
: "${REDISCLI_AUTH:?set REDISCLI_AUTH to the Redis password}"
exec redis-server - <<CONF
port 6379
requirepass $REDISCLI_AUTH
dir /data
appendonly yes
CONF
