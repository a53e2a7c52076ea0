# Shared by promote.sh, demote.sh and rejoin.sh (sourced, not run): settings from the
# environment, checked once, and helpers that run PostgreSQL's programs as its OS user.
#
#   PGDATA                 the data directory (required)
#   PGBIN                  PostgreSQL's programs (default /usr/lib/postgresql/15/bin)
#   PGPORT                 the local server's port (default 5432)
#   PGHOST                 how psql reaches it: socket directory or address (default /var/run/postgresql)
#   PGUSER                 the database superuser (default postgres)
#   WATCHDOG_PG_OS_USER    the OS user PostgreSQL runs as (default postgres)

me="$(basename "$0")"

log() { echo "$me: $*" >&2; }
die() { log "$*"; exit 1; }

: "${PGDATA:?$me: set PGDATA to the data directory (e.g. /var/lib/postgresql/15/main)}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGPORT="${PGPORT:-5432}"
PGHOST="${PGHOST:-/var/run/postgresql}"
PGUSER="${PGUSER:-postgres}"
WATCHDOG_PG_OS_USER="${WATCHDOG_PG_OS_USER:-postgres}"
export PGPORT PGHOST PGUSER

[ -x "$PGBIN/pg_ctl" ] || die "no pg_ctl in PGBIN=$PGBIN: install postgresql-15 (Debian) or set PGBIN to the directory holding pg_ctl"
[[ "$PGPORT" =~ ^[0-9]{1,5}$ ]] || die "PGPORT='$PGPORT' is not a port number"

# Runs a command as the OS user PostgreSQL runs as (it refuses root); the agent runs hooks as root.
as_pg() {
  if [ "$(id -un)" = "$WATCHDOG_PG_OS_USER" ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u "$WATCHDOG_PG_OS_USER" -- "$@"
  else
    die "must run as root or as $WATCHDOG_PG_OS_USER (PostgreSQL's OS user), not as $(id -un)"
  fi
}

# One value from one query on the local server; fails loudly (ON_ERROR_STOP) with psql's error.
query() {
  as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"
}

# True while a postmaster runs for PGDATA (pg_ctl status: 0 running, 3 not running, 4 no data dir).
running() {
  as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

# Where promote.sh notes the timeline its promotion made and the point it forked at
# ("<timeline> <fork LSN>"), and rejoin.sh reads it back: next to the data directory, so that
# neither pg_rewind nor a clone replaces it with the new primary's copy.
promoted_mark="${PGDATA%/}.promoted"

