/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* espeak-ng adapter; see tts.h. espeak-ng renders at its own rate (22050
 * Hz); speexdsp resamples to 8 kHz. The cache holds the last CACHE_N
 * prompts (round-robin replacement, bounded by count and a per-prompt length
 * cap), which covers a task's fixed phrases. */
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

#define CACHE_N 64
#define MAX_TEXT 2000
#define MAX_SAMPLES (22050 * 120)   /* 2 minutes of speech */

struct entry { char *key; struct vd_pcm *pcm; };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int ready;                   /* 1 ok, -1 failed; under lock */
static int srate;
static struct entry cache[CACHE_N];
static int cache_next;

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

int vd_tts_say(const char *text, const char *voice, struct vd_pcm **out)
{
	if (!text || !*text || strlen(text) > MAX_TEXT) return -EINVAL;
	if (!voice) voice = has_cyrillic(text) ? "ru" : "en";
	size_t klen = strlen(voice) + 1 + strlen(text) + 1;
	char *key = malloc(klen);
	if (!key) return -ENOMEM;
	snprintf(key, klen, "%s|%s", voice, text);

	pthread_mutex_lock(&lock);
	int err = init_locked();
	for (int i = 0; !err && i < CACHE_N; i++) {
		if (cache[i].key && !strcmp(cache[i].key, key)) {
			*out = vd_pcm_ref(cache[i].pcm);
			pthread_mutex_unlock(&lock);
			free(key);
			return 0;
		}
	}
	struct vd_pcm *pcm = NULL;
	if (!err) err = synth_locked(text, voice, &pcm);
	if (!err) {
		struct entry *e = &cache[cache_next];
		cache_next = (cache_next + 1) % CACHE_N;
		free(e->key);
		vd_pcm_unref(e->pcm);
		e->key = key;
		e->pcm = vd_pcm_ref(pcm);
		key = NULL;
		*out = pcm;
	}
	pthread_mutex_unlock(&lock);
	free(key);
	return err;
}
