/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: the streamed clients import (store.h "clients import").
 *
 * An import holds one pooled connection and one BEGIN IMMEDIATE transaction
 * from _begin to _commit, so a file is imported whole or not at all and the
 * task cannot be deleted under it. Rows go through one cached INSERT; the
 * UNIQUE (task_id, phone_e164) index decides duplicates (ON CONFLICT DO
 * NOTHING, then sqlite3_changes), which covers both numbers already in the
 * task and repeats within the file.
 *
 * Two settings change on the connection for the import and are put back
 * before it returns to the pool (docs/internals/import.md has the numbers):
 *  - foreign_keys=OFF: every row references the same account and task,
 *    which _begin checks inside the transaction; the write lock keeps them
 *    there until the commit, so the per-row parent lookups are pure cost;
 *  - a larger page cache: rows arrive in file order but the phone index is
 *    written in random order, and a cache smaller than that index makes
 *    inserts re-read index pages.
 * Durability settings are not touched: the commit is as durable as any
 * other. */
#include "store/store_sqlite_int.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>

/* Connection settings while importing, and the pool's own (store_sqlite.c
 * conn_open: keep them in step). foreign_keys cannot change inside a
 * transaction, so these run before BEGIN and after COMMIT/ROLLBACK. */
#define IMPORT_PRAGMAS "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;"
#define DEFAULT_PRAGMAS "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"

static const char task_sql[] =
	"SELECT 1 FROM resources WHERE id = ? AND account_id = ? AND kind = 'task'";
static const char insert_sql[] =
	"INSERT INTO clients(account_id, task_id, line, client_id, phone_e164, phone_raw,"
	" timezone, variables) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (task_id, phone_e164) DO NOTHING";
static const char owner_sql[] =
	"SELECT account_id FROM resources WHERE id = ? AND kind = 'task'";

struct vd_import {
	struct vd_store *st;
	struct vd_conn *c;
	sqlite3_stmt *ins;       /* cached by the connection, not owned */
	int64_t account_id;
	int64_t task_id;
};

/* Never pool a connection left without foreign keys. Closing it costs the
 * pool one of its slots (store_sqlite_int.h has no way to return the
 * slot); this only happens if SQLite cannot run a PRAGMA outside a
 * transaction, i.e. it is out of memory. */
static void conn_drop(struct vd_conn *c)
{
	vd_err("store", "import: cannot restore the connection settings; closing it");
	for (int i = 0; i < c->nstmt; i++) sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	free(c);
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
			conn_drop(imp->c);
		}
	}
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

	imp->ins = vd_conn_stmt(imp->c, insert_sql);
	if (!imp->ins) err = -EIO;
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

int vd_store_import_add(struct vd_import *imp, const struct vd_client_row *row, bool *duplicate)
{
	if (!row->phone_e164 || !row->phone_raw) return -EINVAL;
	sqlite3_stmt *s = imp->ins;
	sqlite3_bind_int64(s, 1, imp->account_id);
	sqlite3_bind_int64(s, 2, imp->task_id);
	sqlite3_bind_int64(s, 3, row->line);
	bind_text_or_null(s, 4, row->client_id);
	sqlite3_bind_text(s, 5, row->phone_e164, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, row->phone_raw, -1, SQLITE_STATIC);
	bind_text_or_null(s, 7, row->timezone);
	sqlite3_bind_text(s, 8, row->variables ? row->variables : "{}", -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	int err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(imp->c, rc, "import: insert client");
	if (err == -EEXIST) {
		/* Only the phone index is resolved by ON CONFLICT; any other
		 * constraint failing means a broken row. */
		vd_err("store", "import: insert client failed: %s", sqlite3_errmsg(imp->c->db));
		err = -EIO;
	}
	if (!err) *duplicate = sqlite3_changes(imp->c->db) == 0;
	sqlite3_reset(s);
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
