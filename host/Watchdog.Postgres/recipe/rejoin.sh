#!/usr/bin/env bash
# Brings this node's PostgreSQL, a former primary, back as a standby of the current primary:
# run it once the board has unfenced the node (at boot, before the agent, or by hand). Not an
# agent hook: the agent runs none when a node becomes standby.
#
# pg_rewind first: it takes back the writes the new primary never saw (the old primary's
# divergent tail) and copies only what changed; it runs crash recovery itself when the server
# was killed. When rewind cannot (history too far apart, WAL gone, a damaged data directory),
# the data directory is moved aside to $PGDATA.before-clone and cloned afresh with pg_basebackup.
# Then standby.signal and primary_conninfo, start, and wait until it streams.
#
#   WATCHDOG_PG_PRIMARY_HOST  the current primary (default: the address of WATCHDOG_VIP)
#   WATCHDOG_PG_PRIMARY_PORT  its port (default PGPORT)
#   WATCHDOG_PG_NAME          this standby's application_name, as synchronous_standby_names
#                             lists it (default WATCHDOG_NODE, else the host name)
#   WATCHDOG_PG_LOG           the server log pg_ctl start writes (default $PGDATA.log)
#   WATCHDOG_PG_CTL_OPTIONS   passed to the server as pg_ctl start -o (e.g. "-c config_file=...")
#   WATCHDOG_PG_REJOIN_START  yes (default): start the standby and wait until it streams; no: stop
#                             once the data directory is ready, for a caller that runs the server
#                             itself in the foreground (boot.sh)
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/pg-env.sh"

vip="${WATCHDOG_VIP:-}"
primary_host="${WATCHDOG_PG_PRIMARY_HOST:-${vip%%/*}}"
[ -n "$primary_host" ] || die "set WATCHDOG_PG_PRIMARY_HOST (or WATCHDOG_VIP) to the current primary's address"
primary_port="${WATCHDOG_PG_PRIMARY_PORT:-$PGPORT}"
[[ "$primary_port" =~ ^[0-9]{1,5}$ ]] || die "WATCHDOG_PG_PRIMARY_PORT='$primary_port' is not a port number"
name="${WATCHDOG_PG_NAME:-${WATCHDOG_NODE:-$(hostname -s)}}"
[[ "$name" =~ ^[A-Za-z0-9_.-]{1,63}$ ]] || die "standby name '$name' is not a usable application_name (1-63 letters, digits, _ . -)"
server_log="${WATCHDOG_PG_LOG:-${PGDATA%/}.log}"
source_server="host=$primary_host port=$primary_port user=$PGUSER dbname=postgres connect_timeout=10"

if running; then
  if [ "$(query 'SELECT pg_is_in_recovery()')" = t ]; then
    log "$PGDATA already runs as a standby; stopping it to rejoin $primary_host:$primary_port"
  else
    log "$PGDATA runs as a PRIMARY; stopping it at once (immediate) before it rejoins as a standby"
  fi
  as_pg "$PGBIN/pg_ctl" stop -m immediate -w -t 60 -D "$PGDATA" >&2
fi

# A just-promoted primary writes its new timeline into pg_control only at its end-of-recovery
# checkpoint, which runs in the background; pg_rewind reads pg_control, and before that
# checkpoint it sees "same timeline" and rewinds nothing. A CHECKPOINT there settles it.
as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$source_server" -c CHECKPOINT \
  || die "cannot reach the primary at $primary_host:$primary_port to checkpoint it (a superuser connection is needed)"

