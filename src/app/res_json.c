/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* See res_json.h. */
#include "app/res_json.h"

#include <stdio.h>

json_t *vd_res_json(struct vd_store *st, enum vd_kind kind, int64_t account_id, int64_t id)
{
	struct vd_res r = {0};
	if (!id || vd_store_res_get(st, kind, account_id, id, &r) != 0) return NULL;
	json_t *j = json_loads(r.body, 0, NULL);
	vd_res_reset(&r);
	return j;
}

void vd_json_copy_str(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, size, "%s", s ? s : "");
}
