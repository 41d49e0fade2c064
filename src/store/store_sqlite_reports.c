/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: call reports. The `reports` rows are the queue of the report
 * worker (src/reports/report.c); the reader streams a task's calls for the
 * XLSX on its own connection inside one read transaction, so a million-row
 * export neither holds a pool slot nor sees rows change under it (WAL lets
 * the dialer keep writing meanwhile). */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_COLS "id, account_id, task_id, with_variables, status, rows_total, rows_done," \
	" path, error, created_ms, finished_ms"

static void report_from_row(sqlite3_stmt *s, struct vd_report *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->account_id = sqlite3_column_int64(s, 1);
	r->task_id = sqlite3_column_int64(s, 2);
	r->with_variables = sqlite3_column_int(s, 3) != 0;
	vd_col_copy(s, 4, r->status, sizeof r->status);
	r->rows_total = sqlite3_column_int64(s, 5);
	r->rows_done = sqlite3_column_int64(s, 6);
	vd_col_copy(s, 7, r->path, sizeof r->path);
	vd_col_copy(s, 8, r->error, sizeof r->error);
	r->created_ms = sqlite3_column_int64(s, 9);
	r->finished_ms = sqlite3_column_int64(s, 10);
}

int vd_store_report_create(struct vd_store *st, int64_t account_id, int64_t task_id,
			   bool with_variables, int64_t *id)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	/* One statement: the task check and the insert cannot be split by a
	 * concurrent delete. No row inserted = not the account's task. */
	sqlite3_stmt *s = vd_conn_stmt(c, "INSERT INTO reports(account_id, task_id, with_variables, created_ms)"
					  " SELECT ?1, id, ?3, ?4 FROM resources"
					  " WHERE id = ?2 AND account_id = ?1 AND kind = 'task'");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, account_id);
	sqlite3_bind_int64(s, 2, task_id);
	sqlite3_bind_int(s, 3, with_variables ? 1 : 0);
	sqlite3_bind_int64(s, 4, vd_store_now_ms());
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "create report"); goto out; }
	if (sqlite3_changes(c->db) == 0) { err = -ENOENT; goto out; }
	*id = sqlite3_last_insert_rowid(c->db);
out:
	vd_conn_release(st, c);
	return err;
}

static void report_fill(sqlite3_stmt *s, void *out) { report_from_row(s, out); }

int vd_store_report_get(struct vd_store *st, int64_t account_id, int64_t id, struct vd_report *out)
{
	return vd_store_row2(st, "SELECT " REPORT_COLS " FROM reports WHERE id = ?1 AND account_id = ?2",
			     id, account_id, report_fill, out, "get report");
}

int vd_store_reports_list(struct vd_store *st, int64_t account_id, int64_t task_id, int page, int per_page,
			  vd_report_cb *cb, void *arg, int64_t *total)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	/* One read transaction: the task check, the count and the page agree.
	 * reports_task (task_id, rowid) serves both without a sort. */
	err = vd_conn_exec(c, "BEGIN");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c, "SELECT (SELECT count(*) FROM reports WHERE task_id = ?1 AND account_id = ?2)"
					  " FROM resources WHERE id = ?1 AND account_id = ?2 AND kind = 'task'");
	if (!s) { err = -EIO; goto end; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && total) *total = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "list reports");
		goto end;
	}
	s = vd_conn_stmt(c, "SELECT " REPORT_COLS " FROM reports WHERE task_id = ?1 AND account_id = ?2"
			    " ORDER BY id DESC LIMIT ?3 OFFSET ?4");
	if (!s) { err = -EIO; goto end; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_int64(s, 3, per_page);
	sqlite3_bind_int64(s, 4, (int64_t)(page - 1) * per_page);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vd_report r;
		report_from_row(s, &r);
		if (cb(arg, &r)) { rc = SQLITE_DONE; break; }
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "list reports");
end:
	if (!err) err = vd_conn_exec(c, "COMMIT");   /* on failure the release rolls back */
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_report_claim(struct vd_store *st, struct vd_report *out)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	/* UPDATE ... RETURNING: the pick and the mark are one statement, so two
	 * workers (never the case today) could not claim the same row. */
	sqlite3_stmt *s = vd_conn_stmt(c, "UPDATE reports SET status = 'running', rows_done = 0"
					  " WHERE id = (SELECT id FROM reports WHERE status = 'queued' ORDER BY id LIMIT 1)"
					  " RETURNING " REPORT_COLS);
	if (!s) { err = -EIO; goto out; }
	struct vd_report r;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		report_from_row(s, &r);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) *out = r;
		else err = vd_sqlite_err(c, rc, "claim report");
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "claim report");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_reports_requeue(struct vd_store *st, int *n)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, "UPDATE reports SET status = 'queued', rows_done = 0 WHERE status = 'running'");
	if (!s) { err = -EIO; goto out; }
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "requeue reports");
	else *n = sqlite3_changes(c->db);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_report_progress(struct vd_store *st, int64_t id, int64_t rows_total, int64_t rows_done)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, "UPDATE reports SET rows_total = ?2, rows_done = ?3 WHERE id = ?1");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, rows_total);
	sqlite3_bind_int64(s, 3, rows_done);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "report progress");
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_report_finish(struct vd_store *st, int64_t id, bool ok, int64_t rows_done,
			   const char *path, const char *error)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, "UPDATE reports SET status = ?2, rows_done = ?3,"
					  " rows_total = CASE WHEN ?2 = 'done' THEN ?3 ELSE rows_total END,"
					  " path = ?4, error = ?5, finished_ms = ?6 WHERE id = ?1");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, ok ? "done" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, rows_done);
	if (ok && path) sqlite3_bind_text(s, 4, path, -1, SQLITE_STATIC);
	if (!ok && error) sqlite3_bind_text(s, 5, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, vd_store_now_ms());
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "finish report");
out:
	vd_conn_release(st, c);
	return err;
}

