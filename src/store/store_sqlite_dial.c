/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: what the dialer reads and writes. The crash-safety contract
 * lives here: an attempt's call row is committed (together with the client
 * moving to in_progress) before the INVITE is sent, and closed together
 * with the client's next state; a call row without an outcome after a
 * restart is an attempt that was in flight when the process died. */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const done_names[5] = {"busy", "no_answer", "machine", "short", "failure"};

int vd_store_dial_tasks(struct vd_store *st, vd_dial_task_cb *cb, void *arg)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT account_id, id, coalesce(status, 'running'), updated_ms, body, kind = 'template',"
		" hangup_ms IS NOT NULL"
		" FROM resources WHERE (kind = 'task' AND status IN ('running', 'scheduled', 'paused'))"
		" OR kind = 'template' OR (kind = 'task' AND status = 'cancelled' AND hangup_ms > ?)"
		" ORDER BY id");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, vd_store_now_ms() - 60000);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vd_dial_task t = {
			.account_id = sqlite3_column_int64(s, 0),
			.task_id = sqlite3_column_int64(s, 1),
			.updated_ms = sqlite3_column_int64(s, 3),
			.body = (const char *)sqlite3_column_text(s, 4),
			.is_template = sqlite3_column_int(s, 5) != 0,
			.hangup = sqlite3_column_int(s, 6) != 0,
		};
		vd_col_copy(s, 2, t.status, sizeof t.status);
		if (cb(arg, &t)) { rc = SQLITE_DONE; break; }
	}
	err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(c, rc, "dial tasks");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

static void recall_from_row(sqlite3_stmt *s, int first, struct vd_client_recall *rc)
{
	rc->attempts = sqlite3_column_int(s, first);
	vd_col_copy(s, first + 1, rc->owed, sizeof rc->owed);
	for (int i = 0; i < 5; i++) rc->done[i] = sqlite3_column_int(s, first + 2 + i);
}

int vd_store_due_clients(struct vd_store *st, int64_t task_id, int64_t now_ms, int limit,
			 vd_due_client_cb *cb, void *arg)
{
	/* Two index range scans on clients_due(task_id, state, next_attempt_ms):
	 * recalls due by now, oldest first; then never-called clients (NULL
	 * next_attempt_ms) in file order (their ids follow the file). */
	static const char recalls_sql[] =
		"SELECT id, client_id, phone_e164, timezone, variables, next_attempt_ms,"
		" attempts, owed, done_busy, done_no_answer, done_machine, done_short, done_failure"
		" FROM clients WHERE task_id = ? AND state = 'pending' AND next_attempt_ms <= ?"
		" ORDER BY next_attempt_ms, id LIMIT ?";
	static const char fresh_sql[] =
		"SELECT id, client_id, phone_e164, timezone, variables, next_attempt_ms,"
		" attempts, owed, done_busy, done_no_answer, done_machine, done_short, done_failure"
		" FROM clients WHERE task_id = ? AND state = 'pending' AND next_attempt_ms IS NULL"
		" ORDER BY id LIMIT ?";
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	int got = 0;
	for (int pass = 0; pass < 2 && !err && got < limit; pass++) {
		sqlite3_stmt *s = vd_conn_stmt(c, pass == 0 ? recalls_sql : fresh_sql);
		if (!s) { err = -EIO; break; }
		sqlite3_bind_int64(s, 1, task_id);
		if (pass == 0) {
			sqlite3_bind_int64(s, 2, now_ms);
			sqlite3_bind_int(s, 3, limit - got);
		} else {
			sqlite3_bind_int(s, 2, limit - got);
		}
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct vd_due_client d = {
				.row_id = sqlite3_column_int64(s, 0),
				.variables = (const char *)sqlite3_column_text(s, 4),
				.next_attempt_ms = sqlite3_column_int64(s, 5),
			};
			vd_col_copy(s, 1, d.client_id, sizeof d.client_id);
			vd_col_copy(s, 2, d.phone, sizeof d.phone);
			vd_col_copy(s, 3, d.timezone, sizeof d.timezone);
			recall_from_row(s, 6, &d.rc);
			got++;
			if (cb(arg, &d)) { rc = SQLITE_DONE; got = limit; break; }
		}
		if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "due clients");
		sqlite3_reset(s);
	}
	vd_conn_release(st, c);
	return err;
}

