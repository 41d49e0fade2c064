/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libmicrohttpd adapter. libmicrohttpd calls the access handler several times
 * per request: first with the headers (we route and authenticate), then once
 * per body chunk, then once with no data (we run the handler and queue the
 * response). Per-request state lives in struct vd_req, freed by the
 * request-completed callback whatever happened to the connection. */
#include "api/http.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vd_http {
	struct MHD_Daemon *d;
	struct vd_http_params p;
	uint16_t port;
};

struct vd_req {
	struct vd_http *h;
	struct MHD_Connection *conn;
	const struct vd_route *route;
	const char *method;
	const char *path;
	int64_t params[VD_HTTP_MAX_PARAMS];
	char *body;
	size_t body_len, body_cap, max_body;
	json_t *json;
	bool json_parsed;
	void *user;
	void *stream_state;
	bool stream_begun;
	bool failed;                 /* response already decided; discard the body */
	struct MHD_Response *resp;
	unsigned status;
};

/* ---- routing ---- */

/* Matches one path segment against one pattern segment. */
static bool seg_match(const char *pat, size_t plen, const char *seg, size_t slen, int64_t *param,
		      bool *is_param)
{
	*is_param = false;
	if (plen >= 2 && pat[0] == '{') {
		const char *close = memchr(pat, '}', plen);
		if (!close) return false;
		size_t suffix_len = plen - (size_t)(close + 1 - pat);
		const char *suffix = close + 1;
		if (slen <= suffix_len || memcmp(seg + slen - suffix_len, suffix, suffix_len) != 0)
			return false;
		size_t dlen = slen - suffix_len;
		if (dlen == 0 || dlen > 18) return false;
		int64_t v = 0;
		for (size_t i = 0; i < dlen; i++) {
			if (seg[i] < '0' || seg[i] > '9') return false;
			v = v * 10 + (seg[i] - '0');
		}
		*param = v;
		*is_param = true;
		return true;
	}
	return plen == slen && memcmp(pat, seg, slen) == 0;
}

static bool route_match(const char *pattern, const char *path, int64_t *params)
{
	const char *p = pattern, *s = path;
	int np = 0;
	while (*p && *s) {
		if (*p == '*') return true;
		if (*p != '/' || *s != '/') return false;
		p++;
		s++;
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t plen = pe ? (size_t)(pe - p) : strlen(p);
		size_t slen = se ? (size_t)(se - s) : strlen(s);
		if (plen == 1 && *p == '*') return true;
		int64_t v;
		bool is_param;
		if (!seg_match(p, plen, s, slen, &v, &is_param)) return false;
		if (is_param) {
			if (np >= VD_HTTP_MAX_PARAMS) return false;
			params[np++] = v;
		}
		p += plen;
		s += slen;
	}
	return *p == '\0' && *s == '\0';
}

/* ---- responses ---- */

static void resp_set(struct vd_req *req, unsigned status, struct MHD_Response *r)
{
	if (req->resp) MHD_destroy_response(req->resp);
	req->resp = r;
	req->status = status;
}

void vd_resp_bytes(struct vd_req *req, unsigned status, const char *ctype, const void *data,
		   size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data,
								 MHD_RESPMEM_MUST_COPY);
	if (!r) return;
	if (ctype) MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	resp_set(req, status, r);
}

void vd_resp_json(struct vd_req *req, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(body);
	if (body && !text) {
		vd_resp_bytes(req, 500, "application/json",
			      "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}", 56);
		return;
	}
	vd_resp_bytes(req, status, "application/json", text ? text : "", text ? strlen(text) : 0);
	free(text);
}

void vd_resp_error(struct vd_req *req, unsigned status, const char *code, const char *field,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (err && field) json_object_set_new(err, "field", json_string(field));
	vd_resp_json(req, status, json_pack("{s:o}", "error", err));
}

void vd_resp_fd(struct vd_req *req, unsigned status, const char *ctype, int fd, uint64_t offset,
		uint64_t len)
{
	struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(len, fd, offset);
	if (!r) {
		close(fd);
		vd_resp_error(req, 500, "internal", NULL, "cannot send file");
		return;
	}
	if (ctype) MHD_add_response_header(r, "Content-Type", ctype);
	resp_set(req, status, r);
}

void vd_resp_header(struct vd_req *req, const char *name, const char *value)
{
	if (!req->resp) return;
	/* Replace, not repeat: vd_resp_bytes sets defaults (Cache-Control:
	 * no-store) that a handler such as the web UI's may override. */
	const char *old = MHD_get_response_header(req->resp, name);
	if (old) {
		char copy[256];
		snprintf(copy, sizeof copy, "%s", old);
		MHD_del_response_header(req->resp, name, copy);
	}
	MHD_add_response_header(req->resp, name, value);
}

/* ---- request accessors ---- */

void *vd_req_ctx(struct vd_req *req) { return req->h->p.ctx; }
const char *vd_req_method(struct vd_req *req) { return req->method; }
const char *vd_req_path(struct vd_req *req) { return req->path; }
void vd_req_set_user(struct vd_req *req, void *user)
{
	free(req->user);
	req->user = user;
}
void *vd_req_user(struct vd_req *req) { return req->user; }

int64_t vd_req_param(struct vd_req *req, int i)
{
	return (i >= 0 && i < VD_HTTP_MAX_PARAMS) ? req->params[i] : 0;
}

