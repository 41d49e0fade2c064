/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* POST /api/v1/recall-rule-sets/preview: what a rule set will do for a
 * sequence of outcomes. The same function backs `voxdial recall-preview`. */
#include "api/api_int.h"
#include "app/recall_json.h"

#include <errno.h>

void api_recall_preview(struct vd_req *req)
{
	json_t *body = vd_req_json_or_400(req);
	if (!body) return;
	json_t *out = NULL;
	struct vd_verr e = {0};
	int err = vd_recall_preview_json(body, &out, &e);
	if (err == -EINVAL) {
		api_verr(req, &e);
		return;
	}
	if (err) {
		vd_resp_error(req, 500, "internal", NULL, "preview failed (%d)", err);
		return;
	}
	vd_resp_json(req, 200, out);
}
