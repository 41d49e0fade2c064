/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* JSON field validation for request bodies. A reader walks one input object
 * and writes each accepted, normalized field into an output object, so what
 * is stored is exactly what was validated (defaults filled in, unknown
 * fields refused). The first failure records the field path and a message
 * in `err` and makes every later call a no-op returning -EINVAL. */
#ifndef VD_JV_H
#define VD_JV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/verr.h"

struct vd_jv {
	const json_t *in;
	json_t *out;                 /* borrowed */
	struct vd_verr *err;
	char prefix[96];             /* "" or "tariff." */
	int failed;
};

/* Starts reading `in` (must be an object, else error at `prefix`). */
int vd_jv_init(struct vd_jv *jv, const json_t *in, json_t *out, const char *prefix,
	       struct vd_verr *err);
/* Fails on any key of `in` not in the NULL-terminated `known` list, except
 * the read-only keys id, status, created_at, updated_at which are ignored. */
int vd_jv_no_unknown(struct vd_jv *jv, const char *const *known);
/* Records an error at prefix+key. Always returns -EINVAL. */
int vd_jv_fail(struct vd_jv *jv, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Each reads `key`; `required` false means absent/null takes the default
 * (def NULL for strings: the field is written as null). */
int vd_jv_string(struct vd_jv *jv, const char *key, bool required, size_t max_len,
		 const char *def, const char **out);
int vd_jv_int(struct vd_jv *jv, const char *key, bool required, int64_t min, int64_t max,
	      int64_t def, int64_t *out);
int vd_jv_number(struct vd_jv *jv, const char *key, bool required, double min, double max,
		 double def, double *out);
int vd_jv_bool(struct vd_jv *jv, const char *key, bool def, bool *out);
/* One of `allowed` (NULL-terminated). */
int vd_jv_enum(struct vd_jv *jv, const char *key, const char *const *allowed, const char *def,
	       const char **out);
/* A positive integer id, or null/absent (*out = 0) when not required. */
int vd_jv_id(struct vd_jv *jv, const char *key, bool required, int64_t *out);
/* A nested object (absent: NULL unless required); opens a sub-reader. */
int vd_jv_object(struct vd_jv *jv, const char *key, bool required, struct vd_jv *sub);
/* An array (absent: empty unless required); *out is the output array. */
int vd_jv_array(struct vd_jv *jv, const char *key, bool required, size_t max_items,
		const json_t **in_arr, json_t **out_arr);
/* Builds "prefix+key" into buf. */
const char *vd_jv_path(const struct vd_jv *jv, const char *key, char *buf, size_t size);

/* True if s is a plausible E.164 caller number: '+' optional, 3..15 digits. */
bool vd_jv_phone_ok(const char *s);

#endif
