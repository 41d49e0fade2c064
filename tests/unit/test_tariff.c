/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Call cost in minor units: steps, minimums, fees, rounding, and that a sum
 * of many calls is exact. */
#include <errno.h>

#include "core/tariff.h"
#include "vtest.h"

struct row {
	const char *name;
	struct vd_tariff t;
	bool answered;
	int64_t talk_ms;
	int64_t billed_s, cost;
};

static const struct row rows[] = {
	/* 1.50 RUB/min = 150 kopecks/min */
	{"60/60, 1 s", {150, 60, 0, 0}, true, 1000, 60, 150},
	{"60/60, 60 s", {150, 60, 0, 0}, true, 60000, 60, 150},
	{"60/60, 60.001 s", {150, 60, 0, 0}, true, 60001, 120, 300},
	{"1/1, 61 s (152.5 rounds up)", {150, 1, 0, 0}, true, 61000, 61, 153},
	{"1/1, 0.2 s is one second", {150, 1, 0, 0}, true, 200, 1, 3},
	{"1/1, zero length", {150, 1, 0, 0}, true, 0, 0, 0},
	{"60/1 via minimum", {150, 1, 60, 0}, true, 5000, 60, 150},
	{"60/1 past the minimum", {150, 1, 60, 0}, true, 75000, 75, 188},
	{"connection fee", {150, 60, 0, 50}, true, 30000, 60, 200},
	{"unanswered costs 0", {150, 60, 30, 50}, false, 0, 60, 0},
	{"free tariff", {0, 1, 0, 0}, true, 3600000, 3600, 0},
	{"6 s step", {100, 6, 0, 0}, true, 7000, 12, 20},
};

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		int64_t billed = -1, cost = -1;
		CHECK_INT(vd_tariff_billed_s(&r->t, r->talk_ms, &billed), 0);
		CHECK_INT(vd_tariff_cost(&r->t, r->answered, r->talk_ms, &cost), 0);
		if (billed != r->billed_s || cost != r->cost) fprintf(stderr, "row \"%s\":\n", r->name);
		CHECK_INT(billed, r->billed_s);
		CHECK_INT(cost, r->cost);
	}
	/* no drift: 1,000,000 calls of 61 s at 1.50/min, 1/1 billing */
	struct vd_tariff t = {150, 1, 0, 0};
	int64_t total = 0, c;
	for (int i = 0; i < 1000000; i++) {
		vd_tariff_cost(&t, true, 61000, &c);
		total += c;
	}
	CHECK_INT(total, 153000000);

	int64_t out = 42;
	struct vd_tariff bad = {150, 0, 0, 0};
	CHECK_INT(vd_tariff_cost(&bad, true, 1000, &out), -EINVAL);
	bad = (struct vd_tariff){-1, 60, 0, 0};
	CHECK_INT(vd_tariff_check(&bad), -EINVAL);
	CHECK_INT(vd_tariff_cost(&t, true, -1, &out), -EINVAL);
	CHECK_INT(vd_tariff_cost(&t, true, (int64_t)VD_TARIFF_MAX_CALL_S * 1000 + 1, &out), -EINVAL);
	CHECK_INT(out, 42);
	return vt_done();
}
