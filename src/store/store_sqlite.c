/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: the connection pool, migrations, accounts and tokens.
 * WAL mode lets readers run beside the one writer; write transactions use
 * BEGIN IMMEDIATE so they queue on the busy timeout instead of failing
 * half-way. Statements are prepared once per connection and cached. */
#include "store/store_sqlite_int.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX 8

struct vd_embedded { const char *name; const unsigned char *data; size_t size; };
extern const struct vd_embedded vd_migrations[];

struct vd_store {
	char *path;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vd_conn *free_list;
	int nconn;
};

int64_t vd_store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vd_sqlite_err(struct vd_conn *c, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return 0;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return -EBUSY;
		return -EEXIST;
	case SQLITE_NOMEM: return -ENOMEM;
	default:
		vd_err("store", "%s failed: %s (%d)", what, c ? sqlite3_errmsg(c->db) : "?", rc);
		return -EIO;
	}
}

static int conn_open(const char *path, struct vd_conn **out)
{
	struct vd_conn *c = calloc(1, sizeof *c);
	if (!c) return -ENOMEM;
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		vd_err("store", "cannot open database %s: %s", path,
		       c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	sqlite3_busy_timeout(c->db, 10000);
	/* page_size: 16 KB pages for a new database (a no-op on an existing
	 * one); it must come before the switch to WAL. Fewer, wider B-tree
	 * pages: ~10% less CPU for a 1M-row clients import
	 * (docs/internals/import.md).
	 * WAL + NORMAL: a commit is durable against a process crash (kill -9);
	 * only an OS crash may lose the last transactions. */
	static const char *pragmas =
		"PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		" PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;";
	rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		vd_err("store", "cannot configure database %s: %s", path, sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

static void conn_close(struct vd_conn *c)
{
	for (int i = 0; i < c->nstmt; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	free(c);
}

int vd_conn_open_dedicated(struct vd_store *st, struct vd_conn **out)
{
	return conn_open(st->path, out);
}

void vd_conn_close(struct vd_conn *c)
{
	if (c) conn_close(c);
}

int vd_conn_acquire(struct vd_store *st, struct vd_conn **out)
{
	pthread_mutex_lock(&st->lock);
	while (!st->free_list && st->nconn >= POOL_MAX)
		pthread_cond_wait(&st->cond, &st->lock);
	struct vd_conn *c = st->free_list;
	if (c) {
		st->free_list = c->next_free;
		pthread_mutex_unlock(&st->lock);
		*out = c;
		return 0;
	}
	st->nconn++;
	pthread_mutex_unlock(&st->lock);
	int err = conn_open(st->path, &c);
	if (err) {
		pthread_mutex_lock(&st->lock);
		st->nconn--;
		pthread_cond_signal(&st->cond);
		pthread_mutex_unlock(&st->lock);
		return err;
	}
	*out = c;
	return 0;
}

void vd_conn_release(struct vd_store *st, struct vd_conn *c)
{
	if (!c) return;
	if (!sqlite3_get_autocommit(c->db)) {
		/* A caller bailed out mid-transaction: never hand it on. */
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_lock(&st->lock);
	c->next_free = st->free_list;
	st->free_list = c;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

void vd_conn_discard(struct vd_store *st, struct vd_conn *c)
{
	if (!c) return;
	conn_close(c);   /* an open transaction is rolled back by the close */
	pthread_mutex_lock(&st->lock);
	st->nconn--;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

sqlite3_stmt *vd_conn_stmt(struct vd_conn *c, const char *sql)
{
	for (int i = 0; i < c->nstmt; i++) {
		if (c->sql[i] == sql) {
			sqlite3_reset(c->stmt[i]);
			sqlite3_clear_bindings(c->stmt[i]);
			return c->stmt[i];
		}
	}
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		vd_err("store", "prepare failed: %s", sqlite3_errmsg(c->db));
		return NULL;
	}
	if (c->nstmt < VD_STMT_CACHE) {
		c->sql[c->nstmt] = sql;
		c->stmt[c->nstmt++] = s;
		return s;
	}
	/* Cache full: a programming error (more distinct statements than
	 * slots). Keep working by replacing the last slot. */
	vd_warn("store", "statement cache full");
	sqlite3_finalize(c->stmt[VD_STMT_CACHE - 1]);
	c->sql[VD_STMT_CACHE - 1] = sql;
	c->stmt[VD_STMT_CACHE - 1] = s;
	return s;
}

int vd_conn_exec(struct vd_conn *c, const char *sql)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return vd_sqlite_err(c, rc, sql);
}

char *vd_col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

void vd_col_copy(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	if (size == 0) return;
	dst[0] = '\0';
	if (t) {
		size_t n = strlen((const char *)t);
		if (n >= size) n = size - 1;
		memcpy(dst, t, n);
		dst[n] = '\0';
	}
}

int vd_store_exec2(struct vd_store *st, const char *sql, int64_t a, int64_t b, const char *what)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, sql);
	if (s) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		err = vd_sqlite_err(c, sqlite3_step(s), what);
		sqlite3_reset(s);
	} else {
		err = -EIO;
	}
	vd_conn_release(st, c);
	return err;
}

int vd_store_row2(struct vd_store *st, const char *sql, int64_t a, int64_t b, vd_row_fill *fill,
		  void *out, const char *what)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, sql);
	if (s) {
		sqlite3_bind_int64(s, 1, a);
		sqlite3_bind_int64(s, 2, b);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			fill(s, out);
		else
			err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, what);
		sqlite3_reset(s);
	} else {
		err = -EIO;
	}
	vd_conn_release(st, c);
	return err;
}

