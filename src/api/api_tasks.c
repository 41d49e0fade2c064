/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Task endpoints beyond CRUD: the clients upload (streamed into the import),
 * statistics, the call list and call details, and the clients-file template
 * of a script. */
#include "api/api_int.h"
#include "import/clients_import.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Reads a task of the caller's account: 0 and *body (owned), or answers. */
static int load_task(struct vd_req *req, int64_t id, json_t **body, char *status, size_t status_size)
{
	struct vd_res r = {0};
	int err = vd_store_res_get(api_of(req)->store, VD_KIND_TASK, api_principal(req)->account_id, id, &r);
	if (err) {
		api_store_error(req, err, "task");
		return -1;
	}
	*body = json_loads(r.body, 0, NULL);
	if (status) snprintf(status, status_size, "%s", r.status ? r.status : "");
	vd_res_reset(&r);
	if (!*body) {
		vd_resp_error(req, 500, "internal", NULL, "stored task is unreadable");
		return -1;
	}
	return 0;
}

/* ---- POST /api/v1/tasks/{id}/clients ----
 * The body is spooled to an unlinked temp file as it arrives and imported
 * once complete: the import holds the database's write lock for its whole
 * transaction, and a slow upload must not hold it (the dialer writes every
 * attempt). Memory stays bounded whatever the file size. */

#define UPLOAD_MAX (2ULL << 30)   /* 2 GiB */

struct upload {
	FILE *f;
	uint64_t size;
	int64_t task_id, account_id;
	char country[8];
};

static int upload_begin(struct vd_req *req, void **state)
{
	json_t *task;
	char status[16];
	if (load_task(req, vd_req_param(req, 0), &task, status, sizeof status)) return 422;
	bool test_call = json_is_true(json_object_get(json_object_get(task, "test_call"), "enabled"));
	const char *country = json_string_value(json_object_get(task, "e164_country"));
	struct upload *u = calloc(1, sizeof *u);
	if (u) snprintf(u->country, sizeof u->country, "%s", country ? country : "RU");
	json_decref(task);
	if (!u) {
		vd_resp_error(req, 500, "internal", NULL, "out of memory");
		return 500;
	}
	if (test_call) {
		free(u);
		vd_resp_error(req, 409, "conflict", "test_call", "this is a test-call task: it takes no clients file");
		return 409;
	}
	if (!strcmp(status, "completed") || !strcmp(status, "cancelled")) {
		free(u);
		vd_resp_error(req, 409, "conflict", "status", "a %s task takes no more clients", status);
		return 409;
	}
	char dir[600];
	snprintf(dir, sizeof dir, "%s", api_of(req)->data_dir);
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	u->f = fd >= 0 ? fdopen(fd, "w+") : NULL;
	if (!u->f) {
		if (fd >= 0) close(fd);
		free(u);
		vd_resp_error(req, 500, "internal", NULL, "cannot create a temporary file in the data directory");
		return 500;
	}
	u->task_id = vd_req_param(req, 0);
	u->account_id = api_principal(req)->account_id;
	*state = u;
	return 0;
}

static int upload_feed(struct vd_req *req, void *state, const char *data, size_t len)
{
	struct upload *u = state;
	u->size += len;
	if (u->size > UPLOAD_MAX) {
		vd_resp_error(req, 413, "too_large", "file", "the clients file exceeds 2 GiB");
		return -E2BIG;
	}
	if (fwrite(data, 1, len, u->f) != len) {
		vd_resp_error(req, 500, "internal", NULL, "cannot spool the upload (disk full?)");
		return -EIO;
	}
	return 0;
}

static void upload_abort(void *state)
{
	struct upload *u = state;
	if (!u) return;
	if (u->f) fclose(u->f);
	free(u);
}

static void upload_finish(struct vd_req *req, void *state)
{
	struct upload *u = state;
	json_t *result = NULL;
	struct vd_verr e = {0};
	int err = fflush(u->f) == 0 && fseek(u->f, 0, SEEK_SET) == 0 ? 0 : -EIO;
	struct vd_clients_import_params p = {
		.store = api_of(req)->store,
		.account_id = u->account_id,
		.task_id = u->task_id,
		.country = u->country,
	};
	if (!err) err = vd_clients_import_file(&p, u->f, &result, &e);
	upload_abort(u);
	if (err == -EINVAL) {
		vd_resp_error(req, 422, "invalid_file", e.field[0] ? e.field : "file", "%s", e.message);
		return;
	}
	if (err == -ENOENT) {
		api_store_error(req, err, "task");
		return;
	}
	if (err) {
		vd_resp_error(req, 500, "internal", NULL, "import failed (%d)", err);
		return;
	}
	vd_info("api", "import task=%lld imported=%lld", (long long)p.task_id,
		(long long)json_integer_value(json_object_get(result, "imported")));
	vd_resp_json(req, 200, result);
}

