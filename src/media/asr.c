/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The recognition service of asr.h: a bounded queue of utterances and a
 * pool of worker threads, each with its own engine instance. Engines
 * (asr_ps.c, asr_http.c) see one utterance at a time and no threads. */
#include "media/asr.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/asr_int.h"
#include "util/log.h"

#define KEYWORD_MAX 256   /* bytes of one keyword or phrase */
#define TEXT_MAX 1024     /* bytes of one result */

struct job {
	uint64_t tag;
	int16_t *pcm;
	size_t n;
	char **kw;
	size_t nkw;
	vd_asr_result_h *h;
	void *arg;
};

struct worker {
	struct vd_asr *a;
	void *inst;
	pthread_t th;
	bool started;
};

struct vd_asr {
	const struct vd_asr_engine *eng;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* a job was queued, or stop */
	pthread_cond_t room;      /* a job left the queue */
	struct job *q;            /* ring of qmax */
	unsigned qmax, head, count;
	bool stop;
	unsigned nworkers;
	struct worker *w;
};

static const struct vd_asr_engine *const engines[] = {&vd_asr_pocketsphinx, &vd_asr_http};

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->nkw; i++) free(j->kw[i]);
	free(j->kw);
	free(j->pcm);
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct vd_asr *a = w->a;
	char *text = malloc(TEXT_MAX);
	for (;;) {
		pthread_mutex_lock(&a->mu);
		while (!a->stop && a->count == 0) pthread_cond_wait(&a->work, &a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			break;
		}
		struct job j = a->q[a->head];
		a->head = (a->head + 1) % a->qmax;
		a->count--;
		pthread_cond_signal(&a->room);
		pthread_mutex_unlock(&a->mu);

		int err = -ENOMEM;
		if (text) {
			text[0] = '\0';
			err = a->eng->recognize(w->inst, j.pcm, j.n, (const char *const *)j.kw,
						j.nkw, text, TEXT_MAX);
		}
		j.h(j.tag, err || !text ? "" : text, err, j.arg);
		job_free(&j);
	}
	free(text);
	return NULL;
}

int vd_asr_open(struct vd_asr **out, const struct vd_asr_params *p)
{
	struct vd_asr_params def = {0};
	if (!p) p = &def;
	const char *name = p->engine ? p->engine : "pocketsphinx";
	const struct vd_asr_engine *eng = NULL;
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
		if (!strcmp(engines[i]->name, name)) eng = engines[i];
	if (!eng || p->workers > 64) return -EINVAL;

	struct vd_asr *a = calloc(1, sizeof *a);
	if (!a) return -ENOMEM;
	a->eng = eng;
	a->qmax = p->queue_max ? p->queue_max : 32;
	a->nworkers = p->workers ? p->workers : 2;
	a->q = calloc(a->qmax, sizeof *a->q);
	a->w = calloc(a->nworkers, sizeof *a->w);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->room, NULL);
	int err = (a->q && a->w) ? 0 : -ENOMEM;
	/* Instances open here, not in the threads, so that a missing model or
	 * a bad URL is this call's error rather than a worker's silent exit. */
	for (unsigned i = 0; !err && i < a->nworkers; i++) {
		a->w[i].a = a;
		err = eng->open(&a->w[i].inst, p);
	}
	for (unsigned i = 0; !err && i < a->nworkers; i++) {
		if (pthread_create(&a->w[i].th, NULL, worker_main, &a->w[i])) err = -EAGAIN;
		else a->w[i].started = true;
	}
	if (err) {
		vd_asr_close(a);
		return err;
	}
	*out = a;
	return 0;
}

