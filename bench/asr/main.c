/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Keyword recognition accuracy, latency and memory of media/asr (the
 * figures of docs/internals/asr.md). Reads the corpus make_corpus.sh
 * synthesizes and, for each line condition (clean; a G.711 A-law round
 * trip through spandsp; white noise at 15 dB SNR; both), recognizes every utterance with
 * the keywords yes, no, operator, later and counts:
 *   hit          an utterance holding keyword K gives a text containing K
 *   wrong        ... a text containing another keyword
 *   false alarm  an utterance holding no keyword gives any keyword
 * Then the decode time of 1 s and 3 s utterances (keywords and free) and
 * the resident memory of one decoder. With --stream, each utterance goes
 * through a stream (vd_asr_stream_*) in 100 ms pieces 5 ms apart, so the
 * decoder works while it "arrives", and the decode time is what is left
 * after the end (the time from vd_asr_stream_end to the text).
 *   bench_asr --corpus DIR [--weight W] [--conditions clean,alaw,...] [--stream 1]
 * Exits 1 when a 1 s or 3 s keyword utterance takes 300 ms or more (p50). */
#define BENCH_NAME "bench_asr"
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <spandsp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/script.h"
#include "media/asr.h"
#include "media/wavload.h"

#define MAX_UTT 1000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6)) kb = strtol(line + 6, NULL, 10);
	if (f) fclose(f);
	return kb;
}

struct utt {
	char phrase[128];
	int16_t *pcm;
	size_t n;
};

static const char *const keywords[] = {"yes", "no", "operator", "later"};
#define NKW 4

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double *v, int n, int p)
{
	if (n == 0) return -1;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	int rank = (p * n + 99) / 100;
	return v[rank < 1 ? 0 : rank - 1];
}

