/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Generic CRUD for the configuration resources (trunks, dial plans, caller-ID
 * groups, recall-rule sets, routes, scripts, audio metadata, tasks,
 * templates): validate, store, answer with the public view. */
#include "api/api_int.h"
#include "api/validate.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_label(enum vd_kind k)
{
	static const char *const labels[VD_KIND_COUNT] = {
		[VD_KIND_TRUNK] = "trunk", [VD_KIND_DIAL_PLAN] = "dial plan",
		[VD_KIND_CALLERID_GROUP] = "caller ID group", [VD_KIND_RECALL_RULE_SET] = "recall rule set",
		[VD_KIND_ROUTE] = "route", [VD_KIND_SCRIPT] = "script", [VD_KIND_AUDIO] = "audio file",
		[VD_KIND_TASK] = "task", [VD_KIND_TEMPLATE] = "template",
	};
	return (unsigned)k < VD_KIND_COUNT ? labels[k] : "object";
}

/* The JSON answer for a stored resource. */
static json_t *res_view(enum vd_kind kind, const struct vd_res *r)
{
	/* Only trunks and templates hold a secret to strip; every other body is answered as
	 * parsed, without the deep copy vd_resource_public makes (a list page of
	 * 100 tasks spent most of its time copying JSON: bench/api). */
	json_t *body = json_loads(r->body, 0, NULL);
	json_t *o = body;
	if (!body) {
		o = json_object();
	} else if (kind == VD_KIND_TRUNK || kind == VD_KIND_TEMPLATE) {
		o = vd_resource_public(kind, body);
		json_decref(body);
	}
	if (!o) return NULL;
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "name", json_string(r->name));
	if (r->status) json_object_set_new(o, "status", json_string(r->status));
	api_set_time(o, "created_at", r->created_ms);
	api_set_time(o, "updated_at", r->updated_ms);
	if (kind == VD_KIND_AUDIO) {
		char url[64];
		snprintf(url, sizeof url, "/api/v1/audio/%lld.wav", (long long)r->id);
		json_object_set_new(o, "url", json_string(url));
	}
	return o;
}

static int kind_or_404(struct vd_req *req, enum vd_kind *kind)
{
	if (api_kind_of_path(vd_req_path(req), kind) == 0) return 0;
	vd_resp_error(req, 404, "not_found", NULL, "no such resource");
	return -1;
}

struct list_ctx { enum vd_kind kind; json_t *items; };

static int list_item(void *arg, const struct vd_res *r)
{
	struct list_ctx *lc = arg;
	json_t *o = res_view(lc->kind, r);
	if (o) json_array_append_new(lc->items, o);
	return 0;
}

void api_res_list(struct vd_req *req)
{
	enum vd_kind kind;
	if (kind_or_404(req, &kind)) return;
	struct vd_res_query q = {.q = vd_req_query(req, "q")};
	if (api_paging(req, &q.page, &q.per_page)) return;
	if (kind == VD_KIND_TASK) {
		static const char *const statuses[] = {"draft", "scheduled", "running", "paused",
						       "completed", "cancelled", NULL};
		q.status = vd_req_query(req, "status");
		if (q.status && *q.status) {
			bool ok = false;
			for (const char *const *s = statuses; *s; s++) ok = ok || !strcmp(*s, q.status);
			if (!ok) {
				vd_resp_error(req, 400, "bad_request", "status",
					      "status must be one of draft, scheduled, running, paused, completed, cancelled");
				return;
			}
		} else {
			q.status = NULL;
		}
		if (api_time_param(req, "from", &q.from_ms) || api_time_param(req, "to", &q.to_ms)) return;
	}
	if (q.q && strlen(q.q) > 200) {
		vd_resp_error(req, 400, "bad_request", "q", "q must be at most 200 characters");
		return;
	}
	struct list_ctx lc = {.kind = kind, .items = json_array()};
	int64_t total = 0;
	int err = vd_store_res_list(api_of(req)->store, kind, api_principal(req)->account_id, &q,
				    list_item, &lc, &total);
	if (err) {
		json_decref(lc.items);
		api_store_error(req, err, kind_label(kind));
		return;
	}
	vd_resp_json(req, 200, api_list(lc.items, total, q.page, q.per_page));
}