const char *vd_req_query(struct vd_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *vd_req_header(struct vd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *vd_req_cookie(struct vd_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *vd_req_body(struct vd_req *req, size_t *len)
{
	if (len) *len = req->body_len;
	return req->body ? req->body : "";
}

json_t *vd_req_json_or_400(struct vd_req *req)
{
	if (req->json_parsed) return req->json;
	req->json_parsed = true;
	if (req->body_len == 0) {
		vd_resp_error(req, 400, "bad_request", NULL, "a JSON object body is required");
		return NULL;
	}
	json_error_t je;
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!req->json) {
		vd_resp_error(req, 400, "bad_json", NULL, "invalid JSON at line %d column %d: %s",
			      je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(req->json)) {
		vd_resp_error(req, 400, "bad_json", NULL, "the body must be a JSON object");
		json_decref(req->json);
		req->json = NULL;
		return NULL;
	}
	return req->json;
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result queue(struct vd_req *req)
{
	if (!req->resp)
		vd_resp_error(req, 500, "internal", NULL, "the handler produced no response");
	if (!req->resp) return MHD_NO;
	enum MHD_Result r = MHD_queue_response(req->conn, req->status, req->resp);
	MHD_destroy_response(req->resp);
	req->resp = NULL;
	return r;
}

static int body_append(struct vd_req *req, const char *data, size_t len)
{
	if (req->body_len + len > req->max_body) return -E2BIG;
	if (req->body_len + len + 1 > req->body_cap) {
		size_t cap = req->body_cap ? req->body_cap * 2 : 4096;
		while (cap < req->body_len + len + 1) cap *= 2;
		char *b = realloc(req->body, cap);
		if (!b) return -ENOMEM;
		req->body = b;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct vd_http *h = cls;
	struct vd_req *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof *req);
		if (!req) return MHD_NO;
		req->h = h;
		req->conn = conn;
		req->method = method;
		req->path = url;
		*con_cls = req;
		bool path_known = false;
		char allow[64] = "";          /* RFC 9110 15.5.6: a 405 lists them */
		for (size_t i = 0; i < h->p.nroutes; i++) {
			const struct vd_route *r = &h->p.routes[i];
			int64_t params[VD_HTTP_MAX_PARAMS] = {0};
			if (!route_match(r->pattern, url, params)) continue;
			path_known = true;
			if (strcmp(r->method, method) != 0) {
				size_t n = strlen(allow);
				if (!strstr(allow, r->method))
					snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", r->method);
				continue;
			}
			req->route = r;
			memcpy(req->params, params, sizeof params);
			break;
		}
		if (!req->route) {
			req->failed = true;
			if (path_known) {
				vd_resp_error(req, 405, "method_not_allowed", NULL, "%s is not allowed on %s",
					      method, url);
				vd_resp_header(req, "Allow", allow);
			} else {
				vd_resp_error(req, 404, "not_found", NULL, "no such endpoint: %s", url);
			}
			return MHD_YES;
		}
		req->max_body = req->route->max_body ? req->route->max_body : VD_HTTP_MAX_JSON_BODY;
		if (!req->route->public && h->p.auth && h->p.auth(h->p.ctx, req) != 0) {
			req->failed = true;
			if (!req->resp)
				vd_resp_error(req, 401, "unauthorized", NULL,
					      "log in or send Authorization: Bearer <token>");
		}
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		size_t len = *upload_data_size;
		*upload_data_size = 0;
		if (req->failed) return MHD_YES;
		const struct vd_stream_ops *so = req->route->stream;
		if (so) {
			if (!req->stream_begun) {
				req->stream_begun = true;
				if (so->begin(req, &req->stream_state) != 0) {
					req->failed = true;
					return MHD_YES;
				}
			}
			if (so->feed(req, req->stream_state, upload_data, len) != 0)
				req->failed = true;
			return MHD_YES;
		}
		int err = body_append(req, upload_data, len);
		if (err) {
			req->failed = true;
			if (err == -E2BIG)
				vd_resp_error(req, 413, "too_large", NULL, "the body exceeds %zu bytes",
					      req->max_body);
			else
				vd_resp_error(req, 500, "internal", NULL, "out of memory");
		}
		return MHD_YES;
	}

	/* The whole body has arrived. */
	if (!req->failed) {
		const struct vd_stream_ops *so = req->route->stream;
		if (so) {
			if (!req->stream_begun) {
				req->stream_begun = true;
				if (so->begin(req, &req->stream_state) != 0) return queue(req);
			}
			so->finish(req, req->stream_state);
			req->stream_state = NULL;
		} else {
			req->route->handler(req);
		}
	}
	return queue(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct vd_req *req = *con_cls;
	if (!req) return;
	if (req->stream_state && req->route && req->route->stream)
		req->route->stream->abort(req->stream_state);
	if (req->resp) MHD_destroy_response(req->resp);
	json_decref(req->json);
	free(req->user);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

int vd_http_start(struct vd_http **out, const struct vd_http_params *p)
{
	struct vd_http *h = calloc(1, sizeof *h);
	if (!h) return -ENOMEM;
	h->p = *p;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(p->port)};
	if (inet_pton(AF_INET, p->addr, &sin.sin_addr) != 1) {
		vd_err("http", "bad listen address %s", p->addr);
		free(h);
		return -EINVAL;
	}
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
					MHD_USE_TURBO,
				p->port, NULL, NULL, on_access, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_THREAD_POOL_SIZE, p->threads ? p->threads : 4u,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_END);
	if (!h->d) {
		vd_err("http", "cannot listen on %s:%u", p->addr, p->port);
		free(h);
		return -EADDRINUSE;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : p->port;
	*out = h;
	return 0;
}

uint16_t vd_http_port(const struct vd_http *h) { return h->port; }

void vd_http_stop(struct vd_http *h)
{
	if (!h) return;
	MHD_stop_daemon(h->d);
	free(h);
}
