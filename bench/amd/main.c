/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* bench_amd: CPU time of the answering-machine detector and the gender
 * estimator per 20 ms frame, on one core, in their worst case: every frame
 * is loud voiced speech, so every per-frame analysis runs (the VAD, the
 * pure-tone and steady-sound spectra, YIN and the formant estimate). AMD
 * is run with its time limits lifted so it never stops listening; the
 * gender estimator is restarted whenever it has its 10 s of voice. Both
 * detectors run on every answered call, 500+ at once on a 2-core box, so
 * the target is well under 50 us per frame (2.5 ms per second of audio).
 * Prints the figures and exits non-zero if the target is missed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "media/amd.h"
#include "media/gender.h"

#define SR 8000
#define SECONDS 60
#define TARGET_US 50.0

/* CPU time of this process: the box is shared, wall time is not ours. */
static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A voice-like signal, always on: harmonics of a wandering 150 Hz pitch
 * under two formants that move at syllable rate. Each 10 s block starts
 * with 200 ms of quiet line, which calibrates the noise floor of a fresh
 * detector. */
static void synth(int16_t *pcm, size_t n)
{
	double ph = 0;
	unsigned rng = 1;
	for (size_t i = 0; i < n; i++) {
		rng = rng * 1103515245u + 12345u;
		if (i % ((size_t)SR * 10) < SR / 5) {
			pcm[i] = (int16_t)((int)((rng >> 16) & 63) - 32);
			continue;
		}
		double t = (double)i / SR;
		double f = 150 * (1 + 0.1 * sin(2 * M_PI * 0.7 * t) + 0.03 * sin(2 * M_PI * 5 * t));
		double f1 = 550 + 250 * sin(2 * M_PI * 4 * t), f2 = 1500 + 500 * sin(2 * M_PI * 2.7 * t);
		ph += 2 * M_PI * f / SR;
		double s = 0;
		for (int h = 2; h * f < 3400; h++) {
			double d1 = (h * f - f1) / 250, d2 = (h * f - f2) / 300;
			s += sin(h * ph) * (exp(-d1 * d1) + 0.5 * exp(-d2 * d2));
		}
		pcm[i] = (int16_t)(8000 * s);
	}
}

int main(void)
{
	size_t n = (size_t)SR * SECONDS;
	int16_t *pcm = malloc(n * sizeof *pcm);
	struct vd_gender *g = malloc(sizeof *g);
	if (!pcm || !g) return 2;
	synth(pcm, n);

	struct vd_amd_params p;
	vd_amd_params_default(&p);
	p.long_speech_ms = p.max_ms = 60000;
	struct vd_amd a;
	if (vd_amd_init(&a, &p)) return 2;
	double t0 = now_sec();
	for (size_t off = 0; off < n; off += 160) vd_amd_feed(&a, pcm + off, 160);
	double amd_s = now_sec() - t0;
	struct vd_amd_result r;
	vd_amd_result(&a, &r);
	if (r.verdict != VD_AMD_PENDING && r.decision_ms < SECONDS * 1000)
		fprintf(stderr, "bench_amd: AMD stopped early (%s)\n", r.cause);

	t0 = now_sec();
	vd_gender_init(g, NULL);
	for (size_t off = 0; off < n; off += 160) {
		vd_gender_feed(g, pcm + off, 160);
		if (off % ((size_t)SR * 10) == (size_t)SR * 10 - 160) {  /* a call's worth */
			struct vd_gender_result gr;
			vd_gender_result(g, &gr);
			if (gr.voiced_ms < 5000) fprintf(stderr, "bench_amd: only %d ms voiced\n", gr.voiced_ms);
			vd_gender_init(g, NULL);
		}
	}
	double gen_s = now_sec() - t0;

	double frames = (double)n / 160;
	double amd_us = amd_s * 1e6 / frames, gen_us = gen_s * 1e6 / frames;
	printf("AMD    %6.2f us per 20 ms frame\n", amd_us);
	printf("gender %6.2f us per 20 ms frame\n", gen_us);
	printf("%-4s both %6.2f us per 20 ms frame (target < %.0f), %.0f calls per core in real time\n",
	       amd_us + gen_us < TARGET_US ? "PASS" : "MISS", amd_us + gen_us, TARGET_US,
	       20000.0 / (amd_us + gen_us));
	free(g);
	free(pcm);
	return amd_us + gen_us < TARGET_US ? 0 : 1;
}
