/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* IANA time zones through ICU's C API (ucal), without touching the process
 * TZ. The core's calling-window rules take offsets from here through a
 * callback so they stay pure. Thread-safe. */
#ifndef VD_TZ_H
#define VD_TZ_H

#include <stdbool.h>
#include <stdint.h>

/* True if `iana` names a zone ICU knows ("Europe/Moscow", "UTC", "Asia/Almaty"). */
bool vd_tz_is_valid(const char *iana);

/* UTC offset (standard + DST) in seconds of zone `iana` at unix time utc_s.
 * Returns 0, or -EINVAL for an unknown zone. */
int vd_tz_offset_s(const char *iana, int64_t utc_s, int32_t *offset_s);

#endif
