/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Task control (start, pause, cancel) and call recordings. The dialer
 * thread notices status changes on its next look at the task list (within
 * 200 ms); these handlers only move the task's status in the store. */
#include "api/api_int.h"
#include "core/rfc3339.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


void api_task_start(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	struct vd_res r = {0};
	int err = vd_store_res_get(api->store, VD_KIND_TASK, acct, id, &r);
	if (err) {
		api_store_error(req, err, "task");
		return;
	}
	json_t *body = json_loads(r.body, 0, NULL);
	char status[16];
	snprintf(status, sizeof status, "%s", r.status ? r.status : "draft");
	vd_res_reset(&r);
	if (strcmp(status, "draft") && strcmp(status, "paused") && strcmp(status, "scheduled")) {
		vd_resp_error(req, 409, "conflict", "status", "a %s task cannot be started", status);
		goto out;
	}
	struct vd_task_stats ts;
	static const char *const none[] = {NULL};
	err = vd_store_task_stats(api->store, acct, id, none, 0, 0, &ts);
	if (err) {
		api_store_error(req, err, "task");
		goto out;
	}
	const json_t *tc = json_object_get(body, "test_call");
	if (json_is_true(json_object_get(tc, "enabled")) && ts.clients_total == 0) {
		/* A test call is a task of one client: the test phone. */
		int64_t row;
		err = vd_store_client_add(api->store, acct, id, "test",
					  json_string_value(json_object_get(tc, "phone")), "{}", &row);
		if (err) {
			api_store_error(req, err, "task");
			goto out;
		}
	} else if (ts.clients_total == 0) {
		vd_resp_error(req, 409, "conflict", "clients", "upload a clients file before starting the task");
		goto out;
	}
	const json_t *start = json_object_get(body, "start");
	const char *mode = json_string_value(json_object_get(start, "mode"));
	const char *at = json_string_value(json_object_get(start, "at"));
	int64_t at_ms = 0;
	bool later = mode && !strcmp(mode, "scheduled") && at && vd_rfc3339_parse(at, &at_ms) == 0 &&
		     at_ms > vd_store_now_ms() && !strcmp(status, "draft");
	const char *to = later ? "scheduled" : "running";
	err = vd_store_res_set_status(api->store, VD_KIND_TASK, acct, id, status, to);
	if (err == -EAGAIN) {
		vd_resp_error(req, 409, "conflict", "status", "the task changed meanwhile; try again");
		goto out;
	}
	if (err) {
		api_store_error(req, err, "task");
		goto out;
	}
	vd_info("api", "task=%lld %s account=%lld", (long long)id, to, (long long)acct);
	api_answer_res(req, 200, VD_KIND_TASK, id);
out:
	json_decref(body);
}

void api_task_pause(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	int err = vd_store_res_set_status(api->store, VD_KIND_TASK, acct, id, "running", "paused");
	if (err == -EAGAIN)
		err = vd_store_res_set_status(api->store, VD_KIND_TASK, acct, id, "scheduled", "paused");
	if (err == -EAGAIN) {
		vd_resp_error(req, 409, "conflict", "status", "only a running or scheduled task can be paused");
		return;
	}
	if (err) {
		api_store_error(req, err, "task");
		return;
	}
	vd_info("api", "task=%lld paused account=%lld", (long long)id, (long long)acct);
	api_answer_res(req, 200, VD_KIND_TASK, id);
}

void api_task_cancel(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	/* Optional body {"hangup": true}: also end the calls in flight. */
	size_t len = 0;
	vd_req_body(req, &len);
	bool hangup = false;
	if (len) {
		json_t *body = vd_req_json_or_400(req);
		if (!body) return;
		const json_t *h = json_object_get(body, "hangup");
		if (h && !json_is_boolean(h)) {
			vd_resp_error(req, 422, "invalid", "hangup", "hangup: must be true or false");
			return;
		}
		hangup = json_is_true(h);
	}
	int err = vd_store_task_cancel(api->store, acct, id, hangup);
	if (err == -EAGAIN) {
		vd_resp_error(req, 409, "conflict", "status", "the task is already completed or cancelled");
		return;
	}
	if (err) {
		api_store_error(req, err, "task");
		return;
	}
	vd_info("api", "task=%lld cancelled%s account=%lld", (long long)id, hangup ? " with hang-up" : "",
		(long long)acct);
	api_answer_res(req, 200, VD_KIND_TASK, id);
}

/* Parses a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range against a
 * file of `size` bytes. 1 and [*off, *off+*len) when satisfiable, 0 when
 * absent or not understood (serve it all), -1 when unsatisfiable (416). */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',')) return 0;
	const char *p = h + 6;
	char *end;
	if (*p == '-') {
		unsigned long long n = strtoull(p + 1, &end, 10);
		if (end == p + 1 || *end) return 0;
		if (n == 0) return -1;
		if (n > size) n = size;
		*off = size - n;
		*len = n;
		return 1;
	}
	unsigned long long a = strtoull(p, &end, 10);
	if (end == p || *end != '-') return 0;
	p = end + 1;
	unsigned long long b = size ? size - 1 : 0;
	if (*p) {
		b = strtoull(p, &end, 10);
		if (*end) return 0;
		if (b >= size) b = size - 1;
	}
	if (a >= size || b < a) return -1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

void api_call_recording(struct vd_req *req)
{
	struct vd_call c;
	int err = vd_store_call_get(api_of(req)->store, api_principal(req)->account_id, vd_req_param(req, 0), &c);
	if (err) {
		api_store_error(req, err, "call");
		return;
	}
	char path[512];
	snprintf(path, sizeof path, "%s", c.recording);
	vd_call_reset(&c);
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0) close(fd);
		vd_resp_error(req, 404, "not_found", NULL, "this call has no recording");
		return;
	}
	uint64_t size = (uint64_t)sb.st_size, off = 0, len = size;
	int r = parse_range(vd_req_header(req, "Range"), size, &off, &len);
	if (r < 0) {
		close(fd);
		char cr[64];
		snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
		vd_resp_error(req, 416, "range_not_satisfiable", "Range", "the file has %" PRIu64 " bytes", size);
		vd_resp_header(req, "Content-Range", cr);
		return;
	}
	vd_resp_fd(req, r ? 206 : 200, "audio/wav", fd, off, len);
	vd_resp_header(req, "Accept-Ranges", "bytes");
	if (r) {
		char cr[96];
		snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off, off + len - 1, size);
		vd_resp_header(req, "Content-Range", cr);
	}
}
