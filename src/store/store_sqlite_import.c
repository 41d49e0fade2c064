/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: the streamed clients import (store.h "clients import").
 *
 * An import holds one pooled connection and one BEGIN IMMEDIATE transaction
 * from _begin to _commit, so a file is imported whole or not at all and the
 * task cannot be deleted under it.
 *
 * Duplicates: `clients` has no unique index on (task_id, phone_e164) — one
 * receiving numbers in file order, random for the index, cost more than
 * everything else together (docs/internals/import.md). Instead _begin loads
 * the task's numbers into an in-memory set (inside the write transaction:
 * nobody can add one until the commit) and _add skips a number already in
 * it, which covers both numbers already in the task and repeats within the
 * file. A number is packed as its digits read as an integer (E.164: at most
 * 15 digits, the first not 0), so the set is a flat open-addressing table
 * of uint64, doubled when half full: 16-32 bytes per number of the task.
 *
 * New rows go in MULTI_ROWS at a time (vd_store_import_add_rows).
 *
 * foreign_keys is OFF on the connection during the import and put back
 * before it returns to the pool (or the connection is discarded): every row
 * references the same account and task, which _begin checks inside the
 * transaction; the write lock keeps them there until the commit, so the
 * per-row parent lookups are pure cost. Durability settings are not
 * touched: the commit is as durable as any other. */
#include "store/store_sqlite_int.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>

/* The connection setting while importing, and the pool's own (store_sqlite.c
 * conn_open: keep them in step). foreign_keys cannot change inside a
 * transaction, so these run before BEGIN and after COMMIT/ROLLBACK. */
#define IMPORT_PRAGMAS "PRAGMA foreign_keys=OFF;"
#define DEFAULT_PRAGMAS "PRAGMA foreign_keys=ON;"

static const char task_sql[] =
	"SELECT 1 FROM resources WHERE id = ? AND account_id = ? AND kind = 'task'";
/* One row, and MULTI_ROWS rows per statement (fewer statement executions:
 * ~20% less CPU for the import). Account and task are ?1 and ?2; each row's own six
 * values follow (an unnumbered ? takes the next number). */
#define MULTI_ROWS 32
#define INSERT_HEAD "INSERT INTO clients(account_id, task_id, line, client_id, phone_e164," \
	" phone_raw, timezone, variables) VALUES "
#define ROW_VALUES "(?1, ?2, ?, ?, ?, ?, ?, ?)"
#define ROWS_2 ROW_VALUES "," ROW_VALUES
#define ROWS_4 ROWS_2 "," ROWS_2
#define ROWS_8 ROWS_4 "," ROWS_4
#define ROWS_16 ROWS_8 "," ROWS_8
#define ROWS_32 ROWS_16 "," ROWS_16
static const char insert_sql[] = INSERT_HEAD ROW_VALUES;
static const char insert_multi_sql[] = INSERT_HEAD ROWS_32;
/* Goes through clients_due (task_id first). */
static const char numbers_sql[] = "SELECT phone_e164 FROM clients WHERE task_id = ?";
static const char owner_sql[] =
	"SELECT account_id FROM resources WHERE id = ? AND kind = 'task'";

/* The task's numbers: open addressing, linear probing, 0 = empty slot (no
 * E.164 number packs to 0). `cap` is a power of two, `n` < cap / 2. */
struct numset {
	uint64_t *slot;
	size_t cap, n;
};

struct vd_import {
	struct vd_store *st;
	struct vd_conn *c;
	sqlite3_stmt *ins;       /* one row; cached by the connection, not owned */
	sqlite3_stmt *ins_multi; /* MULTI_ROWS rows; likewise */
	int64_t account_id;
	int64_t task_id;
	struct numset set;
};

#define NUMSET_MIN 1024

/* "+" and 1..15 digits, the first not 0, as an integer; 0 if `s` is not
 * that (then it is not a number the import wrote). */