/* A task's first/last call times, folded over a batch so each task of the
 * batch costs one UPDATE of its resources row, not one per call. */
struct period {
	int64_t task_id, first_ms, last_ms;
};
#define PERIODS 32

static int periods_flush(struct vd_conn *c, const char *sql, struct period *p, size_t *np)
{
	int err = 0;
	for (size_t i = 0; i < *np && !err; i++) {
		sqlite3_stmt *s = vd_conn_stmt(c, sql);
		if (!s) return -EIO;
		sqlite3_bind_int64(s, 1, p[i].task_id);
		sqlite3_bind_int64(s, 2, p[i].first_ms);
		sqlite3_bind_int64(s, 3, p[i].last_ms);
		err = vd_sqlite_err(c, sqlite3_step(s), "task period");
		sqlite3_reset(s);
	}
	*np = 0;
	return err;
}

/* Folds one call's time into the batch's periods; writes them out when the
 * table is full (more distinct tasks than PERIODS in one batch). */
static int periods_add(struct vd_conn *c, const char *sql, struct period *p, size_t *np, int64_t task_id,
		       int64_t ms)
{
	for (size_t i = 0; i < *np; i++) {
		if (p[i].task_id != task_id) continue;
		if (ms < p[i].first_ms) p[i].first_ms = ms;
		if (ms > p[i].last_ms) p[i].last_ms = ms;
		return 0;
	}
	if (*np == PERIODS) {
		int err = periods_flush(c, sql, p, np);
		if (err) return err;
	}
	p[(*np)++] = (struct period){task_id, ms, ms};
	return 0;
}

/* Claims one client and inserts its call row; *id = 0 when the client is
 * no longer pending (nothing written for it). */