static void degrade(int16_t *s, size_t n, bool noise, bool alaw, unsigned seed)
{
	if (noise) {
		/* white Gaussian noise 15 dB under the speech's rms (samples
		 * above 100 count as speech); a fixed seed per utterance */
		double e = 0;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (abs(s[i]) > 100) {
				e += (double)s[i] * s[i];
				k++;
			}
		double sigma = sqrt(e / (double)(k ? k : 1)) / pow(10.0, 15.0 / 20.0);
		uint32_t x = seed * 2654435761u + 1;
		for (size_t i = 0; i < n; i++) {
			double u1, u2;
			x = x * 1664525u + 1013904223u;
			u1 = ((x >> 8) + 1.0) / 16777217.0;
			x = x * 1664525u + 1013904223u;
			u2 = (x >> 8) / 16777216.0;
			double v = s[i] + sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
			s[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
	}
	if (alaw)
		for (size_t i = 0; i < n; i++) s[i] = alaw_to_linear(linear_to_alaw(s[i]));
}

static bool stream_mode;

struct done {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
	char text[512];
};

static void on_text(uint64_t tag, const char *text, int err, void *arg)
{
	(void)tag;
	struct done *d = arg;
	pthread_mutex_lock(&d->mu);
	snprintf(d->text, sizeof d->text, "%s", text);
	d->err = err;
	d->done = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* One utterance, whole or streamed; *ms is the wait for the text after
 * the end of the audio. */
static int recognize(struct vd_asr *a, const int16_t *s, size_t n, size_t nkw, char *text,
		     size_t size, double *ms)
{
	if (!stream_mode) {
		double t0 = now_ms();
		int err = vd_asr_recognize(a, s, n, keywords, nkw, text, size);
		*ms = now_ms() - t0;
		return err;
	}
	struct done d = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	struct vd_asr_stream *st;
	int err = vd_asr_stream_begin(a, &st, 0, keywords, nkw, on_text, &d);
	if (err) return err;
	for (size_t i = 0; i < n; i += 800) {
		(void)vd_asr_stream_feed(st, s + i, n - i < 800 ? n - i : 800);
		nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
	}
	double t0 = now_ms();
	vd_asr_stream_end(st);
	pthread_mutex_lock(&d.mu);
	while (!d.done) pthread_cond_wait(&d.cv, &d.mu);
	pthread_mutex_unlock(&d.mu);
	*ms = now_ms() - t0;
	snprintf(text, size, "%s", d.text);
	return d.err;
}

static void accuracy(struct vd_asr *a, const struct utt *u, int nu, const char *cond)
{
	bool noise = strstr(cond, "noise") != NULL, alaw = strstr(cond, "alaw") != NULL;
	int with = 0, hit = 0, wrong = 0, without = 0, fa = 0;
	double *ms = calloc((size_t)nu, sizeof *ms), *cpu = calloc((size_t)nu, sizeof *cpu);
	if (!ms || !cpu) exit(2);
	for (int i = 0; i < nu; i++) {
		int16_t *s = malloc(u[i].n * sizeof *s);
		if (!s) exit(2);
		memcpy(s, u[i].pcm, u[i].n * sizeof *s);
		degrade(s, u[i].n, noise, alaw, (unsigned)i);
		char text[512];
		double c0 = cpu_ms();
		int err = recognize(a, s, u[i].n, NKW, text, sizeof text, &ms[i]);
		cpu[i] = cpu_ms() - c0;
		free(s);
		if (err) {
			fprintf(stderr, "bench_asr: recognize: %s\n", strerror(-err));
			exit(2);
		}
		const char *expect = NULL;
		for (int k = 0; k < NKW; k++)
			if (vd_script_keyword_match(u[i].phrase, keywords[k])) expect = keywords[k];
		bool got_expect = false, got_other = false;
		for (int k = 0; k < NKW; k++)
			if (vd_script_keyword_match(text, keywords[k])) {
				if (expect && !strcmp(expect, keywords[k])) got_expect = true;
				else got_other = true;
			}
		if (getenv("BENCH_ASR_VERBOSE"))
			printf("  %-20s -> %s\n", u[i].phrase, text);
		if (expect) {
			with++;
			hit += got_expect;
			wrong += got_other;
		} else {
			without++;
			fa += got_other;
		}
	}
	printf("%-12s hit %3d/%d %5.1f%%  wrong keyword %2d  false alarm %3d/%d %5.1f%%  "
	       "decode ms p50 %.0f p90 %.0f max %.0f  cpu ms p50 %.0f\n",
	       cond, hit, with, with ? 100.0 * hit / with : 0, wrong, fa, without,
	       without ? 100.0 * fa / without : 0, pct(ms, nu, 50), pct(ms, nu, 90),
	       pct(ms, nu, 100), pct(cpu, nu, 50));
	free(ms);
	free(cpu);
}

/* p50 decode time of a `seconds` utterance made of corpus speech. */
static double latency(struct vd_asr *a, const struct utt *u, int nu, double seconds, bool kw,
		      double *cpu_p50)
{
	size_t want = (size_t)(seconds * 8000), n = 0;
	int16_t *s = malloc(want * sizeof *s);
	if (!s) exit(2);
	for (int i = 0; n < want; i = (i + 1) % nu) {
		size_t m = u[i].n < want - n ? u[i].n : want - n;
		memcpy(s + n, u[i].pcm, m * sizeof *s);
		n += m;
	}
	double ms[10], cpu[10];
	for (int r = 0; r < 10; r++) {
		char text[512];
		double c0 = cpu_ms();
		(void)recognize(a, s, n, kw ? NKW : 0, text, sizeof text, &ms[r]);
		cpu[r] = cpu_ms() - c0;
	}
	free(s);
	*cpu_p50 = pct(cpu, 10, 50);
	return pct(ms, 10, 50);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *conds = "clean,alaw,noise,noise+alaw";
	unsigned weight = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--corpus")) dir = argv[i + 1];
		else if (!strcmp(argv[i], "--weight")) weight = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--conditions")) conds = argv[i + 1];
		else if (!strcmp(argv[i], "--stream")) stream_mode = strcmp(argv[i + 1], "0") != 0;
	}
	if (!dir) {
		fprintf(stderr, "usage: bench_asr --corpus DIR [--weight W] [--conditions c,...] [--stream 1]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/list.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench_asr: %s: %s\n", path, strerror(errno));
		return 2;
	}
	static struct utt u[MAX_UTT];
	int nu = 0;
	char line[512];
	while (nu < MAX_UTT && fgets(line, sizeof line, f)) {
		char *file = strtok(line, "|\n"), *phrase = strtok(NULL, "|\n");
		if (!file || !phrase) continue;
		snprintf(path, sizeof path, "%s/%s", dir, file);
		const char *why;
		if (vd_wav_load_8k(path, &u[nu].pcm, &u[nu].n, &why)) {
			fprintf(stderr, "bench_asr: %s: %s\n", path, why);
			return 2;
		}
		snprintf(u[nu].phrase, sizeof u[nu].phrase, "%s", phrase);
		nu++;
	}
	fclose(f);

	long rss0 = rss_kb();
	struct vd_asr *a;
	struct vd_asr_params p = {.workers = 1, .keyword_weight = weight,
				  .live = stream_mode ? VD_ASR_LIVE_ALWAYS : VD_ASR_LIVE_AUTO};
	double t0 = now_ms();
	if (vd_asr_open(&a, &p)) return 2;
	double open_ms = now_ms() - t0;
	long rss1 = rss_kb();
	printf("%d utterances, keywords yes/no/operator/later, weight %u, %s\n", nu, weight ? weight : 1,
	       stream_mode ? "streamed (decode = wait after the end)" : "whole utterances");
	printf("decoder: open %.0f ms, resident memory +%ld MB\n", open_ms, (rss1 - rss0) / 1024);

	char cl[256];
	snprintf(cl, sizeof cl, "%s", conds);
	for (char *c = strtok(cl, ","); c; c = strtok(NULL, ",")) accuracy(a, u, nu, c);
	long rss2 = rss_kb();

	int bad = 0;
	static const double secs[] = {1.0, 3.0};
	for (int i = 0; i < 2; i++) {
		double kc, fc;
		double k = latency(a, u, nu, secs[i], true, &kc), fr = latency(a, u, nu, secs[i], false, &fc);
		printf("%.0f s utterance: decode p50 %.0f ms (cpu %.0f) with keywords, %.0f ms (cpu %.0f) "
		       "free (full LM)\n", secs[i], k, kc, fr, fc);
		if (k >= 300) bad = 1;
	}
	long rss3 = rss_kb();
	printf("resident memory after decoding: +%ld MB (keywords), +%ld MB (with the LM search used)\n",
	       (rss2 - rss0) / 1024, (rss3 - rss0) / 1024);
	vd_asr_close(a);
	for (int i = 0; i < nu; i++) free(u[i].pcm);
	return bad;
}
