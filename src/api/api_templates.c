/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* CRM integration: POST /api/v1/templates/{id}/calls asks for one call with
 * the template's settings; the result is posted to the callback URL by the
 * webhook outbox (src/hooks). The same idempotency key returns the same
 * call, so a CRM may retry its request safely. */
#include "api/api_int.h"
#include "api/jv.h"
#include "core/e164.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void api_template_call_create(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, tid = vd_req_param(req, 0);
	json_t *in = vd_req_json_or_400(req);
	if (!in) return;
	struct vd_res r = {0};
	int err = vd_store_res_get(api->store, VD_KIND_TEMPLATE, acct, tid, &r);
	if (err) {
		api_store_error(req, err, "template");
		return;
	}
	json_t *tmpl = json_loads(r.body, 0, NULL);
	vd_res_reset(&r);
	const char *country = json_string_value(json_object_get(tmpl, "e164_country"));

	static const char *const known[] = {"phone", "client_id", "variables", "callback_url", "idempotency_key", NULL};
	struct vd_verr e = {0};
	json_t *out = json_object();
	struct vd_jv jv;
	const char *phone = NULL, *client_id = NULL, *url = NULL, *key = NULL;
	vd_jv_init(&jv, in, out, "", &e);
	vd_jv_no_unknown(&jv, known);
	vd_jv_string(&jv, "phone", true, 64, NULL, &phone);
	vd_jv_string(&jv, "client_id", false, 127, NULL, &client_id);
	if (!vd_jv_string(&jv, "callback_url", false, 2000, NULL, &url) && url && strncmp(url, "http://", 7) &&
	    strncmp(url, "https://", 8))
		vd_jv_fail(&jv, "callback_url", "must be an http:// or https:// URL");
	vd_jv_string(&jv, "idempotency_key", false, 200, vd_req_header(req, "Idempotency-Key"), &key);
	const json_t *vars = json_object_get(in, "variables");
	if (!jv.failed && vars && !json_is_null(vars)) {
		const char *k;
		json_t *v;
		if (!json_is_object(vars)) {
			vd_jv_fail(&jv, "variables", "must be an object of names to values");
		} else {
			json_object_foreach((json_t *)vars, k, v) {
				if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
					char f[200];
					snprintf(f, sizeof f, "variables.%.150s", k);
					vd_jv_fail(&jv, f, "must be a string, a number or a boolean");
					break;
				}
			}
		}
	}
	char e164[VD_E164_SIZE];
	const char *why = NULL;
	if (!jv.failed && vd_e164_normalize(phone, strlen(phone), country ? country : "RU", e164, &why) != 0)
		vd_jv_fail(&jv, "phone", "%s", why ? why : "not a valid phone number");
	if (jv.failed) {
		api_verr(req, &e);
		goto out;
	}
	if (!url) url = json_string_value(json_object_get(tmpl, "callback_url"));
	char *vtext = vars && json_is_object(vars) ? json_dumps(vars, JSON_COMPACT) : strdup("{}");
	struct vd_template_call_req tr = {
		.account_id = acct, .template_id = tid, .idempotency_key = key, .client_id = client_id,
		.phone_e164 = e164, .variables = vtext ? vtext : "{}", .callback_url = url,
	};
	int64_t call_id = 0;
	bool existed = false;
	err = vd_store_template_call(api->store, &tr, &call_id, &existed);
	free(vtext);
	if (err) {
		api_store_error(req, err, "template");
		goto out;
	}
	if (!existed)
		vd_info("api", "template=%lld call=%lld queued account=%lld", (long long)tid, (long long)call_id,
			(long long)acct);
	vd_resp_json(req, existed ? 200 : 201, json_pack("{s:I, s:s, s:b}", "call_id", (json_int_t)call_id,
							 "status", "queued", "duplicate", existed));
out:
	json_decref(out);
	json_decref(tmpl);
}

void api_template_call_get(struct vd_req *req)
{
	struct vd_template_call tc;
	int err = vd_store_template_call_get(api_of(req)->store, api_principal(req)->account_id,
					     vd_req_param(req, 0), vd_req_param(req, 1), &tc);
	if (err) {
		api_store_error(req, err, "template call");
		return;
	}
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i}", "call_id", (json_int_t)tc.id,
			      "template_id", (json_int_t)tc.template_id, "phone", tc.phone,
			      "status", !strcmp(tc.state, "finished") ? "finished" :
					!strcmp(tc.state, "in_progress") ? "dialing" : "queued",
			      "attempts", tc.attempts);
	json_object_set_new(o, "client_id", tc.client_id[0] ? json_string(tc.client_id) : json_null());
	json_object_set_new(o, "outcome", tc.outcome[0] ? json_string(tc.outcome) : json_null());
	api_set_time(o, "created_at", tc.created_ms);
	vd_resp_json(req, 200, o);
}
