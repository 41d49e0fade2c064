/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* UTF-8 validation for untrusted text (the clients file): RFC 3629 rules,
 * so overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code points
 * above U+10FFFF are invalid. A string that passes can be put into JSON
 * (jansson, SQLite's json functions) as it is. Pure and thread-safe. */
#ifndef VD_UTF8_H
#define VD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the longest prefix of the `len` bytes at `s` made of complete,
 * valid UTF-8 sequences; `len` when all of it is valid. NUL is valid. */
size_t vd_utf8_valid_prefix(const char *s, size_t len);

/* True if all `len` bytes at `s` are valid UTF-8 and none is NUL. */
bool vd_utf8_is_text(const char *s, size_t len);

#endif
