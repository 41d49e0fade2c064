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
#include <time.h>

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

/* ---- streams ---- */

struct result {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls, err;
	char text[64];
};

static void on_stream(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct result *r = arg;
	pthread_mutex_lock(&r->mu);
	r->calls++;
	r->err = err;
	snprintf(r->text, sizeof r->text, "%s", text);
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void result_init(struct result *r)
{
	*r = (struct result){.calls = 0};
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
}

static void wait_for(struct result *r)
{
	pthread_mutex_lock(&r->mu);
	while (!r->calls) pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){.tv_nsec = ms * 1000000}, NULL);
}

/* Feeds the utterance in 20 ms frames, `nap` ms apart, as a call does
 * (faster than real time). */
static void feed_frames(struct vd_asr_stream *st, const struct vd_pcm *p, size_t from, size_t to, long nap)
{
	for (size_t i = from; i < to; i += 160) {
		CHECK_INT(vd_asr_stream_feed(st, p->samples + i, to - i < 160 ? to - i : 160), 0);
		if (nap) nap_ms(nap);
	}
}

/* One stream decoded while it arrives finds the keyword; so does the same
 * stream decoded once it ends. */
static void stream_basic(int live)
{
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 1, .live = live};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	struct vd_pcm *yes = say("yes");
	if (!yes) {
		vd_asr_close(a);
		return;
	}
	const char *kw[] = {"yes", "no"};
	for (int round = 0; round < 2; round++) {   /* the decoder is reused */
		struct result r;
		result_init(&r);
		struct vd_asr_stream *st;
		CHECK_INT(vd_asr_stream_begin(a, &st, 7, kw, 2, on_stream, &r), 0);
		feed_frames(st, yes, 0, yes->nsamples, 1);
		CHECK_INT(r.calls, 0);                  /* never before the end */
		vd_asr_stream_end(st);
		wait_for(&r);
		CHECK_INT(r.calls, 1);
		CHECK_INT(r.err, 0);
		CHECK_STR(r.text, "yes");
	}
	/* a stream ended without audio hears nothing */
	struct result r;
	result_init(&r);
	struct vd_asr_stream *st;
	CHECK_INT(vd_asr_stream_begin(a, &st, 7, kw, 2, on_stream, &r), 0);
	vd_asr_stream_end(st);
	wait_for(&r);
	CHECK_INT(r.err, 0);
	CHECK_STR(r.text, "");
	/* whole utterances still work on a decoder that streamed */
	char text[64];
	CHECK_INT(vd_asr_recognize(a, yes->samples, yes->nsamples, kw, 2, text, sizeof text), 0);
	CHECK_STR(text, "yes");
	vd_asr_close(a);
	vd_pcm_unref(yes);
}

/* One decoder, three streams at once: the first is bound, the second
 * waits (its audio kept) and gets the decoder when the first ends, the
 * third finds the queue full. A cancelled waiting stream is answered at
 * once; a cancelled bound one by a worker. */
