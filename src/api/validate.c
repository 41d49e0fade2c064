/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Per-kind validators for configuration resources; see validate.h. Field
 * names and defaults follow shared/API.md. */
#include "api/validate.h"
#include "api/jv.h"
#include "app/recall_json.h"
#include "app/script_json.h"
#include "core/e164.h"
#include "core/pattern.h"
#include "core/rfc3339.h"
#include "util/secret.h"
#include "util/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vd_validated_reset(struct vd_validated *v)
{
	json_decref(v->body);
	v->body = NULL;
	v->name = NULL;
	v->nrefs = 0;
}

static int add_ref(struct vd_jv *jv, struct vd_validated *v, enum vd_kind kind, int64_t id,
		   const char *key)
{
	if (!id) return 0;
	if (v->nrefs >= VD_MAX_REFS) return vd_jv_fail(jv, key, "too many references");
	vd_jv_path(jv, key, v->ref_fields[v->nrefs], sizeof v->ref_fields[0]);
	v->refs[v->nrefs] = (struct vd_ref){.kind = kind, .id = id, .field = v->ref_fields[v->nrefs]};
	v->nrefs++;
	return 0;
}

static int name_field(struct vd_jv *jv, struct vd_validated *v)
{
	return vd_jv_string(jv, "name", true, 200, NULL, &v->name);
}

static bool host_ok(const char *h)
{
	if (!*h || strlen(h) > 253) return false;
	for (const char *p = h; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
			return false;
	}
	return true;
}

static bool sip_user_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>\"@:;,\\", *p)) return false;
	return true;
}

/* ---- trunk ---- */
static int v_trunk(struct vd_jv *jv, struct vd_validated *v, const json_t *old)
{
	static const char *const known[] = {"name", "host", "port", "transport", "username", "password",
		"from_domain", "max_channels", "max_cps", "default_caller_id", NULL};
	static const char *const transports[] = {"udp", "tcp", NULL};
	const char *host, *user, *dom, *cid;
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	if (!vd_jv_string(jv, "host", true, 253, NULL, &host) && !host_ok(host))
		return vd_jv_fail(jv, "host", "must be a host name or an IP address");
	vd_jv_int(jv, "port", false, 1, 65535, 5060, NULL);
	vd_jv_enum(jv, "transport", transports, "udp", NULL);
	if (!vd_jv_string(jv, "username", false, 128, NULL, &user) && user && !sip_user_ok(user))
		return vd_jv_fail(jv, "username", "must not contain spaces or <>\"@:;,\\");
	/* Write-only: absent on update keeps the stored one. */
	const json_t *pw = json_object_get(jv->in, "password");
	if (pw && !json_is_null(pw)) {
		if (!json_is_string(pw) || json_string_length(pw) > 256)
			return vd_jv_fail(jv, "password", "must be a string of at most 256 characters");
		json_object_set(jv->out, "password", (json_t *)pw);
	} else if (old && json_is_string(json_object_get(old, "password"))) {
		json_object_set(jv->out, "password", json_object_get(old, "password"));
	}
	if (!vd_jv_string(jv, "from_domain", false, 253, NULL, &dom) && dom && *dom && !host_ok(dom))
		return vd_jv_fail(jv, "from_domain", "must be a domain name or an IP address");
	vd_jv_int(jv, "max_channels", false, 1, 100000, 30, NULL);
	vd_jv_int(jv, "max_cps", false, 1, 1000, 10, NULL);
	if (!vd_jv_string(jv, "default_caller_id", false, 32, NULL, &cid) && cid && *cid &&
	    !vd_jv_phone_ok(cid))
		return vd_jv_fail(jv, "default_caller_id", "must be a phone number such as +74951234567");
	return jv->failed ? -EINVAL : 0;
}

