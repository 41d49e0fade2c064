/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The recognition service of asr.h: streams of audio, a pool of engine
 * instances (decoders) and worker threads that move between them.
 *
 * Every utterance is a stream; vd_asr_submit is a stream begun, fed and
 * ended at once. A live stream is bound to a free instance when it begins
 * (or, without one, waits in a FIFO for the next instance to free; an
 * opener thread grows the pool up to max_inst meanwhile). While it is bound and its owner
 * feeds it, it goes on the ready queue every FEED_BATCH samples; a worker
 * takes it from there, gives the engine the new audio outside the lock,
 * and puts it back if more came meanwhile. So `workers` threads (one per
 * core) serve any number of decoders, and a decoder is busy only while
 * its utterance lasts. Other streams (http, or pocketsphinx while few
 * callers talk at once: VD_ASR_LIVE_AUTO) queue once they end and are
 * decoded whole with the engine's recognize, as is a live stream that
 * ended before it got an instance: for pocketsphinx that is batch
 * normalisation over the whole utterance, the most accurate.
 *
 * Audio is kept in 1 s blocks that never move once allocated: the owner
 * writes past `n` without the lock while a worker reads below the `n` it
 * saw under the lock. */
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
#define BLOCK VD_ASR_STREAM_PIECE
#define NBLOCKS ((VD_ASR_MAX_SAMPLES + BLOCK - 1) / BLOCK)
#define FEED_BATCH 800    /* 100 ms: a decoder gets audio in steps of this,
			   * so at the end at most this much is left to do */
#define DECODERS_DEFAULT 16   /* 16 callers talking at once on bench/bot */
#define DECODERS_MAX 64

struct inst {
	void *h;
	bool busy;        /* bound to a stream */
};

struct vd_asr_stream {
	struct vd_asr *a;                 /* NULL once the service closed */
	struct vd_asr_stream *prev, *next; /* a->streams: not yet answered */
	struct vd_asr_stream *qnext;      /* on a->ready or a->waiting */
	uint64_t tag;
	vd_asr_result_h *h;
	void *arg;
	char **kw;
	size_t nkw;
	int16_t *block[NBLOCKS];
	size_t n;           /* samples fed (under mu) */
	size_t taken;       /* samples given to the engine (under mu) */
	struct inst *in;    /* bound instance, NULL: none yet */
	bool live;          /* decoded as it arrives, else whole at its end */
	bool started;       /* the engine's utterance is open (worker only) */
	int err;            /* a feed failed: answered with it at the end */
	bool ended, cancelled; /* by the owner (under mu) */
	bool waiting, queued, busy; /* on a->waiting, on a->ready, a worker on it */
	bool released;      /* the owner is done with it */
};

struct fifo {
	struct vd_asr_stream *head, *tail;
};

struct vd_asr {
	const struct vd_asr_engine *eng;
	struct vd_asr_params p;   /* strings below, for instances opened later */
	char *model_dir, *url;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* ready work, a decoder to open, or stop */
	pthread_cond_t room;      /* a stream left the waiting queue */
	struct inst *inst;        /* [max_inst], the first ninst open */
	unsigned ninst, max_inst;
	bool want_grow, growing;  /* a decoder to open; the opener at it */
	pthread_cond_t grow;      /* want_grow, or stop */
	pthread_t opener;
	bool opener_started;
	struct fifo ready, waiting;
	unsigned nwaiting, qmax, nstreams;
	struct vd_asr_stream *streams;
	bool stop;
	unsigned nworkers;
	pthread_t *th;
	bool *started;
};

static const struct vd_asr_engine *const engines[] = {&vd_asr_pocketsphinx, &vd_asr_http};

static void fifo_push(struct fifo *f, struct vd_asr_stream *s)
{
	s->qnext = NULL;
	if (f->tail) f->tail->qnext = s;
	else f->head = s;
	f->tail = s;
}

static void fifo_push_front(struct fifo *f, struct vd_asr_stream *s)
{
	s->qnext = f->head;
	f->head = s;
	if (!f->tail) f->tail = s;
}