const struct vd_stream_ops api_clients_upload_ops = {
	.begin = upload_begin, .feed = upload_feed, .finish = upload_finish, .abort = upload_abort,
};

/* ---- stats ---- */

static const char *const outcome_names[] = {"completed", "busy", "no_answer", "unavailable",
					    "machine", "short", "failure", "cancelled"};

void api_task_stats(struct vd_req *req)
{
	json_t *task;
	char status[16];
	int64_t id = vd_req_param(req, 0);
	if (load_task(req, id, &task, status, sizeof status)) return;
	int64_t thr = json_integer_value(json_object_get(task, "ineffective_duration_s"));
	json_decref(task);
	struct vd_task_stats ts;
	int err = vd_store_task_stats(api_of(req)->store, api_principal(req)->account_id, id,
				      outcome_names, 8, thr, &ts);
	if (err) {
		api_store_error(req, err, "task");
		return;
	}
	json_t *by = json_object();
	for (size_t i = 0; i < 8; i++) json_object_set_new(by, outcome_names[i], json_integer(ts.by_outcome[i]));
	vd_resp_json(req, 200, json_pack("{s:s, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:o}, s:I, s:I, s:I}",
		"status", status,
		"clients", "total", (json_int_t)ts.clients_total, "pending", (json_int_t)ts.clients_pending,
		"in_progress", (json_int_t)ts.clients_in_progress, "finished", (json_int_t)ts.clients_finished,
		"calls", "total", (json_int_t)ts.calls_total, "by_outcome", by,
		"effective", (json_int_t)ts.effective, "ineffective", (json_int_t)ts.ineffective,
		"transferred", (json_int_t)ts.transferred));
}

/* ---- calls ---- */

static json_t *nullable_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *call_view(const struct vd_call *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "task_id", c->task_id ? json_integer(c->task_id) : json_null());
	json_object_set_new(o, "template_id", c->template_id ? json_integer(c->template_id) : json_null());
	json_object_set_new(o, "client_id", nullable_str(c->client_id));
	json_object_set_new(o, "phone", json_string(c->phone));
	json_object_set_new(o, "caller_id", nullable_str(c->caller_id));
	json_object_set_new(o, "attempt", json_integer(c->attempt));
	json_object_set_new(o, "recall_for", nullable_str(c->recall_for));
	json_object_set_new(o, "outcome", nullable_str(c->outcome));
	json_object_set_new(o, "result", nullable_str(c->result));
	json_object_set_new(o, "sip_code", c->sip_code ? json_integer(c->sip_code) : json_null());
	api_set_time(o, "planned_at", c->planned_ms);
	api_set_time(o, "started_at", c->started_ms);
	api_set_time(o, "answered_at", c->answered_ms);
	api_set_time(o, "ended_at", c->ended_ms);
	json_object_set_new(o, "duration_s", c->duration_s >= 0 ? json_integer(c->duration_s) : json_null());
	/* Money travels as a decimal number of major units, exact to the kopeck:
	 * minor units are integers in the store, so no drift accumulates. */
	json_object_set_new(o, "cost", c->cost_minor >= 0 ? json_real((double)c->cost_minor / 100.0) : json_null());
	json_object_set_new(o, "currency", nullable_str(c->currency));
	json_object_set_new(o, "amd", nullable_str(c->amd));
	json_object_set_new(o, "amd_ms", c->amd_ms >= 0 ? json_integer(c->amd_ms) : json_null());
	json_object_set_new(o, "amd_cause", nullable_str(c->amd_cause));
	json_object_set_new(o, "gender", nullable_str(c->gender));
	json_object_set_new(o, "transferred_to", nullable_str(c->transferred_to));
	json_t *vars = c->variables ? json_loads(c->variables, 0, NULL) : NULL;
	json_object_set_new(o, "variables", vars ? vars : json_object());
	if (c->has_recording) {
		char url[64];
		snprintf(url, sizeof url, "/api/v1/calls/%lld/recording.wav", (long long)c->id);
		json_object_set_new(o, "recording_url", json_string(url));
	} else {
		json_object_set_new(o, "recording_url", json_null());
	}
	return o;
}

