/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The "http" engine of media/asr.h: an external recognizer behind a URL.
 *
 * Request: POST <url>, Content-Type: audio/wav, the body a RIFF/WAVE file
 * of the utterance (PCM 16-bit little-endian, 8000 Hz, mono). When the
 * script expects keywords they are sent too, for recognizers that can
 * restrict their vocabulary (Vosk's grammar), as one header:
 *   X-Voxdial-Keywords: yes,no%20thanks,%D0%B4%D0%B0
 * (each keyword percent-encoded as UTF-8, comma-separated).
 * Answer: 200 with a JSON object whose "text" member is a string; anything
 * else is -EIO, and no answer within timeout_ms is -ETIMEDOUT.
 *
 * One curl easy handle per worker keeps the connection alive between
 * utterances. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/asr_int.h"
#include "util/log.h"

#define ANSWER_MAX (64 * 1024)
#define HEADER_MAX 8192

struct http {
	CURL *curl;
	char *url;
	long timeout_ms;
};

struct answer {
	char *buf;
	size_t len;
	bool too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void http_close(void *p)
{
	struct http *h = p;
	if (!h) return;
	if (h->curl) curl_easy_cleanup(h->curl);
	free(h->url);
	free(h);
}

static int http_open(void **out, const struct vd_asr_params *p)
{
	if (!p->url || strncmp(p->url, "http", 4)) return -EINVAL;
	pthread_once(&curl_once, curl_start);
	struct http *h = calloc(1, sizeof *h);
	if (!h) return -ENOMEM;
	h->url = strdup(p->url);
	h->curl = curl_easy_init();
	h->timeout_ms = p->timeout_ms ? (long)p->timeout_ms : 3000;
	if (!h->url || !h->curl) {
		http_close(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;
	if (a->len + n > ANSWER_MAX) {
		a->too_big = true;
		return 0;  /* aborts the transfer */
	}
	char *b = realloc(a->buf, a->len + n + 1);
	if (!b) return 0;
	memcpy(b + a->len, data, n);
	a->buf = b;
	a->len += n;
	b[a->len] = '\0';
	return n;
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The utterance as a WAV file (44-byte header + samples), malloc'd. */
static uint8_t *wav_body(const int16_t *pcm, size_t n, size_t *len)
{
	size_t data = n * 2;
	uint8_t *b = malloc(44 + data);
	if (!b) return NULL;
	memcpy(b, "RIFF", 4);
	put_le(b + 4, (uint32_t)(36 + data), 4);
	memcpy(b + 8, "WAVEfmt ", 8);
	put_le(b + 16, 16, 4);     /* fmt chunk size */
	put_le(b + 20, 1, 2);      /* PCM */
	put_le(b + 22, 1, 2);      /* mono */
	put_le(b + 24, 8000, 4);   /* sample rate */
	put_le(b + 28, 16000, 4);  /* byte rate */
	put_le(b + 32, 2, 2);      /* block align */
	put_le(b + 34, 16, 2);     /* bits per sample */
	memcpy(b + 36, "data", 4);
	put_le(b + 40, (uint32_t)data, 4);
	for (size_t i = 0; i < n; i++) put_le(b + 44 + 2 * i, (uint16_t)pcm[i], 2);
	*len = 44 + data;
	return b;
}

static int http_recognize(void *inst, const int16_t *pcm, size_t n, const char *const *kw,
			  size_t nkw, char *out, size_t size)
{
	struct http *h = inst;
	size_t body_len;
	uint8_t *body = wav_body(pcm, n, &body_len);
	if (!body) return -ENOMEM;
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: audio/wav");
	if (nkw) {
		char line[HEADER_MAX];
		size_t o = (size_t)snprintf(line, sizeof line, "X-Voxdial-Keywords: ");
		for (size_t i = 0; i < nkw && o < sizeof line; i++) {
			char *e = curl_easy_escape(h->curl, kw[i], 0);
			if (e) o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", i ? "," : "", e);
			curl_free(e);
		}
		if (o < sizeof line) hdrs = curl_slist_append(hdrs, line);
	}
	struct answer ans = {0};
	CURL *c = h->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, h->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  /* worker threads: no SIGALRM */
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	free(body);

	int err = 0;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		err = -ETIMEDOUT;
	} else if (rc != CURLE_OK || status != 200) {
		vd_warn("asr", "http recognizer failed url=%s status=%ld curl=\"%s\"%s", h->url,
			status, curl_easy_strerror(rc), ans.too_big ? " answer too big" : "");
		err = -EIO;
	} else {
		json_t *j = json_loadb(ans.buf ? ans.buf : "", ans.len, 0, NULL);
		json_t *t = json_is_object(j) ? json_object_get(j, "text") : NULL;
		if (json_is_string(t)) {
			snprintf(out, size, "%s", json_string_value(t));
		} else {
			vd_warn("asr", "http recognizer answer has no \"text\" string url=%s", h->url);
			err = -EIO;
		}
		json_decref(j);
	}
	free(ans.buf);
	return err;
}

const struct vd_asr_engine vd_asr_http = {
	.name = "http",
	.open = http_open,
	.close = http_close,
	.recognize = http_recognize,
};