static struct vd_asr_stream *fifo_pop(struct fifo *f)
{
	struct vd_asr_stream *s = f->head;
	if (!s) return NULL;
	f->head = s->qnext;
	if (!f->head) f->tail = NULL;
	s->qnext = NULL;
	return s;
}

static void fifo_remove(struct fifo *f, struct vd_asr_stream *s)
{
	struct vd_asr_stream *prev = NULL;
	for (struct vd_asr_stream *x = f->head; x; prev = x, x = x->qnext) {
		if (x != s) continue;
		if (prev) prev->qnext = x->qnext;
		else f->head = x->qnext;
		if (f->tail == x) f->tail = prev;
		x->qnext = NULL;
		return;
	}
}

static void stream_free(struct vd_asr_stream *s)
{
	for (size_t i = 0; i < s->nkw; i++) free(s->kw[i]);
	free(s->kw);
	for (size_t i = 0; i < NBLOCKS; i++) free(s->block[i]);
	free(s);
}

/* Under mu: off the service's list. */
static void stream_unlink(struct vd_asr *a, struct vd_asr_stream *s)
{
	if (s->prev) s->prev->next = s->next;
	else a->streams = s->next;
	if (s->next) s->next->prev = s->prev;
	a->nstreams--;
}

/* Under mu: whether a stream beginning now is decoded as it arrives. */
static bool goes_live(const struct vd_asr *a)
{
	if (!a->eng->start || a->p.live == VD_ASR_LIVE_NEVER) return false;
	return a->p.live == VD_ASR_LIVE_ALWAYS || a->nstreams >= a->nworkers;
}

/* Under mu: the stream has something for a worker to do. */
static bool has_work(const struct vd_asr_stream *s)
{
	return s->cancelled || s->ended || s->n - s->taken >= FEED_BATCH;
}

static void make_ready(struct vd_asr *a, struct vd_asr_stream *s)
{
	if (s->queued || s->busy || !s->in || !has_work(s)) return;
	s->queued = true;
	/* An ended stream first: its caller waits for the text, while the
	 * others' new audio can wait a little (their callers still speak). */
	if (s->ended || s->cancelled) fifo_push_front(&a->ready, s);
	else fifo_push(&a->ready, s);
	pthread_cond_signal(&a->work);
}

static struct inst *free_inst(struct vd_asr *a)
{
	for (unsigned i = 0; i < a->ninst; i++)
		if (!a->inst[i].busy) return &a->inst[i];
	return NULL;
}

static void bind(struct vd_asr *a, struct vd_asr_stream *s, struct inst *in)
{
	in->busy = true;
	s->in = in;
	make_ready(a, s);
	/* The last free decoder went to a live stream: open the next one
	 * now, not when a stream has to wait for it (opening takes a worker
	 * ~150 ms). Whole decodes need no more decoders than workers. */
	if (s->live && !free_inst(a) && a->ninst < a->max_inst && !a->growing) {
		a->want_grow = true;
		pthread_cond_signal(&a->grow);
	}
}

/* Under mu: free instances go to the waiting streams, oldest first; with
 * none free and a live stream waiting, a worker is asked to open another
 * (up to max_inst). */
static void dispatch(struct vd_asr *a)
{
	while (a->waiting.head) {
		struct inst *in = free_inst(a);
		if (!in) {
			bool live = false;
			for (struct vd_asr_stream *w = a->waiting.head; w && !live; w = w->qnext)
				live = w->live;
			if (live && a->ninst < a->max_inst && !a->growing) {
				a->want_grow = true;
				pthread_cond_signal(&a->grow);
			}
			return;
		}
		struct vd_asr_stream *s = fifo_pop(&a->waiting);
		s->waiting = false;
		a->nwaiting--;
		pthread_cond_broadcast(&a->room);
		bind(a, s, in);
	}
}

