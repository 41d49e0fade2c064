/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: reading call records. Listing pages newest first by id (the
 * calls_task* indexes); the total comes from call_counts when only the outcome
 * filters, so a task with millions of calls pages in constant time. */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vd_call_reset(struct vd_call *c)
{
	free(c->variables);
	memset(c, 0, sizeof *c);
}

#define CALL_COLS VD_CALL_COLS

void vd_call_from_row(sqlite3_stmt *s, struct vd_call *c)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	c->task_id = sqlite3_column_int64(s, 1);
	c->template_id = sqlite3_column_int64(s, 2);
	vd_col_copy(s, 3, c->client_id, sizeof c->client_id);
	vd_col_copy(s, 4, c->phone, sizeof c->phone);
	vd_col_copy(s, 5, c->caller_id, sizeof c->caller_id);
	c->attempt = sqlite3_column_int(s, 6);
	vd_col_copy(s, 7, c->recall_for, sizeof c->recall_for);
	vd_col_copy(s, 8, c->outcome, sizeof c->outcome);
	vd_col_copy(s, 9, c->result, sizeof c->result);
	vd_col_copy(s, 10, c->amd, sizeof c->amd);
	vd_col_copy(s, 11, c->gender, sizeof c->gender);
	vd_col_copy(s, 12, c->currency, sizeof c->currency);
	vd_col_copy(s, 13, c->transferred_to, sizeof c->transferred_to);
	c->sip_code = sqlite3_column_int(s, 14);
	c->planned_ms = sqlite3_column_int64(s, 15);
	c->started_ms = sqlite3_column_int64(s, 16);
	c->answered_ms = sqlite3_column_int64(s, 17);
	c->ended_ms = sqlite3_column_int64(s, 18);
	c->duration_s = sqlite3_column_type(s, 19) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 19);
	c->cost_minor = sqlite3_column_type(s, 20) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 20);
	c->variables = vd_col_strdup(s, 21);
	c->has_recording = sqlite3_column_int(s, 22) != 0;
	vd_col_copy(s, 23, c->recording, sizeof c->recording);
	c->amd_ms = sqlite3_column_type(s, 24) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 24);
	vd_col_copy(s, 25, c->amd_cause, sizeof c->amd_cause);
}

