/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* RFC 3339 timestamps in UTC, the API's time format (DESIGN.md "API
 * conventions"). Pure: no time zone database, no process TZ. */
#ifndef VD_RFC3339_H
#define VD_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (month 1..12). */
int64_t vd_days_from_civil(int64_t y, int m, int d);
/* Inverse of vd_days_from_civil. */
void vd_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Formats unix milliseconds as "2026-11-22T10:00:00Z" (seconds precision).
 * `buf` needs at least 21 bytes; returns 0 or -ENOSPC. */
int vd_rfc3339_format(int64_t ms, char *buf, size_t size);
/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+hh:mm|-hh:mm)"; a space may stand
 * for the T. Returns 0 and *ms, or -EINVAL. */
int vd_rfc3339_parse(const char *s, int64_t *ms);

#endif
