/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Offset timelines. Spans are months long and offsets differ by hours, so
 * both the UTC starts and the local ends of the spans increase, and both
 * lookups are binary searches. */
#include "core/zone.h"

#include <errno.h>

void vd_zone_init_fixed(struct vd_zone *z, int32_t offset_s)
{
	z->n = 1;
	z->at_s[0] = INT64_MIN;
	z->offset_s[0] = offset_s;
}

int vd_zone_add(struct vd_zone *z, int64_t at_s, int32_t offset_s)
{
	if (offset_s < -18 * 3600 || offset_s > 18 * 3600) return -EINVAL;
	if (z->n > 0 && at_s <= z->at_s[z->n - 1]) return -EINVAL;
	if (z->n >= VD_ZONE_MAX_SPANS) return -ENOSPC;
	z->at_s[z->n] = at_s;
	z->offset_s[z->n] = offset_s;
	z->n++;
	return 0;
}

/* Index of the span in force at utc_s. */
static size_t span_at(const struct vd_zone *z, int64_t utc_s)
{
	size_t lo = 0, hi = z->n; /* answer in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at_s[mid] <= utc_s)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int32_t vd_zone_offset(const struct vd_zone *z, int64_t utc_s)
{
	if (z->n == 0) return 0;
	return z->offset_s[span_at(z, utc_s)];
}

int64_t vd_zone_local_to_utc(const struct vd_zone *z, int64_t local_s)
{
	if (z->n == 0) return local_s;
	/* first span whose local end (next start + own offset) is after local_s */
	size_t lo = 0, hi = z->n - 1; /* the last span never ends */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at_s[mid + 1] + z->offset_s[mid] > local_s)
			hi = mid;
		else
			lo = mid + 1;
	}
	int64_t t = local_s - z->offset_s[lo];
	if (lo > 0 && t < z->at_s[lo]) t = z->at_s[lo]; /* in a gap: the change itself */
	return t;
}

int64_t vd_zone_next_change(const struct vd_zone *z, int64_t utc_s)
{
	if (z->n == 0) return INT64_MAX;
	size_t i = span_at(z, utc_s);
	return i + 1 < z->n ? z->at_s[i + 1] : INT64_MAX;
}
