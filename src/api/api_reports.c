/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Call reports: queue an XLSX export of a task's calls, follow its
 * progress, download the file. The export itself runs in the report worker
 * (src/reports/report.c); these handlers only read and write the queue. */
#include "api/api_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void api_report_create(struct vd_req *req)
{
	size_t len = 0;
	vd_req_body(req, &len);
	bool with_variables = false;
	if (len) {
		json_t *body = vd_req_json_or_400(req);
		if (!body) return;
		const json_t *v = json_object_get(body, "with_variables");
		if (v && !json_is_boolean(v)) {
			vd_resp_error(req, 422, "invalid", "with_variables", "with_variables: must be true or false");
			return;
		}
		with_variables = json_is_true(v);
	}
	int64_t id = 0;
	int err = vd_store_report_create(api_of(req)->store, api_principal(req)->account_id,
					 vd_req_param(req, 0), with_variables, &id);
	if (err) {
		api_store_error(req, err, "task");
		return;
	}
	/* 202: accepted; the worker writes the file in the background. */
	vd_resp_json(req, 202, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "queued"));
}

/* The report as GET /api/v1/reports/{id} and the task's list answer it. */
static json_t *report_json(const struct vd_report *r)
{
	bool done = !strcmp(r->status, "done");
	double progress = done ? 1.0 : r->rows_total > 0 ? (double)r->rows_done / (double)r->rows_total : 0.0;
	if (progress > 1.0) progress = 1.0;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "task_id", json_integer(r->task_id));
	json_object_set_new(o, "with_variables", json_boolean(r->with_variables));
	json_object_set_new(o, "status", json_string(r->status));
	json_object_set_new(o, "rows_total", json_integer(r->rows_total));
	json_object_set_new(o, "rows_done", json_integer(r->rows_done));
	json_object_set_new(o, "progress", json_real(progress));
	api_set_time(o, "created_at", r->created_ms);
	api_set_time(o, "finished_at", r->finished_ms);
	json_object_set_new(o, "error", r->error[0] ? json_string(r->error) : json_null());
	if (done) {
		char url[64];
		snprintf(url, sizeof url, "/api/v1/reports/%lld/file", (long long)r->id);
		json_object_set_new(o, "file_url", json_string(url));
	} else {
		json_object_set_new(o, "file_url", json_null());
	}
	return o;
}

void api_report_get(struct vd_req *req)
{
	struct vd_report r;
	int err = vd_store_report_get(api_of(req)->store, api_principal(req)->account_id,
				      vd_req_param(req, 0), &r);
	if (err) {
		api_store_error(req, err, "report");
		return;
	}
	vd_resp_json(req, 200, report_json(&r));
}

static int add_report(void *arg, const struct vd_report *r)
{
	return json_array_append_new(arg, report_json(r)) ? 1 : 0;
}

void api_reports_list(struct vd_req *req)
{
	int page, per_page;
	if (api_paging(req, &page, &per_page)) return;
	json_t *items = json_array();
	int64_t total = 0;
	int err = vd_store_reports_list(api_of(req)->store, api_principal(req)->account_id, vd_req_param(req, 0),
					page, per_page, add_report, items, &total);
	if (err) {
		json_decref(items);
		api_store_error(req, err, "task");
		return;
	}
	vd_resp_json(req, 200, api_list(items, total, page, per_page));
}

void api_report_file(struct vd_req *req)
{
	struct vd_report r;
	int err = vd_store_report_get(api_of(req)->store, api_principal(req)->account_id,
				      vd_req_param(req, 0), &r);
	if (err) {
		api_store_error(req, err, "report");
		return;
	}
	if (strcmp(r.status, "done") != 0) {
		vd_resp_error(req, 409, "conflict", "status", "the report is %s, not done yet", r.status);
		return;
	}
	int fd = r.path[0] ? open(r.path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0) close(fd);
		vd_resp_error(req, 410, "gone", NULL, "the report file no longer exists; export it again");
		return;
	}
	vd_resp_fd(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fd, 0,
		   (uint64_t)sb.st_size);
	char cd[128];
	snprintf(cd, sizeof cd, "attachment; filename=\"task-%lld-calls%s.xlsx\"", (long long)r.task_id,
		 r.with_variables ? "-variables" : "");
	vd_resp_header(req, "Content-Disposition", cd);
	vd_resp_header(req, "Cache-Control", "no-store");
}
