#!/usr/bin/env bash
# Boot unit: runs this node's PostgreSQL in the foreground (systemd Type=simple, Restart=always),
# and never as a second primary. Only the very first boot after installation starts the data
# directory as it was set up (the installer leaves WATCHDOG_PG_FIRST_BOOT_MARK; this consumes it):
# set it up as a standby of the virtual IP on every node, so that only the promote hook, run on
# the board's grant, ever makes a primary.
# Every later start (a reboot after a fence, a power loss, a restart after the demote hook
# stopped the server) waits for the current primary at the virtual IP, rejoins it as a standby
# (rejoin.sh: pg_rewind, else a fresh clone) and only then starts the server.
#
# Why in the foreground: the server is then this unit's own process (exec), so whatever ends the
# unit (power loss, a reset, a hang's SIGSTOP) reaches the postmaster and its children too.
#
#   WATCHDOG_PG_FIRST_BOOT_MARK     a file: present = start as set up, once (default: none, always rejoin)
#   WATCHDOG_PG_PRIMARY_WAIT        seconds to wait for a primary before giving up (default 120)
#   WATCHDOG_PG_SYNC_STANDBY_NAMES  when set, written to the primary's synchronous_standby_names
#                                   once this node streams as a standby: re-arms synchronous
#                                   replication that promote.sh (WATCHDOG_PG_PROMOTED_MODE=async)
#                                   cleared
#   WATCHDOG_PG_CTL_OPTIONS         more server options (e.g. "-c cluster_name=db1")
#   and rejoin.sh's: WATCHDOG_PG_PRIMARY_HOST (default the address of WATCHDOG_VIP),
#   WATCHDOG_PG_PRIMARY_PORT, WATCHDOG_PG_NAME
set -euo pipefail
here="$(dirname "$(readlink -f "$0")")"
source "$here/pg-env.sh"

vip="${WATCHDOG_VIP:-}"
primary_host="${WATCHDOG_PG_PRIMARY_HOST:-${vip%%/*}}"
primary_port="${WATCHDOG_PG_PRIMARY_PORT:-$PGPORT}"
wait_s="${WATCHDOG_PG_PRIMARY_WAIT:-120}"
[[ "$wait_s" =~ ^[0-9]{1,5}$ ]] || die "WATCHDOG_PG_PRIMARY_WAIT='$wait_s' is not a number of seconds"
names="${WATCHDOG_PG_SYNC_STANDBY_NAMES:-}"
[[ "$names" != *"'"* ]] || die "WATCHDOG_PG_SYNC_STANDBY_NAMES must not hold a single quote"

# A power loss or SIGKILL leaves postmaster.pid behind, naming a pid that is gone or (pids wrap)
# now belongs to some other process; the server would refuse to start beside a live pid. At boot
# nothing of this server runs, so a pid that is not a postgres of this network namespace is stale.
pidfile="$PGDATA/postmaster.pid"
if [ -f "$pidfile" ]; then
  pid="$(head -n 1 "$pidfile")"
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ ! -e "/proc/$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ] \
     || [ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]; then
    log "removing the stale $pidfile (pid $pid is not a running server here)"
    rm -f "$pidfile"
  fi
fi

source_server="host=$primary_host port=$primary_port user=$PGUSER dbname=postgres connect_timeout=2"
mark="${WATCHDOG_PG_FIRST_BOOT_MARK:-}"
if [ -n "$mark" ] && [ -e "$mark" ]; then
  rm -f "$mark"
  log "first boot: starting $PGDATA as it was set up"
else
  [ -n "$primary_host" ] || die "set WATCHDOG_PG_PRIMARY_HOST (or WATCHDOG_VIP) to where the current primary answers"
  log "waiting for a primary at $primary_host:$primary_port to rejoin (at most $wait_s s)"
  started=$(date +%s)
  until [ "$(as_pg "$PGBIN/psql" -X -q -At -d "$source_server" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do
    [ $(( $(date +%s) - started )) -lt "$wait_s" ] || die "no primary answered at $primary_host:$primary_port within $wait_s s"
    sleep 0.5
  done
  WATCHDOG_PG_REJOIN_START=no WATCHDOG_PG_PRIMARY_HOST="$primary_host" WATCHDOG_PG_PRIMARY_PORT="$primary_port" "$here/rejoin.sh"
fi

# In the background, because this shell becomes the server below: once this node streams as a
# standby (a rejoin, or a first boot as a standby while another node was promoted), the primary
# may wait for it again. A node that is itself promoted never streams: the loop ends. Dies with
# the unit.
if [ -n "$names" ] && [ -f "$PGDATA/standby.signal" ]; then
  (
    for _ in $(seq 1 $(( wait_s * 2 ))); do
      sleep 0.5
      state="$(query "SELECT CASE WHEN pg_is_in_recovery() THEN coalesce((SELECT status FROM pg_stat_wal_receiver), 'none') ELSE 'primary' END" 2>/dev/null || true)"
      [ "$state" != primary ] || exit 0
      if [ "$state" = streaming ]; then
        as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$source_server" \
          -c "ALTER SYSTEM SET synchronous_standby_names = '$names'" -c "SELECT pg_reload_conf()" >/dev/null \
          && log "streaming; synchronous_standby_names = '$names' on $primary_host again" \
          || log "streaming, but could not set synchronous_standby_names on $primary_host"
        exit 0
      fi
    done
    log "not streaming after $(( wait_s )) s: synchronous_standby_names on $primary_host left as it is"
  ) &
fi

# setpriv execs (runuser would stay behind as the parent): the unit's process is the postmaster.
# shellcheck disable=SC2086 # WATCHDOG_PG_CTL_OPTIONS is a list of options
exec setpriv --reuid="$WATCHDOG_PG_OS_USER" --regid="$WATCHDOG_PG_OS_USER" --init-groups \
  "$PGBIN/postgres" -D "$PGDATA" -p "$PGPORT" -k "$PGHOST" ${WATCHDOG_PG_CTL_OPTIONS:-}