static uint64_t pack_e164(const char *s)
{
	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9') return 0;
	uint64_t v = 0;
	size_t i = 1;
	for (; s[i]; i++) {
		if (i > 15 || s[i] < '0' || s[i] > '9') return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

static size_t numset_home(const struct numset *ns, uint64_t v)
{
	v *= 0x9e3779b97f4a7c15ull;      /* Fibonacci hashing: top bits */
	return (size_t)(v >> 32) & (ns->cap - 1);
}

/* Inserts `v` (non-zero) into a table with room. True if it was new. */
static bool numset_put(struct numset *ns, uint64_t v)
{
	size_t i = numset_home(ns, v);
	for (;; i = (i + 1) & (ns->cap - 1)) {
		if (ns->slot[i] == v) return false;
		if (!ns->slot[i]) {
			ns->slot[i] = v;
			ns->n++;
			return true;
		}
	}
}

/* Makes room for one more number: doubles the table once half full. */
static int numset_reserve(struct numset *ns)
{
	if (ns->cap && (ns->n + 1) * 2 <= ns->cap) return 0;
	size_t cap = ns->cap ? ns->cap * 2 : NUMSET_MIN;
	uint64_t *slot = calloc(cap, sizeof *slot);
	if (!slot) return -ENOMEM;
	struct numset old = *ns;
	ns->slot = slot;
	ns->cap = cap;
	ns->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i]) numset_put(ns, old.slot[i]);
	free(old.slot);
	return 0;
}

/* Seeds the set with the numbers the task already has. */
static int numset_load(struct vd_import *imp)
{
	sqlite3_stmt *s = vd_conn_stmt(imp->c, numbers_sql);
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, imp->task_id);
	int rc, err = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		/* A number not in our packing (none the import writes)
		 * cannot equal one it adds: skip it. */
		uint64_t v = pack_e164((const char *)sqlite3_column_text(s, 0));
		if (!v) continue;
		err = numset_reserve(&imp->set);
		if (err) break;
		numset_put(&imp->set, v);
	}
	if (!err && rc != SQLITE_DONE) err = vd_sqlite_err(imp->c, rc, "import: select numbers");
	sqlite3_reset(s);
	return err;
}

/* Gives the connection back: rolls back an open transaction (the pool does
 * too) and restores the pool's settings. */
static void import_free(struct vd_import *imp)
{
	if (!imp) return;
	if (imp->c) {
		if (!sqlite3_get_autocommit(imp->c->db))
			sqlite3_exec(imp->c->db, "ROLLBACK", NULL, NULL, NULL);
		if (vd_conn_exec(imp->c, DEFAULT_PRAGMAS) == 0) {
			vd_conn_release(imp->st, imp->c);
		} else {
			/* Never pool a connection left without foreign keys
			 * (SQLite out of memory). */
			vd_err("store", "import: cannot restore the connection settings;"
			       " closing it");
			vd_conn_discard(imp->st, imp->c);
		}
	}
	free(imp->set.slot);
	free(imp);
}

int vd_store_import_begin(struct vd_store *st, int64_t account_id, int64_t task_id,
			  struct vd_import **out)
{
	struct vd_import *imp = calloc(1, sizeof *imp);
	if (!imp) return -ENOMEM;
	imp->st = st;
	imp->account_id = account_id;
	imp->task_id = task_id;
	int err = vd_conn_acquire(st, &imp->c);
	if (err) {
		imp->c = NULL;
		goto out;
	}
	err = vd_conn_exec(imp->c, IMPORT_PRAGMAS);
	if (err) goto out;
	err = vd_conn_exec(imp->c, "BEGIN IMMEDIATE");
	if (err) goto out;

