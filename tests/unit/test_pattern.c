/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Asterisk-style patterns: what matches, what is rejected and where, and
 * which of several matching routes wins. */
#include <errno.h>

#include "core/pattern.h"
#include "vtest.h"

struct mrow {
	const char *pattern, *number;
	bool match;
};

static const struct mrow matches[] = {
	{"_7XXXXXXXXXX", "79161234567", true},
	{"_7XXXXXXXXXX", "7916123456", false},
	{"_7XXXXXXXXXX", "791612345678", false},
	{"_7XXXXXXXXXX", "89161234567", false},
	{"_7XXXXXXXXXX", "+79161234567", false},
	{"_x", "5", true},
	{"_Z", "0", false},
	{"_Z", "1", true},
	{"_N", "1", false},
	{"_N", "2", true},
	{"_n", "9", true},
	{"_[1-5]", "3", true},
	{"_[1-5]", "6", false},
	{"_[135-7]", "6", true},
	{"_[135-7]", "4", false},
	{"_[*#]", "#", true},
	{"_8.", "8", false},
	{"_8.", "81", true},
	{"_8.", "8123456789", true},
	{"_8!", "8", true},
	{"_8!", "81234", true},
	{"_8!", "91234", false},
	{"_NXX-XXXX", "2345678", true},
	{"_+7X.", "+79161234567", true},
	{"_X.", "12a", false},
	{"100", "100", true},
	{"100", "1000", false},
	{"*100#", "*100#", true},
	{"_!", "", true},
	{"_.", "", false},
};

struct erow {
	const char *pattern;
	size_t pos;
};

static const struct erow errors[] = {
	{"", 0},
	{"_", 1},
	{"_7X[", 3},
	{"_7X[12", 3},
	{"_7[]", 2},
	{"_7[5-1]", 5},
	{"_7[a]", 3},
	{"_7Q", 2},
	{"_8.1", 3},
	{"_8!X", 3},
	{"_8]", 2},
	{"12a", 2},
	{"1X", 1},
	{"_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 65},
};

static void test_best(void)
{
	/* Asterisk order: exact first, then fewer choices earlier, `.` before `!` */
	const char *src[] = {"_X.", "_7XXXXXXXXXX", "_79XXXXXXXXX", "_7!", "79161234567",
			     "_7[89]XXXXXXXXX", "_79[01]XXXXXXXX"};
	struct vd_pattern p[7];
	for (int i = 0; i < 7; i++) CHECK_INT(vd_pattern_compile(src[i], &p[i], NULL), 0);
	size_t idx = 99;
	CHECK_INT(vd_pattern_best(p, 7, "79161234567", &idx), 0);
	CHECK_INT(idx, 4); /* the exact number */
	CHECK_INT(vd_pattern_best(p, 7, "79171234567", &idx), 0);
	CHECK_INT(idx, 6); /* _79[01]: at position 3, 2 choices beat X's 10 */
	CHECK_INT(vd_pattern_best(p, 7, "79271234567", &idx), 0);
	CHECK_INT(idx, 2); /* _79XXX beats _7[89] at position 2 (1 choice vs 2) */
	CHECK_INT(vd_pattern_best(p, 7, "78271234567", &idx), 0);
	CHECK_INT(idx, 5);
	CHECK_INT(vd_pattern_best(p, 7, "77271234567", &idx), 0);
	CHECK_INT(idx, 1);
	CHECK_INT(vd_pattern_best(p, 7, "7", &idx), 0);
	CHECK_INT(idx, 3); /* only _7! matches a bare 7 */
	CHECK_INT(vd_pattern_best(p, 7, "123", &idx), 0);
	CHECK_INT(idx, 0);
	idx = 99;
	CHECK_INT(vd_pattern_best(p, 7, "", &idx), -ENOENT);
	CHECK_INT(idx, 99);

	struct vd_pattern a, b;
	/* `.` before `!` */
	vd_pattern_compile("_7!", &a, NULL);
	vd_pattern_compile("_7.", &b, NULL);
	CHECK(vd_pattern_cmp(&b, &a) < 0);
	/* N (8 choices) before X (10) */
	vd_pattern_compile("_N", &a, NULL);
	vd_pattern_compile("_X", &b, NULL);
	CHECK(vd_pattern_cmp(&a, &b) < 0);
	CHECK(vd_pattern_cmp(&b, &a) > 0);
	CHECK_INT(vd_pattern_cmp(&a, &a), 0);
	/* equal weight and lowest char: Asterisk's bitmap order, [14] before [13] */
	vd_pattern_compile("_[13]", &a, NULL);
	vd_pattern_compile("_[14]", &b, NULL);
	CHECK(vd_pattern_cmp(&b, &a) < 0);
	/* shorter fixed pattern before a longer one sharing its start */
	vd_pattern_compile("_7X", &a, NULL);
	vd_pattern_compile("_7XX", &b, NULL);
	CHECK(vd_pattern_cmp(&a, &b) < 0);
	/* ties keep list order */
	struct vd_pattern same[2];
	vd_pattern_compile("_7X", &same[0], NULL);
	vd_pattern_compile("_7x", &same[1], NULL);
	CHECK_INT(vd_pattern_best(same, 2, "71", &idx), 0);
	CHECK_INT(idx, 0);
}

int main(void)
{
	for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		struct vd_pattern p;
		size_t pos = 0;
		int rc = vd_pattern_compile(matches[i].pattern, &p, &pos);
		CHECK_INT(rc, 0);
		if (rc) continue;
		bool m = vd_pattern_match(&p, matches[i].number);
		if (m != matches[i].match)
			fprintf(stderr, "%s vs %s\n", matches[i].pattern, matches[i].number);
		CHECK_INT(m, matches[i].match);
	}
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		struct vd_pattern p;
		struct vd_pattern_err e = {999, NULL};
		size_t pos = 999;
		CHECK_INT(vd_pattern_compile(errors[i].pattern, &p, &pos), -EINVAL);
		if (pos != errors[i].pos) fprintf(stderr, "pattern \"%s\":\n", errors[i].pattern);
		CHECK_INT(pos, errors[i].pos);
		CHECK_INT(vd_pattern_compile_ex(errors[i].pattern, &p, &e), -EINVAL);
		CHECK(e.message != NULL && e.message[0] != '\0');
	}
	struct vd_pattern p;
	size_t pos = 7;
	CHECK_INT(vd_pattern_compile("_X", &p, &pos), 0);
	CHECK_INT(pos, 7); /* error position untouched on success */
	CHECK(!vd_pattern_match(&p, NULL));
	CHECK_INT(vd_pattern_compile(NULL, &p, &pos), -EINVAL);
	test_best();
	return vt_done();
}
