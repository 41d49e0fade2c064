/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The API's route table, start/stop, service endpoints and shared helpers. */
#include "api/api_int.h"
#include "core/rfc3339.h"
#include "tel/tel.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void healthz(struct vd_req *req)
{
	int version = 0;
	int err = vd_store_schema_version(api_of(req)->store, &version);
	if (err) {
		vd_resp_json(req, 503, json_pack("{s:s}", "status", "store unavailable"));
		return;
	}
	vd_resp_json(req, 200, json_pack("{s:s, s:i, s:s}", "status", "ok", "schema", version,
					 "version", VD_VERSION));
}

/* Prometheus text format 0.0.4. The telephony figures come from
 * vd_tel_stats (at most 200 ms old). The RTP send error is given twice: a
 * summary (p50, p99 over every packet since the start) and a histogram
 * with coarse buckets, whose differences over time give the quantiles of a
 * window (histogram_quantile over rate(); bench/concurrent does the same).
 * docs/internals/benchmarks.md. */
static void metrics(struct vd_req *req)
{
	static const char up[] =
		"# HELP voxdial_up 1 while the server answers.\n"
		"# TYPE voxdial_up gauge\nvoxdial_up 1\n";
	struct vd_tel *tel = api_of(req)->tel;
	struct vd_tel_stats s;
	if (!tel || vd_tel_stats(tel, &s) != 0) {
		vd_resp_bytes(req, 200, "text/plain; version=0.0.4", up, sizeof up - 1);
		return;
	}
	char text[8192];
	int n = snprintf(text, sizeof text,
		"%s"
		"# HELP voxdial_rtp_sent_total RTP packets sent.\n"
		"# TYPE voxdial_rtp_sent_total counter\nvoxdial_rtp_sent_total %llu\n"
		"# HELP voxdial_rtp_received_total RTP packets received on answered calls.\n"
		"# TYPE voxdial_rtp_received_total counter\nvoxdial_rtp_received_total %llu\n"
		"# HELP voxdial_calls_answered_total Calls answered since the start.\n"
		"# TYPE voxdial_calls_answered_total counter\nvoxdial_calls_answered_total %llu\n"
		"# HELP voxdial_calls_active Calls alive on the telephony thread (dialing or talking).\n"
		"# TYPE voxdial_calls_active gauge\nvoxdial_calls_active %u\n"
		"# HELP voxdial_rtp_send_error_seconds |RTP send time - its deadline| (0.1 ms buckets).\n"
		"# TYPE voxdial_rtp_send_error_seconds summary\n"
		"voxdial_rtp_send_error_seconds{quantile=\"0.5\"} %.4f\n"
		"voxdial_rtp_send_error_seconds{quantile=\"0.99\"} %.4f\n"
		"voxdial_rtp_send_error_seconds_sum %.6f\n"
		"voxdial_rtp_send_error_seconds_count %llu\n"
		"# HELP voxdial_rtp_send_error_max_seconds Largest RTP send error since the start.\n"
		"# TYPE voxdial_rtp_send_error_max_seconds gauge\nvoxdial_rtp_send_error_max_seconds %.6f\n",
		up, (unsigned long long)s.rtp_sent, (unsigned long long)s.rtp_received,
		(unsigned long long)s.calls_answered, s.calls_active, (double)s.send_err_p50_us / 1e6,
		(double)s.send_err_p99_us / 1e6, (double)s.send_err_sum_us / 1e6,
		(unsigned long long)s.send_err_count, (double)s.send_err_max_us / 1e6);
	static const unsigned edges_us[] = {500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500,
					    5000, 10000, 20000, 50000};
	if (n > 0 && (size_t)n < sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "# HELP voxdial_rtp_send_error_hist_seconds The RTP send error as a histogram.\n"
			      "# TYPE voxdial_rtp_send_error_hist_seconds histogram\n");
	uint64_t below = 0;
	unsigned b = 0;
	for (size_t i = 0; i < sizeof edges_us / sizeof edges_us[0] && n > 0 && (size_t)n < sizeof text; i++) {
		for (; b < edges_us[i] / VD_TEL_ERR_BUCKET_US; b++) below += s.send_err_hist[b];
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "voxdial_rtp_send_error_hist_seconds_bucket{le=\"%g\"} %llu\n",
			      (double)edges_us[i] / 1e6, (unsigned long long)below);
	}
	if (n > 0 && (size_t)n < sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "voxdial_rtp_send_error_hist_seconds_bucket{le=\"+Inf\"} %llu\n"
			      "voxdial_rtp_send_error_hist_seconds_sum %.6f\n"
			      "voxdial_rtp_send_error_hist_seconds_count %llu\n",
			      (unsigned long long)s.send_err_count, (double)s.send_err_sum_us / 1e6,
			      (unsigned long long)s.send_err_count);
	if (n > 0 && (size_t)n < sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n,
			      "# HELP voxdial_bot_response_seconds End of the callee's speech to the bot's answer (1 ms buckets).\n"
			      "# TYPE voxdial_bot_response_seconds summary\n"
			      "voxdial_bot_response_seconds{quantile=\"0.5\"} %.3f\n"
			      "voxdial_bot_response_seconds{quantile=\"0.99\"} %.3f\n"
			      "voxdial_bot_response_seconds_count %llu\n"
			      "# HELP voxdial_transfers_total Operator legs bridged.\n"
			      "# TYPE voxdial_transfers_total counter\nvoxdial_transfers_total %llu\n"
			      "# HELP voxdial_asr_ready 1 once the speech recognizer is loaded.\n"
			      "# TYPE voxdial_asr_ready gauge\nvoxdial_asr_ready %d\n",
			      (double)s.bot_resp_p50_us / 1e6, (double)s.bot_resp_p99_us / 1e6,
			      (unsigned long long)s.bot_responses, (unsigned long long)s.transfers, s.asr_ready ? 1 : 0);
	if (n < 0 || (size_t)n >= sizeof text) {
		vd_resp_bytes(req, 500, "text/plain", "metrics overflow\n", 17);
		return;
	}
	vd_resp_bytes(req, 200, "text/plain; version=0.0.4", text, (size_t)n);
}