/* Under mu, on the opener thread: opens one more instance without the
 * lock (a pocketsphinx decoder takes ~150 ms of CPU), on a thread of its
 * own so that the workers go on decoding meanwhile: the pool grows just
 * when many callers talk at once. */
static void grow(struct vd_asr *a)
{
	a->want_grow = false;
	a->growing = true;
	pthread_mutex_unlock(&a->mu);
	void *h = NULL;
	int err = a->eng->open(&h, &a->p);
	pthread_mutex_lock(&a->mu);
	a->growing = false;
	if (err) {
		vd_warn("asr", "cannot open another decoder (%d): staying at %u", err, a->ninst);
		a->max_inst = a->ninst;
	} else {
		a->inst[a->ninst++] = (struct inst){.h = h};
		vd_info("asr", "decoders=%u", a->ninst);
	}
	dispatch(a);
}

/* Calls fn on the samples [from, to) of the stream, block by block. */
static int each_piece(struct vd_asr_stream *s, size_t from, size_t to,
		      int (*fn)(void *inst, const int16_t *pcm, size_t n), void *inst)
{
	while (from < to) {
		size_t b = from / BLOCK, off = from % BLOCK, k = BLOCK - off;
		if (k > to - from) k = to - from;
		int err = fn(inst, s->block[b] + off, k);
		if (err) return err;
		from += k;
	}
	return 0;
}

/* The whole utterance at once, through the engine's recognize. */
static int whole(struct vd_asr *a, struct vd_asr_stream *s, size_t n, char *text)
{
	if (n == 0) return 0;   /* nothing said */
	int16_t *pcm = malloc(n * sizeof *pcm);
	if (!pcm) return -ENOMEM;
	for (size_t i = 0; i < n; i += BLOCK)
		memcpy(pcm + i, s->block[i / BLOCK], (n - i < BLOCK ? n - i : BLOCK) * sizeof *pcm);
	int err = a->eng->recognize(s->in->h, pcm, n, (const char *const *)s->kw, s->nkw, text,
				    TEXT_MAX);
	free(pcm);
	return err;
}

/* A worker's turn on one stream: the audio [from, to) and, when the owner
 * ended or cancelled it, the end. Without the lock. true when answered. */
static bool work_on(struct vd_asr *a, struct vd_asr_stream *s, size_t from, size_t to, bool end,
		    bool cancel, char *text, int *err)
{
	const struct vd_asr_engine *e = a->eng;
	text[0] = '\0';
	if (cancel) {
		if (s->started) (void)e->finish(s->in->h, text, TEXT_MAX);  /* abandoned */
		*err = -ECANCELED;
		return true;
	}
	/* Ended before any decoding started: the whole utterance at once. */
	if (!s->started && end && (from == 0 || !s->live)) {
		*err = s->err ? s->err : whole(a, s, to, text);
		return true;
	}
	if (!s->started && !s->err) {
		s->err = e->start(s->in->h, (const char *const *)s->kw, s->nkw);
		s->started = s->err == 0;
	}
	if (s->started && !s->err) s->err = each_piece(s, from, to, e->feed, s->in->h);
	if (!end) return false;
	*err = s->err;
	if (s->started) {
		int ferr = e->finish(s->in->h, text, TEXT_MAX);
		if (!*err) *err = ferr;
	}
	return true;
}

static void *worker_main(void *p)
{
	struct vd_asr *a = p;
	char *text = malloc(TEXT_MAX);
	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		struct vd_asr_stream *s = fifo_pop(&a->ready);
		if (!s) {
			pthread_cond_wait(&a->work, &a->mu);
			continue;
		}
		s->queued = false;
		s->busy = true;
		size_t from = s->taken, to = s->n;
		bool end = s->ended, cancel = s->cancelled;
		pthread_mutex_unlock(&a->mu);

		int err = 0;
		bool answered = text ? work_on(a, s, from, to, end, cancel, text, &err) : (end || cancel);
		if (!text && answered) err = cancel ? -ECANCELED : -ENOMEM;

		pthread_mutex_lock(&a->mu);
		s->busy = false;
		s->taken = to;
		if (!answered) {
			make_ready(a, s);   /* more audio, or the end, came meanwhile */
			continue;
		}
		/* The decoder is free before the handler runs, so that the
		 * caller's next utterance finds it. Answered means ended or
		 * cancelled: the owner has let go, the stream is ours. */
		s->in->busy = false;
		s->in = NULL;
		stream_unlink(a, s);
		dispatch(a);
		pthread_mutex_unlock(&a->mu);
		s->h(s->tag, err || !text ? "" : text, err, s->arg);
		stream_free(s);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	free(text);
	return NULL;
}

