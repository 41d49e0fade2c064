/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* E.164 phone numbers: turns what people type into "+<country code><number>"
 * for a task's country (DESIGN.md "Dialing", E.164). Pure: libc only, no
 * allocation, no locale. The clients import calls this once per row, the
 * API for a test call's or a CRM call's phone.
 *
 * Rules (ITU-T E.164: "+" then at most 15 digits, the first not 0):
 *  - Punctuation people use is ignored: spaces, tabs, '-', '.', '(', ')'
 *    and '/'. A '+' is allowed only before the first digit.
 *  - A number written with a leading '+' is already international and is
 *    accepted for any task country if it has 8..15 digits, the first not 0;
 *    under country code 7 it must have exactly 10 digits after the 7.
 *  - RU and KZ share country code 7 and a 10-digit national number whose
 *    first digit is 3..9 (RU 3xx/4xx/8xx/9xx, KZ 6xx/7xx). Accepted national
 *    forms: 11 digits starting with the trunk prefix 8 or with the 7 of the
 *    country code ("8 (916) 123-45-67", "7-916-123-45-67"), or the bare 10
 *    digits ("9161234567", KZ "7011234567").
 *  Anything else is refused with a reason. */
#ifndef VD_E164_H
#define VD_E164_H

#include <stdbool.h>
#include <stddef.h>

/* Room for "+" + 15 digits + NUL. */
#define VD_E164_SIZE 17

/* True if `country` (ISO 3166-1 alpha-2, any case, e.g. "RU", "kz") has
 * national numbering rules here. NULL is not supported. */
bool vd_e164_country_supported(const char *country);

/* Normalizes the `len` bytes at `raw` (need not be NUL-terminated; embedded
 * NULs are invalid characters) for `country` into `out` as a NUL-terminated
 * E.164 string such as "+79161234567".
 * Returns 0 and writes `out`; -EINVAL when the number cannot be normalized,
 * -ENOTSUP when `country` is not supported (vd_e164_country_supported). On
 * an error `out` is untouched and, if `why` is non-NULL, *why points to a
 * static English phrase ("too few digits for RU") for the error message.
 * Thread-safe, no allocation. */
int vd_e164_normalize(const char *raw, size_t len, const char *country,
		      char out[VD_E164_SIZE], const char **why);

#endif