/* ---- the export's read ---- */

struct vd_report_reader {
	struct vd_conn *c;
	int64_t account_id, task_id;
};

void vd_store_report_reader_close(struct vd_report_reader *r)
{
	if (!r) return;
	if (r->c && !sqlite3_get_autocommit(r->c->db)) vd_conn_exec(r->c, "COMMIT");
	vd_conn_close(r->c);
	free(r);
}

int vd_store_report_reader_open(struct vd_store *st, int64_t account_id, int64_t task_id,
				struct vd_report_reader **out, int64_t *rows)
{
	struct vd_report_reader *r = calloc(1, sizeof *r);
	if (!r) return -ENOMEM;
	r->account_id = account_id;
	r->task_id = task_id;
	int err = vd_conn_open_dedicated(st, &r->c);
	if (err) goto out;
	err = vd_conn_exec(r->c, "BEGIN");
	if (err) goto out;
	/* The count comes from call_counts (kept by triggers on calls), read
	 * in the same snapshot as the rows, so it matches them. */
	sqlite3_stmt *s = vd_conn_stmt(r->c, "SELECT coalesce((SELECT n FROM call_counts WHERE task_id = ?1"
					     " AND outcome = '*'), 0) FROM resources"
					     " WHERE id = ?1 AND account_id = ?2 AND kind = 'task'");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	int rc = sqlite3_step(s);
	int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(r->c, rc, "report task");
		goto out;
	}
	*out = r;
	*rows = n;
	return 0;
out:
	vd_store_report_reader_close(r);
	return err;
}

/* The distinct names seen so far: an open-addressing set of at most
 * NAMES_MAX strings (bounded: a report has at most that many variable
 * columns; further names are left out). */
#define NAMES_MAX 1024
#define NAMES_SLOTS 4096

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s) h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* One pass of json_each over the task's calls: each name not yet in
 * `slots` goes to cb. Returns the SQLite code the scan ended with (or
 * SQLITE_NOMEM), SQLITE_DONE also when cb stopped it. */
static int names_pass(struct vd_report_reader *r, bool guarded, char **slots, int *n, vd_name_cb *cb, void *arg)
{
	sqlite3_stmt *s = vd_conn_stmt(r->c, guarded ? "SELECT j.key FROM calls c, json_each(c.variables) j"
						     " WHERE c.task_id = ?1 AND c.account_id = ?2 AND json_valid(c.variables)"
						   : "SELECT j.key FROM calls c, json_each(c.variables) j"
						     " WHERE c.task_id = ?1 AND c.account_id = ?2");
	if (!s) return SQLITE_ERROR;
	sqlite3_bind_int64(s, 1, r->task_id);
	sqlite3_bind_int64(s, 2, r->account_id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		if (!name) continue;
		uint32_t i = name_hash(name) & (NAMES_SLOTS - 1);
		while (slots[i] && strcmp(slots[i], name) != 0) i = (i + 1) & (NAMES_SLOTS - 1);
		if (slots[i] || *n == NAMES_MAX) continue;
		slots[i] = strdup(name);
		if (!slots[i]) { rc = SQLITE_NOMEM; break; }
		(*n)++;
		if (cb(arg, name)) { rc = SQLITE_DONE; break; }
	}
	sqlite3_reset(s);
	return rc;
}