static int call_item(void *arg, const struct vd_call *c)
{
	json_array_append_new(arg, call_view(c));
	return 0;
}

void api_task_calls(struct vd_req *req)
{
	json_t *task;
	int64_t id = vd_req_param(req, 0);
	if (load_task(req, id, &task, NULL, 0)) return;
	json_decref(task);
	struct vd_call_query q = {.client_id = vd_req_query(req, "client_id"),
				  .outcome = vd_req_query(req, "outcome")};
	if (q.client_id && !*q.client_id) q.client_id = NULL;
	if (q.outcome && !*q.outcome) q.outcome = NULL;
	if (q.outcome) {
		bool ok = false;
		for (size_t i = 0; i < 8; i++) ok = ok || !strcmp(q.outcome, outcome_names[i]);
		if (!ok) {
			vd_resp_error(req, 400, "bad_request", "outcome",
				      "outcome must be one of completed, busy, no_answer, unavailable, machine, short, failure, cancelled");
			return;
		}
	}
	if (api_paging(req, &q.page, &q.per_page) || api_time_param(req, "from", &q.from_ms) ||
	    api_time_param(req, "to", &q.to_ms))
		return;
	json_t *items = json_array();
	int64_t total = 0;
	bool capped = false;
	q.total_capped = &capped;
	int err = vd_store_calls_list(api_of(req)->store, api_principal(req)->account_id, id, &q,
				      call_item, items, &total);
	if (err) {
		json_decref(items);
		api_store_error(req, err, "task");
		return;
	}
	/* total_exact false: a period's count stopped at its cap (store.h). */
	json_t *list = api_list(items, total, q.page, q.per_page);
	json_object_set_new(list, "total_exact", json_boolean(!capped));
	vd_resp_json(req, 200, list);
}

void api_call_get(struct vd_req *req)
{
	struct vd_call c;
	int err = vd_store_call_get(api_of(req)->store, api_principal(req)->account_id,
				    vd_req_param(req, 0), &c);
	if (err) {
		api_store_error(req, err, "call");
		return;
	}
	vd_resp_json(req, 200, call_view(&c));
	vd_call_reset(&c);
}

/* ---- GET /api/v1/scripts/{id}/clients-template.csv ---- */

/* Collects the distinct {{name}} placeholders of every string in `j`. */
static void collect_vars(const json_t *j, json_t *names)
{
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		while ((s = strstr(s, "{{")) != NULL) {
			s += 2;
			while (*s == ' ') s++;
			const char *e = s;
			while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') || *e == '_')
				e++;
			const char *close = e;
			while (*close == ' ') close++;
			if (e > s && !strncmp(close, "}}", 2) && e - s < 64) {
				char name[64];
				memcpy(name, s, (size_t)(e - s));
				name[e - s] = '\0';
				if (strcmp(name, "phone") && strcmp(name, "client_id") && strcmp(name, "timezone"))
					json_object_set_new(names, name, json_true());
			}
			s = e;
		}
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v) collect_vars(v, names);
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) collect_vars(v, names);
	}
}

void api_script_clients_template(struct vd_req *req)
{
	struct vd_res r = {0};
	int err = vd_store_res_get(api_of(req)->store, VD_KIND_SCRIPT, api_principal(req)->account_id,
				   vd_req_param(req, 0), &r);
	if (err) {
		api_store_error(req, err, "script");
		return;
	}
	json_t *body = json_loads(r.body, 0, NULL);
	vd_res_reset(&r);
	json_t *names = json_object();
	collect_vars(json_object_get(body, "graph"), names);
	json_decref(body);
	char line[4096] = "phone,client_id,timezone";
	const char *k;
	json_t *v;
	json_object_foreach(names, k, v) {
		size_t n = strlen(line);
		snprintf(line + n, sizeof line - n, ",%s", k);
	}
	json_decref(names);
	size_t n = strlen(line);
	snprintf(line + n, sizeof line - n, "\r\n");
	vd_resp_bytes(req, 200, "text/csv; charset=utf-8", line, strlen(line));
	vd_resp_header(req, "Content-Disposition", "attachment; filename=\"clients-template.csv\"");
}
