-- SPDX-License-Identifier: AGPL-3.0-or-later
-- The call list filtered by a call period (issue 6): the task page's date-time
-- filter reads a task's calls by started_ms. Without this index a period at
-- the old end of a million-call task walked every newer call first (0.6 s
-- for one page) and counting a wide period read every call (0.3 s); with it
-- the page is read off the index in started_ms order and the count is an
-- index range (capped, store_sqlite_calls.c).
CREATE INDEX calls_task_started ON calls(task_id, account_id, started_ms);
