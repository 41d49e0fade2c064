/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The due queue with a fake clock: recalls before new clients, oldest due
 * first, file order for new clients, nobody outside their zone's window,
 * next_s for the dialer's timer, and the size bound. */
#include <errno.h>

#include "core/duequeue.h"
#include "core/rfc3339.h"
#include "vtest.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	return vd_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

int main(void)
{
	static const int all[] = {1, 2, 3, 4, 5, 6, 7};
	struct vd_window w;
	CHECK_INT(vd_window_init(&w, "09:00", "21:00", all, 7), 0);
	struct vd_duequeue *q = NULL;
	CHECK_INT(vd_duequeue_alloc(&q, &w, 8), 0);
	struct vd_zone msk, vlad;
	vd_zone_init_fixed(&msk, 3 * 3600);
	vd_zone_init_fixed(&vlad, 10 * 3600);
	uint16_t zm, zv;
	CHECK_INT(vd_duequeue_add_zone(q, &msk, &zm), 0);
	CHECK_INT(vd_duequeue_add_zone(q, &vlad, &zv), 0);

	int64_t t0 = utc(2024, 3, 11, 6, 0); /* 09:00 Moscow, 16:00 Vladivostok */
	CHECK_INT(vd_duequeue_push_new(q, 101, zm, 1), 0);
	CHECK_INT(vd_duequeue_push_new(q, 102, zv, 2), 0);
	CHECK_INT(vd_duequeue_push_new(q, 103, zm, 3), 0);
	CHECK_INT(vd_duequeue_push_recall(q, 201, zm, t0 + 600), 0);
	CHECK_INT(vd_duequeue_push_recall(q, 202, zv, t0 + 300), 0);
	CHECK_INT(vd_duequeue_push_recall(q, 203, zm, t0 + 300), 0);
	CHECK_INT(vd_duequeue_push_new(q, 104, 9, 4), -EINVAL); /* unknown zone */
	CHECK_INT(vd_duequeue_size(q), 6);

	struct vd_due d = {0};
	/* nothing due yet: new clients in file order */
	CHECK_INT(vd_duequeue_pop(q, t0, &d), 0);
	CHECK_INT(d.client, 101);
	CHECK(!d.is_recall);
	/* at +300 two recalls are due: the oldest first, ties in push order */
	CHECK_INT(vd_duequeue_pop(q, t0 + 300, &d), 0);
	CHECK_INT(d.client, 202);
	CHECK(d.is_recall);
	CHECK_INT(d.key, t0 + 300);
	CHECK_INT(d.zone, zv);
	CHECK_INT(vd_duequeue_pop(q, t0 + 300, &d), 0);
	CHECK_INT(d.client, 203);
	CHECK_INT(vd_duequeue_pop(q, t0 + 300, &d), 0);
	CHECK_INT(d.client, 102); /* the recall at +600 is not due */

	/* 21:00 Vladivostok = 11:00 UTC: Vladivostok closes, Moscow still open */
	int64_t t1 = utc(2024, 3, 11, 11, 0);
	CHECK_INT(vd_duequeue_push_recall(q, 204, zv, t0), 0);
	CHECK_INT(vd_duequeue_pop(q, t1, &d), 0);
	CHECK_INT(d.client, 201); /* 204 is older but its window is closed */
	CHECK_INT(vd_duequeue_pop(q, t1, &d), 0);
	CHECK_INT(d.client, 103);
	struct vd_due untouched = {.client = 7};
	CHECK_INT(vd_duequeue_pop(q, t1, &untouched), -EAGAIN);
	CHECK_INT(untouched.client, 7);
	/* the dialer sleeps until Vladivostok opens: 09:00 VLAT = 23:00 UTC */
	int64_t when = 0;
	CHECK_INT(vd_duequeue_next_s(q, t1, &when), 0);
	CHECK_INT(when, utc(2024, 3, 11, 23, 0));
	CHECK_INT(vd_duequeue_pop(q, when - 1, &d), -EAGAIN);
	CHECK_INT(vd_duequeue_pop(q, when, &d), 0);
	CHECK_INT(d.client, 204);
	CHECK_INT(vd_duequeue_size(q), 0);
	CHECK_INT(vd_duequeue_next_s(q, when, &when), -ENOENT);

	/* a recall due in the future, window open: next_s is its due time */
	CHECK_INT(vd_duequeue_push_recall(q, 205, zm, t0 + 7200), 0);
	CHECK_INT(vd_duequeue_next_s(q, t0, &when), 0);
	CHECK_INT(when, t0 + 7200);
	/* a clock that goes back still sees the right window state */
	CHECK_INT(vd_duequeue_pop(q, utc(2024, 3, 11, 2, 0), &d), -EAGAIN);
	CHECK_INT(vd_duequeue_pop(q, t0 + 7200, &d), 0);

	/* changing the window takes effect at once */
	struct vd_window night;
	CHECK_INT(vd_window_init(&night, "22:00", "06:00", all, 7), 0);
	CHECK_INT(vd_duequeue_push_new(q, 106, zm, 6), 0);
	vd_duequeue_set_window(q, &night);
	CHECK_INT(vd_duequeue_pop(q, t0 + 7200, &d), -EAGAIN);
	vd_duequeue_set_window(q, &w);
	CHECK_INT(vd_duequeue_pop(q, t0 + 7200, &d), 0);

	/* bounded */
	for (int i = 0; i < 8; i++) CHECK_INT(vd_duequeue_push_new(q, 300 + i, zm, 10 + i), 0);
	CHECK_INT(vd_duequeue_push_new(q, 999, zm, 99), -ENOSPC);
	for (int i = 0; i < 8; i++) {
		CHECK_INT(vd_duequeue_pop(q, t0, &d), 0);
		CHECK_INT(d.client, 300 + i);
	}
	vd_duequeue_free(q);
	vd_duequeue_free(NULL);
	CHECK_INT(vd_duequeue_alloc(&q, &w, 0), -EINVAL);
	return vt_done();
}