/* Answers with the current stored state of (kind, id). */
void api_answer_res(struct vd_req *req, unsigned status, enum vd_kind kind, int64_t id)
{
	struct vd_res r = {0};
	int err = vd_store_res_get(api_of(req)->store, kind, api_principal(req)->account_id, id, &r);
	if (err) {
		api_store_error(req, err, kind_label(kind));
		return;
	}
	vd_resp_json(req, status, res_view(kind, &r));
	vd_res_reset(&r);
}

struct default_scan { int64_t self; int64_t found; char name[200]; };

static int default_plan(void *arg, const struct vd_res *r)
{
	struct default_scan *ds = arg;
	if (r->id == ds->self) return 0;
	json_t *b = json_loads(r->body, 0, NULL);
	if (json_is_true(json_object_get(b, "is_default"))) {
		ds->found = r->id;
		snprintf(ds->name, sizeof ds->name, "%s", r->name);
	}
	json_decref(b);
	return ds->found != 0;
}

/* One default dial plan per account: a second one is refused (422) rather
 * than silently un-defaulting the first. Returns 0 or answers. */
static int check_single_default(struct vd_req *req, enum vd_kind kind, const json_t *body, int64_t self)
{
	if (kind != VD_KIND_DIAL_PLAN || !json_is_true(json_object_get(body, "is_default"))) return 0;
	struct default_scan ds = {.self = self};
	for (int page = 1; !ds.found; page++) {
		struct vd_res_query q = {.page = page, .per_page = 100};
		int64_t total = 0;
		int err = vd_store_res_list(api_of(req)->store, kind, api_principal(req)->account_id, &q,
					    default_plan, &ds, &total);
		if (err) {
			api_store_error(req, err, "dial plan");
			return -1;
		}
		if ((int64_t)page * 100 >= total) break;
	}
	if (!ds.found) return 0;
	vd_resp_error(req, 422, "invalid", "is_default",
		      "is_default: dial plan %lld \"%s\" is already the default; unset it first",
		      (long long)ds.found, ds.name);
	return -1;
}

static void answer_bad_ref(struct vd_req *req, const struct vd_validated *v, size_t bad)
{
	const struct vd_ref *r = &v->refs[bad];
	vd_resp_error(req, 422, "invalid", r->field, "%s: no %s with id %lld", r->field,
		      kind_label(r->kind), (long long)r->id);
}

void api_res_create(struct vd_req *req)
{
	enum vd_kind kind;
	if (kind_or_404(req, &kind)) return;
	if (kind == VD_KIND_AUDIO) return;   /* audio is created by upload */
	json_t *body = vd_req_json_or_400(req);
	if (!body) return;
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id;
	struct vd_validated *v = calloc(1, sizeof *v);
	if (!v) {
		vd_resp_error(req, 500, "internal", NULL, "out of memory");
		return;
	}
	struct vd_verr e = {0};
	int err = vd_validate_resource(api->store, kind, acct, body, NULL, v, &e);
	if (err == -EINVAL) {
		api_verr(req, &e);
		goto out;
	}
	if (err) {
		api_store_error(req, err, kind_label(kind));
		goto out;
	}
	if (check_single_default(req, kind, v->body, 0)) goto out;
	char *text = json_dumps(v->body, JSON_COMPACT);
	struct vd_res_write w = {
		.name = v->name, .body = text, .refs = v->refs, .nrefs = v->nrefs,
		.status = kind == VD_KIND_TASK ? "draft" : NULL,
	};
	int64_t id = 0;
	size_t bad = 0;
	err = text ? vd_store_res_create(api->store, kind, acct, &w, &id, &bad) : -ENOMEM;
	free(text);
	if (err == -ESRCH) {
		answer_bad_ref(req, v, bad);
		goto out;
	}
	if (err) {
		api_store_error(req, err, kind_label(kind));
		goto out;
	}
	vd_info("api", "created %s id=%lld account=%lld", vd_kind_name(kind), (long long)id, (long long)acct);
	if (kind == VD_KIND_TEMPLATE) {
		/* The webhook signing secret is shown this once, like a token. */
		struct vd_res r = {0};
		err = vd_store_res_get(api->store, kind, acct, id, &r);
		if (err) {
			api_store_error(req, err, kind_label(kind));
			goto out;
		}
		json_t *o = res_view(kind, &r);
		vd_res_reset(&r);
		if (o) json_object_set(o, "callback_secret", json_object_get(v->body, "callback_secret"));
		vd_resp_json(req, 201, o);
		goto out;
	}
	api_answer_res(req, 201, kind, id);
out:
	vd_validated_reset(v);
	free(v);
}

