/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Pattern compilation to one 13-bit set per position, so matching is a
 * length check and one AND per digit, and specificity is Asterisk's weight
 * (main/pbx.c ext_cmp_pattern_pos): the number of characters a position
 * accepts times 256 plus its lowest character, with end-of-pattern lightest
 * and `.` / `!` heaviest. */
#include "core/pattern.h"

#include <errno.h>
#include <string.h>

/* The alphabet, in ASCII order so bit order is character order. */
static const char alphabet[] = "#*+0123456789";
#define NALPHA 13
#define ALL_DIGITS ((uint16_t)(0x3ffu << 3))

static int char_index(char c)
{
	switch (c) {
	case '#': return 0;
	case '*': return 1;
	case '+': return 2;
	default:
		if (c >= '0' && c <= '9') return 3 + (c - '0');
		return -1;
	}
}

static uint16_t digit_range(int lo, int hi)
{
	uint16_t m = 0;
	for (int d = lo; d <= hi; d++) m |= (uint16_t)(1u << (3 + d));
	return m;
}

static int fail(struct vd_pattern_err *err, size_t pos, const char *msg)
{
	if (err) {
		err->pos = pos;
		err->message = msg;
	}
	return -EINVAL;
}

/* Parses "[...]" starting at src[*i] == '['; leaves *i after the ']'. */
static int parse_set(const char *src, size_t *i, uint16_t *set, struct vd_pattern_err *err)
{
	size_t open = *i, j = *i + 1;
	uint16_t m = 0;
	while (src[j] != ']') {
		if (src[j] == '\0') return fail(err, open, "unclosed '['");
		int lo = char_index(src[j]);
		if (lo < 0) return fail(err, j, "character not allowed in a set");
		if (src[j + 1] == '-' && src[j + 2] != ']' && src[j + 2] != '\0') {
			int hi = char_index(src[j + 2]);
			if (hi < 0) return fail(err, j + 2, "character not allowed in a set");
			if (lo < 3 || hi < 3) return fail(err, j + 1, "a range needs digits");
			if (hi < lo) return fail(err, j + 2, "range end below its start");
			m |= digit_range(lo - 3, hi - 3);
			j += 3;
			continue;
		}
		m |= (uint16_t)(1u << lo);
		j++;
	}
	if (!m) return fail(err, open, "empty set");
	*set = m;
	*i = j + 1;
	return 0;
}

int vd_pattern_compile_ex(const char *src, struct vd_pattern *out, struct vd_pattern_err *err)
{
	struct vd_pattern p;
	memset(&p, 0, sizeof p);
	if (!src || !*src) return fail(err, 0, "empty pattern");
	size_t i = 0;
	if (src[0] == '_') {
		p.is_pattern = true;
		i = 1;
		if (!src[i]) return fail(err, 1, "nothing after '_'");
	}
	while (src[i]) {
		char c = src[i];
		if (p.tail != VD_PATTERN_TAIL_NONE) return fail(err, i, "nothing may follow '.' or '!'");
		uint16_t m;
		if (p.is_pattern && (c == '.' || c == '!')) {
			p.tail = c == '.' ? VD_PATTERN_TAIL_ONE_OR_MORE : VD_PATTERN_TAIL_ZERO_OR_MORE;
			i++;
			continue;
		}
		if (p.is_pattern && c == '-') {
			i++;
			continue;
		}
		if (p.is_pattern && c == '[') {
			int rc = parse_set(src, &i, &m, err);
			if (rc) return rc;
		} else {
			if (p.is_pattern && (c == 'X' || c == 'x'))
				m = ALL_DIGITS;
			else if (p.is_pattern && (c == 'Z' || c == 'z'))
				m = digit_range(1, 9);
			else if (p.is_pattern && (c == 'N' || c == 'n'))
				m = digit_range(2, 9);
			else if (char_index(c) >= 0)
				m = (uint16_t)(1u << char_index(c));
			else if (c == ']')
				return fail(err, i, "']' without '['");
			else
				return fail(err, i, p.is_pattern ? "unknown pattern character"
							 : "not a dialable character (a pattern starts with '_')");
			i++;
		}
		if (p.len >= VD_PATTERN_MAX) return fail(err, i - 1, "pattern too long");
		p.set[p.len++] = m;
	}
	if (p.is_pattern && p.len == 0 && p.tail == VD_PATTERN_TAIL_NONE)
		return fail(err, i, "empty pattern");
	*out = p;
	return 0;
}

