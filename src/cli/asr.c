/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The speech-in tools: what the bot would hear in a recording, with the
 * code live calls run (media/asr.h, media/dtmf.h), on any WAV converted to
 * 8 kHz mono first:
 *
 *   voxdial asr FILE.wav [--keywords yes,no,...] [--engine pocketsphinx|http]
 *                        [--url U] [--timeout-ms N] [--model-dir D]
 *                        [--mode whole|stream]
 *       {"text":"yes","decode_ms":41}
 *   voxdial dtmf FILE.wav
 *       {"digits":"123#"}
 *
 * decode_ms is the recognition alone (the model is loaded before), i.e.
 * what the caller waits after the end of the utterance. The whole file is
 * one utterance: given at once (whole), or as a call's stream (stream:
 * 20 ms frames at ten times real time, decoded as they arrive; decode_ms
 * is then the wait after the last frame). Exit codes: 0 ok, 1 the file or the engine failed, 2
 * usage error. */
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/asr.h"
#include "media/dtmf.h"
#include "media/wavload.h"

static int usage_err(const char *msg)
{
	fprintf(stderr, "voxdial: %s\n", msg);
	return 2;
}

/* The first argument that is neither a flag nor a flag's value. */
static const char *file_arg(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "--", 2)) {
			if (!strchr(argv[i], '=')) i++;
			continue;
		}
		return argv[i];
	}
	return NULL;
}

static int load(const char *path, int16_t **pcm, size_t *n)
{
	const char *why;
	int err = vd_wav_load_8k(path, pcm, n, &why);
	if (err) fprintf(stderr, "voxdial: %s: %s\n", path, why);
	return err;
}

/* Writes s as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') printf("\\%c", c);
		else if (c < 0x20) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}

/* --stream: the file as a call would give it, 20 ms frames through a
 * stream (each 2 ms after the last, ten times real time, so that the
 * decoder works while it "arrives"); *t0 is the end of the audio. */
static int stream(struct vd_asr *a, const int16_t *pcm, size_t n, const char *const *kw,
		  size_t nkw, char *out, size_t size, struct timespec *t0)
{
	struct vd_asr_waiter w;
	vd_asr_waiter_init(&w, out, size);
	struct vd_asr_stream *st;
	int err = vd_asr_stream_begin(a, &st, 0, kw, nkw, vd_asr_waiter_h, &w);
	if (err) {
		w.done = true;   /* never begun: only release it */
		(void)vd_asr_waiter_wait(&w);
		return err;
	}
	for (size_t i = 0; i < n; i += 160) {
		(void)vd_asr_stream_feed(st, pcm + i, n - i < 160 ? n - i : 160);
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, t0);
	vd_asr_stream_end(st);
	return vd_asr_waiter_wait(&w);
}

int vd_cmd_asr(int argc, char **argv)
{
	const char *path = file_arg(argc, argv);
	if (!path) return usage_err("asr: a WAV file is required");
	struct vd_asr_params p = {
		.engine = vd_cli_flag(argc, argv, "--engine", NULL, "pocketsphinx"),
		.url = vd_cli_flag(argc, argv, "--url", NULL, NULL),
		.model_dir = vd_cli_flag(argc, argv, "--model-dir", NULL, NULL),
		.workers = 1,
	};
	const char *tmo = vd_cli_flag(argc, argv, "--timeout-ms", NULL, NULL);
	if (tmo) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(tmo, &end, 10);
		if (errno || end == tmo || *end || v == 0 || v > 600000)
			return usage_err("asr: --timeout-ms must be 1..600000");
		p.timeout_ms = (unsigned)v;
	}
	if (strcmp(p.engine, "pocketsphinx") && strcmp(p.engine, "http"))
		return usage_err("asr: --engine is pocketsphinx or http");
	if (!strcmp(p.engine, "http") && !p.url) return usage_err("asr: --engine http needs --url");
	const char *mode = vd_cli_flag(argc, argv, "--mode", NULL, "whole");
	if (strcmp(mode, "whole") && strcmp(mode, "stream"))
		return usage_err("asr: --mode is whole or stream");
	bool streamed = !strcmp(mode, "stream");
	if (streamed) p.live = VD_ASR_LIVE_ALWAYS;

	/* --keywords a,b c,d: split on commas, in a copy */
	const char *list = vd_cli_flag(argc, argv, "--keywords", NULL, "");
	char *kwbuf = strdup(list);
	const char *kw[VD_ASR_MAX_KEYWORDS];
	size_t nkw = 0;
	if (!kwbuf) return 1;
	for (char *s = kwbuf; *s && nkw < VD_ASR_MAX_KEYWORDS;) {
		char *c = strchr(s, ',');
		if (c) *c = '\0';
		if (*s) kw[nkw++] = s;
		if (!c) break;
		s = c + 1;
	}

	int16_t *pcm = NULL;
	size_t n = 0;
	struct vd_asr *a = NULL;
	int code = 1;
	if (load(path, &pcm, &n)) goto out;
	if (n > VD_ASR_MAX_SAMPLES) {
		fprintf(stderr, "voxdial: %s: longer than %d s\n", path, VD_ASR_MAX_SAMPLES / 8000);
		goto out;
	}
	int err = vd_asr_open(&a, &p);
	if (err) {
		fprintf(stderr, "voxdial: asr: cannot start the %s engine: %s\n", p.engine,
			strerror(-err));
		goto out;
	}
	char text[1024];
	struct timespec t0, t1;
	if (streamed) {
		err = stream(a, pcm, n, kw, nkw, text, sizeof text, &t0);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = vd_asr_recognize(a, pcm, n, kw, nkw, text, sizeof text);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		fprintf(stderr, "voxdial: asr: %s: %s\n", path, strerror(-err));
		goto out;
	}
	long ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	printf("{\"text\":");
	json_str(text);
	printf(",\"decode_ms\":%ld}\n", ms);
	code = 0;
out:
	vd_asr_close(a);
	free(pcm);
	free(kwbuf);
	return code;
}

int vd_cmd_dtmf(int argc, char **argv)
{
	const char *path = file_arg(argc, argv);
	if (!path) return usage_err("dtmf: a WAV file is required");
	int16_t *pcm;
	size_t n;
	if (load(path, &pcm, &n)) return 1;
	struct vd_dtmf *d;
	if (vd_dtmf_alloc(&d)) {
		free(pcm);
		return 1;
	}
	char digits[256];
	size_t k = 0;
	/* 20 ms at a time, as the media loop feeds it */
	for (size_t off = 0; off < n; off += 160) {
		char buf[8];
		int r = vd_dtmf_feed(d, pcm + off, n - off < 160 ? n - off : 160, buf, sizeof buf);
		for (int i = 0; i < r && k + 1 < sizeof digits; i++) digits[k++] = buf[i];
	}
	digits[k] = '\0';
	printf("{\"digits\":\"%s\"}\n", digits);
	vd_dtmf_free(d);
	free(pcm);
	return 0;
}
