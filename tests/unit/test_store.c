/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The SQLite store against a real database file: migrations, accounts and
 * tokens, resources with references (409 on delete in use), account
 * isolation, paging and search. */
#include "store/store.h"
#include "vtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count_cb(void *arg, const struct vd_res *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/vd-store-XXXXXX";
	if (!mkdtemp(dir)) return 1;
	char path[128];
	snprintf(path, sizeof path, "%s/t.db", dir);

	struct vd_store *st = NULL;
	CHECK_INT(vd_store_open(&st, path, true), 0);
	int version = 0, n = -1;
	CHECK_INT(vd_store_schema_version(st, &version), 0);
	CHECK(version >= 1);
	CHECK_INT(vd_store_migrate(st, &n), 0);
	CHECK_INT(n, 0);   /* idempotent */

	uint8_t h1[32] = {1}, h2[32] = {2}, h3[32] = {3};
	int64_t a1 = 0, a2 = 0;
	CHECK_INT(vd_store_account_create(st, "One", "one@x.io", "hash", h1, &a1), 0);
	CHECK_INT(vd_store_account_create(st, "Two", "two@x.io", "hash", h2, &a2), 0);
	CHECK_INT(vd_store_account_create(st, "Dup", "ONE@x.io", "hash", h3, &a2), -EEXIST);

	struct vd_principal p;
	CHECK_INT(vd_store_token_lookup(st, h1, vd_store_now_ms(), &p), 0);
	CHECK_INT(p.account_id, a1);
	CHECK(!p.session);
	CHECK_INT(vd_store_token_lookup(st, h3, vd_store_now_ms(), &p), -ENOENT);
	/* an expired session is not found */
	uint8_t hs[32] = {9};
	int64_t tid;
	struct vd_principal owner = {.account_id = a1, .user_id = p.user_id};
	CHECK_INT(vd_store_token_create(st, &owner, "session", "login", hs, vd_store_now_ms() - 1, &tid), 0);
	CHECK_INT(vd_store_token_lookup(st, hs, vd_store_now_ms(), &p), -ENOENT);
	CHECK_INT(vd_store_token_delete(st, a2, tid, "session"), -ENOENT);  /* other account */
	CHECK_INT(vd_store_token_delete(st, a1, tid, "session"), 0);

	struct vd_user u;
	CHECK_INT(vd_store_user_by_email(st, "One@X.io", &u), 0);
	CHECK_STR(u.account_name, "One");

	/* resources and references */
	int64_t trunk = 0, plan = 0, other = 0, id;
	size_t bad = 99;
	struct vd_res_write w = {.name = "T1", .body = "{}"};
	CHECK_INT(vd_store_res_create(st, VD_KIND_TRUNK, a1, &w, &trunk, &bad), 0);
	struct vd_ref ref = {.kind = VD_KIND_TRUNK, .id = trunk, .field = "trunk_id"};
	struct vd_res_write wp = {.name = "Plan", .body = "{}", .refs = &ref, .nrefs = 1};
	CHECK_INT(vd_store_res_create(st, VD_KIND_DIAL_PLAN, a1, &wp, &plan, &bad), 0);
	/* account 2 cannot reference account 1's trunk, nor a wrong kind */
	CHECK_INT(vd_store_res_create(st, VD_KIND_DIAL_PLAN, a2, &wp, &other, &bad), -ESRCH);
	CHECK_INT(bad, 0);
	struct vd_ref wrong = {.kind = VD_KIND_SCRIPT, .id = trunk, .field = "script_id"};
	struct vd_res_write ww = {.name = "X", .body = "{}", .refs = &wrong, .nrefs = 1};
	CHECK_INT(vd_store_res_create(st, VD_KIND_TASK, a1, &ww, &other, &bad), -ESRCH);
	/* nothing half-written by the failed creates */
	int cnt = 0;
	int64_t total = -1;
	struct vd_res_query q = {.page = 1, .per_page = 10};
	CHECK_INT(vd_store_res_list(st, VD_KIND_DIAL_PLAN, a2, &q, count_cb, &cnt, &total), 0);
	CHECK_INT(total, 0);
	CHECK_INT(vd_store_res_list(st, VD_KIND_TASK, a1, &q, count_cb, &cnt, &total), 0);
	CHECK_INT(total, 0);

	struct vd_ref user = {0};
	CHECK_INT(vd_store_res_delete(st, VD_KIND_TRUNK, a1, trunk, &user), -EBUSY);
	CHECK_INT(user.kind, VD_KIND_DIAL_PLAN);
	CHECK_INT(user.id, plan);
	CHECK_INT(vd_store_res_delete(st, VD_KIND_TRUNK, a2, trunk, &user), -ENOENT);
	struct vd_res r = {0};
	CHECK_INT(vd_store_res_get(st, VD_KIND_TRUNK, a2, trunk, &r), -ENOENT);
	CHECK_INT(vd_store_res_get(st, VD_KIND_DIAL_PLAN, a1, trunk, &r), -ENOENT); /* wrong kind */
	CHECK_INT(vd_store_res_get(st, VD_KIND_TRUNK, a1, trunk, &r), 0);
	CHECK_STR(r.name, "T1");
	vd_res_reset(&r);
	/* dropping the reference frees the trunk */
	struct vd_res_write wp2 = {.name = "Plan2", .body = "{}"};
	CHECK_INT(vd_store_res_update(st, VD_KIND_DIAL_PLAN, a2, plan, &wp2, &bad), -ENOENT);
	CHECK_INT(vd_store_res_update(st, VD_KIND_DIAL_PLAN, a1, plan, &wp2, &bad), 0);
	CHECK_INT(vd_store_res_delete(st, VD_KIND_TRUNK, a1, trunk, &user), 0);

	/* status transitions */
	struct vd_res_write wt = {.name = "Task", .body = "{}", .status = "draft"};
	CHECK_INT(vd_store_res_create(st, VD_KIND_TASK, a1, &wt, &id, &bad), 0);
	CHECK_INT(vd_store_res_set_status(st, VD_KIND_TASK, a1, id, "running", "paused"), -EAGAIN);
	CHECK_INT(vd_store_res_set_status(st, VD_KIND_TASK, a1, id, "draft", "running"), 0);
	CHECK_INT(vd_store_res_set_status(st, VD_KIND_TASK, a2, id, NULL, "cancelled"), -ENOENT);

	/* paging and search: 25 scripts named s0..s24 */
	for (int i = 0; i < 25; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		struct vd_res_write ws = {.name = name, .body = "{}"};
		CHECK_INT(vd_store_res_create(st, VD_KIND_SCRIPT, a1, &ws, &id, &bad), 0);
	}
	cnt = 0;
	q = (struct vd_res_query){.page = 3, .per_page = 10};
	CHECK_INT(vd_store_res_list(st, VD_KIND_SCRIPT, a1, &q, count_cb, &cnt, &total), 0);
	CHECK_INT(total, 25);
	CHECK_INT(cnt, 5);
	cnt = 0;
	q = (struct vd_res_query){.q = "s1", .page = 1, .per_page = 50};
	CHECK_INT(vd_store_res_list(st, VD_KIND_SCRIPT, a1, &q, count_cb, &cnt, &total), 0);
	CHECK_INT(total, 11);  /* s1, s10..s19 */
	cnt = 0;
	q = (struct vd_res_query){.q = "%", .page = 1, .per_page = 50};
	CHECK_INT(vd_store_res_list(st, VD_KIND_SCRIPT, a1, &q, count_cb, &cnt, &total), 0);
	CHECK_INT(total, 0);   /* wildcards are literal */

	vd_store_close(st);
	unlink(path);
	char wal[160];
	snprintf(wal, sizeof wal, "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", path);
	unlink(wal);
	rmdir(dir);
	return vt_done();
}
