#!/usr/bin/env bash
# Promote hook: makes this node's PostgreSQL the primary, then raises the epoch fence to this
# grant's epoch (WATCHDOG_EPOCH, set by the agent), so writers still presenting an older epoch
# are refused from now on. The agent adds the virtual IP only after this succeeds: clients
# reach the new primary only once it takes writes and the fence is up.
#
# Also run on active -> active at a higher epoch: then there is nothing to promote, and only the
# fence moves. Fails (non-zero, reason on stderr) when PostgreSQL is not running, the promotion
# does not finish, fence.sql is not installed, or the database already knows a newer epoch.
#
#   WATCHDOG_PG_PROMOTED_MODE  keep (default): keep synchronous_standby_names; in synchronous
#                              mode commits then wait until a listed standby connects (rejoin.sh).
#                              async: clear it when this run promotes a standby, so writes flow at
#                              once with no standby to wait for (an already primary node keeps it).
#   WATCHDOG_PG_PROMOTE_TIMEOUT seconds pg_ctl promote waits (default 60)
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/pg-env.sh"

epoch="${WATCHDOG_EPOCH:-}"
[[ "$epoch" =~ ^[0-9]{1,18}$ ]] || die "WATCHDOG_EPOCH='$epoch' is not an epoch: run this as the agent's promote hook, which sets it"
mode="${WATCHDOG_PG_PROMOTED_MODE:-keep}"
[[ "$mode" = keep || "$mode" = async ]] || die "WATCHDOG_PG_PROMOTED_MODE='$mode': use keep or async"

running || die "PostgreSQL is not running in $PGDATA: nothing to promote (bring it up as a standby with rejoin.sh first)"

promoted=no
if [ "$(query 'SELECT pg_is_in_recovery()')" = t ]; then
  log "promoting $PGDATA for epoch $epoch"
  as_pg "$PGBIN/pg_ctl" promote -w -t "${WATCHDOG_PG_PROMOTE_TIMEOUT:-60}" -D "$PGDATA" >&2
  [ "$(query 'SELECT pg_is_in_recovery()')" = f ] || die "pg_ctl promote returned but $PGDATA is still in recovery"
  promoted=yes
  # A timeline number is unique only where every promotion sees every history file (a shared WAL
  # archive): two standbys promoted one after the other, the second never having streamed from
  # the first, both make timeline N+1. rejoin.sh reads this to tell such twins apart.
  tli=$(( 16#$(query "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)") ))
  history="$PGDATA/pg_wal/$(printf '%08X' "$tli").history"
  fork="$(awk -v parent=$(( tli - 1 )) '$1 == parent { print $2 }' "$history" 2>/dev/null || true)"
  # Not fatal: the promotion has happened, and handing the grant back would only promote another.
  if { echo "$tli ${fork:-unknown}" > "$promoted_mark"; } 2>/dev/null; then
    log "promoted to timeline $tli (forked at ${fork:-an unknown point}), noted in $promoted_mark"
  else
    log "WARNING: promoted to timeline $tli but could not write $promoted_mark (the data directory's parent must be writable by this hook's user): a later rejoin.sh cannot tell this timeline from another promotion's of the same number"
  fi
else
  log "already the primary; moving the fence to epoch $epoch"
fi

# Only a standby just promoted has lost its standby (the old primary): a node that already was
# the primary (the first grant, a new epoch for the same active) keeps its synchronous standby.
if [ "$mode" = async ] && [ "$promoted" = yes ]; then
  query "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
  query "SELECT pg_reload_conf()" >/dev/null
  log "synchronous_standby_names cleared (WATCHDOG_PG_PROMOTED_MODE=async)"
fi

fence="$(query "SELECT watchdog.raise_fence($epoch)")" \
  || die "could not raise the fence: is fence.sql installed on the primary? (psql -f fence.sql)"
if [ "$fence" != "$epoch" ]; then
  die "the database's fence is at epoch $fence, above this grant's epoch $epoch: a newer promotion reached it; refusing"
fi
log "primary at epoch $epoch (fence raised)"