/* ---- dial plan ---- */
static int v_dial_plan(struct vd_jv *jv, struct vd_validated *v)
{
	static const char *const known[] = {"name", "trunk_id", "prefix", "strip_digits",
		"allowed_patterns", "tariff", "is_default", NULL};
	int64_t trunk_id;
	const char *prefix;
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	if (!vd_jv_id(jv, "trunk_id", true, &trunk_id)) add_ref(jv, v, VD_KIND_TRUNK, trunk_id, "trunk_id");
	if (!vd_jv_string(jv, "prefix", false, 16, "", &prefix)) {
		for (const char *p = prefix; *p; p++)
			if (!strchr("0123456789*#+", *p))
				return vd_jv_fail(jv, "prefix", "may contain only digits, *, # and +");
	}
	vd_jv_int(jv, "strip_digits", false, 0, 15, 0, NULL);
	const json_t *in_arr;
	json_t *out_arr;
	/* The toll-fraud guard: a plan dials only numbers its patterns allow.
	 * Absent means Russian numbers (API.md's default); an empty list would
	 * dial nothing, which is never what the user meant. */
	if (!vd_jv_array(jv, "allowed_patterns", false, 100, &in_arr, &out_arr) && !in_arr)
		json_array_append_new(out_arr, json_string("_7XXXXXXXXXX"));
	else if (!jv->failed && json_array_size(in_arr) == 0)
		return vd_jv_fail(jv, "allowed_patterns", "needs at least one pattern: an empty list allows no number");
	if (!jv->failed && in_arr) {
		size_t i;
		const json_t *e;
		json_array_foreach(in_arr, i, e) {
			char key[48];
			snprintf(key, sizeof key, "allowed_patterns[%zu]", i);
			if (!json_is_string(e)) return vd_jv_fail(jv, key, "must be a string");
			struct vd_pattern pat;
			struct vd_pattern_err perr = {0};
			if (vd_pattern_compile_ex(json_string_value(e), &pat, &perr) != 0)
				return vd_jv_fail(jv, key, "invalid pattern at position %zu: %s", perr.pos + 1,
						  perr.message ? perr.message : "syntax error");
			json_array_append(out_arr, (json_t *)e);
		}
	}
	struct vd_jv t;
	if (!vd_jv_object(jv, "tariff", false, &t)) {
		static const char *const tknown[] = {"per_minute", "currency", "billing_step_s",
			"min_billable_s", "connect_fee", NULL};
		const char *cur;
		vd_jv_no_unknown(&t, tknown);
		vd_jv_number(&t, "per_minute", false, 0, 1e6, 0, NULL);
		if (!vd_jv_string(&t, "currency", false, 3, "RUB", &cur) &&
		    (strlen(cur) != 3 || strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
			vd_jv_fail(&t, "currency", "must be an ISO 4217 code such as RUB");
		vd_jv_int(&t, "billing_step_s", false, 1, 3600, 60, NULL);
		vd_jv_int(&t, "min_billable_s", false, 0, 3600, 0, NULL);
		vd_jv_number(&t, "connect_fee", false, 0, 1e6, 0, NULL);
		if (t.failed) jv->failed = 1;
	}
	vd_jv_bool(jv, "is_default", false, NULL);
	return jv->failed ? -EINVAL : 0;
}

/* ---- caller-ID group ---- */
static int v_callerid_group(struct vd_jv *jv, struct vd_validated *v)
{
	static const char *const known[] = {"name", "numbers", NULL};
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	const json_t *in_arr;
	json_t *out_arr;
	if (vd_jv_array(jv, "numbers", false, 1000, &in_arr, &out_arr) || !in_arr)
		return jv->failed ? -EINVAL : 0;
	size_t i;
	const json_t *e;
	json_array_foreach(in_arr, i, e) {
		char key[48];
		snprintf(key, sizeof key, "numbers[%zu]", i);
		struct vd_jv n;
		json_t *o = json_object();
		json_array_append_new(out_arr, o);
		char prefix[64];
		snprintf(prefix, sizeof prefix, "numbers[%zu].", i);
		if (vd_jv_init(&n, e, o, prefix, jv->err)) { jv->failed = 1; break; }
		static const char *const nknown[] = {"number", "trunk_id", "daily_cap", "rest_s", NULL};
		const char *num;
		int64_t trunk_id;
		vd_jv_no_unknown(&n, nknown);
		if (!vd_jv_string(&n, "number", true, 32, NULL, &num) && !vd_jv_phone_ok(num))
			vd_jv_fail(&n, "number", "must be a phone number such as +74951234567");
		if (!vd_jv_id(&n, "trunk_id", true, &trunk_id))
			add_ref(&n, v, VD_KIND_TRUNK, trunk_id, "trunk_id");
		vd_jv_int(&n, "daily_cap", false, 0, 1000000, 0, NULL);
		vd_jv_int(&n, "rest_s", false, 0, 86400, 0, NULL);
		if (n.failed) { jv->failed = 1; break; }
		for (size_t j = 0; j < i; j++) {
			const char *prev = json_string_value(json_object_get(json_array_get(out_arr, j), "number"));
			if (prev && !strcmp(prev, num)) {
				return vd_jv_fail(jv, key, "duplicates numbers[%zu]", j);
			}
		}
	}
	return jv->failed ? -EINVAL : 0;
}

/* ---- recall rule set ---- */
static int v_recall_rule_set(struct vd_jv *jv, struct vd_validated *v)
{
	static const char *const known[] = {"name", "rules", NULL};
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	if (jv->failed) return -EINVAL;
	const json_t *rules = json_object_get(jv->in, "rules");
	if (!rules || json_is_null(rules)) return vd_jv_fail(jv, "rules", "is required");
	struct vd_recall_rules rr;
	if (vd_recall_rules_from_json(rules, &rr, jv->err) != 0) {
		jv->failed = 1;
		return -EINVAL;
	}
	json_object_set(jv->out, "rules", (json_t *)rules);
	return 0;
}

/* ---- route ---- */
static int v_route(struct vd_jv *jv, struct vd_validated *v)
{
	static const char *const known[] = {"name", "type", "pattern", "trunk_ids", NULL};
	static const char *const types[] = {"standard", "peering", NULL};
	const char *pattern;
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	vd_jv_enum(jv, "type", types, "standard", NULL);
	if (!vd_jv_string(jv, "pattern", true, 80, NULL, &pattern)) {
		struct vd_pattern pat;
		struct vd_pattern_err perr = {0};
		if (vd_pattern_compile_ex(pattern, &pat, &perr) != 0)
			return vd_jv_fail(jv, "pattern", "invalid pattern at position %zu: %s", perr.pos + 1,
					  perr.message ? perr.message : "syntax error");
	}
	const json_t *in_arr;
	json_t *out_arr;
	if (vd_jv_array(jv, "trunk_ids", true, 16, &in_arr, &out_arr)) return -EINVAL;
	if (json_array_size(in_arr) == 0) return vd_jv_fail(jv, "trunk_ids", "needs at least one trunk");
	size_t i;
	const json_t *e;
	json_array_foreach(in_arr, i, e) {
		char key[32];
		snprintf(key, sizeof key, "trunk_ids[%zu]", i);
		if (!json_is_integer(e) || json_integer_value(e) <= 0)
			return vd_jv_fail(jv, key, "must be a trunk id");
		for (size_t j = 0; j < i; j++)
			if (json_integer_value(json_array_get(in_arr, j)) == json_integer_value(e))
				return vd_jv_fail(jv, key, "lists the same trunk twice");
		json_array_append(out_arr, (json_t *)e);
		add_ref(jv, v, VD_KIND_TRUNK, json_integer_value(e), key);
	}
	return jv->failed ? -EINVAL : 0;
}

/* ---- script ---- */
static int v_script(struct vd_jv *jv, struct vd_validated *v)
{
	static const char *const known[] = {"name", "graph", "description", NULL};
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	vd_jv_string(jv, "description", false, 2000, "", NULL);
	if (jv->failed) return -EINVAL;
	const json_t *g = json_object_get(jv->in, "graph");
	if (!g || json_is_null(g)) {
		json_object_set_new(jv->out, "graph", json_object());
	} else if (!json_is_object(g)) {
		return vd_jv_fail(jv, "graph", "must be a JSON object (the script's block graph)");
	} else {
		/* Client columns are not known when a script is saved (clients
		 * come per task), so variables are not checked here: any
		 * {{name}} may be a column. Everything else is refused with the
		 * block and field at fault. The graph is stored as sent. */
		struct vd_script s;
		struct vd_verr e;
		int rc = vd_script_from_json(g, NULL, 0, &s, &e);
		if (rc == -EINVAL) return vd_jv_fail(jv, e.field, "%s", e.message);
		if (rc) return rc;
		vd_script_reset(&s);
		json_object_set(jv->out, "graph", (json_t *)g);
	}
	return 0;
}

/* ---- audio (metadata only; the file arrives by upload) ---- */
static int v_audio(struct vd_jv *jv, struct vd_validated *v, const json_t *old)
{
	static const char *const known[] = {"name", "kind", "duration_ms", NULL};
	static const char *const kinds[] = {"ambient", "greeting", "prompt", NULL};
	vd_jv_no_unknown(jv, known);
	name_field(jv, v);
	vd_jv_enum(jv, "kind", kinds, old ? json_string_value(json_object_get(old, "kind")) : "prompt", NULL);
	/* duration is a property of the file, not the request */
	if (old) json_object_set(jv->out, "duration_ms", json_object_get(old, "duration_ms"));
	return jv->failed ? -EINVAL : 0;
}

/* ---- tasks and templates ---- */

static int check_hhmm(struct vd_jv *jv, const char *key, const char *s)
{
	int h, m;
	char extra;
	if (!s || sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || strlen(s) != 5 || h < 0 || h > 24 ||
	    m < 0 || m > 59 || (h == 24 && m != 0))
		return vd_jv_fail(jv, key, "must be a time HH:MM such as 09:00");
	return 0;
}

/* Is `number` usable as caller ID on `trunk_id`: the trunk's default, or a
 * number some caller-ID group of the account lists for that trunk. */
static int caller_number_on_trunk(struct vd_store *st, int64_t account_id, int64_t trunk_id,
				  const char *number, bool *ok);

struct group_scan { int64_t trunk_id; const char *number; bool found; };

static int group_has(void *arg, const struct vd_res *r)
{
	struct group_scan *gs = arg;
	json_t *b = json_loads(r->body, 0, NULL);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(b, "numbers"), i, e) {
		if (json_integer_value(json_object_get(e, "trunk_id")) != gs->trunk_id) continue;
		const char *n = json_string_value(json_object_get(e, "number"));
		if (!gs->number || (n && !strcmp(n, gs->number))) gs->found = true;
	}
	json_decref(b);
	return gs->found;
}

static int caller_number_on_trunk(struct vd_store *st, int64_t account_id, int64_t trunk_id,
				  const char *number, bool *ok)
{
	struct vd_res t = {0};
	int err = vd_store_res_get(st, VD_KIND_TRUNK, account_id, trunk_id, &t);
	if (err) return err;
	json_t *tb = json_loads(t.body, 0, NULL);
	const char *def = json_string_value(json_object_get(tb, "default_caller_id"));
	bool found = def && !strcmp(def, number);
	json_decref(tb);
	vd_res_reset(&t);
	for (int page = 1; !found && page <= 100; page++) {
		struct vd_res_query q = {.page = page, .per_page = 100};
		struct group_scan gs = {.trunk_id = trunk_id, .number = number};
		int64_t total = 0;
		err = vd_store_res_list(st, VD_KIND_CALLERID_GROUP, account_id, &q, group_has, &gs, &total);
		if (err) return err;
		found = gs.found;
		if ((int64_t)page * 100 >= total) break;
	}
	*ok = found;
	return 0;
}

/* The trunk of a dial plan (0 if the plan does not exist in the account:
 * the store's reference check reports that one). */
static int64_t dial_plan_trunk(struct vd_store *st, int64_t account_id, int64_t plan_id)
{
	struct vd_res r = {0};
	if (vd_store_res_get(st, VD_KIND_DIAL_PLAN, account_id, plan_id, &r)) return 0;
	json_t *b = json_loads(r.body, 0, NULL);
	int64_t trunk = json_integer_value(json_object_get(b, "trunk_id"));
	json_decref(b);
	vd_res_reset(&r);
	return trunk;
}

static int audio_kind_check(struct vd_store *st, struct vd_jv *jv, int64_t account_id, int64_t id,
			    const char *key, const char *want)
{
	if (!id) return 0;
	struct vd_res r = {0};
	if (vd_store_res_get(st, VD_KIND_AUDIO, account_id, id, &r)) return 0; /* store reports */
	json_t *b = json_loads(r.body, 0, NULL);
	const char *k = json_string_value(json_object_get(b, "kind"));
	int err = 0;
	if (!k || strcmp(k, want))
		err = vd_jv_fail(jv, key, "must be an audio file of kind %s", want);
	json_decref(b);
	vd_res_reset(&r);
	return err;
}

static int v_task(struct vd_store *st, int64_t account_id, struct vd_jv *jv, struct vd_validated *v,
		  bool is_template, const json_t *old)
{
	static const char *const task_known[] = {"name", "script_id", "dial_plan_id", "ambient_audio_id",
		"ambient_volume", "amd", "caller_id", "default_redirect", "start", "cps", "ring_timeout_s", "window",
		"ineffective_duration_s", "gender_detection", "test_call", "e164_country", "recall",
		"description", NULL};
	static const char *const tmpl_known[] = {"name", "script_id", "dial_plan_id", "ambient_audio_id",
		"ambient_volume", "amd", "caller_id", "default_redirect", "cps", "ring_timeout_s", "window",
		"ineffective_duration_s", "gender_detection", "e164_country", "recall", "description",
		"callback_url", "callback_secret", NULL};
	static const char *const amd_modes[] = {"background", "lockout", NULL};
	static const char *const cid_modes[] = {"default", "group", "number", NULL};
	static const char *const redirects[] = {"hangup", "dial_plan", "route", "custom", "script", NULL};
	static const char *const start_modes[] = {"manual", "scheduled", NULL};
	static const char *const recall_modes[] = {"none", "manual", "template", NULL};
	static const char *const countries[] = {"RU", "KZ", NULL};
	int64_t id;

	vd_jv_no_unknown(jv, is_template ? tmpl_known : task_known);
	name_field(jv, v);
	vd_jv_string(jv, "description", false, 2000, "", NULL);
	if (!vd_jv_id(jv, "script_id", true, &id)) add_ref(jv, v, VD_KIND_SCRIPT, id, "script_id");
	int64_t plan_id = 0;
	if (!vd_jv_id(jv, "dial_plan_id", true, &plan_id))
		add_ref(jv, v, VD_KIND_DIAL_PLAN, plan_id, "dial_plan_id");
	if (!vd_jv_id(jv, "ambient_audio_id", false, &id)) {
		add_ref(jv, v, VD_KIND_AUDIO, id, "ambient_audio_id");
		audio_kind_check(st, jv, account_id, id, "ambient_audio_id", "ambient");
	}
	/* percent of the noise file's own level, mixed under the bot */
	vd_jv_int(jv, "ambient_volume", false, 0, 100, 30, NULL);

	struct vd_jv o;
	if (!vd_jv_object(jv, "amd", false, &o)) {
		static const char *const k[] = {"enabled", "mode", "greeting_audio_id", NULL};
		vd_jv_no_unknown(&o, k);
		vd_jv_bool(&o, "enabled", false, NULL);
		vd_jv_enum(&o, "mode", amd_modes, "background", NULL);
		if (!vd_jv_id(&o, "greeting_audio_id", false, &id)) {
			add_ref(&o, v, VD_KIND_AUDIO, id, "greeting_audio_id");
			audio_kind_check(st, &o, account_id, id, "greeting_audio_id", "greeting");
		}
		if (o.failed) return -EINVAL;
	}

	if (!vd_jv_object(jv, "caller_id", false, &o)) {
		static const char *const k[] = {"mode", "group_id", "number", NULL};
		const char *mode = NULL, *num = NULL;
		int64_t gid = 0;
		vd_jv_no_unknown(&o, k);
		vd_jv_enum(&o, "mode", cid_modes, "default", &mode);
		vd_jv_id(&o, "group_id", mode && !strcmp(mode, "group"), &gid);
		vd_jv_string(&o, "number", mode && !strcmp(mode, "number"), 32, NULL, &num);
		if (o.failed) return -EINVAL;
		int64_t trunk = plan_id ? dial_plan_trunk(st, account_id, plan_id) : 0;
		if (!strcmp(mode, "group")) {
			add_ref(&o, v, VD_KIND_CALLERID_GROUP, gid, "group_id");
			struct vd_res g = {0};
			if (trunk && vd_store_res_get(st, VD_KIND_CALLERID_GROUP, account_id, gid, &g) == 0) {
				struct group_scan gs = {.trunk_id = trunk};
				group_has(&gs, &g);
				vd_res_reset(&g);
				if (!gs.found)
					return vd_jv_fail(&o, "group_id",
						"the caller ID group has no number on the dial plan's trunk");
			}
		} else if (!strcmp(mode, "number")) {
			if (!vd_jv_phone_ok(num))
				return vd_jv_fail(&o, "number", "must be a phone number such as +74951234567");
			bool ok = false;
			if (trunk) {
				int err = caller_number_on_trunk(st, account_id, trunk, num, &ok);
				if (err) return err;
				if (!ok)
					return vd_jv_fail(&o, "number",
						"is not a number of the dial plan's trunk (its default caller ID or a caller ID group number for it)");
			}
		}
	}

	if (!vd_jv_object(jv, "default_redirect", false, &o)) {
		static const char *const k[] = {"type", "dial_plan_id", "number", "route_id", "script_id", NULL};
		const char *type = NULL, *num = NULL;
		int64_t rid = 0;
		vd_jv_no_unknown(&o, k);
		vd_jv_enum(&o, "type", redirects, "hangup", &type);
		if (o.failed) return -EINVAL;
		bool dp = !strcmp(type, "dial_plan"), cu = !strcmp(type, "custom");
		if (!vd_jv_id(&o, "dial_plan_id", dp, &rid)) add_ref(&o, v, VD_KIND_DIAL_PLAN, rid, "dial_plan_id");
		if (!vd_jv_string(&o, "number", dp || cu, 64, NULL, &num) && num && *num) {
			/* custom: a phone number or {{variable}} naming a client column */
			bool var = num[0] == '{' && num[1] == '{' && strstr(num, "}}");
			if (!var && !vd_jv_phone_ok(num))
				vd_jv_fail(&o, "number", "must be a phone number or a {{variable}}");
		}
		if (!vd_jv_id(&o, "route_id", !strcmp(type, "route"), &rid))
			add_ref(&o, v, VD_KIND_ROUTE, rid, "route_id");
		if (!vd_jv_id(&o, "script_id", !strcmp(type, "script"), &rid))
			add_ref(&o, v, VD_KIND_SCRIPT, rid, "script_id");
		if (o.failed) return -EINVAL;
	}

	if (!is_template && !vd_jv_object(jv, "start", false, &o)) {
		static const char *const k[] = {"mode", "at", NULL};
		const char *mode = NULL, *at = NULL;
		vd_jv_no_unknown(&o, k);
		vd_jv_enum(&o, "mode", start_modes, "manual", &mode);
		if (!o.failed && !vd_jv_string(&o, "at", !strcmp(mode, "scheduled"), 40, NULL, &at) && at) {
			int64_t ms;
			if (vd_rfc3339_parse(at, &ms) != 0)
				vd_jv_fail(&o, "at", "must be an RFC 3339 date-time such as 2026-12-01T09:00:00Z");
		}
		if (o.failed) return -EINVAL;
	}

	vd_jv_number(jv, "cps", false, 1, 100, 1, NULL);
	vd_jv_int(jv, "ring_timeout_s", false, 5, 300, 30, NULL);

	const json_t *w = json_object_get(jv->in, "window");
	if (w && !json_is_null(w)) {
		if (!vd_jv_object(jv, "window", false, &o)) {
			static const char *const k[] = {"from", "to", "days", "timezone", NULL};
			const char *from = NULL, *to = NULL, *tz = NULL;
			vd_jv_no_unknown(&o, k);
			if (!vd_jv_string(&o, "from", false, 5, "09:00", &from)) check_hhmm(&o, "from", from);
			if (!vd_jv_string(&o, "to", false, 5, "21:00", &to)) check_hhmm(&o, "to", to);
			if (!o.failed && strcmp(from, to) == 0)
				vd_jv_fail(&o, "to", "must differ from 'from'");
			const json_t *din;
			json_t *dout;
			if (!vd_jv_array(&o, "days", false, 7, &din, &dout)) {
				if (!din) {
					for (int d = 1; d <= 7; d++) json_array_append_new(dout, json_integer(d));
				} else {
					if (json_array_size(din) == 0) vd_jv_fail(&o, "days", "needs at least one day");
					size_t i;
					const json_t *e;
					int seen = 0;
					json_array_foreach(din, i, e) {
						json_int_t d = json_integer_value(e);
						if (!json_is_integer(e) || d < 1 || d > 7 || (seen & (1 << d))) {
							vd_jv_fail(&o, "days", "must list distinct weekdays 1 (Monday) to 7 (Sunday)");
							break;
						}
						seen |= 1 << d;
						json_array_append(dout, (json_t *)e);
					}
				}
			}
			if (!vd_jv_string(&o, "timezone", false, 64, "Europe/Moscow", &tz) && !vd_tz_is_valid(tz))
				vd_jv_fail(&o, "timezone", "must be an IANA time zone such as Europe/Moscow");
			if (o.failed) return -EINVAL;
		}
	} else {
		json_object_set_new(jv->out, "window", json_null());
	}

	vd_jv_int(jv, "ineffective_duration_s", false, 0, 3600, 10, NULL);
	vd_jv_bool(jv, "gender_detection", false, NULL);
	const char *country = NULL;
	vd_jv_enum(jv, "e164_country", countries, "RU", &country);

	if (!is_template && !vd_jv_object(jv, "test_call", false, &o)) {
		static const char *const k[] = {"enabled", "phone", NULL};
		bool en = false;
		const char *phone = NULL;
		vd_jv_no_unknown(&o, k);
		vd_jv_bool(&o, "enabled", false, &en);
		if (!vd_jv_string(&o, "phone", en, 32, NULL, &phone) && phone && country) {
			char e164[VD_E164_SIZE];
			const char *why = NULL;
			if (vd_e164_normalize(phone, strlen(phone), country, e164, &why) != 0)
				return vd_jv_fail(&o, "phone", "%s", why ? why : "not a valid phone number");
			json_object_set_new(o.out, "phone", json_string(e164));
		}
		if (o.failed) return -EINVAL;
	}

	if (!vd_jv_object(jv, "recall", false, &o)) {
		static const char *const k[] = {"mode", "rule_set_id", "rules", NULL};
		const char *mode = NULL;
		int64_t rs = 0;
		vd_jv_no_unknown(&o, k);
		vd_jv_enum(&o, "mode", recall_modes, "none", &mode);
		if (!o.failed && !vd_jv_id(&o, "rule_set_id", !strcmp(mode, "template"), &rs))
			add_ref(&o, v, VD_KIND_RECALL_RULE_SET, rs, "rule_set_id");
		if (o.failed) return -EINVAL;
		const json_t *rules = json_object_get(o.in, "rules");
		if (!strcmp(mode, "manual")) {
			if (!rules || json_is_null(rules)) return vd_jv_fail(&o, "rules", "is required");
			struct vd_recall_rules rr;
			struct vd_verr sub = {0};
			if (vd_recall_rules_from_json(rules, &rr, &sub) != 0) {
				if (jv->err) {
					snprintf(jv->err->field, sizeof jv->err->field, "recall.%.100s", sub.field);
					snprintf(jv->err->message, sizeof jv->err->message, "%s", sub.message);
				}
				jv->failed = 1;
				return -EINVAL;
			}
			json_object_set(o.out, "rules", (json_t *)rules);
		} else {
			json_object_set_new(o.out, "rules", json_null());
		}
	}

	if (is_template) {
		const char *url = NULL;
		if (!vd_jv_string(jv, "callback_url", false, 2000, NULL, &url) && url && *url &&
		    strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
			vd_jv_fail(jv, "callback_url", "must be an http:// or https:// URL");
		/* The key that signs result webhooks (HMAC-SHA256): write-only;
		 * kept on update when absent; generated on create when absent and
		 * shown once in the create answer. */
		const json_t *sec = json_object_get(jv->in, "callback_secret");
		if (sec && !json_is_null(sec)) {
			if (!json_is_string(sec) || json_string_length(sec) < 16 || json_string_length(sec) > 256)
				return vd_jv_fail(jv, "callback_secret", "must be a string of 16 to 256 characters");
			json_object_set(jv->out, "callback_secret", (json_t *)sec);
		} else if (old && json_is_string(json_object_get(old, "callback_secret"))) {
			json_object_set(jv->out, "callback_secret", json_object_get(old, "callback_secret"));
		} else {
			char secret[VD_TOKEN_LEN];
			uint8_t unused[32];
			vd_token_new(secret, unused);
			json_object_set_new(jv->out, "callback_secret", json_string(secret));
		}
	}
	return jv->failed ? -EINVAL : 0;
}

int vd_validate_resource(struct vd_store *st, enum vd_kind kind, int64_t account_id,
			 const json_t *in, const json_t *old, struct vd_validated *out,
			 struct vd_verr *err)
{
	memset(out, 0, sizeof *out);
	out->body = json_object();
	if (!out->body) return -ENOMEM;
	struct vd_jv jv;
	int rc = vd_jv_init(&jv, in, out->body, "", err);
	if (!rc) {
		switch (kind) {
		case VD_KIND_TRUNK: rc = v_trunk(&jv, out, old); break;
		case VD_KIND_DIAL_PLAN: rc = v_dial_plan(&jv, out); break;
		case VD_KIND_CALLERID_GROUP: rc = v_callerid_group(&jv, out); break;
		case VD_KIND_RECALL_RULE_SET: rc = v_recall_rule_set(&jv, out); break;
		case VD_KIND_ROUTE: rc = v_route(&jv, out); break;
		case VD_KIND_SCRIPT: rc = v_script(&jv, out); break;
		case VD_KIND_AUDIO: rc = v_audio(&jv, out, old); break;
		case VD_KIND_TASK: rc = v_task(st, account_id, &jv, out, false, old); break;
		case VD_KIND_TEMPLATE: rc = v_task(st, account_id, &jv, out, true, old); break;
		default: rc = -EINVAL; break;
		}
	}
	if (rc == 0 && jv.failed) rc = -EINVAL;
	if (rc) vd_validated_reset(out);
	return rc;
}

json_t *vd_resource_public(enum vd_kind kind, const json_t *body)
{
	json_t *o = json_deep_copy(body);
	if (kind == VD_KIND_TEMPLATE && o) {
		json_object_set_new(o, "has_callback_secret",
				    json_boolean(json_is_string(json_object_get(o, "callback_secret"))));
		json_object_del(o, "callback_secret");
	}
	if (kind == VD_KIND_TRUNK && o) {
		json_object_set_new(o, "has_password", json_boolean(json_is_string(json_object_get(o, "password"))));
		json_object_del(o, "password");
	}
	return o;
}
