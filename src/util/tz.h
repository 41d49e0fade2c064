/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* IANA time zones through ICU's C API (ucal), without touching the process
 * TZ. The core's calling-window rules take offsets from here through a
 * callback so they stay pure. Thread-safe. */
#ifndef VD_TZ_H
#define VD_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/zone.h"

/* True if `iana` names a zone ICU knows ("Europe/Moscow", "UTC", "Asia/Almaty"). */
bool vd_tz_is_valid(const char *iana);

/* UTC offset (standard + DST) in seconds of zone `iana` at unix time utc_s.
 * Returns 0, or -EINVAL for an unknown zone. */
int vd_tz_offset_s(const char *iana, int64_t utc_s, int32_t *offset_s);

/* Fills *out with the offset timeline of zone `iana` between unix times
 * from_s and to_s (the offset at from_s, then every change up to to_s), for
 * the core's calling windows and due queue, which then never call ICU. A
 * span of 2 years back to 30 ahead fits VD_ZONE_MAX_SPANS for every zone
 * with DST; a longer span is cut where the table fills (the last offset then
 * holds for ever). Returns 0, or -EINVAL for an unknown zone or from_s >
 * to_s. */
int vd_tz_zone_build(const char *iana, int64_t from_s, int64_t to_s, struct vd_zone *out);

#endif
