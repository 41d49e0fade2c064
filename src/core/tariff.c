/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Tariff arithmetic in int64: the largest product, 10 days of seconds times
 * the largest price, is below 10^14, far from overflow. */
#include "core/tariff.h"

#include <errno.h>

int vd_tariff_check(const struct vd_tariff *t)
{
	if (t->per_minute < 0 || t->per_minute > VD_TARIFF_MAX_PRICE) return -EINVAL;
	if (t->connect_fee < 0 || t->connect_fee > VD_TARIFF_MAX_PRICE) return -EINVAL;
	if (t->billing_step_s < 1 || t->billing_step_s > VD_TARIFF_MAX_STEP_S) return -EINVAL;
	if (t->min_billable_s < 0 || t->min_billable_s > VD_TARIFF_MAX_STEP_S) return -EINVAL;
	return 0;
}

int vd_tariff_billed_s(const struct vd_tariff *t, int64_t talk_ms, int64_t *billed_s)
{
	if (vd_tariff_check(t)) return -EINVAL;
	if (talk_ms < 0 || talk_ms > (int64_t)VD_TARIFF_MAX_CALL_S * 1000) return -EINVAL;
	int64_t s = (talk_ms + 999) / 1000;
	if (s < t->min_billable_s) s = t->min_billable_s;
	int64_t step = t->billing_step_s;
	*billed_s = (s + step - 1) / step * step;
	return 0;
}

int vd_tariff_cost(const struct vd_tariff *t, bool answered, int64_t talk_ms, int64_t *cost)
{
	int64_t billed;
	int rc = vd_tariff_billed_s(t, talk_ms, &billed);
	if (rc) return rc;
	if (!answered) {
		*cost = 0;
		return 0;
	}
	*cost = t->connect_fee + (billed * t->per_minute + 59) / 60;
	return 0;
}
