/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Validation of configuration resources on create and update: each kind's
 * body is read field by field into a normalized document (defaults filled
 * in), its references to other objects are collected for the store (which
 * checks they exist in the same account, atomically with the write), and
 * cross-object rules (a caller-ID group with a number on the dial plan's
 * trunk, a fixed caller ID that belongs to that trunk) are checked against
 * the store. */
#ifndef VD_VALIDATE_H
#define VD_VALIDATE_H

#include <jansson.h>

#include "app/verr.h"
#include "store/store.h"

#define VD_MAX_REFS 1100

struct vd_validated {
	json_t *body;                /* owned: the document to store */
	const char *name;            /* points into body */
	struct vd_ref refs[VD_MAX_REFS];
	char ref_fields[VD_MAX_REFS][48]; /* refs[i].field points here */
	size_t nrefs;
};
/* The struct is large (allocate it on the heap). */

/* Validates `in` for `kind` in `account_id`. `old` is the stored body on
 * update (NULL on create): write-only secrets absent from `in` are kept.
 * Returns 0 and fills *out (release with vd_validated_reset), -EINVAL with
 * *err (422), or another negative errno (store failure). */
int vd_validate_resource(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			 const json_t *in, const json_t *old, struct vd_validated *out,
			 struct vd_verr *err);
void vd_validated_reset(struct vd_validated *v);

/* The public view of a stored body: secrets removed. Takes a reference of
 * nothing; returns a new object. */
json_t *vd_resource_public(enum vd_kind kind, const json_t *body);

#endif
