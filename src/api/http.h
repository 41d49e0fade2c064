/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A small HTTP server on libmicrohttpd: a route table, request bodies either
 * buffered (JSON, bounded) or streamed to a handler (file uploads), and JSON
 * responses. Only src/api knows HTTP. Handlers run on libmicrohttpd's pool
 * threads; they must be thread-safe and must not block on telephony. */
#ifndef VD_HTTP_H
#define VD_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vd_http;
struct vd_req;
struct vd_resp;

#define VD_HTTP_MAX_PARAMS 4
#define VD_HTTP_MAX_JSON_BODY (1024 * 1024)

/* Streamed body: begin() after routing and auth (return an HTTP status >= 400
 * with a response set to refuse the upload), feed() per chunk (non-zero
 * return: stop reading; the response set then is sent), finish() at the end
 * sets the response. abort() frees the state when the connection dies. */
struct vd_stream_ops {
	int (*begin)(struct vd_req *req, void **state);
	int (*feed)(struct vd_req *req, void *state, const char *data, size_t len);
	void (*finish)(struct vd_req *req, void *state);
	void (*abort)(void *state);
};

typedef void (vd_handler)(struct vd_req *req);

struct vd_route {
	const char *method;          /* "GET", "POST", ... */
	const char *pattern;         /* "/api/v1/trunks/{id}"; {x} = one integer segment,
				      * "{x}.wav" suffixes allowed; "*" at the end = rest */
	vd_handler *handler;         /* buffered-body handler, or NULL with stream */
	const struct vd_stream_ops *stream;
	bool public;                 /* no authentication required */
	size_t max_body;             /* 0: VD_HTTP_MAX_JSON_BODY */
};

/* Authentication hook: fills *principal_out (opaque to http) from the
 * request, returning 0, or non-zero to answer 401. */
typedef int (vd_auth_fn)(void *ctx, struct vd_req *req);

struct vd_http_params {
	const char *addr;            /* "127.0.0.1" */
	uint16_t port;               /* 0: pick a free port */
	const struct vd_route *routes;
	size_t nroutes;
	vd_auth_fn *auth;
	void *ctx;                   /* passed to handlers via vd_req_ctx() */
	unsigned threads;
};

int vd_http_start(struct vd_http **out, const struct vd_http_params *p);
/* The port actually bound. */
uint16_t vd_http_port(const struct vd_http *h);
void vd_http_stop(struct vd_http *h);

/* ---- request ---- */
void *vd_req_ctx(struct vd_req *req);
const char *vd_req_method(struct vd_req *req);
const char *vd_req_path(struct vd_req *req);
/* Integer path parameter `i` (0-based, in pattern order). */
int64_t vd_req_param(struct vd_req *req, int i);
const char *vd_req_query(struct vd_req *req, const char *key);
const char *vd_req_header(struct vd_req *req, const char *name);
const char *vd_req_cookie(struct vd_req *req, const char *name);
const char *vd_req_body(struct vd_req *req, size_t *len);
/* Parsed JSON body (NULL if empty or not JSON: the handler answers 400 via
 * vd_req_json_or_400). Owned by the request. */
json_t *vd_req_json_or_400(struct vd_req *req);
/* Per-request slot for the authentication result: a malloc'd object the
 * request owns (freed when the request completes). */
void vd_req_set_user(struct vd_req *req, void *user);
void *vd_req_user(struct vd_req *req);

/* ---- response (one per request; the last call wins) ---- */
/* Takes the reference of `body` (may be NULL for an empty body). */
void vd_resp_json(struct vd_req *req, unsigned status, json_t *body);
/* {"error":{"code","message","field"}}; field may be NULL. */
void vd_resp_error(struct vd_req *req, unsigned status, const char *code, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Copies `len` bytes. */
void vd_resp_bytes(struct vd_req *req, unsigned status, const char *ctype, const void *data,
		   size_t len);
/* Serves a file region by fd (Range handled by the caller). Takes the fd. */
void vd_resp_fd(struct vd_req *req, unsigned status, const char *ctype, int fd, uint64_t offset,
		uint64_t len);
/* Sets a header on the response set by the previous vd_resp_* call,
 * replacing a header of the same name. */
void vd_resp_header(struct vd_req *req, const char *name, const char *value);

#endif