static void *opener_main(void *p)
{
	struct vd_asr *a = p;
	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		if (a->want_grow) grow(a);
		else pthread_cond_wait(&a->grow, &a->mu);
	}
	pthread_mutex_unlock(&a->mu);
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
	if (!eng || p->workers > 64 || p->decoders > DECODERS_MAX) return -EINVAL;

	struct vd_asr *a = calloc(1, sizeof *a);
	if (!a) return -ENOMEM;
	a->eng = eng;
	a->p = *p;
	a->model_dir = p->model_dir ? strdup(p->model_dir) : NULL;
	a->url = p->url ? strdup(p->url) : NULL;
	a->p.model_dir = a->model_dir;
	a->p.url = a->url;
	a->p.engine = eng->name;
	a->qmax = p->queue_max ? p->queue_max : 32;
	a->nworkers = p->workers ? p->workers : 2;
	a->max_inst = a->nworkers;
	if (eng->start && p->live != VD_ASR_LIVE_NEVER) {
		unsigned d = p->decoders ? p->decoders : DECODERS_DEFAULT;
		if (d > a->max_inst) a->max_inst = d;
	}
	a->inst = calloc(a->max_inst, sizeof *a->inst);
	a->th = calloc(a->nworkers, sizeof *a->th);
	a->started = calloc(a->nworkers, sizeof *a->started);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->room, NULL);
	pthread_cond_init(&a->grow, NULL);
	int err = (a->inst && a->th && a->started && (a->model_dir || !p->model_dir) &&
		   (a->url || !p->url))
			  ? 0
			  : -ENOMEM;
	/* The first instances open here, not in the threads, so that a
	 * missing model or a bad URL is this call's error rather than a
	 * worker's silent exit. */
	for (unsigned i = 0; !err && i < a->nworkers; i++) {
		err = eng->open(&a->inst[i].h, &a->p);
		if (!err) a->ninst++;
	}
	for (unsigned i = 0; !err && i < a->nworkers; i++) {
		if (pthread_create(&a->th[i], NULL, worker_main, a)) err = -EAGAIN;
		else a->started[i] = true;
	}
	if (!err && a->max_inst > a->ninst) {
		if (pthread_create(&a->opener, NULL, opener_main, a)) err = -EAGAIN;
		else a->opener_started = true;
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
	pthread_cond_broadcast(&a->room);
	pthread_cond_broadcast(&a->grow);
	pthread_mutex_unlock(&a->mu);
	for (unsigned i = 0; a->th && i < a->nworkers; i++)
		if (a->started[i]) pthread_join(a->th[i], NULL);
	if (a->opener_started) pthread_join(a->opener, NULL);
	/* Every accepted utterance gets its handler called once (asr.h). The
	 * streams their owners still hold are detached: ending or cancelling
	 * one frees it. */
	while (a->streams) {
		struct vd_asr_stream *s = a->streams;
		stream_unlink(a, s);
		if (s->started) {
			char scratch[8];
			(void)a->eng->finish(s->in->h, scratch, sizeof scratch);
		}
		s->h(s->tag, "", -ECANCELED, s->arg);
		s->in = NULL;
		s->a = NULL;
		if (s->released) stream_free(s);
	}
	for (unsigned i = 0; a->inst && i < a->ninst; i++) a->eng->close(a->inst[i].h);
	pthread_cond_destroy(&a->grow);
	pthread_cond_destroy(&a->room);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->mu);
	free(a->inst);
	free(a->th);
	free(a->started);
	free(a->model_dir);
	free(a->url);
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