int vd_store_calls_list(struct vd_store *st, int64_t account_id, int64_t task_id,
			const struct vd_call_query *q, vd_call_cb *cb, void *arg, int64_t *total)
{
	/* The optional filters come in statement shapes (any / outcome= /
	 * client_id=, each with or without the time range), each written so its
	 * filter is a plain equality an index can serve: the "?N IS NULL OR
	 * col = ?N" form would hide outcome and client_id from the planner, which
	 * then walks every call of the task (or of the account, by calls_account)
	 * and filters row by row: 100+ ms for a deep page of one outcome and half
	 * a second for a client_id on a million calls (bench/api). Without a
	 * range the page's ids come from a covering index scan; only the page's
	 * rows are read from the table, so a deep OFFSET skips index entries,
	 * not rows (page 500: 1.5 ms instead of 2.7 ms with the range terms). */
#define CALLS_RANGE " AND (?5 IS NULL OR started_ms >= ?5) AND (?6 IS NULL OR started_ms <= ?6)"
#define CALLS_ANY " WHERE task_id = ?1 AND account_id = ?3"
#define CALLS_OUTCOME " WHERE task_id = ?1 AND account_id = ?3 AND outcome = ?2"
#define CALLS_CLIENT " WHERE task_id = ?1 AND account_id = ?3 AND client_id = ?4" \
	" AND (?2 IS NULL OR outcome = ?2)"
#define CALLS_PAGE(where) "SELECT " CALL_COLS " FROM calls WHERE id IN (SELECT id FROM calls" where \
	" ORDER BY id DESC LIMIT ?7 OFFSET ?8) ORDER BY id DESC"
	/* A period (without a client_id, whose few calls any order serves) is
	 * read off calls_task_started: plain bounds (?5/?6 always bound) so
	 * the index takes the range, newest start first. Ordering by id there
	 * walked every newer call before reaching an old period (0.6 s for a
	 * page on a million calls). Its count stops at offset + cap matches:
	 * counting a wide period read every call (0.3 s); a capped count is an
	 * index range of at most that many entries. */
#define CALLS_PERIOD " INDEXED BY calls_task_started WHERE task_id = ?1 AND account_id = ?3" \
	" AND started_ms >= ?5 AND started_ms <= ?6"
#define CALLS_PERIOD_PAGE(where) "SELECT " CALL_COLS " FROM calls WHERE id IN (SELECT id FROM calls" where \
	" ORDER BY started_ms DESC, id DESC LIMIT ?7 OFFSET ?8) ORDER BY started_ms DESC, id DESC"
#define CALLS_CAPPED(where) "SELECT count(*) FROM (SELECT 1 FROM calls" where " LIMIT ?9)"
	static const char count_fast_sql[] =
		"SELECT coalesce((SELECT n FROM call_counts WHERE task_id = ?1 AND outcome = coalesce(?2, '*')), 0)"
		" WHERE EXISTS (SELECT 1 FROM resources WHERE id = ?1 AND account_id = ?3)";
	/* [shape: any, outcome, client][ranged] */
	static const char *const count_sqls[3][2] = {
		{"SELECT count(*) FROM calls" CALLS_ANY, CALLS_CAPPED(CALLS_PERIOD)},
		{"SELECT count(*) FROM calls" CALLS_OUTCOME, CALLS_CAPPED(CALLS_PERIOD " AND outcome = ?2")},
		{"SELECT count(*) FROM calls" CALLS_CLIENT, "SELECT count(*) FROM calls" CALLS_CLIENT CALLS_RANGE},
	};
	static const char *const page_sqls[3][2] = {
		{CALLS_PAGE(CALLS_ANY), CALLS_PERIOD_PAGE(CALLS_PERIOD)},
		{CALLS_PAGE(CALLS_OUTCOME), CALLS_PERIOD_PAGE(CALLS_PERIOD " AND outcome = ?2")},
		{CALLS_PAGE(CALLS_CLIENT), CALLS_PAGE(CALLS_CLIENT CALLS_RANGE)},
	};
#undef CALLS_CAPPED
#undef CALLS_PERIOD_PAGE
#undef CALLS_PERIOD
#undef CALLS_PAGE
#undef CALLS_CLIENT
#undef CALLS_OUTCOME
#undef CALLS_ANY
#undef CALLS_RANGE
	int shape = q->client_id ? 2 : q->outcome ? 1 : 0;
	int ranged = q->from_ms || q->to_ms;
	bool fast = !q->client_id && !ranged;
	bool capped = ranged && !q->client_id;
	int64_t offset = (int64_t)(q->page - 1) * q->per_page;
	const char *count_sql = count_sqls[shape][ranged];
	const char *page_sql = page_sqls[shape][ranged];
	if (q->total_capped) *q->total_capped = false;
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	for (int pass = 0; pass < 2 && !err; pass++) {
		sqlite3_stmt *s = vd_conn_stmt(c, pass == 1 ? page_sql : fast ? count_fast_sql : count_sql);
		if (!s) { err = -EIO; break; }
		sqlite3_bind_int64(s, 1, task_id);
		if (q->outcome) sqlite3_bind_text(s, 2, q->outcome, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, account_id);
		if (pass == 1 || !fast) {
			if (q->client_id) sqlite3_bind_text(s, 4, q->client_id, -1, SQLITE_STATIC);
			if (capped) {
				sqlite3_bind_int64(s, 5, q->from_ms ? q->from_ms : INT64_MIN);
				sqlite3_bind_int64(s, 6, q->to_ms ? q->to_ms : INT64_MAX);
				if (pass == 0) sqlite3_bind_int64(s, 9, offset + VD_CALLS_COUNT_CAP);
			} else {
				if (q->from_ms) sqlite3_bind_int64(s, 5, q->from_ms);
				if (q->to_ms) sqlite3_bind_int64(s, 6, q->to_ms);
			}
		}
		int rc;
		if (pass == 0) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW) {
				int64_t n = sqlite3_column_int64(s, 0);
				if (total) *total = n;
				if (capped && q->total_capped) *q->total_capped = n >= offset + VD_CALLS_COUNT_CAP;
				rc = SQLITE_DONE;
			}
		} else {
			sqlite3_bind_int64(s, 7, q->per_page);
			sqlite3_bind_int64(s, 8, offset);
			while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
				struct vd_call call;
				vd_call_from_row(s, &call);
				int stop = cb(arg, &call);
				vd_call_reset(&call);
				if (stop) { rc = SQLITE_DONE; break; }
			}
		}
		if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "list calls");
		sqlite3_reset(s);
	}
	vd_conn_release(st, c);
	return err;
}

