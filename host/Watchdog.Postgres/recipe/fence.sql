-- The watchdog epoch as a fencing token the database itself checks.
--
-- The agent that becomes active passes its epoch (WATCHDOG_EPOCH) to the promote hook, which
-- calls watchdog.raise_fence(epoch) on the new primary. Every protected table refuses a write
-- whose session did not say, with SET watchdog.epoch = N, that it works for epoch N >= the fence:
-- a client (or a node) still acting for an older epoch is refused by the database, not by luck.
--
-- Idempotent: run it again after an upgrade. Install it on the primary; standbys get it by
-- replication. EpochFence (C#) runs this same file, embedded as a resource.

CREATE SCHEMA IF NOT EXISTS watchdog;

-- One row: the highest epoch any promotion announced to this database.
CREATE TABLE IF NOT EXISTS watchdog.fence (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    epoch bigint NOT NULL CHECK (epoch >= 0)
);
INSERT INTO watchdog.fence (only_row, epoch) VALUES (true, 0) ON CONFLICT (only_row) DO NOTHING;

-- Raises the fence to new_epoch; never lowers it (a late or replayed promote hook of an older
-- epoch must not reopen the door). Returns the fence after the call.
-- Its commit waits only for the local disk: right after a failover in synchronous mode no
-- standby is connected yet, and the fence must go up before any client arrives, not after.
CREATE OR REPLACE FUNCTION watchdog.raise_fence(new_epoch bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    fenced_at bigint;
BEGIN
    IF new_epoch IS NULL OR new_epoch < 0 THEN
        RAISE EXCEPTION 'watchdog.raise_fence: epoch must be a number >= 0, got %', coalesce(new_epoch::text, 'NULL');
    END IF;
    PERFORM set_config('synchronous_commit', 'local', true); -- true: for this transaction only
    UPDATE watchdog.fence SET epoch = greatest(epoch, new_epoch) RETURNING epoch INTO fenced_at;
    RETURN fenced_at;
END
$$;

-- The trigger function: refuses the statement unless the session's watchdog.epoch is set and is
-- not lower than the fence. SQLSTATE WDF01 = no epoch, WDF02 = stale epoch, WDF03 = not a number,
-- so clients can tell a fence refusal from any other error.
CREATE OR REPLACE FUNCTION watchdog.check_epoch() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- missing_ok: NULL when never set; '' after RESET in the same session.
    said text := current_setting('watchdog.epoch', true);
    session_epoch bigint;
    fence_epoch bigint;
BEGIN
    SELECT epoch INTO fence_epoch FROM watchdog.fence;
    IF said IS NULL OR said = '' THEN
        RAISE EXCEPTION 'watchdog fence: % on %.% refused: the session set no watchdog.epoch; the fence is at epoch %',
            TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, fence_epoch
            USING ERRCODE = 'WDF01', HINT = 'SET watchdog.epoch = <the epoch of the active node> before writing';
    END IF;
    IF said !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'watchdog fence: % on %.% refused: watchdog.epoch = ''%'' is not a whole number; the fence is at epoch %',
            TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, said, fence_epoch
            USING ERRCODE = 'WDF03';
    END IF;
    session_epoch := said::bigint;
    IF session_epoch < fence_epoch THEN
        RAISE EXCEPTION 'watchdog fence: % on %.% refused: the session''s epoch % is older than the fence at epoch %',
            TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME, session_epoch, fence_epoch
            USING ERRCODE = 'WDF02';
    END IF;
    RETURN NULL; -- a statement-level trigger: the value is ignored
END
$$;

-- Puts the check on a table: once per statement (cheap), for every kind of write.
CREATE OR REPLACE FUNCTION watchdog.protect(target regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE TRIGGER watchdog_epoch_fence BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
        'FOR EACH STATEMENT EXECUTE FUNCTION watchdog.check_epoch()', target);
END
$$;