#define CONFIG_ROUTES(base) \
	{"GET", base, api_res_list, NULL, false, 0}, \
	{"POST", base, api_res_create, NULL, false, 0}, \
	{"GET", base "/{id}", api_res_get, NULL, false, 0}, \
	{"PUT", base "/{id}", api_res_update, NULL, false, 0}, \
	{"DELETE", base "/{id}", api_res_delete, NULL, false, 0}

static const struct vd_route routes[] = {
	{"GET", "/healthz", healthz, NULL, true, 0},
	{"GET", "/metrics", metrics, NULL, true, 0},
	/* the web UI (public: the page itself logs in with the session cookie) */
	{"GET", "/", api_web_index, NULL, true, 0},
	{"GET", "/ui/*", api_web_file, NULL, true, 0},
	{"POST", "/api/v1/auth/login", api_login, NULL, true, 0},
	{"POST", "/api/v1/auth/logout", api_logout, NULL, false, 0},
	{"GET", "/api/v1/me", api_me, NULL, false, 0},
	{"POST", "/api/v1/tokens", api_tokens_create, NULL, false, 0},
	{"GET", "/api/v1/tokens", api_tokens_list, NULL, false, 0},
	{"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, NULL, false, 0},
	{"POST", "/api/v1/recall-rule-sets/preview", api_recall_preview, NULL, false, 0},
	{"GET", "/api/v1/scripts/{id}/clients-template.csv", api_script_clients_template, NULL, false, 0},
	{"POST", "/api/v1/tasks/{id}/clients", NULL, &api_clients_upload_ops, false, SIZE_MAX},
	{"GET", "/api/v1/tasks/{id}/stats", api_task_stats, NULL, false, 0},
	{"GET", "/api/v1/tasks/{id}/calls", api_task_calls, NULL, false, 0},
	{"GET", "/api/v1/calls/{id}", api_call_get, NULL, false, 0},
	{"GET", "/api/v1/calls/{id}/recording.wav", api_call_recording, NULL, false, 0},
	{"POST", "/api/v1/templates/{id}/calls", api_template_call_create, NULL, false, 0},
	{"GET", "/api/v1/templates/{id}/calls/{id}", api_template_call_get, NULL, false, 0},
	{"POST", "/api/v1/tasks/{id}/start", api_task_start, NULL, false, 0},
	{"POST", "/api/v1/tasks/{id}/pause", api_task_pause, NULL, false, 0},
	{"POST", "/api/v1/tasks/{id}/cancel", api_task_cancel, NULL, false, 0},
	{"POST", "/api/v1/tasks/{id}/reports", api_report_create, NULL, false, 0},
	{"GET", "/api/v1/tasks/{id}/reports", api_reports_list, NULL, false, 0},
	{"GET", "/api/v1/reports/{id}", api_report_get, NULL, false, 0},
	{"GET", "/api/v1/reports/{id}/file", api_report_file, NULL, false, 0},
	{"POST", "/api/v1/audio", api_audio_upload, NULL, false, 64u << 20},
	{"GET", "/api/v1/audio/{id}.wav", api_audio_file, NULL, false, 0},
	CONFIG_ROUTES("/api/v1/trunks"),
	CONFIG_ROUTES("/api/v1/dial-plans"),
	CONFIG_ROUTES("/api/v1/callerid-groups"),
	CONFIG_ROUTES("/api/v1/recall-rule-sets"),
	CONFIG_ROUTES("/api/v1/routes"),
	CONFIG_ROUTES("/api/v1/scripts"),
	CONFIG_ROUTES("/api/v1/tasks"),
	CONFIG_ROUTES("/api/v1/templates"),
	{"GET", "/api/v1/audio", api_res_list, NULL, false, 0},
	{"GET", "/api/v1/audio/{id}", api_res_get, NULL, false, 0},
	{"PUT", "/api/v1/audio/{id}", api_res_update, NULL, false, 0},
	{"DELETE", "/api/v1/audio/{id}", api_res_delete, NULL, false, 0},
};

int api_kind_of_path(const char *path, enum vd_kind *kind)
{
	static const struct { const char *base; enum vd_kind kind; } map[] = {
		{"/api/v1/trunks", VD_KIND_TRUNK},
		{"/api/v1/dial-plans", VD_KIND_DIAL_PLAN},
		{"/api/v1/callerid-groups", VD_KIND_CALLERID_GROUP},
		{"/api/v1/recall-rule-sets", VD_KIND_RECALL_RULE_SET},
		{"/api/v1/routes", VD_KIND_ROUTE},
		{"/api/v1/scripts", VD_KIND_SCRIPT},
		{"/api/v1/audio", VD_KIND_AUDIO},
		{"/api/v1/tasks", VD_KIND_TASK},
		{"/api/v1/templates", VD_KIND_TEMPLATE},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t n = strlen(map[i].base);
		if (!strncmp(path, map[i].base, n) && (path[n] == '\0' || path[n] == '/')) {
			*kind = map[i].kind;
			return 0;
		}
	}
	return -ENOENT;
}

const struct vd_principal *api_principal(struct vd_req *req)
{
	return vd_req_user(req);
}

void api_store_error(struct vd_req *req, int err, const char *what)
{
	if (err == -ENOENT)
		vd_resp_error(req, 404, "not_found", NULL, "%s not found", what);
	else if (err == -EBUSY)
		vd_resp_error(req, 409, "conflict", NULL, "%s is in use", what);
	else
		vd_resp_error(req, 500, "internal", NULL, "storage error (%d)", err);
}

void api_verr(struct vd_req *req, const struct vd_verr *e)
{
	vd_resp_error(req, 422, "invalid", e->field[0] ? e->field : NULL, "%s%s%s",
		      e->field[0] ? e->field : "", e->field[0] ? ": " : "", e->message);
}

int api_paging(struct vd_req *req, int *page, int *per_page)
{
	const char *p = vd_req_query(req, "page"), *pp = vd_req_query(req, "per_page");
	long pg = 1, per = 10;
	char *end;
	if (p) {
		pg = strtol(p, &end, 10);
		if (*p == '\0' || *end || pg < 1 || pg > 1000000) {
			vd_resp_error(req, 400, "bad_request", "page", "page must be a positive integer");
			return -1;
		}
	}
	if (pp) {
		per = strtol(pp, &end, 10);
		if (*pp == '\0' || *end || (per != 10 && per != 50 && per != 100)) {
			vd_resp_error(req, 400, "bad_request", "per_page", "per_page must be 10, 50 or 100");
			return -1;
		}
	}
	*page = (int)pg;
	*per_page = (int)per;
	return 0;
}

int api_time_param(struct vd_req *req, const char *key, int64_t *ms)
{
	const char *v = vd_req_query(req, key);
	*ms = 0;
	if (!v || !*v) return 0;
	if (vd_rfc3339_parse(v, ms) != 0) {
		vd_resp_error(req, 400, "bad_request", key,
			      "%s must be an RFC 3339 date-time such as 2026-11-22T09:00:00Z", key);
		return -1;
	}
	return 0;
}

json_t *api_list(json_t *items, int64_t total, int page, int per_page)
{
	return json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total,
			 "page", page, "per_page", per_page);
}

void api_set_time(json_t *obj, const char *key, int64_t ms)
{
	char buf[32];
	if (ms > 0 && vd_rfc3339_format(ms, buf, sizeof buf) == 0)
		json_object_set_new(obj, key, json_string(buf));
	else
		json_object_set_new(obj, key, json_null());
}

int vd_api_start(struct vd_api **out, const struct vd_api_params *p)
{
	struct vd_api *api = calloc(1, sizeof *api);
	if (!api) return -ENOMEM;
	api->store = p->store;
	api->tel = p->tel;
	snprintf(api->data_dir, sizeof api->data_dir, "%s", p->data_dir ? p->data_dir : "./data");
	struct vd_http_params hp = {
		.addr = p->addr,
		.port = p->port,
		.routes = routes,
		.nroutes = sizeof routes / sizeof routes[0],
		.auth = api_authenticate,
		.ctx = api,
		.threads = 4,
	};
	int err = vd_http_start(&api->http, &hp);
	if (err) {
		free(api);
		return err;
	}
	*out = api;
	return 0;
}

uint16_t vd_api_port(const struct vd_api *api) { return vd_http_port(api->http); }

void vd_api_stop(struct vd_api *api)
{
	if (!api) return;
	vd_http_stop(api->http);
	free(api);
}
