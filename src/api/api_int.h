/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the src/api handler files: the API context, the authenticated
 * principal of a request, and answer helpers. */
#ifndef VD_API_INT_H
#define VD_API_INT_H

#include "api/api.h"
#include "api/http.h"
#include "app/verr.h"
#include "store/store.h"

struct vd_api {
	struct vd_store *store;
	struct vd_http *http;
	struct vd_tel *tel;          /* borrowed; NULL without telephony */
	char data_dir[512];
};

static inline struct vd_api *api_of(struct vd_req *req) { return vd_req_ctx(req); }
/* The authenticated caller (never NULL inside a non-public handler). */
const struct vd_principal *api_principal(struct vd_req *req);

/* Answers for a store error: 404 for -ENOENT, 500 otherwise. */
void api_store_error(struct vd_req *req, int err, const char *what);
/* Answers 422 with the validation error's field and message. */
void api_verr(struct vd_req *req, const struct vd_verr *e);
/* Reads page/per_page (10|50|100, default 10); answers 400 and returns -1 on
 * a bad value. */
int api_paging(struct vd_req *req, int *page, int *per_page);
/* Reads an RFC 3339 query parameter (0 if absent); -1 and 400 if bad. */
int api_time_param(struct vd_req *req, const char *key, int64_t *ms);
/* {"items":items,"total":total,"page":..,"per_page":..} */
json_t *api_list(json_t *items, int64_t total, int page, int per_page);
/* Adds RFC 3339 `key` to obj for ms (null when 0). */
void api_set_time(json_t *obj, const char *key, int64_t ms);

/* Handlers, one file per area. */
void api_login(struct vd_req *req);
void api_logout(struct vd_req *req);
void api_me(struct vd_req *req);
void api_tokens_create(struct vd_req *req);
void api_tokens_list(struct vd_req *req);
void api_tokens_delete(struct vd_req *req);
int api_authenticate(void *ctx, struct vd_req *req);

void api_res_list(struct vd_req *req);
void api_res_create(struct vd_req *req);
void api_res_get(struct vd_req *req);
void api_res_update(struct vd_req *req);
void api_res_delete(struct vd_req *req);

void api_recall_preview(struct vd_req *req);
void api_script_clients_template(struct vd_req *req);
void api_task_stats(struct vd_req *req);
void api_task_calls(struct vd_req *req);
void api_call_get(struct vd_req *req);
extern const struct vd_stream_ops api_clients_upload_ops;
void api_audio_upload(struct vd_req *req);
void api_audio_file(struct vd_req *req);
/* The embedded web UI: GET / (index.html) and GET /ui/<file>. */
void api_web_index(struct vd_req *req);
void api_web_file(struct vd_req *req);

/* Answers `status` with the stored resource (kind, id) of the caller. */
void api_answer_res(struct vd_req *req, unsigned status, enum vd_kind kind, int64_t id);
void api_task_start(struct vd_req *req);
void api_task_pause(struct vd_req *req);
void api_task_cancel(struct vd_req *req);
void api_call_recording(struct vd_req *req);
void api_template_call_create(struct vd_req *req);
void api_template_call_get(struct vd_req *req);
/* Call reports (api_reports.c). */
void api_report_create(struct vd_req *req);
void api_report_get(struct vd_req *req);
void api_reports_list(struct vd_req *req);
void api_report_file(struct vd_req *req);

/* The resource kind of a configuration path (/api/v1/trunks...). */
int api_kind_of_path(const char *path, enum vd_kind *kind);

#endif
