#!/usr/bin/env bash
# Demote (and rollback) hook: this node stops taking writes at once.
#
# Why "-m immediate" and not "fast": the board has already made another node active, or is about
# to; every moment this server still commits is a write the new primary will never have. A fast
# shutdown first rolls back open transactions, waits for the WAL senders and writes a shutdown
# checkpoint: seconds on a busy server, during which commits already in flight still complete.
# Immediate ends every backend now, like power loss; nothing is lost that a fast stop would have
# kept for the new primary, and the next start (rejoin.sh) runs crash recovery anyway.
#
# Idempotent: a server that is not running is fine (the agent also runs this after a promote that
# failed half-way).
#
# The agent also runs this at its first grant after start when that grant is not active
# (WATCHDOG_PREVIOUS_ROLE=none): the node may still run a primary (its agent restarted while it was
# active, or someone started it as the primary by hand), and the board may promote another member
# next. A server already in recovery is a standby, which is what the board wants of this node: it
# keeps running. Only then is "in recovery" trusted; after an active role (a demotion, a rollback)
# the server is stopped whatever it says, since a promotion may still be completing.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/pg-env.sh"

if [ "${WATCHDOG_PREVIOUS_ROLE:-}" = none ] && running && [ "$(query 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = t ]; then
  log "$PGDATA is a standby (in recovery): kept running for ${WATCHDOG_ROLE:-standby} at epoch ${WATCHDOG_EPOCH:-?}"
elif running; then
  as_pg "$PGBIN/pg_ctl" stop -m immediate -w -t 60 -D "$PGDATA" >&2
  log "stopped $PGDATA (immediate) for ${WATCHDOG_ROLE:-standby} at epoch ${WATCHDOG_EPOCH:-?}"
else
  log "$PGDATA is not running: nothing to stop"
fi
