/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The dialer's batched writes against a real database file: a batch of
 * attempts claims its clients and inserts their rows in one transaction
 * (a client no longer pending is skipped, a bad row rolls back the whole
 * batch); a batch of ends closes rows and moves clients on, and the answer
 * times written with it survive for a call left open (what recovery after
 * a kill -9 reads). */
#include "store/store.h"
#include "vtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opens { int n; int64_t call_id[8], answered_ms[8], attempts[8]; };

static int open_cb(void *arg, const struct vd_open_attempt *a)
{
	struct opens *o = arg;
	if (o->n < 8) {
		o->call_id[o->n] = a->call_id;
		o->answered_ms[o->n] = a->answered_ms;
		o->attempts[o->n] = a->rc.attempts;
	}
	o->n++;
	return 0;
}

static int count_hook(void *arg, const struct vd_webhook *w)
{
	(void)w;
	(*(int *)arg)++;
	return 0;
}

struct dues { int n; int64_t row_id[8]; };

static int due_cb(void *arg, const struct vd_due_client *c)
{
	struct dues *d = arg;
	if (d->n < 8) d->row_id[d->n] = c->row_id;
	d->n++;
	return 0;
}

static int pending(struct vd_store *st, int64_t task, int64_t now, struct dues *d)
{
	memset(d, 0, sizeof *d);
	CHECK_INT(vd_store_due_clients(st, task, now, 10, due_cb, d), 0);
	return d->n;
}