/* ---- open, close, migrate ---- */

int vd_store_open(struct vd_store **stp, const char *path, bool migrate)
{
	struct vd_store *st = calloc(1, sizeof *st);
	if (!st) return -ENOMEM;
	st->path = strdup(path);
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	struct vd_conn *c;
	int err = st->path ? vd_conn_acquire(st, &c) : -ENOMEM;
	if (err) {
		vd_store_close(st);
		return err;
	}
	vd_conn_release(st, c);
	if (migrate) {
		int n;
		err = vd_store_migrate(st, &n);
		if (err) {
			vd_store_close(st);
			return err;
		}
	}
	*stp = st;
	return 0;
}

void vd_store_close(struct vd_store *st)
{
	if (!st) return;
	struct vd_conn *c = st->free_list;
	while (c) {
		struct vd_conn *next = c->next_free;
		conn_close(c);
		c = next;
	}
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	free(st->path);
	free(st);
}

int vd_store_schema_version(struct vd_store *st, int *version)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, "PRAGMA user_version");
	err = -EIO;
	if (s && sqlite3_step(s) == SQLITE_ROW) {
		*version = sqlite3_column_int(s, 0);
		err = 0;
	}
	if (s) sqlite3_reset(s);
	vd_conn_release(st, c);
	return err;
}

/* Migrations are the embedded files NNNN_*.sql in order; PRAGMA user_version
 * holds the last applied number. Each runs in its own transaction. */
int vd_store_migrate(struct vd_store *st, int *applied)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	int n = 0;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	int version = 0;
	sqlite3_stmt *s = vd_conn_stmt(c, "PRAGMA user_version");
	if (!s || sqlite3_step(s) != SQLITE_ROW) {
		err = -EIO;
		goto out;
	}
	version = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	for (const struct vd_embedded *m = vd_migrations; m->name; m++) {
		int number = (int)strtol(m->name, NULL, 10);
		if (number <= version) continue;
		char *msg = NULL;
		int rc = sqlite3_exec(c->db, (const char *)m->data, NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			vd_err("store", "migration %s failed: %s", m->name, msg ? msg : "?");
			sqlite3_free(msg);
			err = -EIO;
			goto out;
		}
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", number);
		err = vd_conn_exec(c, pragma);
		if (err) goto out;
		vd_info("store", "applied migration %s", m->name);
		n++;
	}
	err = vd_conn_exec(c, "COMMIT");
out:
	vd_conn_release(st, c);   /* rolls back on error */
	if (!err) *applied = n;
	return err;
}

/* ---- accounts, users, tokens ---- */