int vd_pattern_compile(const char *src, struct vd_pattern *out, size_t *err_pos)
{
	struct vd_pattern_err e;
	int rc = vd_pattern_compile_ex(src, out, &e);
	if (rc && err_pos) *err_pos = e.pos;
	return rc;
}

bool vd_pattern_match(const struct vd_pattern *p, const char *number)
{
	if (!number) return false;
	size_t n = strlen(number);
	if (n < p->len) return false;
	size_t rest = n - p->len;
	switch (p->tail) {
	case VD_PATTERN_TAIL_NONE:
		if (rest != 0) return false;
		break;
	case VD_PATTERN_TAIL_ONE_OR_MORE:
		if (rest == 0) return false;
		break;
	default:
		break;
	}
	for (size_t i = 0; i < p->len; i++) {
		int c = char_index(number[i]);
		if (c < 0 || !(p->set[i] & (1u << c))) return false;
	}
	for (size_t i = p->len; i < n; i++)
		if (char_index(number[i]) < 0) return false;
	return true;
}

static int popcount16(uint16_t m)
{
	int n = 0;
	for (; m; m &= (uint16_t)(m - 1)) n++;
	return n;
}

/* Asterisk's weight of one position: 0 at the end of the pattern. */
static int32_t weight(const struct vd_pattern *p, size_t i)
{
	if (i < p->len) {
		uint16_t m = p->set[i];
		int lowest = 0;
		while (!(m & (1u << lowest))) lowest++;
		return (int32_t)popcount16(m) << 8 | (unsigned char)alphabet[lowest];
	}
	if (i == p->len && p->tail == VD_PATTERN_TAIL_ONE_OR_MORE) return 0x40000;
	if (i == p->len && p->tail == VD_PATTERN_TAIL_ZERO_OR_MORE) return 0x50000;
	return 0;
}

/* The 256-bit character bitmap Asterisk compares sets of equal weight by. */
static void bitmap(uint16_t m, unsigned char bm[32])
{
	memset(bm, 0, 32);
	for (int i = 0; i < NALPHA; i++) {
		if (!(m & (1u << i))) continue;
		unsigned char c = (unsigned char)alphabet[i];
		bm[c >> 3] |= (unsigned char)(1u << (c & 7));
	}
}

int vd_pattern_cmp(const struct vd_pattern *a, const struct vd_pattern *b)
{
	if (a->is_pattern != b->is_pattern) return a->is_pattern ? 1 : -1;
	for (size_t i = 0;; i++) {
		int32_t wa = weight(a, i), wb = weight(b, i);
		if (wa != wb) return wa < wb ? -1 : 1;
		if (i < a->len && i < b->len && a->set[i] != b->set[i]) {
			/* same size and lowest character: Asterisk's memcmp(right, left) */
			unsigned char ba[32], bb[32];
			bitmap(a->set[i], ba);
			bitmap(b->set[i], bb);
			int c = memcmp(bb, ba, sizeof ba);
			if (c) return c < 0 ? -1 : 1;
		}
		if (wa == 0 || i >= a->len) return 0;
	}
}

int vd_pattern_best(const struct vd_pattern *pats, size_t n, const char *number, size_t *index)
{
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (!vd_pattern_match(&pats[i], number)) continue;
		if (best == n || vd_pattern_cmp(&pats[i], &pats[best]) < 0) best = i;
	}
	if (best == n) return -ENOENT;
	*index = best;
	return 0;
}
