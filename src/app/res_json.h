/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reading stored configuration objects as JSON, for the threads that
 * turn them into settings (the dialer's task config, its transfers). */
#ifndef VD_RES_JSON_H
#define VD_RES_JSON_H

#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The body of object `id` of `kind` in account_id, parsed (a new
 * reference), or NULL when id is 0, the object is missing or another
 * account's, or its body does not parse. */
json_t *vd_res_json(struct vd_store *st, enum vd_kind kind, int64_t account_id, int64_t id);

/* Copies a JSON string into dst (size bytes, NUL-terminated, cut to fit);
 * "" when v is not a string. */
void vd_json_copy_str(char *dst, size_t size, const json_t *v);

#endif