static int begin_one(struct vd_conn *c, const struct vd_attempt *a, int64_t *id)
{
	sqlite3_stmt *s = vd_conn_stmt(c,
		"UPDATE clients SET state = 'in_progress', attempts = attempts + 1"
		" WHERE id = ? AND task_id = ? AND state = 'pending'");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, a->client_row_id);
	sqlite3_bind_int64(s, 2, a->task_id);
	int err = vd_sqlite_err(c, sqlite3_step(s), "claim client");
	sqlite3_reset(s);
	if (err) return err;
	if (sqlite3_changes(c->db) != 1) {
		*id = 0;
		return 0;
	}
	s = vd_conn_stmt(c,
		"INSERT INTO calls(account_id, task_id, client_row_id, client_id, phone, caller_id, attempt,"
		" recall_for, planned_ms, started_ms, variables) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, a->account_id);
	sqlite3_bind_int64(s, 2, a->task_id);
	sqlite3_bind_int64(s, 3, a->client_row_id);
	sqlite3_bind_text(s, 4, a->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->caller_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, a->attempt);
	sqlite3_bind_text(s, 8, a->recall_for, -1, SQLITE_STATIC);
	if (a->planned_ms) sqlite3_bind_int64(s, 9, a->planned_ms);
	sqlite3_bind_int64(s, 10, a->started_ms);
	sqlite3_bind_text(s, 11, a->variables ? a->variables : "{}", -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert call");
	sqlite3_reset(s);
	if (!err) *id = sqlite3_last_insert_rowid(c->db);
	return err;
}

static const char begin_period_sql[] =
	"UPDATE resources SET first_call_ms = coalesce(first_call_ms, ?2),"
	" last_call_ms = max(coalesce(last_call_ms, 0), ?3) WHERE id = ?1";

int vd_store_attempts_begin(struct vd_store *st, const struct vd_attempt *v, size_t n, int64_t *call_ids)
{
	if (!n) return 0;
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	struct period per[PERIODS];
	size_t nper = 0;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	for (size_t i = 0; i < n && !err; i++) {
		err = begin_one(c, &v[i], &call_ids[i]);
		if (!err && call_ids[i])
			err = periods_add(c, begin_period_sql, per, &nper, v[i].task_id, v[i].started_ms);
	}
	if (!err) err = periods_flush(c, begin_period_sql, per, &nper);
	if (!err) err = vd_conn_exec(c, "COMMIT");
	if (err) memset(call_ids, 0, n * sizeof *call_ids);   /* rolled back by the release */
	vd_conn_release(st, c);
	return err;
}

int vd_store_attempt_begin(struct vd_store *st, const struct vd_attempt *a, int64_t *call_id)
{
	int64_t id = 0;
	int err = vd_store_attempts_begin(st, a, 1, &id);
	if (err) return err;
	if (!id) return -EAGAIN;
	*call_id = id;
	return 0;
}

int vd_store_client_defer(struct vd_store *st, int64_t row_id, int64_t next_ms)
{
	return vd_store_exec2(st, "UPDATE clients SET next_attempt_ms = ?2 WHERE id = ?1 AND state = 'pending'",
			      row_id, next_ms, "defer client");
}

/* Closes one call row, moves its client on and, when the client is
 * finished, queues the CRM's webhook (a template call's client only). */
static int end_one(struct vd_conn *c, const struct vd_attempt_end *e)
{
	sqlite3_stmt *s = vd_conn_stmt(c,
		"UPDATE calls SET outcome = ?2, result = ?3, sip_code = ?4, answered_ms = ?5, ended_ms = ?6,"
		" duration_s = ?7, cost_minor = ?8, currency = ?9, recording = ?10, amd = ?11, amd_ms = ?12,"
		" amd_cause = ?13, gender = ?14, transferred_to = ?15,"
		" variables = CASE WHEN ?16 IS NULL THEN variables ELSE json_patch(variables, ?16) END"
		" WHERE id = ?1");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, e->call_id);
	sqlite3_bind_text(s, 2, e->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->result, -1, SQLITE_STATIC);
	if (e->sip_code) sqlite3_bind_int(s, 4, e->sip_code);
	if (e->answered_ms) sqlite3_bind_int64(s, 5, e->answered_ms);
	sqlite3_bind_int64(s, 6, e->ended_ms);
	sqlite3_bind_int64(s, 7, e->duration_s);
	if (e->cost_minor >= 0) sqlite3_bind_int64(s, 8, e->cost_minor);
	sqlite3_bind_text(s, 9, e->currency, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, e->recording, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, e->amd, -1, SQLITE_STATIC);
	if (e->amd) sqlite3_bind_int64(s, 12, e->amd_ms);
	sqlite3_bind_text(s, 13, e->amd_cause, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 14, e->gender, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 15, e->transferred_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 16, e->collected, -1, SQLITE_STATIC);
	int err = vd_sqlite_err(c, sqlite3_step(s), "close call");
	sqlite3_reset(s);
	if (err) return err;
	s = vd_conn_stmt(c,
		"UPDATE clients SET state = ?2, outcome = ?3, next_attempt_ms = ?4, attempts = ?5, owed = ?6,"
		" done_busy = ?7, done_no_answer = ?8, done_machine = ?9, done_short = ?10, done_failure = ?11"
		" WHERE id = ?1");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, e->client_row_id);
	sqlite3_bind_text(s, 2, e->finished ? "finished" : "pending", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->finished ? e->final_outcome : NULL, -1, SQLITE_STATIC);
	if (!e->finished) sqlite3_bind_int64(s, 4, e->next_attempt_ms);
	sqlite3_bind_int(s, 5, e->rc.attempts);
	if (e->rc.owed[0]) sqlite3_bind_text(s, 6, e->rc.owed, -1, SQLITE_STATIC);
	for (int i = 0; i < 5; i++) sqlite3_bind_int(s, 7 + i, e->rc.done[i]);
	err = vd_sqlite_err(c, sqlite3_step(s), "update client");
	sqlite3_reset(s);
	if (err || !e->finished) return err;
	/* The CRM's result, queued in the same transaction that finishes the
	 * client. */
	s = vd_conn_stmt(c,
		"INSERT INTO webhook_outbox(account_id, template_id, url, body, next_ms, created_ms)"
		" SELECT t.account_id, t.template_id, t.callback_url, json_object("
		"  'call_id', t.id, 'template_id', t.template_id, 'client_id', l.client_id,"
		"  'phone', l.phone_e164, 'status', l.outcome, 'outcome', k.outcome, 'result', k.result,"
		"  'sip_code', k.sip_code, 'attempts', l.attempts, 'duration_s', k.duration_s,"
		"  'variables', json(k.variables),"
		"  'recording_url', CASE WHEN k.recording IS NULL THEN NULL"
		"   ELSE '/api/v1/calls/' || k.id || '/recording.wav' END,"
		"  'ended_at', strftime('%Y-%m-%dT%H:%M:%SZ', k.ended_ms / 1000, 'unixepoch')), ?2, ?2"
		" FROM template_calls t JOIN clients l ON l.id = t.client_row_id JOIN calls k ON k.id = ?3"
		" WHERE t.client_row_id = ?1 AND t.callback_url IS NOT NULL");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, e->client_row_id);
	sqlite3_bind_int64(s, 2, e->ended_ms);
	sqlite3_bind_int64(s, 3, e->call_id);
	err = vd_sqlite_err(c, sqlite3_step(s), "queue webhook");
	sqlite3_reset(s);
	return err;
}

