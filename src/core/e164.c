/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* E.164 normalization (see e164.h for the rules). One pass collects the
 * digits while checking the punctuation, then the country's rules decide. */
#include "core/e164.h"

#include <errno.h>
#include <string.h>

/* Longest digit string we collect; more is "too many digits" whatever the
 * country, so the buffer below is bounded. */
#define MAX_DIGITS 15

/* Countries whose national numbers we understand. Both RU and KZ are in the
 * integrated numbering plan of country code 7 (10-digit national numbers,
 * trunk prefix 8). */
struct country {
	char iso[3];
	const char *too_few;
	const char *too_many;
	const char *bad_first;
};

static const struct country countries[] = {
	{"RU", "too few digits for RU", "too many digits for RU",
	 "not a RU number (wrong code after the prefix)"},
	{"KZ", "too few digits for KZ", "too many digits for KZ",
	 "not a KZ number (wrong code after the prefix)"},
};

static const struct country *country_find(const char *iso)
{
	if (!iso) return NULL;
	for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++) {
		const char *c = countries[i].iso;
		char a = iso[0], b = a ? iso[1] : '\0';
		if (a >= 'a' && a <= 'z') a = (char)(a - 'a' + 'A');
		if (b >= 'a' && b <= 'z') b = (char)(b - 'a' + 'A');
		if (a == c[0] && b == c[1] && iso[2] == '\0') return &countries[i];
	}
	return NULL;
}

bool vd_e164_country_supported(const char *country)
{
	return country_find(country) != NULL;
}

static int fail(const char **why, const char *reason)
{
	if (why) *why = reason;
	return -EINVAL;
}

static void emit(char out[VD_E164_SIZE], const char *prefix, const char *digits, size_t n)
{
	size_t p = strlen(prefix);
	out[0] = '+';
	memcpy(out + 1, prefix, p);
	memcpy(out + 1 + p, digits, n);
	out[1 + p + n] = '\0';
}

/* A national number in zone 7 starts with 3..9: 0, 1 and 2 are unassigned. */
static bool zone7_nsn_ok(char first)
{
	return first >= '3' && first <= '9';
}

int vd_e164_normalize(const char *raw, size_t len, const char *country,
		      char out[VD_E164_SIZE], const char **why)
{
	const struct country *cc = country_find(country);
	if (!cc) {
		if (why) *why = "unsupported country";
		return -ENOTSUP;
	}
	char d[MAX_DIGITS];
	size_t n = 0;
	bool plus = false, too_many = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)raw[i];
		if (ch >= '0' && ch <= '9') {
			if (n < MAX_DIGITS)
				d[n++] = (char)ch;
			else
				too_many = true;
			continue;
		}
		switch (ch) {
		case ' ': case '\t': case '-': case '.': case '(': case ')': case '/':
			continue;
		case '+':
			if (plus || n > 0) return fail(why, "'+' is only allowed before the number");
			plus = true;
			continue;
		default:
			return fail(why, "invalid character (digits, spaces, + - . ( ) allowed)");
		}
	}
	if (n == 0) return fail(why, plus ? "no digits after '+'" : "empty");

	if (plus) {
		if (too_many) return fail(why, "too many digits (E.164 allows 15)");
		if (d[0] == '0') return fail(why, "a country code cannot start with 0");
		if (d[0] == '7') {
			/* Zone 7 (RU, KZ): exactly 10 national digits. */
			if (n < 11) return fail(why, "too few digits after +7 (10 expected)");
			if (n > 11) return fail(why, "too many digits after +7 (10 expected)");
			if (!zone7_nsn_ok(d[1])) return fail(why, "not a valid +7 number");
			emit(out, "", d, n);
			return 0;
		}
		if (n < 8) return fail(why, "too few digits for an international number");
		emit(out, "", d, n);
		return 0;
	}

	/* National forms; both supported countries are in zone 7. */
	if (too_many || n > 11) return fail(why, cc->too_many);
	if (n < 10) return fail(why, cc->too_few);
	if (n == 11) {
		if (d[0] != '8' && d[0] != '7') return fail(why, cc->bad_first);
		if (!zone7_nsn_ok(d[1])) return fail(why, cc->bad_first);
		emit(out, "7", d + 1, 10);
		return 0;
	}
	if (!zone7_nsn_ok(d[0])) return fail(why, cc->bad_first);
	emit(out, "7", d, 10);
	return 0;
}
