-- SPDX-License-Identifier: AGPL-3.0-or-later
-- voxdial schema v1. Every row carries account_id; every query filters on it.
-- Times are INTEGER unix milliseconds (UTC) unless a column says otherwise.

CREATE TABLE accounts (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,            -- argon2id string (libsodium crypto_pwhash_str)
  role          TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin','user')),
  created_ms    INTEGER NOT NULL
);

-- API tokens and login sessions. Only a BLAKE2b-256 hash of the secret is kept.
CREATE TABLE api_tokens (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('api','session')),
  name        TEXT NOT NULL DEFAULT '',
  token_hash  BLOB NOT NULL UNIQUE,
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER                      -- NULL: never (API tokens)
);
CREATE INDEX api_tokens_account ON api_tokens(account_id, kind);

-- Configuration objects of every kind (trunk, dial_plan, callerid_group,
-- recall_rule_set, route, script, audio, task, template). `body` is the
-- validated JSON document the API accepted (secrets included, stripped on
-- output); `status` is used by tasks; `name` is what `q` searches.
CREATE TABLE resources (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT,
  body        TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  first_call_ms INTEGER,                   -- tasks: the call period searched by from/to
  last_call_ms  INTEGER
);
CREATE INDEX resources_list ON resources(account_id, kind, id);

-- Which resource uses which: a dial plan its trunk, a task its script... A
-- referenced row cannot be deleted (409 names the user). Both ends share one
-- account (checked by the store when the reference is written).
CREATE TABLE resource_refs (
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  from_id     INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  to_id       INTEGER NOT NULL REFERENCES resources(id) ON DELETE RESTRICT,
  field       TEXT NOT NULL,
  PRIMARY KEY (from_id, to_id, field)
) WITHOUT ROWID;
CREATE INDEX resource_refs_to ON resource_refs(to_id);

-- The clients of a task, one row per imported line. `state`: pending,
-- in_progress, finished; `outcome` the final one. Recall bookkeeping per
-- DESIGN.md: `owed` the rule the next recall is for, done_* per condition.
-- An imported number appears once per task, but no index enforces it: the
-- clients import (store_sqlite_import.c) is the only writer that
-- deduplicates (vd_store_client_add, a test or template call, does not). It
-- holds the write transaction from start to commit, loads the task's
-- numbers (SELECT phone_e164 ... WHERE task_id = ?, via clients_due) into
-- an in-memory set of E.164 digits packed into integers, and skips a row
-- whose number is in the set. A unique index receiving phone numbers in
-- file order (random order for the index) made the import 2-3x slower
-- (docs/internals/import.md). Any other bulk writer must dedupe the same way.
CREATE TABLE clients (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  task_id         INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  line            INTEGER NOT NULL,          -- line in the imported file (file order)
  client_id       TEXT,
  phone_e164      TEXT NOT NULL,
  phone_raw       TEXT NOT NULL,
  timezone        TEXT,
  variables       TEXT NOT NULL DEFAULT '{}', -- JSON object of the extra columns
  state           TEXT NOT NULL DEFAULT 'pending',
  outcome         TEXT,
  next_attempt_ms INTEGER,                   -- NULL: not scheduled
  attempts        INTEGER NOT NULL DEFAULT 0,
  owed            TEXT,
  done_busy       INTEGER NOT NULL DEFAULT 0,
  done_no_answer  INTEGER NOT NULL DEFAULT 0,
  done_machine    INTEGER NOT NULL DEFAULT 0,
  done_short      INTEGER NOT NULL DEFAULT 0,
  done_failure    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX clients_due ON clients(task_id, state, next_attempt_ms);

-- One row per call attempt, written before the INVITE leaves.
CREATE TABLE calls (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  task_id         INTEGER REFERENCES resources(id) ON DELETE CASCADE,
  template_id     INTEGER REFERENCES resources(id) ON DELETE CASCADE,
  client_row_id   INTEGER REFERENCES clients(id) ON DELETE CASCADE,
  client_id       TEXT,
  phone           TEXT NOT NULL,
  caller_id       TEXT,
  attempt         INTEGER NOT NULL DEFAULT 1,
  recall_for      TEXT,
  outcome         TEXT,                      -- NULL while in flight
  result          TEXT,
  sip_code        INTEGER,
  planned_ms      INTEGER,
  started_ms      INTEGER,
  answered_ms     INTEGER,
  ended_ms        INTEGER,
  duration_s      INTEGER,
  cost_minor      INTEGER,                   -- money in minor units (kopecks, cents)
  currency        TEXT,
  amd             TEXT,
  amd_ms          INTEGER,
  amd_cause       TEXT,
  gender          TEXT,
  transferred_to  TEXT,
  variables       TEXT NOT NULL DEFAULT '{}',
  recording       TEXT                       -- path under --data, NULL if none
);
-- The call list of a task pages newest first with an optional outcome or
-- client_id filter: each index leads with (task_id, account_id), the
-- equalities of every list query, and ends with the implicit rowid = id, so
-- a page (even a deep one) is read off the index in order without touching
-- skipped rows. Without account_id in them the planner preferred
-- calls_account and walked the whole account (bench/api).
CREATE INDEX calls_task ON calls(task_id, account_id);
CREATE INDEX calls_task_client ON calls(task_id, account_id, client_id);
CREATE INDEX calls_task_outcome ON calls(task_id, account_id, outcome);
CREATE INDEX calls_account ON calls(account_id, id);
-- Task stats: short completed calls (ineffective) and transfers are counted
-- from small partial indexes instead of walking every call of the task.
CREATE INDEX calls_task_completed ON calls(task_id, duration_s) WHERE outcome = 'completed';
CREATE INDEX calls_task_transferred ON calls(task_id) WHERE transferred_to IS NOT NULL;

-- Running call counts per task and outcome ('*' = all attempts), kept by
-- triggers so stats and list totals never scan the calls table and can never
-- drift from it.
CREATE TABLE call_counts (
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  task_id     INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  outcome     TEXT NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (task_id, outcome)
) WITHOUT ROWID;

CREATE TRIGGER calls_count_insert AFTER INSERT ON calls WHEN NEW.task_id IS NOT NULL
BEGIN
  INSERT INTO call_counts(account_id, task_id, outcome, n) VALUES (NEW.account_id, NEW.task_id, '*', 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
  INSERT INTO call_counts(account_id, task_id, outcome, n) SELECT NEW.account_id, NEW.task_id, NEW.outcome, 1
    WHERE NEW.outcome IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER calls_count_update AFTER UPDATE OF outcome ON calls
  WHEN NEW.task_id IS NOT NULL AND NEW.outcome IS NOT OLD.outcome
BEGIN
  UPDATE call_counts SET n = n - 1 WHERE task_id = OLD.task_id AND outcome = OLD.outcome;
  INSERT INTO call_counts(account_id, task_id, outcome, n) SELECT NEW.account_id, NEW.task_id, NEW.outcome, 1
    WHERE NEW.outcome IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER calls_count_delete AFTER DELETE ON calls WHEN OLD.task_id IS NOT NULL
BEGIN
  UPDATE call_counts SET n = n - 1 WHERE task_id = OLD.task_id AND outcome IN ('*', OLD.outcome);
END;