void api_res_get(struct vd_req *req)
{
	enum vd_kind kind;
	if (kind_or_404(req, &kind)) return;
	api_answer_res(req, 200, kind, vd_req_param(req, 0));
}

void api_res_update(struct vd_req *req)
{
	enum vd_kind kind;
	if (kind_or_404(req, &kind)) return;
	json_t *body = vd_req_json_or_400(req);
	if (!body) return;
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	struct vd_res cur = {0};
	int err = vd_store_res_get(api->store, kind, acct, id, &cur);
	if (err) {
		api_store_error(req, err, kind_label(kind));
		return;
	}
	json_t *old = json_loads(cur.body, 0, NULL);
	struct vd_validated *v = calloc(1, sizeof *v);
	if (!v || !old) {
		vd_resp_error(req, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (kind == VD_KIND_TASK && cur.status &&
	    (!strcmp(cur.status, "running") || !strcmp(cur.status, "completed") ||
	     !strcmp(cur.status, "cancelled"))) {
		vd_resp_error(req, 409, "conflict", "status", "a %s task cannot be edited%s", cur.status,
			      strcmp(cur.status, "running") ? "" : ": pause it first");
		goto out;
	}
	struct vd_verr e = {0};
	err = vd_validate_resource(api->store, kind, acct, body, old, v, &e);
	if (err == -EINVAL) {
		api_verr(req, &e);
		goto out;
	}
	if (err) {
		api_store_error(req, err, kind_label(kind));
		goto out;
	}
	if (check_single_default(req, kind, v->body, id)) goto out;
	char *text = json_dumps(v->body, JSON_COMPACT);
	struct vd_res_write w = {.name = v->name, .body = text, .refs = v->refs, .nrefs = v->nrefs};
	size_t bad = 0;
	err = text ? vd_store_res_update(api->store, kind, acct, id, &w, &bad) : -ENOMEM;
	free(text);
	if (err == -ESRCH) {
		answer_bad_ref(req, v, bad);
		goto out;
	}
	if (err) {
		api_store_error(req, err, kind_label(kind));
		goto out;
	}
	api_answer_res(req, 200, kind, id);
out:
	if (v) vd_validated_reset(v);
	free(v);
	json_decref(old);
	vd_res_reset(&cur);
}

void api_res_delete(struct vd_req *req)
{
	enum vd_kind kind;
	if (kind_or_404(req, &kind)) return;
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	if (kind == VD_KIND_TASK) {
		struct vd_res cur = {0};
		int err = vd_store_res_get(api->store, kind, acct, id, &cur);
		if (err) {
			api_store_error(req, err, kind_label(kind));
			return;
		}
		bool running = cur.status && !strcmp(cur.status, "running");
		vd_res_reset(&cur);
		if (running) {
			vd_resp_error(req, 409, "conflict", "status", "a running task cannot be deleted: pause or cancel it first");
			return;
		}
	}
	struct vd_ref user = {0};
	int err = vd_store_res_delete(api->store, kind, acct, id, &user);
	if (err == -EBUSY) {
		struct vd_res u = {0};
		const char *uname = "";
		if (user.kind < VD_KIND_COUNT &&
		    vd_store_res_get(api->store, user.kind, acct, user.id, &u) == 0)
			uname = u.name;
		json_t *used_by = json_pack("{s:s, s:I, s:s}", "kind", vd_kind_name(user.kind),
					    "id", (json_int_t)user.id, "name", uname);
		char msg[400];
		snprintf(msg, sizeof msg, "the %s is used by %s %lld \"%s\"", kind_label(kind),
			 kind_label(user.kind), (long long)user.id, uname);
		vd_res_reset(&u);
		vd_resp_json(req, 409, json_pack("{s:{s:s, s:s, s:o}}", "error", "code", "in_use",
						 "message", msg, "used_by", used_by));
		return;
	}
	if (err) {
		api_store_error(req, err, kind_label(kind));
		return;
	}
	vd_info("api", "deleted %s id=%lld account=%lld", vd_kind_name(kind), (long long)id, (long long)acct);
	vd_resp_json(req, 204, NULL);
}