static struct vd_asr_stream *stream_new(struct vd_asr *a, uint64_t tag, const char *const *kw,
					size_t nkw, vd_asr_result_h *h, void *arg)
{
	struct vd_asr_stream *s = calloc(1, sizeof *s);
	if (!s) return NULL;
	*s = (struct vd_asr_stream){.a = a, .tag = tag, .h = h, .arg = arg};
	if (nkw > VD_ASR_MAX_KEYWORDS) nkw = VD_ASR_MAX_KEYWORDS;
	s->kw = nkw ? calloc(nkw, sizeof *s->kw) : NULL;
	if (nkw && !s->kw) {
		stream_free(s);
		return NULL;
	}
	for (size_t i = 0; i < nkw; i++) {
		char *k = normalize(kw[i]);
		if (k) s->kw[s->nkw++] = k;
	}
	return s;
}

/* Copies audio past s->n into the blocks; the caller publishes the new n. */
static int stream_put(struct vd_asr_stream *s, size_t at, const int16_t *pcm, size_t n)
{
	if (at + n > VD_ASR_MAX_SAMPLES) return -E2BIG;
	while (n) {
		size_t b = at / BLOCK, off = at % BLOCK, k = BLOCK - off;
		if (k > n) k = n;
		if (!s->block[b] && !(s->block[b] = malloc(BLOCK * sizeof *pcm))) return -ENOMEM;
		memcpy(s->block[b] + off, pcm, k * sizeof *pcm);
		at += k;
		pcm += k;
		n -= k;
	}
	return 0;
}

/* Under mu: admits a new stream (bound, or waiting for a decoder). */
static int admit(struct vd_asr *a, struct vd_asr_stream *s, bool wait)
{
	for (;;) {
		if (a->stop) return -ECANCELED;
		s->live = !s->ended && goes_live(a);
		struct inst *in = (s->live || s->ended) ? free_inst(a) : NULL;
		bool fits = a->nstreams < VD_ASR_MAX_STREAMS;
		/* a stream decoded whole only queues at its end */
		bool room = in || a->nwaiting < a->qmax || (!s->live && !s->ended);
		if (fits && room) {
			s->next = a->streams;
			if (a->streams) a->streams->prev = s;
			a->streams = s;
			a->nstreams++;
			if (in) bind(a, s, in);
			else if (s->live || s->ended) {
				s->waiting = true;
				a->nwaiting++;
				fifo_push(&a->waiting, s);
				dispatch(a);
			}
			return 0;
		}
		if (!wait) return -EAGAIN;
		pthread_cond_wait(&a->room, &a->mu);
	}
}

