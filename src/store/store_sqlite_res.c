/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: configuration resources (trunks, dial plans, ..., tasks,
 * templates) in one `resources` table, and the references between them in
 * `resource_refs`. Writes check, inside the same IMMEDIATE transaction, that
 * every reference names an object of the expected kind in the same account,
 * so a concurrent delete cannot leave a dangling reference. */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[VD_KIND_COUNT] = {
	[VD_KIND_TRUNK] = "trunk",
	[VD_KIND_DIAL_PLAN] = "dial_plan",
	[VD_KIND_CALLERID_GROUP] = "callerid_group",
	[VD_KIND_RECALL_RULE_SET] = "recall_rule_set",
	[VD_KIND_ROUTE] = "route",
	[VD_KIND_SCRIPT] = "script",
	[VD_KIND_AUDIO] = "audio",
	[VD_KIND_TASK] = "task",
	[VD_KIND_TEMPLATE] = "template",
};

const char *vd_kind_name(enum vd_kind kind)
{
	return (unsigned)kind < VD_KIND_COUNT ? kind_names[kind] : "?";
}

static int kind_parse(const char *s, enum vd_kind *out)
{
	for (int k = 0; k < VD_KIND_COUNT; k++) {
		if (s && !strcmp(s, kind_names[k])) {
			*out = (enum vd_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

void vd_res_reset(struct vd_res *r)
{
	free(r->name);
	free(r->body);
	free(r->status);
	memset(r, 0, sizeof *r);
}

/* Replaces the references of `from_id`; -ESRCH with *bad for a bad target. */
static int refs_write(struct vd_conn *c, int64_t account_id, int64_t from_id,
		      const struct vd_res_write *w, size_t *bad)
{
	sqlite3_stmt *s = vd_conn_stmt(c, "DELETE FROM resource_refs WHERE from_id = ?");
	if (!s) return -EIO;
	sqlite3_bind_int64(s, 1, from_id);
	int err = vd_sqlite_err(c, sqlite3_step(s), "delete refs");
	if (err) return err;
	for (size_t i = 0; i < w->nrefs; i++) {
		const struct vd_ref *r = &w->refs[i];
		s = vd_conn_stmt(c, "SELECT 1 FROM resources WHERE id = ? AND account_id = ? AND kind = ?");
		if (!s) return -EIO;
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_int64(s, 2, account_id);
		sqlite3_bind_text(s, 3, vd_kind_name(r->kind), -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_DONE) {
			*bad = i;
			return -ESRCH;
		}
		if (rc != SQLITE_ROW) return vd_sqlite_err(c, rc, "check ref");
		s = vd_conn_stmt(c, "INSERT OR IGNORE INTO resource_refs(account_id, from_id, to_id, field)"
				    " VALUES (?, ?, ?, ?)");
		if (!s) return -EIO;
		sqlite3_bind_int64(s, 1, account_id);
		sqlite3_bind_int64(s, 2, from_id);
		sqlite3_bind_int64(s, 3, r->id);
		sqlite3_bind_text(s, 4, r->field ? r->field : "", -1, SQLITE_STATIC);
		err = vd_sqlite_err(c, sqlite3_step(s), "insert ref");
		if (err) return err;
	}
	return 0;
}

int vd_store_res_create(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			const struct vd_res_write *w, int64_t *id, size_t *bad_ref)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	int64_t now = vd_store_now_ms();
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"INSERT INTO resources(account_id, kind, name, status, body, created_ms, updated_ms)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, account_id);
	sqlite3_bind_text(s, 2, vd_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, w->name, -1, SQLITE_STATIC);
	if (w->status)
		sqlite3_bind_text(s, 4, w->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, w->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, now);
	err = vd_sqlite_err(c, sqlite3_step(s), "insert resource");
	sqlite3_reset(s);
	if (err) goto out;
	int64_t new_id = sqlite3_last_insert_rowid(c->db);
	size_t bad = 0;
	err = refs_write(c, account_id, new_id, w, &bad);
	if (err == -ESRCH && bad_ref) *bad_ref = bad;
	if (err) goto out;
	err = vd_conn_exec(c, "COMMIT");
	if (!err) *id = new_id;
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_res_update(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			int64_t id, const struct vd_res_write *w, size_t *bad_ref)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"UPDATE resources SET name = ?, body = ?, status = coalesce(?, status), updated_ms = ?"
		" WHERE id = ? AND account_id = ? AND kind = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_text(s, 1, w->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, w->body, -1, SQLITE_STATIC);
	if (w->status)
		sqlite3_bind_text(s, 3, w->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, vd_store_now_ms());
	sqlite3_bind_int64(s, 5, id);
	sqlite3_bind_int64(s, 6, account_id);
	sqlite3_bind_text(s, 7, vd_kind_name(kind), -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "update resource");
	sqlite3_reset(s);
	if (err) goto out;
	if (sqlite3_changes(c->db) == 0) { err = -ENOENT; goto out; }
	size_t bad = 0;
	err = refs_write(c, account_id, id, w, &bad);
	if (err == -ESRCH && bad_ref) *bad_ref = bad;
	if (err) goto out;
	err = vd_conn_exec(c, "COMMIT");
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_res_set_status(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			    int64_t id, const char *from, const char *to)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT status FROM resources WHERE id = ? AND account_id = ? AND kind = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_text(s, 3, vd_kind_name(kind), -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "select status");
		sqlite3_reset(s);
		goto out;
	}
	const unsigned char *cur = sqlite3_column_text(s, 0);
	bool ok = !from || (cur && !strcmp((const char *)cur, from));
	sqlite3_reset(s);
	if (!ok) { err = -EAGAIN; goto out; }
	s = vd_conn_stmt(c, "UPDATE resources SET status = ?, updated_ms = ? WHERE id = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_text(s, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, vd_store_now_ms());
	sqlite3_bind_int64(s, 3, id);
	err = vd_sqlite_err(c, sqlite3_step(s), "update status");
	sqlite3_reset(s);
	if (err) goto out;
	err = vd_conn_exec(c, "COMMIT");
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_res_delete(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			int64_t id, struct vd_ref *user)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT r.kind, r.id, f.field FROM resource_refs f JOIN resources r ON r.id = f.from_id"
		" JOIN resources t ON t.id = f.to_id"
		" WHERE f.to_id = ? AND t.account_id = ? AND t.kind = ? ORDER BY r.id LIMIT 1");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_text(s, 3, vd_kind_name(kind), -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct vd_ref u = {.id = sqlite3_column_int64(s, 1)};
		if (kind_parse((const char *)sqlite3_column_text(s, 0), &u.kind) != 0)
			u.kind = VD_KIND_COUNT;
		/* The field name must outlive the statement: point at a static
		 * copy of the known names instead of the column text. */
		u.field = NULL;
		if (user) *user = u;
		sqlite3_reset(s);
		err = -EBUSY;
		goto out;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "check users"); goto out; }
	s = vd_conn_stmt(c, "DELETE FROM resources WHERE id = ? AND account_id = ? AND kind = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_text(s, 3, vd_kind_name(kind), -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "delete resource");
	sqlite3_reset(s);
	if (err) goto out;
	if (sqlite3_changes(c->db) == 0) { err = -ENOENT; goto out; }
	err = vd_conn_exec(c, "COMMIT");
out:
	vd_conn_release(st, c);
	return err;
}

static void res_from_row(sqlite3_stmt *s, struct vd_res *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->name = vd_col_strdup(s, 1);
	r->status = vd_col_strdup(s, 2);
	r->body = vd_col_strdup(s, 3);
	r->created_ms = sqlite3_column_int64(s, 4);
	r->updated_ms = sqlite3_column_int64(s, 5);
}

int vd_store_res_get(struct vd_store *st, enum vd_kind kind, int64_t account_id, int64_t id,
		     struct vd_res *out)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT id, name, status, body, created_ms, updated_ms FROM resources"
		" WHERE id = ? AND account_id = ? AND kind = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, account_id);
	sqlite3_bind_text(s, 3, vd_kind_name(kind), -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct vd_res r = {0};
		res_from_row(s, &r);
		if (!r.name || !r.body) {
			vd_res_reset(&r);
			err = -ENOMEM;
		} else {
			*out = r;
		}
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "get resource");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

/* One statement serves every filter combination: a NULL parameter disables
 * its condition. `q` matches a name substring (case-insensitive, LIKE with
 * escaped wildcards) or the exact id. */
int vd_store_res_list(struct vd_store *st, enum vd_kind kind, int64_t account_id,
		      const struct vd_res_query *q, vd_res_cb *cb, void *arg, int64_t *total)
{
	static const char count_sql[] =
		"SELECT count(*) FROM resources"
		" WHERE account_id = ?1 AND kind = ?2"
		" AND (?3 IS NULL OR name LIKE ?3 ESCAPE '\\' OR id = ?4)"
		" AND (?5 IS NULL OR status = ?5)"
		" AND (?6 IS NULL OR coalesce(last_call_ms, updated_ms) >= ?6)"
		" AND (?7 IS NULL OR coalesce(first_call_ms, created_ms) <= ?7)";
	static const char page_sql[] =
		"SELECT id, name, status, body, created_ms, updated_ms FROM resources"
		" WHERE account_id = ?1 AND kind = ?2"
		" AND (?3 IS NULL OR name LIKE ?3 ESCAPE '\\' OR id = ?4)"
		" AND (?5 IS NULL OR status = ?5)"
		" AND (?6 IS NULL OR coalesce(last_call_ms, updated_ms) >= ?6)"
		" AND (?7 IS NULL OR coalesce(first_call_ms, created_ms) <= ?7)"
		" ORDER BY id DESC LIMIT ?8 OFFSET ?9";
	char like[512];
	const char *likep = NULL;
	if (q->q && *q->q) {
		size_t j = 0;
		like[j++] = '%';
		for (const char *p = q->q; *p && j < sizeof like - 3; p++) {
			if (*p == '%' || *p == '_' || *p == '\\') like[j++] = '\\';
			like[j++] = *p;
		}
		like[j++] = '%';
		like[j] = '\0';
		likep = like;
	}
	char *endp = NULL;
	long long qid = likep ? strtoll(q->q, &endp, 10) : 0;
	bool qid_ok = likep && endp && *endp == '\0';

	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	for (int pass = 0; pass < 2 && !err; pass++) {
		sqlite3_stmt *s = vd_conn_stmt(c, pass == 0 ? count_sql : page_sql);
		if (!s) { err = -EIO; break; }
		sqlite3_bind_int64(s, 1, account_id);
		sqlite3_bind_text(s, 2, vd_kind_name(kind), -1, SQLITE_STATIC);
		if (likep) sqlite3_bind_text(s, 3, likep, -1, SQLITE_STATIC);
		if (qid_ok) sqlite3_bind_int64(s, 4, qid);
		if (q->status) sqlite3_bind_text(s, 5, q->status, -1, SQLITE_STATIC);
		if (q->from_ms) sqlite3_bind_int64(s, 6, q->from_ms);
		if (q->to_ms) sqlite3_bind_int64(s, 7, q->to_ms);
		int rc;
		if (pass == 0) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW) {
				if (total) *total = sqlite3_column_int64(s, 0);
				rc = SQLITE_DONE;
			}
		} else {
			sqlite3_bind_int64(s, 8, q->per_page);
			sqlite3_bind_int64(s, 9, (int64_t)(q->page - 1) * q->per_page);
			while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
				struct vd_res r = {0};
				res_from_row(s, &r);
				int stop = cb(arg, &r);
				vd_res_reset(&r);
				if (stop) { rc = SQLITE_DONE; break; }
			}
		}
		if (rc != SQLITE_DONE) err = vd_sqlite_err(c, rc, "list resources");
		sqlite3_reset(s);
	}
	vd_conn_release(st, c);
	return err;
}
