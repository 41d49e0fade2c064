/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* UTF-8 validation (RFC 3629 section 4 table of well-formed byte sequences).
 * ASCII runs are the common case in a clients file and take the short loop. */
#include "import/utf8.h"

#include <string.h>

size_t vd_utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf;   /* range of the second byte */
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0) lo = 0xa0;         /* overlong */
			if (c == 0xed) hi = 0x9f;         /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0) lo = 0x90;         /* overlong */
			if (c == 0xf4) hi = 0x8f;         /* above U+10FFFF */
		} else {
			return i;                         /* 0x80..0xc1, 0xf5..0xff */
		}
		if (len - i <= need) return i;
		if (p[i + 1] < lo || p[i + 1] > hi) return i;
		for (size_t k = 2; k <= need; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf) return i;
		i += need + 1;
	}
	return len;
}

bool vd_utf8_is_text(const char *s, size_t len)
{
	return vd_utf8_valid_prefix(s, len) == len && !memchr(s, '\0', len);
}
