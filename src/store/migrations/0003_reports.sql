-- SPDX-License-Identifier: AGPL-3.0-or-later
-- XLSX call reports (issue 6): one row per export the user asked for. The
-- report worker (src/reports/report.c) claims queued rows oldest first and
-- writes DATA/reports/<account>/<id>.xlsx; a row left `running` by a crash
-- or a stop is queued again at start-up, so no request is lost.
CREATE TABLE reports (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  task_id         INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
  with_variables  INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed')),
  rows_total      INTEGER NOT NULL DEFAULT 0,
  rows_done       INTEGER NOT NULL DEFAULT 0,
  path            TEXT,                       -- the file, once done
  error           TEXT,                       -- why it failed
  created_ms      INTEGER NOT NULL,
  finished_ms     INTEGER
);
-- The worker's claim: the oldest queued report.
CREATE INDEX reports_queue ON reports(status, id);
CREATE INDEX reports_task ON reports(task_id);
