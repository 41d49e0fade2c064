/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libFuzzer target for the number-pattern parser (core/pattern), which reads
 * route and dial-plan patterns straight from API input. Checks, beyond "no
 * crash": an error position lies within the input; a compiled pattern is
 * equally specific as itself; what it matches is consistent with its length
 * and tail; and choosing the best of a pattern and a catch-all never fails
 * for a number the pattern matches. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pattern.h"

static void check(int cond)
{
	if (!cond) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256) return 0;
	char src[257];
	memcpy(src, data, size);
	src[size] = '\0';
	size_t len = strlen(src); /* stops at an embedded NUL, like a C caller */

	struct vd_pattern p;
	struct vd_pattern_err err = {0, NULL};
	if (vd_pattern_compile_ex(src, &p, &err) != 0) {
		check(err.pos <= len);
		check(err.message != NULL);
		return 0;
	}
	check(p.len <= VD_PATTERN_MAX);
	check(vd_pattern_cmp(&p, &p) == 0);

	/* the smallest number it can match: the lowest character of each set */
	static const char alphabet[] = "#*+0123456789";
	char num[VD_PATTERN_MAX + 3]; /* elements, a tail character, one more, NUL */
	for (size_t i = 0; i < p.len; i++) {
		int bit = 0;
		while (!(p.set[i] & (1u << bit))) bit++;
		check(bit < 13);
		num[i] = alphabet[bit];
	}
	size_t n = p.len;
	if (p.tail == VD_PATTERN_TAIL_ONE_OR_MORE) num[n++] = '5';
	num[n] = '\0';
	check(vd_pattern_match(&p, num));
	num[n] = '7';
	num[n + 1] = '\0';
	check(vd_pattern_match(&p, num) == (p.tail != VD_PATTERN_TAIL_NONE));
	num[n] = '\0';

	struct vd_pattern pats[2];
	pats[0] = p;
	check(vd_pattern_compile("_!", &pats[1], NULL) == 0);
	size_t idx = 9;
	check(vd_pattern_best(pats, 2, num, &idx) == 0);
	check(idx == 0 || vd_pattern_cmp(&pats[1], &p) <= 0);
	check(vd_pattern_cmp(&pats[0], &pats[1]) == -vd_pattern_cmp(&pats[1], &pats[0]));
	return 0;
}
