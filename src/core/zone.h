/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A time zone as the core sees it: a precomputed timeline of UTC offsets
 * (what the zone's rules say over a span of years), filled in by an adapter
 * from the system tz database (util/tz.c, ICU). The calling-window rules and
 * the due queue read offsets from it with a binary search, so the hot path
 * never calls ICU and the process TZ is never touched. Pure value type. */
#ifndef VD_ZONE_H
#define VD_ZONE_H

#include <stddef.h>
#include <stdint.h>

#define VD_ZONE_MAX_SPANS 160 /* two DST changes a year for ~80 years */

/* offset_s[i] applies from at_s[i] (unix seconds) to at_s[i+1]; the first span
 * also applies before at_s[0] and the last one after. */
struct vd_zone {
	size_t n; /* 1..VD_ZONE_MAX_SPANS */
	int64_t at_s[VD_ZONE_MAX_SPANS];
	int32_t offset_s[VD_ZONE_MAX_SPANS];
};

/* A zone with one fixed offset (UTC, or a test zone). */
void vd_zone_init_fixed(struct vd_zone *z, int32_t offset_s);

/* Appends a span starting at `at_s` with `offset_s`. Spans must be added in
 * increasing time. Returns 0, -EINVAL (out of order, offset beyond +-18 h),
 * or -ENOSPC when the table is full (the earlier spans stay valid). */
int vd_zone_add(struct vd_zone *z, int64_t at_s, int32_t offset_s);

/* UTC offset in seconds at unix time `utc_s`. */
int32_t vd_zone_offset(const struct vd_zone *z, int64_t utc_s);

/* The earliest UTC instant whose local wall-clock time is >= `local_s` (local seconds since 1970-01-01 in
 * the zone). For a wall time inside a spring-forward gap that is the moment
 * of the change; inside a fall-back overlap, its first occurrence. */
int64_t vd_zone_local_to_utc(const struct vd_zone *z, int64_t local_s);

/* The next change of offset strictly after `utc_s`, or INT64_MAX. */
int64_t vd_zone_next_change(const struct vd_zone *z, int64_t utc_s);

#endif
