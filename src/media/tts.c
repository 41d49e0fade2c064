/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* espeak-ng adapter; see tts.h. espeak-ng renders at its own rate (22050
 * Hz); speexdsp resamples to 8 kHz.
 *
 * Two locks: `synth_lock` serializes espeak-ng (global state), `cache_lock`
 * guards the cache and is only ever held for a lookup or an insert, so
 * vd_tts_peek never waits for a synthesis (the telephony thread uses it).
 * The cache is bounded by the total audio it holds (CACHE_BYTES), least
 * recently used out first. */
#include "media/tts.h"
#include "util/log.h"

#include <errno.h>
#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BYTES (32u << 20)   /* 32 MB of audio: ~35 min of 8 kHz prompts */
#define CACHE_BUCKETS 1024
#define MAX_TEXT 2000
#define MAX_SAMPLES (22050 * 120)   /* 2 minutes of speech */

struct entry {
	struct entry *hnext;          /* hash chain */
	struct entry *prev, *next;    /* LRU list, most recent first */
	uint64_t hash;
	struct vd_pcm *pcm;
	char key[];
};

static pthread_mutex_t synth_lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;                   /* 1 ok, -1 failed; under synth_lock */
static int srate;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[CACHE_BUCKETS];
static struct entry *lru_head, *lru_tail;
static size_t cache_bytes;

struct sink { int16_t *buf; size_t n, cap; bool overflow; };

static int synth_cb(short *wav, int n, espeak_EVENT *events)
{
	struct sink *s = events ? events->user_data : NULL;
	if (!s || !wav || n <= 0) return 0;
	if (s->n + (size_t)n > MAX_SAMPLES) {
		s->overflow = true;
		return 1;   /* stop */
	}
	if (s->n + (size_t)n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		while (cap < s->n + (size_t)n) cap *= 2;
		int16_t *b = realloc(s->buf, cap * sizeof *b);
		if (!b) {
			s->overflow = true;
			return 1;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->n, wav, (size_t)n * sizeof *wav);
	s->n += (size_t)n;
	return 0;
}

static bool has_cyrillic(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p == 0xd0 || *p == 0xd1) return true;
	return false;
}

static int init_locked(void)
{
	if (ready) return ready > 0 ? 0 : -EIO;
	espeak_ng_InitializePath(NULL);
	if (espeak_ng_Initialize(NULL) != ENS_OK ||
	    espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL) != ENS_OK) {
		ready = -1;
		vd_err("tts", "espeak-ng failed to initialize");
		return -EIO;
	}
	espeak_SetSynthCallback(synth_cb);
	srate = espeak_ng_GetSampleRate();
	ready = 1;
	return 0;
}

