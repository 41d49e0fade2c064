/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* E.164 normalization: the issue's examples first, then KZ, international
 * numbers and the refusals (one row per rule in core/e164.h). */
#include "core/e164.h"
#include "vtest.h"

#include <errno.h>

struct ok_case { const char *country, *raw, *want; };
struct bad_case { const char *country, *raw; };

static const struct ok_case ok_cases[] = {
	/* the issue's four spellings of one number */
	{"RU", "8 (916) 123-45-67", "+79161234567"},
	{"RU", "+7 916 123 45 67", "+79161234567"},
	{"RU", "9161234567", "+79161234567"},
	{"RU", "7-916-123-45-67", "+79161234567"},
	/* more punctuation */
	{"RU", "+7(916)123-45-67", "+79161234567"},
	{"RU", "8.916.123.45.67", "+79161234567"},
	{"RU", " 8 916 1234567 ", "+79161234567"},
	{"RU", "8\t916/123 45 67", "+79161234567"},
	{"RU", "89161234567", "+79161234567"},
	{"RU", "79161234567", "+79161234567"},
	{"ru", "79161234567", "+79161234567"},
	/* landlines and free phone: other area codes as 10 digits */
	{"RU", "4951234567", "+74951234567"},
	{"RU", "8 (495) 123-45-67", "+74951234567"},
	{"RU", "8 800 555-35-35", "+78005553535"},
	{"RU", "3433123456", "+73433123456"},
	/* KZ: +7 7xx and 6xx */
	{"KZ", "+7 701 123 45 67", "+77011234567"},
	{"KZ", "8 (701) 123-45-67", "+77011234567"},
	{"KZ", "7011234567", "+77011234567"},
	{"KZ", "87272123456", "+77272123456"},
	{"KZ", "77011234567", "+77011234567"},
	{"kz", "+7 (727) 212-34-56", "+77272123456"},
	/* international numbers given with '+' pass for any country */
	{"RU", "+44 20 7946 0958", "+442079460958"},
	{"KZ", "+1 (212) 555-0100", "+12125550100"},
	{"RU", "+998 90 123 45 67", "+998901234567"},
	{"RU", "+12345678", "+12345678"},
	{"RU", "+123456789012345", "+123456789012345"},
};

static const struct bad_case bad_cases[] = {
	{"RU", ""},
	{"RU", "   "},
	{"RU", "+"},
	{"RU", "916123456"},          /* 9 digits */
	{"RU", "891612345678"},       /* 12 digits */
	{"RU", "8916123456789012345"},
	{"RU", "8916abc4567"},
	{"RU", "8 916 123 45 67 ext 1"},
	{"RU", "+7 916 123 45 6"},    /* +7 with 9 national digits */
	{"RU", "+7 916 123 45 678"},  /* +7 with 11 national digits */
	{"RU", "+7 016 123 45 67"},   /* national number cannot start with 0 */
	{"RU", "59161234567"},        /* 11 digits, wrong country prefix */
	{"RU", "19161234567"},
	{"RU", "0161234567"},         /* 10 digits starting 0 */
	{"RU", "2161234567"},
	{"RU", "80161234567"},
	{"RU", "8 916 +123"},         /* '+' in the middle */
	{"RU", "++79161234567"},
	{"RU", "+0441234567"},
	{"RU", "+1234567"},           /* 7 digits: too short for E.164 */
	{"RU", "+1234567890123456"},  /* 16 digits */
	{"RU", "８９１６１２３４５６７"}, /* full-width digits are not ASCII */
};

int main(void)
{
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		const struct ok_case *c = &ok_cases[i];
		char out[VD_E164_SIZE] = "";
		const char *why = NULL;
		int rc = vd_e164_normalize(c->raw, strlen(c->raw), c->country, out, &why);
		if (rc) fprintf(stderr, "case '%s' (%s): %s\n", c->raw, c->country, why);
		CHECK_INT(rc, 0);
		CHECK_STR(out, c->want);
	}
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		char out[VD_E164_SIZE] = "untouched";
		const char *why = NULL;
		int rc = vd_e164_normalize(c->raw, strlen(c->raw), c->country, out, &why);
		if (rc != -EINVAL) fprintf(stderr, "case '%s' accepted as %s\n", c->raw, out);
		CHECK_INT(rc, -EINVAL);
		CHECK(why != NULL && why[0] != '\0');
		CHECK_STR(out, "untouched");
	}

	/* length is honoured: no NUL needed, an embedded NUL is invalid */
	char out[VD_E164_SIZE];
	CHECK_INT(vd_e164_normalize("89161234567XYZ", 11, "RU", out, NULL), 0);
	CHECK_STR(out, "+79161234567");
	CHECK_INT(vd_e164_normalize("8916\0" "1234567", 12, "RU", out, NULL), -EINVAL);

	/* unknown countries are an error, not a guess */
	const char *why = NULL;
	CHECK_INT(vd_e164_normalize("+79161234567", 12, "US", out, &why), -ENOTSUP);
	CHECK_STR(why, "unsupported country");
	CHECK_INT(vd_e164_normalize("+79161234567", 12, "", out, NULL), -ENOTSUP);
	CHECK_INT(vd_e164_normalize("+79161234567", 12, "RUS", out, NULL), -ENOTSUP);
	CHECK_INT(vd_e164_normalize("+79161234567", 12, NULL, out, NULL), -ENOTSUP);
	CHECK(vd_e164_country_supported("RU"));
	CHECK(vd_e164_country_supported("kz"));
	CHECK(!vd_e164_country_supported("DE"));
	CHECK(!vd_e164_country_supported(NULL));
	CHECK(!vd_e164_country_supported("R"));
	return vt_done();
}