int vd_store_report_reader_variables(struct vd_report_reader *r, vd_name_cb *cb, void *arg)
{
	/* JSON1 walks each call's variables object; the names are made
	 * distinct here, in order of first appearance (the clients file's
	 * column order). No GROUP BY or DISTINCT in SQL: SQLite would sort
	 * every (call, name) pair, millions of rows held in a sorter (bench:
	 * +250 MB of RSS for a million calls with 5 variables).
	 * The store writes valid JSON, so the first pass trusts it (a
	 * json_valid guard parsed every text twice: a third of this pass);
	 * should a malformed text make json_each fail, the pass is redone
	 * guarded (the names already seen stay in `slots`, so none repeats). */
	char **slots = calloc(NAMES_SLOTS, sizeof *slots);
	if (!slots) return -ENOMEM;
	int n = 0;
	int rc = names_pass(r, false, slots, &n, cb, arg);
	if (rc != SQLITE_DONE && rc != SQLITE_NOMEM) rc = names_pass(r, true, slots, &n, cb, arg);
	int err = rc == SQLITE_DONE ? 0 : rc == SQLITE_NOMEM ? -ENOMEM : vd_sqlite_err(r->c, rc, "report variables");
	for (int i = 0; i < NAMES_SLOTS; i++) free(slots[i]);
	free(slots);
	return err;
}

/* The call columns of VD_CALL_COLS in vd_call_from_row's order, without
 * the two the export does not need (the variables text, extracted below
 * instead, and the recording's path): no strdup per row. */
#define REPORT_CALL_COLS "id, coalesce(task_id, 0), coalesce(template_id, 0), client_id, phone, caller_id," \
	" attempt, recall_for, outcome, result, amd, gender, currency, transferred_to, sip_code," \
	" planned_ms, started_ms, answered_ms, ended_ms, duration_s, cost_minor, NULL," \
	" recording IS NOT NULL, NULL, amd_ms, amd_cause"
#define REPORT_CALL_NCOLS 26

int vd_store_report_reader_calls(struct vd_report_reader *r, const char *const *names, size_t nvars,
				 vd_report_row_cb *cb, void *arg)
{
	/* The variables are taken apart by SQLite's JSON parser, one
	 * json_extract(variables, '$."name"') column per name: parsing each
	 * row's JSON with jansson (a tree of mallocs per call) was a tenth of
	 * a million-row export. A name containing '"' cannot be written as a
	 * path; its column stays empty. calls_task (task_id, account_id, rowid)
	 * yields the rows in id order without a sort. */
	size_t cap = 128 + strlen(REPORT_CALL_COLS) + nvars * 40;   /* ", json_extract(variables, ?NNNN)" */
	char *sql = malloc(cap);
	if (!sql) return -ENOMEM;
	size_t len = (size_t)snprintf(sql, cap, "SELECT " REPORT_CALL_COLS);
	for (size_t i = 0; i < nvars; i++)
		len += (size_t)snprintf(sql + len, cap - len, ", json_extract(variables, ?%zu)", i + 3);
	snprintf(sql + len, cap - len, " FROM calls WHERE task_id = ?1 AND account_id = ?2 ORDER BY id");
	sqlite3_stmt *s = NULL;
	struct vd_report_value *vals = calloc(nvars ? nvars : 1, sizeof *vals);
	int rc = vals ? sqlite3_prepare_v2(r->c->db, sql, -1, &s, NULL) : SQLITE_NOMEM;
	free(sql);
	if (rc != SQLITE_OK) {
		free(vals);
		return vd_sqlite_err(r->c, rc, "report calls");
	}
	sqlite3_bind_int64(s, 1, r->task_id);
	sqlite3_bind_int64(s, 2, r->account_id);
	for (size_t i = 0; i < nvars; i++) {
		if (strchr(names[i], '"')) continue;   /* NULL path: NULL value */
		char *path = sqlite3_mprintf("$.\"%s\"", names[i]);
		if (!path) { rc = SQLITE_NOMEM; break; }
		sqlite3_bind_text(s, (int)i + 3, path, -1, sqlite3_free);
	}
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(s)) != SQLITE_ROW) break;
		struct vd_call call;
		vd_call_from_row(s, &call);
		for (size_t i = 0; i < nvars; i++) {
			int col = REPORT_CALL_NCOLS + (int)i;
			vals[i].text = NULL;
			switch (sqlite3_column_type(s, col)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT:
				vals[i].type = VD_RV_NUMBER;
				vals[i].num = sqlite3_column_double(s, col);
				break;
			case SQLITE_TEXT:
				vals[i].type = VD_RV_TEXT;
				vals[i].text = (const char *)sqlite3_column_text(s, col);
				break;
			default:
				vals[i].type = VD_RV_NONE;
			}
		}
		int stop = cb(arg, &call, vals);
		if (stop) { rc = SQLITE_DONE; break; }
	}
	int err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(r->c, rc, "report calls");
	sqlite3_finalize(s);
	free(vals);
	return err;
}