static int synth_locked(const char *text, const char *voice, struct vd_pcm **out)
{
	if (espeak_ng_SetVoiceByName(voice) != ENS_OK) return -EINVAL;
	struct sink s = {0};
	espeak_ng_STATUS rc = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
						   espeakCHARS_UTF8, NULL, &s);
	if (rc != ENS_OK || s.n == 0) {
		free(s.buf);
		return -EIO;
	}
	int err = 0;
	SpeexResamplerState *rs = speex_resampler_init(1, (spx_uint32_t)srate, 8000,
						       SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
	size_t cap = s.n * 8000 / (size_t)srate + 64;
	int16_t *o = malloc(cap * sizeof *o);
	if (!rs || !o) {
		if (rs) speex_resampler_destroy(rs);
		free(o);
		free(s.buf);
		return -ENOMEM;
	}
	spx_uint32_t in_len = (spx_uint32_t)s.n, out_len = (spx_uint32_t)cap;
	speex_resampler_process_int(rs, 0, s.buf, &in_len, o, &out_len);
	speex_resampler_destroy(rs);
	free(s.buf);
	*out = vd_pcm_alloc(o, out_len);
	free(o);
	return *out ? 0 : -ENOMEM;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static void lru_unlink(struct entry *e)
{
	if (e->prev) e->prev->next = e->next;
	else lru_head = e->next;
	if (e->next) e->next->prev = e->prev;
	else lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct entry *e)
{
	e->next = lru_head;
	if (lru_head) lru_head->prev = e;
	lru_head = e;
	if (!lru_tail) lru_tail = e;
}

/* A new reference to the cached audio of `key`, or NULL. cache_lock held. */
static struct vd_pcm *cache_get_locked(const char *key, uint64_t h)
{
	for (struct entry *e = buckets[h % CACHE_BUCKETS]; e; e = e->hnext) {
		if (e->hash != h || strcmp(e->key, key)) continue;
		lru_unlink(e);
		lru_push(e);
		return vd_pcm_ref(e->pcm);
	}
	return NULL;
}

static void cache_evict_locked(void)
{
	struct entry *e = lru_tail;
	lru_unlink(e);
	struct entry **pp = &buckets[e->hash % CACHE_BUCKETS];
	while (*pp != e) pp = &(*pp)->hnext;
	*pp = e->hnext;
	cache_bytes -= e->pcm->nsamples * sizeof(int16_t);
	vd_pcm_unref(e->pcm);
	free(e);
}

static void cache_put(const char *key, uint64_t h, struct vd_pcm *pcm)
{
	size_t bytes = pcm->nsamples * sizeof(int16_t);
	if (bytes > CACHE_BYTES / 4) return;   /* one long text must not flush the rest */
	size_t klen = strlen(key) + 1;
	struct entry *e = malloc(sizeof *e + klen);
	if (!e) return;
	memcpy(e->key, key, klen);
	e->hash = h;
	e->prev = e->next = NULL;
	pthread_mutex_lock(&cache_lock);
	struct vd_pcm *have = cache_get_locked(key, h);
	if (have) {   /* two threads synthesized the same text */
		pthread_mutex_unlock(&cache_lock);
		vd_pcm_unref(have);
		free(e);
		return;
	}
	while (lru_tail && cache_bytes + bytes > CACHE_BYTES) cache_evict_locked();
	e->pcm = vd_pcm_ref(pcm);
	e->hnext = buckets[h % CACHE_BUCKETS];
	buckets[h % CACHE_BUCKETS] = e;
	lru_push(e);
	cache_bytes += bytes;
	pthread_mutex_unlock(&cache_lock);
}

/* "voice|text" in buf; -EINVAL for an empty or too long text. */
static int make_key(const char *text, const char **voice, char *buf, size_t size)
{
	if (!text || !*text || strlen(text) > MAX_TEXT) return -EINVAL;
	if (!*voice) *voice = has_cyrillic(text) ? "ru" : "en";
	if ((size_t)snprintf(buf, size, "%s|%s", *voice, text) >= size) return -EINVAL;
	return 0;
}

int vd_tts_peek(const char *text, const char *voice, struct vd_pcm **out)
{
	char key[MAX_TEXT + 64];
	int err = make_key(text, &voice, key, sizeof key);
	if (err) return err;
	uint64_t h = fnv1a(key);
	pthread_mutex_lock(&cache_lock);
	*out = cache_get_locked(key, h);
	pthread_mutex_unlock(&cache_lock);
	return *out ? 0 : -ENOENT;
}

int vd_tts_say(const char *text, const char *voice, struct vd_pcm **out)
{
	int err = vd_tts_peek(text, voice, out);
	if (err != -ENOENT) return err;
	char key[MAX_TEXT + 64];
	make_key(text, &voice, key, sizeof key);   /* valid: vd_tts_peek checked it */
	uint64_t h = fnv1a(key);

	struct vd_pcm *pcm = NULL;
	pthread_mutex_lock(&synth_lock);
	err = init_locked();
	if (!err) err = synth_locked(text, voice, &pcm);
	pthread_mutex_unlock(&synth_lock);
	if (err) return err;
	cache_put(key, h, pcm);
	*out = pcm;
	return 0;
}

/* ---- the prompt worker ---- */

struct job {
	struct job *next;
	vd_tts_done_h *h;
	void *arg, *owner;
	char *voice;
	char text[];
};

static pthread_mutex_t wq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wq_cond = PTHREAD_COND_INITIALIZER;
static struct job *wq_head, **wq_tail = &wq_head;
static size_t wq_len;
static bool wq_started, wq_stopping;
static void *wq_running_owner;      /* owner of the job being synthesized */
static pthread_t wq_thread;

static void *worker_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&wq_lock);
	for (;;) {
		while (!wq_head && !wq_stopping) pthread_cond_wait(&wq_cond, &wq_lock);
		if (!wq_head) break;
		struct job *j = wq_head;
		wq_head = j->next;
		if (!wq_head) wq_tail = &wq_head;
		wq_len--;
		wq_running_owner = j->owner;
		pthread_mutex_unlock(&wq_lock);
		struct vd_pcm *pcm = NULL;
		int err = vd_tts_say(j->text, j->voice, &pcm);
		if (j->h) j->h(err ? NULL : pcm, err, j->arg);
		vd_pcm_unref(pcm);
		free(j->voice);
		free(j);
		pthread_mutex_lock(&wq_lock);
		wq_running_owner = NULL;
		pthread_cond_broadcast(&wq_cond);
	}
	pthread_mutex_unlock(&wq_lock);
	return NULL;
}

