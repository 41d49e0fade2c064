-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Template calls (a CRM asks for one call through a template) and the
-- webhook outbox that reports their results.

-- One row per CRM request. The client it created lives in `clients` under
-- the template's id (a template is dialed like an always-running task).
-- The same idempotency key for the same template returns the same row.
CREATE TABLE template_calls (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  template_id      INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  idempotency_key  TEXT,
  client_row_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  callback_url     TEXT,
  created_ms       INTEGER NOT NULL,
  UNIQUE (template_id, idempotency_key)
);
CREATE INDEX template_calls_client ON template_calls(client_row_id);

-- Results waiting to be POSTed. Written in the same transaction that
-- finishes the client, so a result is never lost; delivered at least once,
-- retried with exponential backoff, across restarts.
CREATE TABLE webhook_outbox (
  id            INTEGER PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  template_id   INTEGER NOT NULL,             -- whose callback secret signs the body
  url           TEXT NOT NULL,
  body          TEXT NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  next_ms       INTEGER NOT NULL,
  delivered_ms  INTEGER,
  failed        INTEGER NOT NULL DEFAULT 0,   -- gave up after too many attempts
  last_error    TEXT,
  created_ms    INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_ms) WHERE delivered_ms IS NULL AND failed = 0;

-- Cancel with {"hangup": true}: when the user asked the dialer to hang up
-- the task's calls in flight too (NULL: leave them to finish).
ALTER TABLE resources ADD COLUMN hangup_ms INTEGER;