	sqlite3_stmt *s = vd_conn_stmt(imp->c, task_sql);
	if (!s) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, task_id);
	sqlite3_bind_int64(s, 2, account_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		err = -ENOENT;
	else if (rc != SQLITE_ROW)
		err = vd_sqlite_err(imp->c, rc, "import: select task");
	sqlite3_reset(s);
	if (err) goto out;

	err = numset_load(imp);
	if (err) goto out;
	imp->ins = vd_conn_stmt(imp->c, insert_sql);
	imp->ins_multi = vd_conn_stmt(imp->c, insert_multi_sql);
	if (!imp->ins || !imp->ins_multi) err = -EIO;
out:
	if (err) {
		import_free(imp);
		return err;
	}
	*out = imp;
	return 0;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Binds a row's six values from parameter `i` on. */
static void bind_row(sqlite3_stmt *s, int i, const struct vd_client_row *row)
{
	sqlite3_bind_int64(s, i, row->line);
	bind_text_or_null(s, i + 1, row->client_id);
	sqlite3_bind_text(s, i + 2, row->phone_e164, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, i + 3, row->phone_raw, -1, SQLITE_STATIC);
	bind_text_or_null(s, i + 4, row->timezone);
	sqlite3_bind_text(s, i + 5, row->variables ? row->variables : "{}", -1, SQLITE_STATIC);
}

/* Inserts `n` (1 or MULTI_ROWS) rows by one statement. */
static int insert_rows(struct vd_import *imp, const struct vd_client_row *const *rows, int n)
{
	sqlite3_stmt *s = n == 1 ? imp->ins : imp->ins_multi;
	sqlite3_bind_int64(s, 1, imp->account_id);
	sqlite3_bind_int64(s, 2, imp->task_id);
	for (int i = 0; i < n; i++) bind_row(s, 3 + 6 * i, rows[i]);
	int rc = sqlite3_step(s);
	int err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(imp->c, rc, "import: insert clients");
	if (err == -EEXIST || err == -EBUSY) {
		/* No constraint of clients can fail for a valid row. */
		vd_err("store", "import: insert clients failed: %s", sqlite3_errmsg(imp->c->db));
		err = -EIO;
	}
	sqlite3_reset(s);
	return err;
}

/* True if the row is new to the task (and now in the set). */
static int check_new(struct vd_import *imp, const struct vd_client_row *row, bool *is_new)
{
	uint64_t num = pack_e164(row->phone_e164);
	if (!num || !row->phone_raw) return -EINVAL;
	int err = numset_reserve(&imp->set);
	if (err) return err;
	/* Once in the set, a number stays even if its insert then fails: any
	 * failure fails the whole import (the caller aborts). */
	*is_new = numset_put(&imp->set, num);
	return 0;
}

int vd_store_import_add(struct vd_import *imp, const struct vd_client_row *row, bool *duplicate)
{
	bool is_new;
	int err = check_new(imp, row, &is_new);
	if (err) return err;
	*duplicate = !is_new;
	return is_new ? insert_rows(imp, &row, 1) : 0;
}

int vd_store_import_add_rows(struct vd_import *imp, const struct vd_client_row *rows, size_t n,
			     size_t *duplicates)
{
	const struct vd_client_row *pend[MULTI_ROWS];
	int npend = 0, err = 0;
	size_t dups = 0;
	for (size_t i = 0; i < n && !err; i++) {
		bool is_new;
		err = check_new(imp, &rows[i], &is_new);
		if (err) break;
		if (!is_new) {
			dups++;
			continue;
		}
		pend[npend++] = &rows[i];
		if (npend == MULTI_ROWS) {
			err = insert_rows(imp, pend, MULTI_ROWS);
			npend = 0;
		}
	}
	for (int i = 0; i < npend && !err; i++) err = insert_rows(imp, &pend[i], 1);
	if (!err) *duplicates = dups;
	return err;
}

int vd_store_import_commit(struct vd_import *imp)
{
	int err = vd_conn_exec(imp->c, "COMMIT");
	import_free(imp);   /* rolls back if the commit failed */
	return err;
}

void vd_store_import_abort(struct vd_import *imp)
{
	import_free(imp);
}

int vd_store_task_owner(struct vd_store *st, int64_t task_id, int64_t *account_id)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, owner_sql);
	if (!s) {
		err = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, task_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*account_id = sqlite3_column_int64(s, 0);
		err = 0;
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "select task owner");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}
