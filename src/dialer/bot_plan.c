/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Builds a task's bot plan (tel/bot.h) from its settings and the store;
 * see bot_plan.h. */
#include "dialer/bot_plan.h"
#include "app/script_json.h"
#include "app/verr.h"
#include "media/pcm.h"
#include "media/tts.h"
#include "store/store.h"
#include "tel/bot.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCRIPTS 16   /* the task's and those transfers switch to */
#define MAX_AUDIO 256

struct build {
	struct vd_store *st;
	const char *data_dir;
	int64_t account_id;
	struct vd_bot_plan *p;
	uint64_t key;        /* FNV-1a over the task and its script's version */
	char *err;
	size_t err_size;
};

static void mix(uint64_t *h, const void *data, size_t n)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++) *h = (*h ^ b[i]) * 1099511628211u;
}

static void mix_str(uint64_t *h, const char *s)
{
	mix(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static struct vd_pcm *load_audio(struct build *b, int64_t id)
{
	char path[512];
	snprintf(path, sizeof path, "%s/audio/%lld/%lld.wav", b->data_dir, (long long)b->account_id, (long long)id);
	struct vd_pcm *pcm = NULL;
	if (vd_pcm_load_wav(path, &pcm) != 0) return NULL;
	return pcm;
}

static int add_audio(struct build *b, int64_t id)
{
	struct vd_bot_plan *p = b->p;
	for (size_t i = 0; i < p->naudio; i++)
		if (p->audio[i].id == id) return 0;
	if (p->naudio >= MAX_AUDIO) return 0;
	struct vd_pcm *pcm = load_audio(b, id);
	if (!pcm) {
		vd_warn("bot", "audio %lld cannot be loaded: its prompt is skipped", (long long)id);
		return 0;
	}
	p->audio[p->naudio++] = (struct vd_bot_audio){.id = id, .pcm = pcm};
	return 0;
}

static int add_script(struct build *b, int64_t id);

/* Walks a compiled script: its audio prompts, the scripts its transfers
 * switch to, and the static prompts worth synthesizing now. */
static int walk_script(struct build *b, const struct vd_script *g)
{
	for (size_t i = 0; i < g->nblocks; i++) {
		const struct vd_script_block *blk = &g->blocks[i];
		if (blk->audio_id) add_audio(b, blk->audio_id);
		else if (blk->text && !strstr(blk->text, "{{"))
			(void)vd_tts_async(blk->text, NULL, NULL, NULL, NULL);   /* warm the cache */
		if (blk->type == VD_SCRIPT_RESULT && blk->transfer && blk->forward.type == VD_SCRIPT_FWD_SCRIPT &&
		    blk->forward.script_id) {
			int err = add_script(b, blk->forward.script_id);
			if (err) return err;
		}
	}
	return 0;
}

static int add_script(struct build *b, int64_t id)
{
	struct vd_bot_plan *p = b->p;
	for (size_t i = 0; i < p->nscripts; i++)
		if (p->scripts[i].id == id) return 0;
	if (p->nscripts >= MAX_SCRIPTS) {
		snprintf(b->err, b->err_size, "more than %d scripts reached by transfers", MAX_SCRIPTS);
		return -EINVAL;
	}
	struct vd_res r = {0};
	if (vd_store_res_get(b->st, VD_KIND_SCRIPT, b->account_id, id, &r) != 0) {
		snprintf(b->err, b->err_size, "script %lld no longer exists", (long long)id);
		return -EINVAL;
	}
	json_t *j = json_loads(r.body, 0, NULL);
	vd_res_reset(&r);
	struct vd_bot_script *s = &p->scripts[p->nscripts];
	struct vd_verr verr = {0};
	int err = vd_script_from_json(json_object_get(j, "graph"), NULL, 0, &s->g, &verr);
	json_decref(j);
	if (err) {
		snprintf(b->err, b->err_size, "script %lld is not valid: %s", (long long)id, verr.message);
		return -EINVAL;
	}
	s->id = id;
	p->nscripts++;
	return walk_script(b, &s->g);
}

int vd_bot_plan_build(struct vd_store *st, const char *data_dir, int64_t account_id, const json_t *task,
		      uint64_t old_key, struct vd_bot_plan **out, uint64_t *key, char *err, size_t err_size)
{
	*out = NULL;
	int64_t script_id = json_integer_value(json_object_get(task, "script_id"));
	if (!script_id) return 0;   /* no script: the call plays nothing */
	struct build b = {.st = st, .data_dir = data_dir, .account_id = account_id, .key = 1469598103934665603u,
			  .err = err, .err_size = err_size};
	/* The key first, so an unchanged plan is not rebuilt (nor its audio
	 * reloaded) on every refresh of the task. */
	char *tj = json_dumps(task, JSON_COMPACT | JSON_SORT_KEYS);
	mix_str(&b.key, tj);
	free(tj);
	struct vd_res r = {0};
	if (vd_store_res_get(st, VD_KIND_SCRIPT, account_id, script_id, &r) == 0) {
		char stamp[32];
		snprintf(stamp, sizeof stamp, "%lld", (long long)r.updated_ms);
		mix_str(&b.key, stamp);
		vd_res_reset(&r);
	}
	if (old_key && b.key == old_key) {
		*key = old_key;
		return -EEXIST;
	}

	b.p = vd_bot_plan_alloc();
	if (b.p) b.p->scripts = calloc(MAX_SCRIPTS, sizeof *b.p->scripts);
	if (b.p) b.p->audio = calloc(MAX_AUDIO, sizeof *b.p->audio);
	if (!b.p || !b.p->scripts || !b.p->audio) {
		vd_bot_plan_unref(b.p);
		return -ENOMEM;
	}
	struct vd_bot_plan *p = b.p;
	int rc = add_script(&b, script_id);
	const json_t *redir = json_object_get(task, "default_redirect");
	const char *type = json_string_value(json_object_get(redir, "type"));
	snprintf(p->redirect, sizeof p->redirect, "%s", type ? type : "hangup");
	if (!rc && type && !strcmp(type, "script")) {
		p->redirect_script_id = json_integer_value(json_object_get(redir, "script_id"));
		if (p->redirect_script_id) rc = add_script(&b, p->redirect_script_id);
	}
	if (rc) {
		vd_bot_plan_unref(p);
		return rc;
	}
	const json_t *amd = json_object_get(task, "amd");
	p->amd = json_is_true(json_object_get(amd, "enabled"));
	const char *mode = json_string_value(json_object_get(amd, "mode"));
	p->amd_lockout = p->amd && mode && !strcmp(mode, "lockout");
	int64_t greeting = json_integer_value(json_object_get(amd, "greeting_audio_id"));
	if (p->amd_lockout && greeting) p->greeting = load_audio(&b, greeting);
	p->gender = json_is_true(json_object_get(task, "gender_detection"));
	int64_t ambient = json_integer_value(json_object_get(task, "ambient_audio_id"));
	if (ambient) {
		p->ambient = load_audio(&b, ambient);
		const json_t *vol = json_object_get(task, "ambient_volume");
		double v = json_is_number(vol) ? json_number_value(vol) : VD_BOT_AMBIENT_VOLUME_DEFAULT;
		p->ambient_gain = (float)(v / 100.0);
		if (!p->ambient)
			vd_warn("bot", "ambient noise %lld cannot be loaded: calls go without it", (long long)ambient);
	}
	*out = p;
	*key = b.key;
	return 0;
}