static const char end_period_sql[] =
	"UPDATE resources SET last_call_ms = max(coalesce(last_call_ms, 0), ?3) WHERE id = ?1";

int vd_store_attempts_end(struct vd_store *st, const struct vd_call_answer *ans, size_t nans,
			  const struct vd_attempt_end *v, size_t n)
{
	if (!n && !nans) return 0;
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	struct period per[PERIODS];
	size_t nper = 0;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	for (size_t i = 0; i < nans && !err; i++) {
		sqlite3_stmt *s = vd_conn_stmt(c, "UPDATE calls SET answered_ms = ?2 WHERE id = ?1 AND outcome IS NULL");
		if (!s) {
			err = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, ans[i].call_id);
		sqlite3_bind_int64(s, 2, ans[i].answered_ms);
		err = vd_sqlite_err(c, sqlite3_step(s), "call answered");
		sqlite3_reset(s);
	}
	for (size_t i = 0; i < n && !err; i++) {
		err = end_one(c, &v[i]);
		if (!err) err = periods_add(c, end_period_sql, per, &nper, v[i].task_id, v[i].ended_ms);
	}
	if (!err) err = periods_flush(c, end_period_sql, per, &nper);
	if (!err) err = vd_conn_exec(c, "COMMIT");
	vd_conn_release(st, c);   /* rolls back on error */
	return err;
}

int vd_store_attempt_end(struct vd_store *st, const struct vd_attempt_end *e)
{
	return vd_store_attempts_end(st, NULL, 0, e, 1);
}

int vd_store_call_answered(struct vd_store *st, int64_t call_id, int64_t answered_ms)
{
	struct vd_call_answer a = {call_id, answered_ms};
	return vd_store_attempts_end(st, &a, 1, NULL, 0);
}

