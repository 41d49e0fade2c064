/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Call cost from a dial plan's tariff: price per minute, billing step,
 * minimum billable time, connection fee. Money is an integer count of minor
 * units (kopecks, cents): the API's "per_minute": 1.5 RUB is 150 here, so
 * totals are exact sums. Unanswered calls cost nothing. Pure. */
#ifndef VD_TARIFF_H
#define VD_TARIFF_H

#include <stdbool.h>
#include <stdint.h>

#define VD_TARIFF_MAX_PRICE 100000000 /* minor units, per minute or per call */
#define VD_TARIFF_MAX_STEP_S 3600
#define VD_TARIFF_MAX_CALL_S 864000   /* 10 days */

struct vd_tariff {
	int64_t per_minute;     /* minor units per minute: 150 = 1.50 RUB */
	int32_t billing_step_s; /* billed in whole steps: 60 ("60/60"), 1 ("1/1") */
	int32_t min_billable_s; /* an answered call is billed at least this long */
	int64_t connect_fee;    /* minor units, once per answered call */
};

/* Checks the fields: prices 0..VD_TARIFF_MAX_PRICE, step 1..VD_TARIFF_MAX_STEP_S,
 * minimum 0..VD_TARIFF_MAX_STEP_S. Returns 0 or -EINVAL. */
int vd_tariff_check(const struct vd_tariff *t);

/* Seconds billed for an answered call of `talk_ms` milliseconds: the talk
 * time rounded up to whole seconds, raised to min_billable_s, rounded up to a
 * multiple of billing_step_s. 0 for a zero-length call with no minimum.
 * Returns 0 and *billed_s, or -EINVAL (bad tariff, negative or absurd time). */
int vd_tariff_billed_s(const struct vd_tariff *t, int64_t talk_ms, int64_t *billed_s);

/* Cost in minor units: 0 when not answered, else connect_fee plus billed
 * seconds times per_minute / 60, the fraction of a minor unit rounded up (as
 * carriers bill). Returns 0 and *cost, or -EINVAL. Any thread. */
int vd_tariff_cost(const struct vd_tariff *t, bool answered, int64_t talk_ms, int64_t *cost);

#endif
