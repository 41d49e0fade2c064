/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Audio files: upload (any PCM WAV, stored as 8 kHz mono) and playback.
 * Files live at DATA/audio/<account>/<id>.wav; the resource row is written
 * first (to get the id) and removed again if the conversion fails. */
#include "api/api_int.h"
#include "media/wavconv.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void audio_path(struct vd_api *api, int64_t account, int64_t id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/audio/%lld/%lld.wav", api->data_dir, (long long)account, (long long)id);
}

void api_audio_upload(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id;
	const char *kind = vd_req_query(req, "kind");
	const char *name = vd_req_query(req, "name");
	if (!kind || (strcmp(kind, "ambient") && strcmp(kind, "greeting") && strcmp(kind, "prompt"))) {
		vd_resp_error(req, 422, "invalid", "kind", "kind must be ambient, greeting or prompt");
		return;
	}
	if (!name || !*name || strlen(name) > 200) {
		vd_resp_error(req, 422, "invalid", "name", "name is required (at most 200 characters)");
		return;
	}
	size_t len;
	const char *data = vd_req_body(req, &len);
	if (len == 0) {
		vd_resp_error(req, 422, "invalid", "file", "the body must be a WAV file");
		return;
	}
	json_t *body = json_pack("{s:s, s:s, s:i}", "name", name, "kind", kind, "duration_ms", 0);
	char *text = json_dumps(body, JSON_COMPACT);
	struct vd_res_write w = {.name = name, .body = text};
	int64_t id = 0;
	int err = text ? vd_store_res_create(api->store, VD_KIND_AUDIO, acct, &w, &id, NULL) : -ENOMEM;
	free(text);
	if (err) {
		json_decref(body);
		api_store_error(req, err, "audio file");
		return;
	}
	char dir[560], path[600];
	snprintf(dir, sizeof dir, "%s/audio/%lld", api->data_dir, (long long)acct);
	audio_path(api, acct, id, path, sizeof path);
	const char *why = "cannot create the audio directory";
	int64_t dur = 0;
	err = vd_mkdirs(dir);
	if (!err) err = vd_wav_convert_8k(data, len, path, &dur, &why);
	if (err) {
		struct vd_ref user;
		int derr = vd_store_res_delete(api->store, VD_KIND_AUDIO, acct, id, &user);
		if (derr) vd_warn("api", "cannot remove audio id=%lld after a failed upload", (long long)id);
		unlink(path);
		json_decref(body);
		if (err == -EINVAL)
			vd_resp_error(req, 422, "invalid", "file", "%s", why);
		else
			vd_resp_error(req, 500, "internal", NULL, "%s", why);
		return;
	}
	json_object_set_new(body, "duration_ms", json_integer(dur));
	text = json_dumps(body, JSON_COMPACT);
	w.body = text;
	err = text ? vd_store_res_update(api->store, VD_KIND_AUDIO, acct, id, &w, NULL) : -ENOMEM;
	free(text);
	json_decref(body);
	if (err) {
		api_store_error(req, err, "audio file");
		return;
	}
	struct vd_res r = {0};
	err = vd_store_res_get(api->store, VD_KIND_AUDIO, acct, id, &r);
	if (err) {
		api_store_error(req, err, "audio file");
		return;
	}
	json_t *o = json_loads(r.body, 0, NULL);
	json_object_set_new(o, "id", json_integer(id));
	char url[64];
	snprintf(url, sizeof url, "/api/v1/audio/%lld.wav", (long long)id);
	json_object_set_new(o, "url", json_string(url));
	api_set_time(o, "created_at", r.created_ms);
	api_set_time(o, "updated_at", r.updated_ms);
	vd_res_reset(&r);
	vd_resp_json(req, 201, o);
}

void api_audio_file(struct vd_req *req)
{
	struct vd_api *api = api_of(req);
	int64_t acct = api_principal(req)->account_id, id = vd_req_param(req, 0);
	struct vd_res r = {0};
	int err = vd_store_res_get(api->store, VD_KIND_AUDIO, acct, id, &r);
	vd_res_reset(&r);
	if (err) {
		api_store_error(req, err, "audio file");
		return;
	}
	char path[600];
	audio_path(api, acct, id, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		if (fd >= 0) close(fd);
		vd_resp_error(req, 404, "not_found", NULL, "the audio file is missing");
		return;
	}
	vd_resp_fd(req, 200, "audio/wav", fd, 0, (uint64_t)sb.st_size);
}