static void stream_waiting(void)
{
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 1, .decoders = 1, .queue_max = 1,
				  .live = VD_ASR_LIVE_ALWAYS};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	struct vd_pcm *yes = say("yes"), *no = say("operator");
	if (!yes || !no) {
		vd_asr_close(a);
		vd_pcm_unref(yes);
		vd_pcm_unref(no);
		return;
	}
	const char *kw[] = {"yes", "operator"};
	struct result r1, r2, r3;
	result_init(&r1);
	result_init(&r2);
	result_init(&r3);
	struct vd_asr_stream *s1, *s2, *s3;
	CHECK_INT(vd_asr_stream_begin(a, &s1, 1, kw, 2, on_stream, &r1), 0);
	CHECK_INT(vd_asr_stream_begin(a, &s2, 2, kw, 2, on_stream, &r2), 0);
	CHECK_INT(vd_asr_stream_begin(a, &s3, 3, kw, 2, on_stream, &r3), -EAGAIN);
	size_t half = no->nsamples / 2;
	feed_frames(s1, yes, 0, yes->nsamples, 0);
	feed_frames(s2, no, 0, half, 0);
	vd_asr_stream_end(s1);
	wait_for(&r1);
	CHECK_STR(r1.text, "yes");
	feed_frames(s2, no, half, no->nsamples, 1);   /* decoded from the start once bound */
	vd_asr_stream_end(s2);
	wait_for(&r2);
	CHECK_INT(r2.err, 0);
	CHECK_STR(r2.text, "operator");

	/* cancel: a bound stream, then one waiting behind it */
	result_init(&r1);
	result_init(&r2);
	CHECK_INT(vd_asr_stream_begin(a, &s1, 1, kw, 2, on_stream, &r1), 0);
	CHECK_INT(vd_asr_stream_begin(a, &s2, 2, kw, 2, on_stream, &r2), 0);
	feed_frames(s1, yes, 0, yes->nsamples, 0);
	feed_frames(s2, yes, 0, yes->nsamples, 0);
	vd_asr_stream_cancel(s2);
	CHECK_INT(r2.calls, 1);                    /* never had a decoder: at once */
	CHECK_INT(r2.err, -ECANCELED);
	vd_asr_stream_cancel(s1);
	wait_for(&r1);
	CHECK_INT(r1.err, -ECANCELED);
	/* the decoder is free again and decodes a whole utterance */
	char text[64];
	CHECK_INT(vd_asr_recognize(a, no->samples, no->nsamples, kw, 2, text, sizeof text), 0);
	CHECK_STR(text, "operator");

	/* closing with streams open: their handlers run with -ECANCELED, and
	 * their owners may still end or cancel them (which frees them) */
	result_init(&r1);
	result_init(&r2);
	CHECK_INT(vd_asr_stream_begin(a, &s1, 1, kw, 2, on_stream, &r1), 0);
	CHECK_INT(vd_asr_stream_begin(a, &s2, 2, kw, 2, on_stream, &r2), 0);
	feed_frames(s1, yes, 0, yes->nsamples, 0);
	vd_asr_close(a);
	CHECK_INT(r1.calls, 1);
	CHECK_INT(r1.err, -ECANCELED);
	CHECK_INT(r2.calls, 1);
	CHECK_INT(r2.err, -ECANCELED);
	CHECK_INT(vd_asr_stream_feed(s1, yes->samples, 160), -ECANCELED);
	vd_asr_stream_end(s1);
	vd_asr_stream_cancel(s2);
	CHECK_INT(r1.calls, 1);
	CHECK_INT(r2.calls, 1);
	vd_pcm_unref(yes);
	vd_pcm_unref(no);
}

struct talker {
	struct vd_asr *a;
	const struct vd_pcm *pcm;
	struct result r;
	int begin_err, feed_err;
};

static void *talk(void *arg)
{
	struct talker *t = arg;
	const char *kw[] = {"no", "yes", "operator"};
	struct vd_asr_stream *st;
	t->begin_err = vd_asr_stream_begin(t->a, &st, 0, kw, 3, on_stream, &t->r);
	if (t->begin_err) return NULL;
	/* no CHECK on this thread: the counters are the main thread's */
	for (size_t i = 0; i < t->pcm->nsamples; i += 160) {
		size_t k = t->pcm->nsamples - i < 160 ? t->pcm->nsamples - i : 160;
		if (vd_asr_stream_feed(st, t->pcm->samples + i, k)) t->feed_err++;
		nap_ms(2);
	}
	vd_asr_stream_end(st);
	wait_for(&t->r);
	return NULL;
}

/* Eight callers talking at once from their own threads (as several
 * telephony loops would) on two workers and at most four decoders, live
 * decoding as the load asks (VD_ASR_LIVE_AUTO): every stream is answered
 * once, with the keyword, whether decoded whole, live, or live after
 * waiting for a decoder. */
static void stream_concurrent(void)
{
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 2, .decoders = 4};
	CHECK_INT(vd_asr_open(&a, &p), 0);
	struct vd_pcm *yes = say("yes");
	if (!yes) {
		vd_asr_close(a);
		return;
	}
	struct talker t[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		t[i] = (struct talker){.a = a, .pcm = yes};
		result_init(&t[i].r);
		CHECK_INT(pthread_create(&th[i], NULL, talk, &t[i]), 0);
	}
	int right = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(t[i].begin_err, 0);
		CHECK_INT(t[i].feed_err, 0);
		CHECK_INT(t[i].r.calls, 1);
		CHECK_INT(t[i].r.err, 0);
		right += !strcmp(t[i].r.text, "yes");
	}
	CHECK_INT(right, 8);
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
	stream_basic(VD_ASR_LIVE_ALWAYS);
	stream_basic(VD_ASR_LIVE_NEVER);
	stream_waiting();
	stream_concurrent();
	return vt_done();
}