# pg_rewind knows timelines by number only. Without a shared WAL archive a standby promoted after
# this node, that never streamed from it, makes a timeline of the same number as the one this
# node's promotion made (two servers once each wrote a different "timeline 2" here): pg_rewind
# then says "no rewind required", keeps this node's own writes, and the standby cannot follow.
# So a node that was promoted (promote.sh noted the timeline it made and where it forked) is
# rewound only when the primary's history holds that very timeline, forked at the same point,
# and has moved past it; otherwise it is cloned.
twin=""
if [ -f "$promoted_mark" ]; then
  read -r our_tli our_fork < "$promoted_mark" || true
  their_tli="$(as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$source_server" -c 'SELECT timeline_id FROM pg_control_checkpoint()')" \
    || die "cannot read the primary's timeline at $primary_host:$primary_port"
  if ! [[ "${our_tli:-}" =~ ^[0-9]+$ ]]; then
    twin="$promoted_mark does not name a timeline"
  elif [ "$their_tli" -le "$our_tli" ]; then
    twin="this node made timeline $our_tli when it was promoted and the primary runs timeline $their_tli: not a successor of this node's history"
  else
    their_fork="$(as_pg "$PGBIN/psql" -X -q -At -d "$source_server" \
      -c "SELECT pg_read_file('pg_wal/' || lpad(upper(to_hex($their_tli)), 8, '0') || '.history')" 2>/dev/null \
      | awk -v parent=$(( our_tli - 1 )) '$1 == parent { print $2 }')"
    [ "$their_fork" = "$our_fork" ] \
      || twin="this node's timeline $our_tli forked at $our_fork, the primary's timeline $our_tli at ${their_fork:-an unknown point}: another promotion's timeline of the same number"
  fi
fi

started=$(date +%s%N)
if [ -z "$twin" ] && as_pg "$PGBIN/pg_rewind" --target-pgdata="$PGDATA" --source-server="$source_server" >&2; then
  how=rewound
else
  if [ -n "$twin" ]; then
    log "not rewinding: $twin; moving $PGDATA aside to $PGDATA.before-clone and cloning afresh"
  else
    log "pg_rewind failed (see above); moving $PGDATA aside to $PGDATA.before-clone and cloning afresh"
  fi
  rm -rf "${PGDATA%/}.before-clone"
  if [ -e "$PGDATA" ]; then mv "$PGDATA" "${PGDATA%/}.before-clone"; fi
  if [ "$(id -u)" -eq 0 ]; then
    install -d -m 0700 -o "$WATCHDOG_PG_OS_USER" -g "$WATCHDOG_PG_OS_USER" "$PGDATA"
  else
    mkdir -m 0700 "$PGDATA"
  fi
  # Its own application_name: under the standby's, the backup's WAL stream could be taken for
  # the synchronous standby.
  as_pg "$PGBIN/pg_basebackup" -D "$PGDATA" -d "$source_server application_name=$name-basebackup" \
    --wal-method=stream --checkpoint=fast --no-password >&2
  how=cloned
fi

# After pg_rewind, postgresql.auto.conf is the primary's own copy, whose primary_conninfo (from
# when it was a standby) may point at this very node: drop every primary_conninfo, then add ours.
# tcp_user_timeout: the walreceiver connects without blocking, where libpq ignores connect_timeout,
# and a SYN to an address nobody holds yet would be retried for about a minute.
auto_conf="$PGDATA/postgresql.auto.conf"
as_pg sed -i '/^[[:space:]]*primary_conninfo[[:space:]]*=/d' "$auto_conf"
echo "primary_conninfo = 'host=$primary_host port=$primary_port user=$PGUSER application_name=$name connect_timeout=5 tcp_user_timeout=5000'" \
  | as_pg tee -a "$auto_conf" >/dev/null
as_pg touch "$PGDATA/standby.signal"
# This directory now follows the primary's history: what it once made as a primary is gone.
rm -f "$promoted_mark"
took_ms=$(( ($(date +%s%N) - started) / 1000000 ))
if [ "${WATCHDOG_PG_REJOIN_START:-yes}" = no ]; then
  log "$how from $primary_host:$primary_port in $took_ms ms; ready to start as standby '$name'"
  exit 0
fi
log "$how from $primary_host:$primary_port in $took_ms ms; starting as standby '$name'"

as_pg "$PGBIN/pg_ctl" start -w -t 300 -D "$PGDATA" -l "$server_log" ${WATCHDOG_PG_CTL_OPTIONS:+-o "$WATCHDOG_PG_CTL_OPTIONS"} >&2 \
  || die "the standby did not start; $server_log ends with: $(tail -n 5 "$server_log" 2>/dev/null)"

for _ in $(seq 1 120); do
  if [ "$(query "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')")" = streaming ]; then
    log "standby '$name' streams from $primary_host:$primary_port ($how)"
    exit 0
  fi
  sleep 0.5
done
die "started, but not streaming from $primary_host:$primary_port after 60 s; see $server_log"
