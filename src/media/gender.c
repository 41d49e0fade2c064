/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Median-F0 gender estimate; see gender.h and docs/internals/amd.md. */
#include "media/gender.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Pitch search range: 60 Hz (a low bass) to 400 Hz (a high soprano or a
 * child); a 133-sample lag at most leaves a 186-sample (23 ms) comparison
 * window in the 40 ms analysis window (one more for the interpolation). */
#define TAU_MIN (VD_VAD_SRATE_HZ / 400)
#define TAU_MAX (VD_VAD_SRATE_HZ / 60)
#define CMP_N (VD_GENDER_WIN - TAU_MAX - 1)
/* YIN's absolute threshold on the cumulative-mean-normalized difference:
 * below it a lag counts as a period. The paper uses 0.1-0.15 on clean
 * speech; telephone noise at 12 dB SNR adds about 0.06 to a voiced dip. */
#define YIN_THRESHOLD 0.2f
/* The frame must be this far above the noise floor to be analysed: voiced
 * speech is the loudest part of speech, and weaker frames are where noise
 * corrupts the period. */
#define VOICED_DB 12.0f

void vd_gender_params_default(struct vd_gender_params *p)
{
	*p = (struct vd_gender_params){.threshold_hz = 165.0f, .min_voiced_ms = 200};
}

int vd_gender_init(struct vd_gender *g, const struct vd_gender_params *p)
{
	struct vd_gender_params d;
	if (!p) {
		vd_gender_params_default(&d);
		p = &d;
	}
	if (!(p->threshold_hz >= 60.0f && p->threshold_hz <= 400.0f) || p->min_voiced_ms < 20 ||
	    p->min_voiced_ms > 60000)
		return -EINVAL;
	memset(g, 0, sizeof *g);
	g->p = *p;
	return vd_vad_init(&g->vad, VOICED_DB);
}

float vd_gender_yin(const float *x)
{
	float d[TAU_MAX + 2];
	d[0] = 1.0f;
	double run = 0;
	for (int tau = 1; tau <= TAU_MAX + 1; tau++) {
		/* Eight independent partial sums: the compiler may keep them in
		 * one vector register, and no add waits on the one before it.
		 * This loop is most of the estimator's cost. */
		float acc[8] = {0};
		int j = 0;
		for (; j + 8 <= CMP_N; j += 8)
			for (int u = 0; u < 8; u++) {
				float df = x[j + u] - x[j + u + tau];
				acc[u] += df * df;
			}
		double s = 0;
		for (; j < CMP_N; j++) {
			float df = x[j] - x[j + tau];
			s += (double)df * df;
		}
		for (int u = 0; u < 8; u++) s += acc[u];
		run += s;
		d[tau] = run > 0 ? (float)(s * tau / run) : 1.0f;
	}
	for (int tau = TAU_MIN; tau <= TAU_MAX; tau++) {
		if (d[tau] >= YIN_THRESHOLD) continue;
		while (tau < TAU_MAX && d[tau + 1] < d[tau]) tau++;
		/* Parabolic interpolation of the dip for sub-sample precision. */
		float a = d[tau - 1], b = d[tau], c = d[tau + 1];
		float den = a - 2 * b + c, shift = den > 0 ? 0.5f * (a - c) / den : 0.0f;
		if (shift > 0.5f || shift < -0.5f) shift = 0;
		return (float)VD_VAD_SRATE_HZ / ((float)tau + shift);
	}
	return 0.0f;
}

static void process_frame(struct vd_gender *g, const int16_t *pcm)
{
	float hp[VD_VAD_FRAME];
	struct vd_vad_frame f;
	vd_vad_frame(&g->vad, pcm, hp, &f);
	memmove(g->hist, g->hist + VD_VAD_FRAME, (VD_GENDER_WIN - VD_VAD_FRAME) * sizeof(float));
	memcpy(g->hist + VD_GENDER_WIN - VD_VAD_FRAME, hp, sizeof hp);
	if (!f.speech || g->nf0 >= VD_GENDER_MAX_F0) return;
	float f0 = vd_gender_yin(g->hist);
	if (f0 > 0) g->f0[g->nf0++] = f0;
}

void vd_gender_feed(struct vd_gender *g, const int16_t *pcm8k, size_t n)
{
	while (n && g->nf0 < VD_GENDER_MAX_F0) {
		size_t take = VD_VAD_FRAME - g->nbuf;
		if (take > n) take = n;
		memcpy(g->buf + g->nbuf, pcm8k, take * sizeof *pcm8k);
		g->nbuf += take;
		pcm8k += take;
		n -= take;
		if (g->nbuf == VD_VAD_FRAME) {
			g->nbuf = 0;
			process_frame(g, g->buf);
		}
	}
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void vd_gender_result(const struct vd_gender *g, struct vd_gender_result *out)
{
	float v[VD_GENDER_MAX_F0];
	int n = g->nf0;
	memcpy(v, g->f0, (size_t)n * sizeof(float));
	qsort(v, (size_t)n, sizeof(float), cmp_float);
	*out = (struct vd_gender_result){.voiced_ms = n * VD_VAD_FRAME_MS};
	if (n == 0) return;
	out->f0_hz = n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
	if (out->voiced_ms < g->p.min_voiced_ms) return;
	out->gender = out->f0_hz < g->p.threshold_hz ? VD_GENDER_MALE : VD_GENDER_FEMALE;
}

const char *vd_gender_name(enum vd_gender_verdict v)
{
	switch (v) {
	case VD_GENDER_MALE: return "male";
	case VD_GENDER_FEMALE: return "female";
	case VD_GENDER_UNKNOWN: break;
	}
	return "unknown";
}
