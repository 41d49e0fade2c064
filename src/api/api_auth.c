/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Access: login sessions (cookie), API tokens (Bearer), /me. A token or
 * session id is looked up by its hash; the plain value exists only in the
 * response that creates it and in the client. */
#include "api/api_int.h"
#include "api/jv.h"
#include "util/log.h"
#include "util/secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE "vd_session"
#define SESSION_TTL_MS (12LL * 3600 * 1000)

int api_authenticate(void *ctx, struct vd_req *req)
{
	struct vd_api *api = ctx;
	const char *token = NULL;
	const char *auth = vd_req_header(req, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		token = auth + 7;
	else
		token = vd_req_cookie(req, SESSION_COOKIE);
	if (!token || strlen(token) < 10 || strlen(token) > 200) return -1;
	uint8_t hash[32];
	vd_token_hash(token, hash);
	struct vd_principal *p = calloc(1, sizeof *p);
	if (!p) return -1;
	int err = vd_store_token_lookup(api->store, hash, vd_store_now_ms(), p);
	if (err) {
		free(p);
		return -1;
	}
	vd_req_set_user(req, p);
	return 0;
}

void api_login(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	json_t *body = vd_req_json_or_400(req);
	if (!body) return;
	const char *email = json_string_value(json_object_get(body, "email"));
	const char *password = json_string_value(json_object_get(body, "password"));
	if (!email || !*email) {
		vd_resp_error(req, 422, "invalid", "email", "email is required");
		return;
	}
	if (!password || !*password) {
		vd_resp_error(req, 422, "invalid", "password", "password is required");
		return;
	}
	struct vd_user u;
	int err = vd_store_user_by_email(api->store, email, &u);
	if (err == -ENOENT) {
		vd_password_dummy_verify(password);   /* same timing as a wrong password */
	} else if (err) {
		api_store_error(req, err, "user");
		return;
	}
	if (err || !vd_password_verify(u.password_hash, password)) {
		vd_info("api", "login failed");
		vd_resp_error(req, 401, "unauthorized", NULL, "wrong email or password");
		return;
	}
	char token[VD_TOKEN_LEN];
	uint8_t hash[32];
	vd_token_new(token, hash);
	struct vd_principal owner = {.account_id = u.account_id, .user_id = u.id};
	int64_t id;
	err = vd_store_token_create(api->store, &owner, "session", "login", hash,
				    vd_store_now_ms() + SESSION_TTL_MS, &id);
	if (err) {
		api_store_error(req, err, "session");
		return;
	}
	vd_info("api", "login account=%lld user=%lld", (long long)u.account_id, (long long)u.id);
	vd_resp_json(req, 200, json_pack("{s:s}", "token", token));
	char cookie[160];
	snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
		 token, SESSION_TTL_MS / 1000);
	vd_resp_header(req, "Set-Cookie", cookie);
}

void api_logout(struct vd_req *req)
{
	const struct vd_principal *p = api_principal(req);
	if (p->session) {
		int err = vd_store_token_delete(api_of(req)->store, p->account_id, p->token_id,
						"session");
		if (err && err != -ENOENT) {
			api_store_error(req, err, "session");
			return;
		}
	}
	vd_resp_json(req, 200, json_pack("{s:b}", "ok", 1));
	vd_resp_header(req, "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

void api_me(struct vd_req *req)
{
	const struct vd_principal *p = api_principal(req);
	struct vd_user u;
	int err = vd_store_user_get(api_of(req)->store, p->account_id, p->user_id, &u);
	if (err) {
		api_store_error(req, err, "user");
		return;
	}
	vd_resp_json(req, 200, json_pack("{s:{s:I, s:s, s:s}, s:{s:I, s:s}}",
		"user", "id", (json_int_t)u.id, "email", u.email, "role", u.role,
		"account", "id", (json_int_t)u.account_id, "name", u.account_name));
}

void api_tokens_create(struct vd_req *req)
{
	json_t *body = vd_req_json_or_400(req);
	if (!body) return;
	struct vd_verr e = {0};
	json_t *out = json_object();
	struct vd_jv jv;
	const char *name = NULL;
	static const char *const known[] = {"name", NULL};
	vd_jv_init(&jv, body, out, "", &e);
	vd_jv_no_unknown(&jv, known);
	vd_jv_string(&jv, "name", true, 100, NULL, &name);
	if (jv.failed) {
		json_decref(out);
		api_verr(req, &e);
		return;
	}
	char token[VD_TOKEN_LEN];
	uint8_t hash[32];
	vd_token_new(token, hash);
	int64_t id;
	int err = vd_store_token_create(api_of(req)->store, api_principal(req), "api", name, hash, 0, &id);
	json_decref(out);
	if (err) {
		api_store_error(req, err, "token");
		return;
	}
	vd_resp_json(req, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "token", token));
}

static int token_item(void *arg, int64_t id, const char *name, int64_t created_ms)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", name ? name : "");
	api_set_time(o, "created_at", created_ms);
	json_array_append_new(arg, o);
	return 0;
}

void api_tokens_list(struct vd_req *req)
{
	json_t *items = json_array();
	int err = vd_store_token_list(api_of(req)->store, api_principal(req)->account_id, token_item, items);
	if (err) {
		json_decref(items);
		api_store_error(req, err, "tokens");
		return;
	}
	size_t n = json_array_size(items);
	vd_resp_json(req, 200, api_list(items, (int64_t)n, 1, (int)n));
}

void api_tokens_delete(struct vd_req *req)
{
	int err = vd_store_token_delete(api_of(req)->store, api_principal(req)->account_id,
					vd_req_param(req, 0), "api");
	if (err) {
		api_store_error(req, err, "token");
		return;
	}
	vd_resp_json(req, 204, NULL);
}
