/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calling windows on local wall-clock time. Opening and closing instants are
 * found per local day (a window belongs to the day it opens on) and turned
 * into UTC through the zone's offset timeline, which handles DST gaps (the
 * window opens at the change) and overlaps (the first occurrence counts). */
#include "core/window.h"

#include <errno.h>

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int vd_window_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (ISO 4) */
	int64_t w = (days + 3) % 7;
	if (w < 0) w += 7;
	return (int)w + 1;
}

static bool day_on(const struct vd_window *w, int64_t days)
{
	return (w->days_mask >> (vd_window_weekday(days) - 1)) & 1;
}

int vd_window_parse_hhmm(const char *s, int32_t *min)
{
	if (!s) return -EINVAL;
	for (int i = 0; i < 5; i++) {
		if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9')) return -EINVAL;
	}
	if (s[5] != '\0') return -EINVAL;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h == 24 && m == 0) {
		*min = 0;
		return 0;
	}
	if (h > 23 || m > 59) return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

int vd_window_init(struct vd_window *w, const char *from, const char *to,
		   const int *days, int ndays)
{
	int32_t f, t;
	uint8_t mask = 0;
	if (vd_window_parse_hhmm(from, &f) || vd_window_parse_hhmm(to, &t)) return -EINVAL;
	for (int i = 0; i < ndays; i++) {
		if (days[i] < 1 || days[i] > 7) return -EINVAL;
		mask |= (uint8_t)(1u << (days[i] - 1));
	}
	if (!mask) return -EINVAL;
	w->from_min = f;
	w->to_min = t;
	w->days_mask = mask;
	return 0;
}

bool vd_window_is_open(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s)
{
	int64_t local = utc_s + vd_zone_offset(z, utc_s);
	int64_t day = floor_div(local, 86400);
	int32_t m = (int32_t)((local - day * 86400) / 60);
	if (w->from_min == w->to_min) return day_on(w, day);
	if (w->from_min < w->to_min)
		return m >= w->from_min && m < w->to_min && day_on(w, day);
	return (m >= w->from_min && day_on(w, day)) || (m < w->to_min && day_on(w, day - 1));
}

static int64_t local_day(const struct vd_zone *z, int64_t utc_s)
{
	return floor_div(utc_s + vd_zone_offset(z, utc_s), 86400);
}

int vd_window_next_open(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s,
			int64_t *open_s)
{
	if (!(w->days_mask & VD_WINDOW_ALL_DAYS)) return -ENOENT;
	if (vd_window_is_open(w, z, utc_s)) {
		*open_s = utc_s;
		return 0;
	}
	int64_t d0 = local_day(z, utc_s);
	for (int64_t d = d0 - 1; d <= d0 + 9; d++) {
		if (!day_on(w, d)) continue;
		int64_t c = vd_zone_local_to_utc(z, d * 86400 + (int64_t)w->from_min * 60);
		if (c < utc_s || !vd_window_is_open(w, z, c)) continue;
		*open_s = c;
		return 0;
	}
	return -ENOENT; /* unreachable with a weekday set and sane offsets */
}

int vd_window_next_close(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s,
			 int64_t *close_s)
{
	if (!vd_window_is_open(w, z, utc_s)) return -EAGAIN;
	int64_t d0 = local_day(z, utc_s);
	if (w->from_min == w->to_min) {
		for (int64_t d = d0 + 1; d <= d0 + 7; d++) {
			if (day_on(w, d)) continue;
			*close_s = vd_zone_local_to_utc(z, d * 86400);
			return 0;
		}
		*close_s = INT64_MAX;
		return 0;
	}
	int64_t span = w->from_min < w->to_min ? 0 : 86400; /* overnight: closes next day */
	for (int64_t d = d0 - 1; d <= d0 + 1; d++) {
		if (!day_on(w, d)) continue;
		int64_t c = vd_zone_local_to_utc(z, d * 86400 + span + (int64_t)w->to_min * 60);
		if (c > utc_s) {
			*close_s = c;
			return 0;
		}
	}
	return -EAGAIN; /* unreachable: an open window closes within a day */
}
