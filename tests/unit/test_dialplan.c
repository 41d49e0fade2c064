/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Dial-plan rewriting and the allowed-destination guard. */
#include <errno.h>
#include <string.h>

#include "core/dialplan.h"
#include "vtest.h"

struct row {
	const char *name, *prefix;
	int strip;
	const char *allowed; /* one pattern or NULL for none */
	const char *number;
	int rc;
	const char *out;
};

static const struct row rows[] = {
	{"plain E.164", "", 0, "_7XXXXXXXXXX", "+79161234567", 0, "79161234567"},
	{"no plus", "", 0, "_7XXXXXXXXXX", "79161234567", 0, "79161234567"},
	{"strip 1 add 8", "8", 1, "_7XXXXXXXXXX", "+79161234567", 0, "89161234567"},
	{"carrier prefix", "9#", 0, "_7XXXXXXXXXX", "+79161234567", 0, "9#79161234567"},
	{"plus prefix", "+", 0, "_7XXXXXXXXXX", "+79161234567", 0, "+79161234567"},
	{"pattern with plus", "", 0, "_+7X.", "+79161234567", 0, "79161234567"},
	{"outside allowed: premium", "", 0, "_7XXXXXXXXXX", "+882123456789", -EPERM, NULL},
	{"outside allowed: foreign", "8", 1, "_79XXXXXXXXX", "+74951234567", -EPERM, NULL},
	{"nothing allowed", "", 0, NULL, "+79161234567", -EPERM, NULL},
	{"letters", "", 0, "_X.", "+7916abc", -EINVAL, NULL},
	{"empty", "", 0, "_X.", "", -EINVAL, NULL},
	{"strip everything", "", 3, "_X.", "123", -EINVAL, NULL},
	{"bad prefix", "8a", 0, "_X.", "123", -EINVAL, NULL},
	{"negative strip", "", -1, "_X.", "123", -EINVAL, NULL},
};

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct vd_pattern pat;
		struct vd_dialplan dp = {.prefix = r->prefix, .strip_digits = r->strip};
		if (r->allowed) {
			CHECK_INT(vd_pattern_compile(r->allowed, &pat, NULL), 0);
			dp.allowed = &pat;
			dp.nallowed = 1;
		}
		char out[VD_DIALPLAN_MAX_NUMBER] = "untouched";
		int rc = vd_dialplan_rewrite(&dp, r->number, out, sizeof out);
		if (rc != r->rc) fprintf(stderr, "row \"%s\":\n", r->name);
		CHECK_INT(rc, r->rc);
		CHECK_STR(out, r->out ? r->out : "untouched");
	}

	struct vd_pattern pats[2];
	vd_pattern_compile("_7XXXXXXXXXX", &pats[0], NULL);
	vd_pattern_compile("_375XXXXXXXXX", &pats[1], NULL);
	struct vd_dialplan dp = {.prefix = NULL, .allowed = pats, .nallowed = 2};
	CHECK(vd_dialplan_allowed(&dp, "+375291234567"));
	CHECK(vd_dialplan_allowed(&dp, "+79161234567"));
	CHECK(!vd_dialplan_allowed(&dp, "+380501234567"));
	CHECK(!vd_dialplan_allowed(&dp, NULL));
	char small[5] = "zzzz";
	CHECK_INT(vd_dialplan_rewrite(&dp, "+79161234567", small, sizeof small), -ENOSPC);
	CHECK_STR(small, "zzzz");
	CHECK_INT(vd_dialplan_check(&dp), 0);
	dp.prefix = "12345678901234567";
	CHECK_INT(vd_dialplan_check(&dp), -EINVAL);
	return vt_done();
}
