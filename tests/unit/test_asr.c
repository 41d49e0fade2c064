/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The recognition service (media/asr) with the built-in PocketSphinx engine:
 * a spoken keyword is found (espeak-ng's klatt voice, 8 kHz), an unknown
 * (Cyrillic) keyword is skipped without harm, the queue is bounded and
 * never blocks, every accepted utterance gets its handler called exactly
 * once (also when closing with utterances queued), and bad arguments are
 * refused. The accuracy over many voices is bench/asr's job. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "media/asr.h"
#include "media/tts.h"
#include "vtest.h"

/* `text` spoken, with 300 ms of silence before and after, as the bot's
 * utterance cutter hands it over (it keeps 300 ms before the onset). */
static struct vd_pcm *say(const char *text)
{
	struct vd_pcm *p = NULL;
	int err = vd_tts_say(text, "en-us+klatt", &p);
	CHECK_INT(err, 0);
	if (err) return NULL;
	size_t pad = 2400, n = p->nsamples + 2 * pad;
	int16_t *s = calloc(n, sizeof *s);
	struct vd_pcm *q = NULL;
	if (s) {
		memcpy(s + pad, p->samples, p->nsamples * sizeof *s);
		q = vd_pcm_alloc(s, n);
	}
	free(s);
	vd_pcm_unref(p);
	CHECK(q != NULL);
	return q;
}

static void open_errors(void)
{
	struct vd_asr *a = (struct vd_asr *)1;
	struct vd_asr_params p = {.engine = "nope"};
	CHECK_INT(vd_asr_open(&a, &p), -EINVAL);
	p = (struct vd_asr_params){.engine = "http"};
	CHECK_INT(vd_asr_open(&a, &p), -EINVAL);  /* no url */
	p = (struct vd_asr_params){.model_dir = "/nonexistent"};
	CHECK_INT(vd_asr_open(&a, &p), -ENOENT);
	CHECK(a == (struct vd_asr *)1);            /* untouched on failure */
	vd_asr_close(NULL);
}

static void keywords(struct vd_asr *a)
{
	struct vd_pcm *yes = say("yes");
	if (!yes) return;
	char text[256];
	const char *kw[] = {"Yes", "no", "  operator ", "call me later", "да", ""};
	CHECK_INT(vd_asr_recognize(a, yes->samples, yes->nsamples, kw, 6, text, sizeof text), 0);
	CHECK_STR(text, "yes");
	/* only keywords nobody can recognize: nothing is found, no error */
	const char *ru[] = {"да", "нет"};
	CHECK_INT(vd_asr_recognize(a, yes->samples, yes->nsamples, ru, 2, text, sizeof text), 0);
	CHECK_STR(text, "");
	/* another keyword of the same set (a phrase keyword is heard in
	 * tests/integration/test_asr_cli.py) */
	struct vd_pcm *later = say("operator");
	if (later) {
		CHECK_INT(vd_asr_recognize(a, later->samples, later->nsamples, kw, 4, text,
					   sizeof text),
			  0);
		CHECK_STR(text, "operator");
	}
	/* the output is truncated to its buffer, always terminated */
	char tiny[3];
	CHECK_INT(vd_asr_recognize(a, yes->samples, yes->nsamples, kw, 1, tiny, sizeof tiny), 0);
	CHECK_STR(tiny, "ye");
	vd_pcm_unref(later);
	vd_pcm_unref(yes);
}

struct counts {
	pthread_mutex_t mu;
	int calls[64];
	int canceled, ok;
};

static void on_result(uint64_t tag, const char *text, int err, void *arg)
{
	struct counts *c = arg;
	pthread_mutex_lock(&c->mu);
	if (tag < 64) c->calls[tag]++;
	if (err == -ECANCELED) c->canceled++;
	else if (!err) c->ok++;
	if (err) CHECK_STR(text, "");
	pthread_mutex_unlock(&c->mu);
}

/* A queue of 2 and one worker: submitting many at once hits -EAGAIN,
 * never blocks, and closing calls every accepted handler exactly once. */
static void queue_and_close(void)
{
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 1, .queue_max = 2};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	struct vd_pcm *no = say("no thanks");
	if (!no) {
		vd_asr_close(a);
		return;
	}
	struct counts c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	const char *kw[] = {"no"};
	int accepted = 0, again = 0;
	for (uint64_t t = 0; t < 20; t++) {
		int r = vd_asr_submit(a, t, no->samples, no->nsamples, kw, 1, on_result, &c);
		CHECK(r == 0 || r == -EAGAIN);
		if (r == 0) accepted++;
		else {
			again++;
			c.calls[t] = 1;  /* refused: its handler must never run */
		}
	}
	CHECK(again > 0);
	CHECK(accepted >= 2);
	vd_asr_close(a);
	for (int t = 0; t < 20; t++) CHECK_INT(c.calls[t], 1);
	CHECK_INT(c.ok + c.canceled, accepted);
	vd_pcm_unref(no);

	/* bad submissions are refused synchronously */
	CHECK_INT(vd_asr_open(&a, &p), 0);
	int16_t s[8] = {0};
	CHECK_INT(vd_asr_submit(a, 1, s, 0, NULL, 0, on_result, &c), -EINVAL);
	CHECK_INT(vd_asr_submit(a, 1, s, 8, NULL, 0, NULL, &c), -EINVAL);
	CHECK_INT(vd_asr_submit(a, 1, s, 8, NULL, 1, on_result, &c), -EINVAL);
	CHECK_INT(vd_asr_submit(a, 1, s, VD_ASR_MAX_SAMPLES + 1, NULL, 0, on_result, &c), -E2BIG);
	/* silence with no keywords: free recognition hears nothing */
	int16_t *quiet = calloc(8000, sizeof *quiet);
	char text[64] = "x";
	if (quiet) CHECK_INT(vd_asr_recognize(a, quiet, 8000, NULL, 0, text, sizeof text), 0);
	CHECK_STR(text, "");
	free(quiet);
	vd_asr_close(a);
}

struct gather {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, right;
};

static void on_yes(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct gather *g = arg;
	pthread_mutex_lock(&g->mu);
	g->done++;
	if (!err && !strcmp(text, "yes")) g->right++;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* Two decoders working at once, each with its own grammar churn: same
 * answers as one decoder alone. */
static void parallel(void)
{
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 2, .queue_max = 8};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	struct vd_pcm *yes = say("yes");
	if (!yes) {
		vd_asr_close(a);
		return;
	}
	struct gather g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	const char *k1[] = {"yes", "no"}, *k2[] = {"no", "yes", "operator"};
	for (uint64_t t = 0; t < 6; t++)
		CHECK_INT(vd_asr_submit(a, t, yes->samples, yes->nsamples, t & 1 ? k1 : k2,
					t & 1 ? 2 : 3, on_yes, &g),
			  0);
	pthread_mutex_lock(&g.mu);
	while (g.done < 6) pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
	CHECK_INT(g.right, 6);
	vd_asr_close(a);
	vd_pcm_unref(yes);
}

int main(void)
{
	open_errors();
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 1};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	if (a) {
		keywords(a);
		vd_asr_close(a);
	}
	queue_and_close();
	parallel();
	return vt_done();
}