int main(void)
{
	char dir[] = "/tmp/vd-store-dial-XXXXXX";
	if (!mkdtemp(dir)) return 1;
	char path[128];
	snprintf(path, sizeof path, "%s/t.db", dir);
	struct vd_store *st = NULL;
	CHECK_INT(vd_store_open(&st, path, true), 0);

	uint8_t h[32] = {1};
	int64_t acc = 0, task = 0, cl[4];
	size_t bad = 0;
	CHECK_INT(vd_store_account_create(st, "One", "one@x.io", "hash", h, &acc), 0);
	struct vd_res_write wt = {.name = "Task", .body = "{}", .status = "running"};
	CHECK_INT(vd_store_res_create(st, VD_KIND_TASK, acc, &wt, &task, &bad), 0);
	for (int i = 0; i < 4; i++) {
		char phone[16];
		snprintf(phone, sizeof phone, "+7916000000%d", i);
		CHECK_INT(vd_store_client_add(st, acc, task, NULL, phone, "{\"n\":1}", &cl[i]), 0);
	}
	int64_t now = vd_store_now_ms();
	struct dues d;
	CHECK_INT(pending(st, task, now, &d), 4);

	/* A bad row (no phone: NOT NULL) rolls the whole batch back: the good
	 * client before it is not claimed and no row is left. */
	struct vd_attempt v[3] = {
		{.account_id = acc, .task_id = task, .client_row_id = cl[0], .phone = "+79160000000",
		 .attempt = 1, .started_ms = now},
		{.account_id = acc, .task_id = task, .client_row_id = cl[1], .phone = NULL, .attempt = 1,
		 .started_ms = now},
	};
	int64_t ids[3] = {7, 7, 7};
	CHECK(vd_store_attempts_begin(st, v, 2, ids) != 0);
	CHECK_INT(ids[0], 0);
	CHECK_INT(ids[1], 0);
	CHECK_INT(pending(st, task, now, &d), 4);
	struct opens o = {0};
	CHECK_INT(vd_store_open_attempts(st, open_cb, &o), 0);
	CHECK_INT(o.n, 0);

	/* Three attempts in one batch, the third for a client the first
	 * already claimed: two rows, the third skipped. */
	v[1].phone = "+79160000001";
	v[2] = v[0];
	CHECK_INT(vd_store_attempts_begin(st, v, 3, ids), 0);
	CHECK(ids[0] > 0);
	CHECK(ids[1] > ids[0]);
	CHECK_INT(ids[2], 0);
	CHECK_INT(pending(st, task, now, &d), 2);
	CHECK_INT(vd_store_attempts_begin(st, v, 0, ids), 0);   /* nothing to do */
	/* the single-row form says -EAGAIN for a client already claimed */
	int64_t one = 0;
	CHECK_INT(vd_store_attempt_begin(st, &v[0], &one), -EAGAIN);

	/* One pass: both calls answered, the second ends (busy, recall due
	 * now), the first is still up when the process dies. */
	struct vd_call_answer ans[2] = {{ids[0], now + 100}, {ids[1], now + 200}};
	struct vd_attempt_end e = {
		.call_id = ids[1], .client_row_id = cl[1], .task_id = task, .outcome = "busy", .sip_code = 486,
		.ended_ms = now + 300, .cost_minor = -1, .next_attempt_ms = now - 1,
		.rc = {.attempts = 1, .owed = "busy", .done = {1, 0, 0, 0, 0}},
	};
	CHECK_INT(vd_store_attempts_end(st, ans, 2, &e, 1), 0);
	memset(&o, 0, sizeof o);
	CHECK_INT(vd_store_open_attempts(st, open_cb, &o), 0);
	CHECK_INT(o.n, 1);
	CHECK_INT(o.call_id[0], ids[0]);
	CHECK_INT(o.answered_ms[0], now + 100);   /* what recovery closes it with */
	CHECK_INT(o.attempts[0], 1);
	CHECK_INT(pending(st, task, now, &d), 3);  /* the busy one is a recall due now */
	CHECK_INT(d.row_id[0], cl[1]);             /* recalls first */

	struct vd_call c = {0};
	CHECK_INT(vd_store_call_get(st, acc, ids[1], &c), 0);
	CHECK_STR(c.outcome, "busy");
	CHECK_INT(c.answered_ms, 0);               /* the end's own (none) wins */
	CHECK_INT(c.ended_ms, now + 300);
	vd_call_reset(&c);

	/* A late answer for a closed call changes nothing. */
	struct vd_call_answer late = {ids[1], now + 999};
	CHECK_INT(vd_store_attempts_end(st, &late, 1, NULL, 0), 0);
	CHECK_INT(vd_store_call_get(st, acc, ids[1], &c), 0);
	CHECK_INT(c.answered_ms, 0);
	vd_call_reset(&c);

	/* Two CRM calls of a template, one with variables that are not JSON
	 * (its webhook body cannot be built). */
	int64_t tpl = 0, tc = 0, tr[2];
	bool existed = false;
	struct vd_res_write wtp = {.name = "Tpl", .body = "{}"};
	CHECK_INT(vd_store_res_create(st, VD_KIND_TEMPLATE, acc, &wtp, &tpl, &bad), 0);
	struct vd_template_call_req rq = {.account_id = acc, .template_id = tpl, .phone_e164 = "+79160000009",
					  .callback_url = "http://127.0.0.1:9/cb"};
	CHECK_INT(vd_store_template_call(st, &rq, &tc, &existed), 0);
	CHECK_INT(vd_store_template_call(st, &rq, &tc, &existed), 0);
	CHECK_INT(pending(st, tpl, now, &d), 2);
	struct vd_attempt tv[2] = {
		{.account_id = acc, .task_id = tpl, .client_row_id = d.row_id[0], .phone = "+79160000009",
		 .variables = "{}", .attempt = 1, .started_ms = now},
		{.account_id = acc, .task_id = tpl, .client_row_id = d.row_id[1], .phone = "+79160000009",
		 .variables = "{not json", .attempt = 1, .started_ms = now},
	};
	int64_t tids[2];
	CHECK_INT(vd_store_attempts_begin(st, tv, 2, tids), 0);
	tr[0] = d.row_id[0];
	tr[1] = d.row_id[1];

	/* A batch of ends is all or nothing: the bad webhook fails it, and
	 * neither the good end before it nor its webhook is written. */
	struct vd_attempt_end e2[3] = {
		{.call_id = ids[0], .client_row_id = cl[0], .task_id = task, .outcome = "completed",
		 .sip_code = 200, .answered_ms = now + 100, .ended_ms = now + 2000, .duration_s = 2,
		 .cost_minor = 5, .currency = "RUB", .finished = true, .final_outcome = "completed",
		 .rc = {.attempts = 1}},
		{.call_id = tids[0], .client_row_id = tr[0], .task_id = tpl, .outcome = "busy", .sip_code = 486,
		 .ended_ms = now + 2000, .cost_minor = -1, .finished = true, .final_outcome = "busy",
		 .rc = {.attempts = 1, .done = {1, 0, 0, 0, 0}}},
		{.call_id = tids[1], .client_row_id = tr[1], .task_id = tpl, .outcome = "busy", .sip_code = 486,
		 .ended_ms = now + 2000, .cost_minor = -1, .finished = true, .final_outcome = "busy",
		 .rc = {.attempts = 1, .done = {1, 0, 0, 0, 0}}},
	};
	CHECK(vd_store_attempts_end(st, NULL, 0, e2, 3) != 0);
	memset(&o, 0, sizeof o);
	CHECK_INT(vd_store_open_attempts(st, open_cb, &o), 0);
	CHECK_INT(o.n, 3);
	int nhooks = 0;
	CHECK_INT(vd_store_webhooks_due(st, now + 10000, 10, count_hook, &nhooks), 0);
	CHECK_INT(nhooks, 0);

	/* Without the bad row: both close, one webhook, in one commit. */
	CHECK_INT(vd_store_attempts_end(st, NULL, 0, e2, 2), 0);
	memset(&o, 0, sizeof o);
	CHECK_INT(vd_store_open_attempts(st, open_cb, &o), 0);
	CHECK_INT(o.n, 1);
	CHECK_INT(o.call_id[0], tids[1]);
	CHECK_INT(vd_store_webhooks_due(st, now + 10000, 10, count_hook, &nhooks), 0);
	CHECK_INT(nhooks, 1);
	CHECK_INT(vd_store_call_get(st, acc, ids[0], &c), 0);
	CHECK_STR(c.outcome, "completed");
	CHECK_STR(c.currency, "RUB");
	CHECK_INT(c.cost_minor, 5);
	CHECK_INT(c.answered_ms, now + 100);
	vd_call_reset(&c);
	int64_t left = -1;
	CHECK_INT(vd_store_task_unfinished(st, task, &left), 0);
	CHECK_INT(left, 3);   /* cl[1] (a recall), cl[2], cl[3] */

	vd_store_close(st);
	char f[160];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", path, sfx[i]);
		unlink(f);
	}
	rmdir(dir);
	return vt_done();
}