int vd_store_open_attempts(struct vd_store *st, vd_open_attempt_cb *cb, void *arg)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT k.id, k.task_id, k.client_row_id, k.account_id, k.started_ms, coalesce(k.answered_ms, 0),"
		" l.attempts, l.owed, l.done_busy, l.done_no_answer, l.done_machine, l.done_short, l.done_failure"
		" FROM calls k JOIN clients l ON l.id = k.client_row_id"
		" WHERE k.outcome IS NULL AND k.task_id IS NOT NULL ORDER BY k.id");
	if (!s) { err = -EIO; goto out; }
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vd_open_attempt a = {
			.call_id = sqlite3_column_int64(s, 0),
			.task_id = sqlite3_column_int64(s, 1),
			.client_row_id = sqlite3_column_int64(s, 2),
			.account_id = sqlite3_column_int64(s, 3),
			.started_ms = sqlite3_column_int64(s, 4),
			.answered_ms = sqlite3_column_int64(s, 5),
		};
		recall_from_row(s, 6, &a.rc);
		if (cb(arg, &a)) { rc = SQLITE_DONE; break; }
	}
	err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(c, rc, "open attempts");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_task_unfinished(struct vd_store *st, int64_t task_id, int64_t *n)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT (SELECT count(*) FROM clients WHERE task_id = ?1 AND state = 'pending')"
		" + (SELECT count(*) FROM clients WHERE task_id = ?1 AND state = 'in_progress')");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) *n = sqlite3_column_int64(s, 0);
	else err = vd_sqlite_err(c, rc, "unfinished");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_task_cancel(struct vd_store *st, int64_t account_id, int64_t task_id, bool hangup)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c, "SELECT 1 FROM resources WHERE id = ? AND account_id = ? AND kind = 'task'");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "find task");
		goto out;
	}
	s = vd_conn_stmt(c,
		"UPDATE resources SET status = 'cancelled', updated_ms = ?3, hangup_ms = ?4 WHERE id = ?1"
		" AND account_id = ?2 AND kind = 'task' AND status NOT IN ('completed', 'cancelled')");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_int64(s, 3, vd_store_now_ms());
	if (hangup) sqlite3_bind_int64(s, 4, vd_store_now_ms());
	err = vd_sqlite_err(c, sqlite3_step(s), "cancel task");
	sqlite3_reset(s);
	if (err) goto out;
	if (sqlite3_changes(c->db) != 1) { err = -EAGAIN; goto out; }
	s = vd_conn_stmt(c, "UPDATE clients SET state = 'finished', outcome = 'cancelled', next_attempt_ms = NULL"
			    " WHERE task_id = ? AND state = 'pending'");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	err = vd_sqlite_err(c, sqlite3_step(s), "cancel clients");
	sqlite3_reset(s);
	if (err) goto out;
	err = vd_conn_exec(c, "COMMIT");
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_client_add(struct vd_store *st, int64_t account_id, int64_t task_id,
			const char *client_id, const char *phone_e164, const char *variables,
			int64_t *row_id)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"INSERT INTO clients(account_id, task_id, line, client_id, phone_e164, phone_raw, variables)"
		" SELECT ?1, ?2, 0, ?3, ?4, ?4, ?5 WHERE EXISTS"
		" (SELECT 1 FROM resources WHERE id = ?2 AND account_id = ?1 AND kind IN ('task', 'template'))");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, account_id);
	sqlite3_bind_int64(s, 2, task_id);
	sqlite3_bind_text(s, 3, client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, phone_e164, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, variables ? variables : "{}", -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "add client");
	sqlite3_reset(s);
	if (!err && sqlite3_changes(c->db) != 1) err = -ENOENT;
	if (!err) *row_id = sqlite3_last_insert_rowid(c->db);
out:
	vd_conn_release(st, c);
	return err;
}

/* Names of the done_* columns, in struct vd_client_recall order. */
const char *vd_store_done_name(int i)
{
	return (i >= 0 && i < 5) ? done_names[i] : NULL;
}