int vd_tts_async(const char *text, const char *voice, vd_tts_done_h *h, void *arg, void *owner)
{
	if (!text || !*text || strlen(text) > MAX_TEXT) return -EINVAL;
	size_t n = strlen(text) + 1;
	struct job *j = calloc(1, sizeof *j + n);
	if (!j) return -ENOMEM;
	memcpy(j->text, text, n);
	j->voice = voice ? strdup(voice) : NULL;
	j->h = h;
	j->arg = arg;
	j->owner = owner;
	pthread_mutex_lock(&wq_lock);
	int err = 0;
	if (wq_stopping || wq_len >= 4096) {
		err = -EAGAIN;
	} else if (!wq_started) {
		if (pthread_create(&wq_thread, NULL, worker_main, NULL) != 0) err = -EAGAIN;
		else wq_started = true;
	}
	if (!err) {
		*wq_tail = j;
		wq_tail = &j->next;
		wq_len++;
		pthread_cond_broadcast(&wq_cond);
	}
	pthread_mutex_unlock(&wq_lock);
	if (err) {
		free(j->voice);
		free(j);
	}
	return err;
}

/* Calls the handlers of dropped jobs with -ECANCELED (so they free their
 * argument) and frees the jobs. */
static void drop_jobs(struct job *j)
{
	while (j) {
		struct job *next = j->next;
		if (j->h) j->h(NULL, -ECANCELED, j->arg);
		free(j->voice);
		free(j);
		j = next;
	}
}

void vd_tts_cancel(void *owner)
{
	struct job *dropped = NULL, **dt = &dropped;
	pthread_mutex_lock(&wq_lock);
	for (struct job **pp = &wq_head; *pp;) {
		struct job *j = *pp;
		if (j->owner != owner) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		wq_len--;
		j->next = NULL;
		*dt = j;
		dt = &j->next;
	}
	wq_tail = &wq_head;
	while (*wq_tail) wq_tail = &(*wq_tail)->next;
	while (owner && wq_running_owner == owner) pthread_cond_wait(&wq_cond, &wq_lock);
	pthread_mutex_unlock(&wq_lock);
	drop_jobs(dropped);
}

void vd_tts_shutdown(void)
{
	pthread_mutex_lock(&wq_lock);
	bool started = wq_started;
	wq_stopping = true;
	struct job *dropped = wq_head;
	wq_head = NULL;
	wq_tail = &wq_head;
	wq_len = 0;
	pthread_cond_broadcast(&wq_cond);
	pthread_mutex_unlock(&wq_lock);
	drop_jobs(dropped);
	if (started) pthread_join(wq_thread, NULL);
	pthread_mutex_lock(&cache_lock);
	while (lru_tail) cache_evict_locked();
	pthread_mutex_unlock(&cache_lock);
}