void vd_asr_close(struct vd_asr *a)
{
	if (!a) return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_broadcast(&a->work);
	pthread_mutex_unlock(&a->mu);
	for (unsigned i = 0; a->w && i < a->nworkers; i++) {
		if (a->w[i].started) pthread_join(a->w[i].th, NULL);
		if (a->w[i].inst) a->eng->close(a->w[i].inst);
	}
	/* Every accepted utterance gets its handler called once (asr.h). */
	for (; a->count > 0; a->count--) {
		struct job *j = &a->q[a->head];
		a->head = (a->head + 1) % a->qmax;
		j->h(j->tag, "", -ECANCELED, j->arg);
		job_free(j);
	}
	pthread_cond_destroy(&a->room);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->mu);
	free(a->w);
	free(a->q);
	free(a);
}

/* A keyword as the engines get it: ASCII lower-cased (UTF-8 bytes kept),
 * runs of spaces collapsed, trimmed. NULL if empty or too long. */
static char *normalize(const char *s)
{
	if (!s) return NULL;
	char buf[KEYWORD_MAX];
	size_t k = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c)) {
			if (k && buf[k - 1] != ' ') {
				if (k + 1 >= sizeof buf) return NULL;
				buf[k++] = ' ';
			}
			continue;
		}
		if (k + 1 >= sizeof buf) return NULL;
		buf[k++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	while (k && buf[k - 1] == ' ') k--;
	if (!k) return NULL;
	buf[k] = '\0';
	return strdup(buf);
}

static int job_make(struct job *j, uint64_t tag, const int16_t *pcm, size_t n,
		    const char *const *kw, size_t nkw, vd_asr_result_h *h, void *arg)
{
	*j = (struct job){.tag = tag, .h = h, .arg = arg};
	if (nkw > VD_ASR_MAX_KEYWORDS) nkw = VD_ASR_MAX_KEYWORDS;
	j->pcm = malloc(n * sizeof *pcm);
	j->kw = nkw ? calloc(nkw, sizeof *j->kw) : NULL;
	if (!j->pcm || (nkw && !j->kw)) {
		job_free(j);
		return -ENOMEM;
	}
	memcpy(j->pcm, pcm, n * sizeof *pcm);
	j->n = n;
	for (size_t i = 0; i < nkw; i++) {
		char *k = normalize(kw[i]);
		if (k) j->kw[j->nkw++] = k;
	}
	return 0;
}

static int submit(struct vd_asr *a, uint64_t tag, const int16_t *pcm, size_t n,
		  const char *const *kw, size_t nkw, vd_asr_result_h *h, void *arg, bool wait)
{
	if (!a || !pcm || n == 0 || !h || (nkw && !kw)) return -EINVAL;
	if (n > VD_ASR_MAX_SAMPLES) return -E2BIG;
	struct job j;
	int err = job_make(&j, tag, pcm, n, kw, nkw, h, arg);
	if (err) return err;
	pthread_mutex_lock(&a->mu);
	while (wait && !a->stop && a->count == a->qmax) pthread_cond_wait(&a->room, &a->mu);
	if (a->stop) err = -ECANCELED;
	else if (a->count == a->qmax) err = -EAGAIN;
	else {
		a->q[(a->head + a->count) % a->qmax] = j;
		a->count++;
		pthread_cond_signal(&a->work);
	}
	pthread_mutex_unlock(&a->mu);
	if (err) job_free(&j);
	return err;
}

int vd_asr_submit(struct vd_asr *a, uint64_t tag, const int16_t *pcm, size_t n,
		  const char *const *keywords, size_t nkeywords, vd_asr_result_h *h, void *arg)
{
	return submit(a, tag, pcm, n, keywords, nkeywords, h, arg, false);
}

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
	char *out;
	size_t size;
};

static void on_sync(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	snprintf(w->out, w->size, "%s", text);
	w->err = err;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int vd_asr_recognize(struct vd_asr *a, const int16_t *pcm, size_t n, const char *const *kw,
		     size_t nkw, char *out, size_t size)
{
	if (!out || size == 0) return -EINVAL;
	out[0] = '\0';
	struct waiter w = {.out = out, .size = size};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	int err = submit(a, 0, pcm, n, kw, nkw, on_sync, &w, true);
	if (!err) {
		pthread_mutex_lock(&w.mu);
		while (!w.done) pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		err = w.err;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return err;
}
