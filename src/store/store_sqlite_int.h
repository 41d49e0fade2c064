/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Private to the SQLite store files: the connection pool and statement cache. */
#ifndef VD_STORE_SQLITE_INT_H
#define VD_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include "store/store.h"

/* Distinct statements per connection: about 60 in use (the call list alone
 * has 11 shapes), so room to grow before the cache would thrash. */
#define VD_STMT_CACHE 128

/* One pooled connection with its prepared statements, cached by the address
 * of the (static) SQL text. Used by one thread at a time. */
struct vd_conn {
	sqlite3 *db;
	const char *sql[VD_STMT_CACHE];
	sqlite3_stmt *stmt[VD_STMT_CACHE];
	int nstmt;
	struct vd_conn *next_free;
};

/* Takes a connection from the pool (waits if all are in use). */
int vd_conn_acquire(struct vd_store *st, struct vd_conn **out);
void vd_conn_release(struct vd_store *st, struct vd_conn *c);
/* Closes a connection that must not go back to the pool (its settings
 * could not be restored...) and frees its pool slot. NULL is fine. */
void vd_conn_discard(struct vd_store *st, struct vd_conn *c);
/* A reset, cleared statement for `sql`, which must be a string literal (its
 * address is the cache key). NULL on error (logged). */
sqlite3_stmt *vd_conn_stmt(struct vd_conn *c, const char *sql);
/* Runs a statement without results (BEGIN, COMMIT...). 0 or -EIO. */
int vd_conn_exec(struct vd_conn *c, const char *sql);
/* Maps an SQLite result code to a negative errno, logging real failures. */
int vd_sqlite_err(struct vd_conn *c, int rc, const char *what);
/* One statement with two integer parameters (?1, ?2) run on a pooled
 * connection, for the store's many "by id and account" reads and writes.
 * vd_store_exec2 runs it to completion (0 or an errno from vd_sqlite_err);
 * vd_store_row2 hands the first row to `fill(stmt, out)` and answers
 * -ENOENT when there is none. `what` names it in error logs. */
int vd_store_exec2(struct vd_store *st, const char *sql, int64_t a, int64_t b, const char *what);
typedef void (vd_row_fill)(sqlite3_stmt *s, void *out);
int vd_store_row2(struct vd_store *st, const char *sql, int64_t a, int64_t b, vd_row_fill *fill,
		  void *out, const char *what);
/* Copies column `i` as a malloc'd string (NULL for SQL NULL). */
char *vd_col_strdup(sqlite3_stmt *s, int i);
void vd_col_copy(sqlite3_stmt *s, int i, char *dst, size_t size);

/* The columns of a call row, in the order vd_call_from_row reads them
 * (store_sqlite_calls.c; also the report export's stream). */
#define VD_CALL_COLS "id, coalesce(task_id, 0), coalesce(template_id, 0), client_id, phone, caller_id," \
	" attempt, recall_for, outcome, result, amd, gender, currency, transferred_to, sip_code," \
	" planned_ms, started_ms, answered_ms, ended_ms, duration_s, cost_minor, variables," \
	" recording IS NOT NULL, recording, amd_ms, amd_cause"
/* Fills *c from a row selected with VD_CALL_COLS (c->variables malloc'd). */
void vd_call_from_row(sqlite3_stmt *s, struct vd_call *c);

/* A connection outside the pool, for one long read (a report export) that
 * must not hold a pooled slot for minutes. Close it with vd_conn_close. */
int vd_conn_open_dedicated(struct vd_store *st, struct vd_conn **out);
void vd_conn_close(struct vd_conn *c);

#endif