int vd_store_account_create(struct vd_store *st, const char *name, const char *email,
			    const char *password_hash, const uint8_t token_hash[32],
			    int64_t *account_id)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	int64_t now = vd_store_now_ms();
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;

	sqlite3_stmt *s = vd_conn_stmt(c, "INSERT INTO accounts(name, created_ms) VALUES (?, ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert account");
	if (err) goto out;
	int64_t acct = sqlite3_last_insert_rowid(c->db);

	s = vd_conn_stmt(c, "INSERT INTO users(account_id, email, password_hash, role, created_ms)"
			    " VALUES (?, ?, ?, 'admin', ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, acct);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert user");
	if (err) goto out;
	int64_t user = sqlite3_last_insert_rowid(c->db);

	s = vd_conn_stmt(c, "INSERT INTO api_tokens(account_id, user_id, kind, name, token_hash,"
			    " created_ms) VALUES (?, ?, 'api', 'initial', ?, ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, acct);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_blob(s, 3, token_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert token");
	if (err) goto out;
	err = vd_conn_exec(c, "COMMIT");
	if (!err) *account_id = acct;
out:
	vd_conn_release(st, c);
	return err;
}

static int user_fetch(struct vd_store *st, bool by_email, const char *email,
		      int64_t account_id, int64_t user_id, struct vd_user *out)
{
	static const char by_email_sql[] =
		"SELECT u.id, u.account_id, u.email, u.role, u.password_hash, a.name"
		" FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.email = ?";
	static const char by_id_sql[] =
		"SELECT u.id, u.account_id, u.email, u.role, u.password_hash, a.name"
		" FROM users u JOIN accounts a ON a.id = u.account_id"
		" WHERE u.id = ? AND u.account_id = ?";
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c, by_email ? by_email_sql : by_id_sql);
	if (!s) { err = -EIO; goto out; }
	if (by_email) {
		sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(s, 1, user_id);
		sqlite3_bind_int64(s, 2, account_id);
	}
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->account_id = sqlite3_column_int64(s, 1);
		vd_col_copy(s, 2, out->email, sizeof out->email);
		vd_col_copy(s, 3, out->role, sizeof out->role);
		vd_col_copy(s, 4, out->password_hash, sizeof out->password_hash);
		vd_col_copy(s, 5, out->account_name, sizeof out->account_name);
		err = 0;
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "select user");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_user_by_email(struct vd_store *st, const char *email, struct vd_user *out)
{
	return user_fetch(st, true, email, 0, 0, out);
}

int vd_store_user_get(struct vd_store *st, int64_t account_id, int64_t user_id,
		      struct vd_user *out)
{
	return user_fetch(st, false, NULL, account_id, user_id, out);
}

int vd_store_token_create(struct vd_store *st, const struct vd_principal *owner,
			  const char *kind, const char *name, const uint8_t hash[32],
			  int64_t expires_ms, int64_t *token_id)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"INSERT INTO api_tokens(account_id, user_id, kind, name, token_hash, created_ms,"
		" expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, owner->account_id);
	sqlite3_bind_int64(s, 2, owner->user_id);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, name ? name : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, vd_store_now_ms());
	if (expires_ms > 0)
		sqlite3_bind_int64(s, 7, expires_ms);
	else
		sqlite3_bind_null(s, 7);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert token");
	if (!err) *token_id = sqlite3_last_insert_rowid(c->db);
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_token_lookup(struct vd_store *st, const uint8_t hash[32], int64_t now_ms,
			  struct vd_principal *out)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT id, account_id, user_id, kind FROM api_tokens"
		" WHERE token_hash = ? AND (expires_ms IS NULL OR expires_ms > ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now_ms);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->token_id = sqlite3_column_int64(s, 0);
		out->account_id = sqlite3_column_int64(s, 1);
		out->user_id = sqlite3_column_int64(s, 2);
		const unsigned char *k = sqlite3_column_text(s, 3);
		out->session = k && !strcmp((const char *)k, "session");
		err = 0;
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "select token");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_token_list(struct vd_store *st, int64_t account_id, vd_token_cb *cb, void *arg)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT id, name, created_ms FROM api_tokens WHERE account_id = ? AND kind = 'api'"
		" ORDER BY id");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, account_id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cb(arg, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
		       sqlite3_column_int64(s, 2)))
			break;
	}
	err = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : vd_sqlite_err(c, rc, "list tokens");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_token_delete(struct vd_store *st, int64_t account_id, int64_t token_id,
			  const char *kind)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"DELETE FROM api_tokens WHERE id = ? AND account_id = ? AND kind = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, token_id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "delete token");
	if (!err && sqlite3_changes(c->db) == 0) err = -ENOENT;
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}
