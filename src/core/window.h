/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calling windows (the guide's "call time limiter"): local times from-to on
 * chosen weekdays, in the task's time zone or the client's own. Outside the
 * window nothing is dialed and recalls wait for the next opening. Local time
 * comes from a precomputed zone (core/zone.h), never from the process TZ.
 * Pure. */
#ifndef VD_WINDOW_H
#define VD_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/zone.h"

#define VD_WINDOW_ALL_DAYS 0x7f

/* from_min == to_min: the whole day. from_min > to_min: the window crosses
 * midnight (22:00-06:00) and belongs to the weekday it opens on. */
struct vd_window {
	int32_t from_min;  /* minutes after local midnight, 0..1439 */
	int32_t to_min;    /* exclusive end, 0..1439 */
	uint8_t days_mask; /* bit d-1 for ISO weekday d (1 = Monday .. 7 = Sunday) */
};

/* Sets `w` from "HH:MM" strings and ISO weekdays. Returns 0, or -EINVAL for a
 * malformed time, a day outside 1..7 or no day at all. */
int vd_window_init(struct vd_window *w, const char *from, const char *to,
		   const int *days, int ndays);

/* Parses "HH:MM" (00:00..23:59; "24:00" is accepted as an end meaning
 * midnight). Returns 0 and minutes after midnight, or -EINVAL. */
int vd_window_parse_hhmm(const char *s, int32_t *min);

/* ISO weekday (1 = Monday .. 7 = Sunday) of a day count since 1970-01-01. */
int vd_window_weekday(int64_t days);

/* True if the window is open at unix time `utc_s` in zone `z`. */
bool vd_window_is_open(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s);

/* The first instant >= `utc_s` at which the window is open (`utc_s` itself
 * when it is open now). Returns 0 and *open_s, or -ENOENT when the window
 * never opens (no weekday). */
int vd_window_next_open(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s,
			int64_t *open_s);

/* The first instant > `utc_s` at which an open window closes (INT64_MAX for
 * a window that is always open). Returns 0 and *close_s, or -EAGAIN when the
 * window is closed at `utc_s`. */
int vd_window_next_close(const struct vd_window *w, const struct vd_zone *z, int64_t utc_s,
			 int64_t *close_s);

#endif
