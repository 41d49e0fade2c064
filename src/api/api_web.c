/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The web UI's static files: the files of src/web compiled into the binary by
 * cmake/embed.cmake (the vd_web_files table) and answered from memory.
 * GET / is index.html; GET /ui/<file> is any other file of src/web (flat:
 * the table holds file names only). Every answer carries a strict
 * Content-Security-Policy (scripts, styles, media and XHR from this origin
 * only; no inline script or style), nosniff, and an ETag so a browser
 * revalidates cheaply (Cache-Control: no-cache: the files have no hashed
 * names, so a new binary must never be hidden behind a stale cache). */
#include "api/api_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The layout cmake/embed.cmake generates (the migrations table in
 * src/store/store_sqlite.c is declared the same way). */
struct vd_embedded { const char *name; const unsigned char *data; size_t size; };
extern const struct vd_embedded vd_web_files[];

#define WEB_CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'"

static const char *content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".json", "application/json"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext)) return types[i].type;
	return "application/octet-stream";
}

static const struct vd_embedded *find_file(const char *name)
{
	for (const struct vd_embedded *f = vd_web_files; f->name; f++)
		if (!strcmp(f->name, name)) return f;
	return NULL;
}

/* FNV-1a over the bytes: a strong enough validator for files that change
 * only with the binary. */
static void etag_of(const struct vd_embedded *f, char *buf, size_t size)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < f->size; i++) {
		h ^= f->data[i];
		h *= 1099511628211ULL;
	}
	snprintf(buf, size, "\"%016llx-%zx\"", (unsigned long long)h, f->size);
}

static void serve(struct vd_req *req, const char *name)
{
	const struct vd_embedded *f = find_file(name);
	if (!f) {
		vd_resp_error(req, 404, "not_found", NULL, "no such file: %s", name);
		return;
	}
	char etag[48];
	etag_of(f, etag, sizeof etag);
	const char *inm = vd_req_header(req, "If-None-Match");
	if (inm && !strcmp(inm, etag))
		vd_resp_bytes(req, 304, content_type(name), "", 0);
	else
		vd_resp_bytes(req, 200, content_type(name), f->data, f->size);
	vd_resp_header(req, "ETag", etag);
	vd_resp_header(req, "Cache-Control", "no-cache");
	vd_resp_header(req, "Content-Security-Policy", WEB_CSP);
	vd_resp_header(req, "X-Content-Type-Options", "nosniff");
	vd_resp_header(req, "Referrer-Policy", "same-origin");
	vd_resp_header(req, "X-Frame-Options", "DENY");
}

void api_web_index(struct vd_req *req)
{
	serve(req, "index.html");
}

void api_web_file(struct vd_req *req)
{
	const char *path = vd_req_path(req);
	static const char prefix[] = "/ui/";
	if (strncmp(path, prefix, sizeof prefix - 1) != 0) {
		vd_resp_error(req, 404, "not_found", NULL, "no such file");
		return;
	}
	const char *name = path + sizeof prefix - 1;
	/* Flat directory: a name with a slash (or "..") is never a file. */
	if (!*name || strchr(name, '/') || strstr(name, "..")) {
		vd_resp_error(req, 404, "not_found", NULL, "no such file: %s", name);
		return;
	}
	serve(req, name);
}