int vd_asr_stream_begin(struct vd_asr *a, struct vd_asr_stream **out, uint64_t tag,
			const char *const *keywords, size_t nkeywords, vd_asr_result_h *h,
			void *arg)
{
	if (!a || !out || !h || (nkeywords && !keywords)) return -EINVAL;
	struct vd_asr_stream *s = stream_new(a, tag, keywords, nkeywords, h, arg);
	if (!s) return -ENOMEM;
	pthread_mutex_lock(&a->mu);
	int err = admit(a, s, false);
	pthread_mutex_unlock(&a->mu);
	if (err) {
		stream_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int vd_asr_stream_feed(struct vd_asr_stream *s, const int16_t *pcm, size_t n)
{
	if (!s || (n && !pcm)) return -EINVAL;
	struct vd_asr *a = s->a;
	if (!a) return -ECANCELED;
	if (!n) return 0;
	/* The owner is the only writer of n: reading it here needs no lock. */
	int err = stream_put(s, s->n, pcm, n);
	if (err) return err;
	pthread_mutex_lock(&a->mu);
	s->n += n;
	make_ready(a, s);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

bool vd_asr_stream_live(const struct vd_asr_stream *s)
{
	return s && s->live;   /* written before vd_asr_stream_begin returned */
}

/* The owner lets go: end (answer) or cancel. */
static void release(struct vd_asr_stream *s, bool cancel)
{
	struct vd_asr *a = s->a;
	if (!a) {   /* the service closed and answered it already */
		stream_free(s);
		return;
	}
	pthread_mutex_lock(&a->mu);
	s->released = true;
	if (cancel) s->cancelled = true;
	else s->ended = true;
	if (s->in) {
		make_ready(a, s);
		pthread_mutex_unlock(&a->mu);
		return;
	}
	if (cancel || !s->live) {
		if (s->waiting) {
			fifo_remove(&a->waiting, s);
			s->waiting = false;
			a->nwaiting--;
			pthread_cond_broadcast(&a->room);
		}
		if (cancel) {   /* never reached a decoder: answered here */
			stream_unlink(a, s);
			pthread_mutex_unlock(&a->mu);
			s->h(s->tag, "", -ECANCELED, s->arg);
			stream_free(s);
			return;
		}
		/* decoded whole: the utterance is complete, now it queues */
		if (a->nwaiting >= a->qmax) {
			stream_unlink(a, s);
			pthread_mutex_unlock(&a->mu);
			s->h(s->tag, "", -EAGAIN, s->arg);
			stream_free(s);
			return;
		}
		s->waiting = true;
		a->nwaiting++;
		fifo_push(&a->waiting, s);
		dispatch(a);
	}
	pthread_mutex_unlock(&a->mu);
}

void vd_asr_stream_end(struct vd_asr_stream *s)
{
	if (s) release(s, false);
}

void vd_asr_stream_cancel(struct vd_asr_stream *s)
{
	if (s) release(s, true);
}

static int submit(struct vd_asr *a, uint64_t tag, const int16_t *pcm, size_t n,
		  const char *const *kw, size_t nkw, vd_asr_result_h *h, void *arg, bool wait)
{
	if (!a || !pcm || n == 0 || !h || (nkw && !kw)) return -EINVAL;
	if (n > VD_ASR_MAX_SAMPLES) return -E2BIG;
	struct vd_asr_stream *s = stream_new(a, tag, kw, nkw, h, arg);
	if (!s) return -ENOMEM;
	int err = stream_put(s, 0, pcm, n);
	if (err) {
		stream_free(s);
		return err;
	}
	s->n = n;
	s->ended = s->released = true;
	pthread_mutex_lock(&a->mu);
	err = admit(a, s, wait);
	pthread_mutex_unlock(&a->mu);
	if (err) stream_free(s);
	return err;
}

int vd_asr_submit(struct vd_asr *a, uint64_t tag, const int16_t *pcm, size_t n,
		  const char *const *keywords, size_t nkeywords, vd_asr_result_h *h, void *arg)
{
	return submit(a, tag, pcm, n, keywords, nkeywords, h, arg, false);
}

void vd_asr_waiter_init(struct vd_asr_waiter *w, char *out, size_t size)
{
	*w = (struct vd_asr_waiter){.out = out, .size = size};
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (size) out[0] = '\0';
}

void vd_asr_waiter_h(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct vd_asr_waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	snprintf(w->out, w->size, "%s", text ? text : "");
	w->err = err;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int vd_asr_waiter_wait(struct vd_asr_waiter *w)
{
	pthread_mutex_lock(&w->mu);
	while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return w->err;
}

int vd_asr_recognize(struct vd_asr *a, const int16_t *pcm, size_t n, const char *const *kw,
		     size_t nkw, char *out, size_t size)
{
	if (!out || size == 0) return -EINVAL;
	struct vd_asr_waiter w;
	vd_asr_waiter_init(&w, out, size);
	int err = submit(a, 0, pcm, n, kw, nkw, vd_asr_waiter_h, &w, true);
	if (err) {
		w.done = true;   /* never queued: only release it */
		w.err = err;
	}
	return vd_asr_waiter_wait(&w);
}
