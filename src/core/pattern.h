/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Asterisk-style number patterns, as routes and dial plans use them
 * ("_7XXXXXXXXXX", "_8[1-5]NXX.", "100"). A string starting with `_` is a
 * pattern; anything else is an exact number. In a pattern:
 *   X any digit, Z 1-9, N 2-9 (case-insensitive), [...] one of a set with
 *   ranges ("[13-5]"), `.` one or more further characters, `!` zero or more,
 *   `-` is ignored (readability: "_NXX-XXXX"), other characters are literal.
 * The alphabet is the dialable one: 0-9 * # +. `.` and `!` may only end a
 * pattern. Among several matching patterns the most specific wins, in the
 * order Asterisk's ext_cmp uses (exact numbers first; then position by
 * position the element matching fewer characters; `.` before `!`). Pure. */
#ifndef VD_PATTERN_H
#define VD_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_PATTERN_MAX 64 /* elements (characters of a number) */

enum vd_pattern_tail {
	VD_PATTERN_TAIL_NONE = 0,
	VD_PATTERN_TAIL_ONE_OR_MORE,  /* . */
	VD_PATTERN_TAIL_ZERO_OR_MORE  /* ! */
};

/* A compiled pattern: a value type, copy it freely. */
struct vd_pattern {
	uint16_t set[VD_PATTERN_MAX]; /* bit i: alphabet character i may stand here */
	uint8_t len;                  /* elements before the tail */
	uint8_t tail;                 /* enum vd_pattern_tail */
	bool is_pattern;              /* false: an exact number */
};

/* Where and why a pattern was rejected. `pos` is the byte offset in the source
 * (0-based); `message` is static. */
struct vd_pattern_err {
	size_t pos;
	const char *message;
};

/* Compiles `src` (NUL-terminated). Returns 0 and *out; or -EINVAL and, when
 * `err` is non-NULL, the offending byte offset and a sentence in *err (an
 * empty source, an unknown character, an unclosed or empty set, a reversed
 * range, something after `.` or `!`, more than VD_PATTERN_MAX elements).
 * Any thread. */
int vd_pattern_compile_ex(const char *src, struct vd_pattern *out, struct vd_pattern_err *err);

/* vd_pattern_compile_ex with just the position: *err_pos is written only on
 * failure (may be NULL). */
int vd_pattern_compile(const char *src, struct vd_pattern *out, size_t *err_pos);

/* True if the whole of `number` matches. A NULL number never matches. */
bool vd_pattern_match(const struct vd_pattern *p, const char *number);

/* Orders two patterns by specificity, like Asterisk: < 0 when `a` is more
 * specific (tried first), > 0 when `b` is, 0 when they are equally specific
 * (then the caller's own order decides). */
int vd_pattern_cmp(const struct vd_pattern *a, const struct vd_pattern *b);

/* Picks the most specific of `n` patterns matching `number`; ties go to the
 * lower index. Returns 0 and *index, or -ENOENT when none matches. */
int vd_pattern_best(const struct vd_pattern *pats, size_t n, const char *number, size_t *index);

#endif
