/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Pacing with a fake millisecond clock: the task's rate, fractional rates
 * with no drift, the trunk's max_cps and max_channels. */
#include <errno.h>
#include <stdbool.h>

#include "core/pacer.h"
#include "vtest.h"

/* Calls started in [0, span_ms) when the dialer tries every millisecond. */
static int started(int64_t task_mcps, struct vd_trunk_gate *g, int64_t span_ms, bool release)
{
	struct vd_pacer p;
	CHECK_INT(vd_pacer_init(&p, task_mcps, 1, 0), 0);
	int n = 0;
	for (int64_t t = 0; t < span_ms; t++) {
		if (vd_pacer_take(&p, g, t) == 0) {
			n++;
			if (release) vd_pacer_release(g);
		}
	}
	return n;
}

int main(void)
{
	/* rows: task cps, trunk max_cps, channels, span, calls expected */
	static const struct {
		int64_t task_mcps, trunk_mcps;
		int32_t channels;
		int64_t span_ms;
		int want;
	} rows[] = {
		{1000, 0, 0, 10000, 10},     /* 1 cps, first call at once */
		{5000, 0, 0, 1000, 5},       /* 5 cps */
		{300, 0, 0, 10000, 3},       /* 0.3 cps: 0, 3334, 6667 */
		{300, 0, 0, 1000000, 300},   /* ... and no drift */
		{500, 0, 0, 10000, 5},       /* 0.5 cps */
		{100000, 0, 0, 1000, 100},   /* 100 cps */
		{10000, 2000, 0, 1000, 2},   /* trunk max_cps 2 caps a 10 cps task */
		{10000, 20000, 0, 1000, 10}, /* trunk faster than task: task rate */
		{10000, 20000, 3, 1000, 3},  /* 3 channels, none released */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct vd_trunk_gate g, *gp = NULL;
		if (rows[i].trunk_mcps) {
			CHECK_INT(vd_pacer_gate_init(&g, rows[i].trunk_mcps, 1, rows[i].channels, 0), 0);
			gp = &g;
		}
		int n = started(rows[i].task_mcps, gp, rows[i].span_ms, rows[i].channels == 0);
		if (n != rows[i].want) fprintf(stderr, "row %zu:\n", i);
		CHECK_INT(n, rows[i].want);
	}

	/* exact spacing and next_ms at 0.3 cps */
	struct vd_pacer p;
	vd_pacer_init(&p, 300, 1, 1000);
	CHECK_INT(vd_pacer_take(&p, NULL, 1000), 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 1001), -EAGAIN);
	CHECK_INT(vd_pacer_next_ms(&p, NULL, 1001), 1000 + 3334);
	CHECK_INT(vd_pacer_take(&p, NULL, 4333), -EAGAIN);
	CHECK_INT(vd_pacer_take(&p, NULL, 4334), 0);

	/* burst: a bucket of 3 at 10 cps lets three calls go at once after a pause */
	vd_pacer_init(&p, 10000, 3, 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), -EAGAIN);
	CHECK_INT(vd_pacer_take(&p, NULL, 1000000000), 0); /* long pause: full, no overflow */
	CHECK_INT(p.tokens_u, 2000000);
	/* ... but never more than the rate in a second: 1 cps with a bucket of
	 * 3 starts one call, the next a second later */
	vd_pacer_init(&p, 1000, 3, 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), 0);
	CHECK_INT(vd_pacer_take(&p, NULL, 0), -EAGAIN);
	CHECK_INT(vd_pacer_next_ms(&p, NULL, 0), 1000);
	CHECK_INT(vd_pacer_take(&p, NULL, 999), -EAGAIN);
	CHECK_INT(vd_pacer_take(&p, NULL, 1000), 0);

	/* the burst for a late dialer: rate x lateness, 1..VD_PACER_MAX_BURST */
	CHECK_INT(vd_pacer_burst(100000, 100), 10);
	CHECK_INT(vd_pacer_burst(2000, 100), 1);
	CHECK_INT(vd_pacer_burst(300, 100), 1);
	CHECK_INT(vd_pacer_burst(1000000, 1000), VD_PACER_MAX_BURST);
	CHECK_INT(vd_pacer_burst(1000000, INT64_MAX), VD_PACER_MAX_BURST);

	/* 100 cps, burst 10, a dialer whose passes come every 1..37 ms: no
	 * call is lost to a late pass, and no 1000 ms holds more than 100
	 * starts (the first second included, with its full bucket) */
	{
		static int64_t starts[2000];
		int n = 0;
		vd_pacer_init(&p, 100000, vd_pacer_burst(100000, 100), 0);
		for (int64_t t = 0, step = 1; t < 10000; t += step, step = step % 37 + 1)
			while (n < 2000 && vd_pacer_take(&p, NULL, t) == 0) starts[n++] = t;
		CHECK(n >= 995 && n <= 1000);
		int worst = 0;
		for (int i = 0, j = 0; i < n; i++) {
			while (starts[i] - starts[j] >= 1000) j++;
			if (i - j + 1 > worst) worst = i - j + 1;
		}
		CHECK_INT(worst, 100);
		/* with a burst of 1 the same dialer loses most of its calls */
		int m = 0;
		vd_pacer_init(&p, 100000, 1, 0);
		for (int64_t t = 0, step = 1; t < 10000; t += step, step = step % 37 + 1)
			while (vd_pacer_take(&p, NULL, t) == 0) m++;
		CHECK(m < 700);
	}

	/* channels: busy until one is released; a clock step back earns nothing */
	struct vd_trunk_gate g;
	vd_pacer_gate_init(&g, 100000, 1, 1, 0);
	vd_pacer_init(&p, 100000, 1, 0);
	CHECK_INT(vd_pacer_take(&p, &g, 0), 0);
	CHECK_INT(vd_pacer_take(&p, &g, 1000), -EBUSY);
	vd_pacer_release(&g);
	CHECK_INT(g.active, 0);
	vd_pacer_release(&g);
	CHECK_INT(g.active, 0);
	CHECK_INT(vd_pacer_take(&p, &g, 1000), 0);
	vd_pacer_release(&g);
	CHECK_INT(vd_pacer_take(&p, &g, 500), -EAGAIN);

	CHECK_INT(vd_pacer_init(&p, 0, 1, 0), -EINVAL);
	CHECK_INT(vd_pacer_init(&p, 1000, 0, 0), -EINVAL);
	CHECK_INT(vd_pacer_gate_init(&g, 1000, 1, -1, 0), -EINVAL);
	CHECK_INT(vd_pacer_gate_init(&g, 1000, 0, 1, 0), -EINVAL);
	return vt_done();
}