static void call_fill(sqlite3_stmt *s, void *out) { vd_call_from_row(s, out); }

int vd_store_call_get(struct vd_store *st, int64_t account_id, int64_t call_id,
		      struct vd_call *out)
{
	return vd_store_row2(st, "SELECT " CALL_COLS " FROM calls WHERE id = ?1 AND account_id = ?2",
			     call_id, account_id, call_fill, out, "get call");
}

int vd_store_task_stats(struct vd_store *st, int64_t account_id, int64_t task_id,
			const char *const *outcomes, size_t n, int64_t ineffective_duration_s,
			struct vd_task_stats *out)
{
	if (n > 8) return -EINVAL;
	struct vd_task_stats ts;
	memset(&ts, 0, sizeof ts);
	int64_t completed = 0;
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	/* One read transaction so the numbers agree with each other. */
	err = vd_conn_exec(c, "BEGIN");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c, "SELECT 1 FROM resources WHERE id = ? AND account_id = ?"
					  " AND kind IN ('task', 'template')");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "task exists");
		goto out;
	}
	s = vd_conn_stmt(c, "SELECT state, count(*) FROM clients WHERE task_id = ? GROUP BY state");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(s, 0);
		int64_t k = sqlite3_column_int64(s, 1);
		ts.clients_total += k;
		if (!state) continue;
		if (!strcmp(state, "pending")) ts.clients_pending += k;
		else if (!strcmp(state, "in_progress")) ts.clients_in_progress += k;
		else ts.clients_finished += k;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "client stats"); goto out; }
	s = vd_conn_stmt(c, "SELECT outcome, n FROM call_counts WHERE task_id = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(s, 0);
		int64_t k = sqlite3_column_int64(s, 1);
		if (o && !strcmp(o, "*")) ts.calls_total = k;
		if (o && !strcmp(o, "completed")) completed = k;
		for (size_t i = 0; o && i < n; i++)
			if (!strcmp(o, outcomes[i])) ts.by_outcome[i] = k;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "call stats"); goto out; }
	/* Only the short end of the completed calls is counted (the partial
	 * index calls_task_completed): effective = completed - ineffective -
	 * those without a duration. Counting the effective ones themselves
	 * walked every completed call of the task (bench/api: ~10^5 rows). */
	s = vd_conn_stmt(c, "SELECT"
			    " (SELECT count(*) FROM calls WHERE task_id = ?1 AND outcome = 'completed' AND duration_s < ?2),"
			    " (SELECT count(*) FROM calls WHERE task_id = ?1 AND outcome = 'completed' AND duration_s IS NULL),"
			    " (SELECT count(*) FROM calls WHERE task_id = ?1 AND transferred_to IS NOT NULL)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, ineffective_duration_s);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ts.ineffective = sqlite3_column_int64(s, 0);
		ts.effective = completed - ts.ineffective - sqlite3_column_int64(s, 1);
		if (ts.effective < 0) ts.effective = 0;
		ts.transferred = sqlite3_column_int64(s, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "effective stats"); goto out; }
	err = vd_conn_exec(c, "COMMIT");
	if (!err) *out = ts;
out:
	vd_conn_release(st, c);
	return err;
}
