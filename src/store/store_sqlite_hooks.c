/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite store: template calls requested by CRMs and the webhook outbox
 * that reports their results (queued by vd_store_attempt_end). */
#include "store/store_sqlite_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vd_store_template_call(struct vd_store *st, const struct vd_template_call_req *r, int64_t *call_id,
			   bool *existed)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	err = vd_conn_exec(c, "BEGIN IMMEDIATE");
	if (err) goto out;
	sqlite3_stmt *s = vd_conn_stmt(c, "SELECT 1 FROM resources WHERE id = ? AND account_id = ? AND kind = 'template'");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, r->template_id);
	sqlite3_bind_int64(s, 2, r->account_id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "find template");
		goto out;
	}
	if (r->idempotency_key) {
		s = vd_conn_stmt(c, "SELECT id FROM template_calls WHERE template_id = ? AND idempotency_key = ?");
		if (!s) { err = -EIO; goto out; }
		sqlite3_bind_int64(s, 1, r->template_id);
		sqlite3_bind_text(s, 2, r->idempotency_key, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (rc == SQLITE_ROW) {
			*call_id = id;
			*existed = true;
			err = vd_conn_exec(c, "COMMIT");
			goto out;
		}
		if (rc != SQLITE_DONE) { err = vd_sqlite_err(c, rc, "find key"); goto out; }
	}
	int64_t now = vd_store_now_ms();
	s = vd_conn_stmt(c, "INSERT INTO clients(account_id, task_id, line, client_id, phone_e164, phone_raw, variables)"
			    " VALUES (?1, ?2, 0, ?3, ?4, ?4, ?5)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, r->account_id);
	sqlite3_bind_int64(s, 2, r->template_id);
	sqlite3_bind_text(s, 3, r->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->phone_e164, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->variables ? r->variables : "{}", -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "add template client");
	sqlite3_reset(s);
	if (err) goto out;
	int64_t row = sqlite3_last_insert_rowid(c->db);
	s = vd_conn_stmt(c, "INSERT INTO template_calls(account_id, template_id, idempotency_key, client_row_id,"
			    " callback_url, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, r->account_id);
	sqlite3_bind_int64(s, 2, r->template_id);
	sqlite3_bind_text(s, 3, r->idempotency_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, row);
	sqlite3_bind_text(s, 5, r->callback_url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, now);
	err = vd_sqlite_err(c, sqlite3_step(s), "add template call");
	sqlite3_reset(s);
	if (err) goto out;
	int64_t id = sqlite3_last_insert_rowid(c->db);
	err = vd_conn_exec(c, "COMMIT");
	if (!err) {
		*call_id = id;
		*existed = false;
	}
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_template_call_get(struct vd_store *st, int64_t account_id, int64_t template_id,
			       int64_t call_id, struct vd_template_call *out)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT t.id, t.template_id, l.client_id, l.phone_e164, l.state, l.outcome, l.attempts, t.created_ms"
		" FROM template_calls t JOIN clients l ON l.id = t.client_row_id"
		" WHERE t.id = ? AND t.template_id = ? AND t.account_id = ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, call_id);
	sqlite3_bind_int64(s, 2, template_id);
	sqlite3_bind_int64(s, 3, account_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(s, 0);
		out->template_id = sqlite3_column_int64(s, 1);
		vd_col_copy(s, 2, out->client_id, sizeof out->client_id);
		vd_col_copy(s, 3, out->phone, sizeof out->phone);
		vd_col_copy(s, 4, out->state, sizeof out->state);
		vd_col_copy(s, 5, out->outcome, sizeof out->outcome);
		out->attempts = sqlite3_column_int(s, 6);
		out->created_ms = sqlite3_column_int64(s, 7);
	} else {
		err = rc == SQLITE_DONE ? -ENOENT : vd_sqlite_err(c, rc, "get template call");
	}
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_webhooks_due(struct vd_store *st, int64_t now_ms, int limit, vd_webhook_cb *cb, void *arg)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"SELECT id, account_id, template_id, url, body, attempts FROM webhook_outbox"
		" WHERE delivered_ms IS NULL AND failed = 0 AND next_ms <= ? ORDER BY next_ms, id LIMIT ?");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int(s, 2, limit);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vd_webhook w = {
			.id = sqlite3_column_int64(s, 0),
			.account_id = sqlite3_column_int64(s, 1),
			.template_id = sqlite3_column_int64(s, 2),
			.url = (const char *)sqlite3_column_text(s, 3),
			.body = (const char *)sqlite3_column_text(s, 4),
			.attempts = sqlite3_column_int(s, 5),
		};
		if (cb(arg, &w)) { rc = SQLITE_DONE; break; }
	}
	err = rc == SQLITE_DONE ? 0 : vd_sqlite_err(c, rc, "due webhooks");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}

int vd_store_webhook_result(struct vd_store *st, int64_t id, bool delivered, int64_t next_ms,
			    bool give_up, const char *error)
{
	struct vd_conn *c;
	int err = vd_conn_acquire(st, &c);
	if (err) return err;
	sqlite3_stmt *s = vd_conn_stmt(c,
		"UPDATE webhook_outbox SET attempts = attempts + 1, delivered_ms = ?2, next_ms = ?3,"
		" failed = ?4, last_error = ?5 WHERE id = ?1");
	if (!s) { err = -EIO; goto out; }
	sqlite3_bind_int64(s, 1, id);
	if (delivered) sqlite3_bind_int64(s, 2, vd_store_now_ms());
	sqlite3_bind_int64(s, 3, next_ms);
	sqlite3_bind_int(s, 4, give_up ? 1 : 0);
	sqlite3_bind_text(s, 5, error, -1, SQLITE_STATIC);
	err = vd_sqlite_err(c, sqlite3_step(s), "webhook result");
	sqlite3_reset(s);
out:
	vd_conn_release(st, c);
	return err;
}
