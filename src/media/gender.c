/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Gender from median F0 and formant scale; see gender.h and
 * docs/internals/amd.md. */
#include "media/gender.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Pitch search range: 60 Hz (a low bass) to 320 Hz (adult speaking pitch:
 * women's habitual range ends near 255 Hz; above 320 Hz a dip is almost
 * always a formant ringing, which on the public corpus produced 350-400 Hz
 * "pitches" for a man and a woman); a 133-sample lag at most leaves a
 * 186-sample (23 ms) comparison window in the 40 ms analysis window (one
 * more for the interpolation). */
#define TAU_MIN (VD_VAD_SRATE_HZ / 320)
#define TAU_MAX (VD_VAD_SRATE_HZ / 60)
#define CMP_N (VD_GENDER_WIN - TAU_MAX - 1)
/* YIN's absolute threshold on the cumulative-mean-normalized difference:
 * below it a lag counts as a period. The paper uses 0.1-0.15 on clean
 * speech; telephone noise at 12-17 dB SNR adds about 0.1 to a voiced dip
 * (at 0.2, a low male voice in brown noise kept 7 of 59 speech frames).
 * The deeper-dip rule below catches the early false dips a looser
 * threshold lets through. */
#define YIN_THRESHOLD 0.25f
/* A first dip at or above WEAK_DIP loses to a later dip below DEEPER_DIP
 * times its value. */
#define WEAK_DIP 0.05f
#define DEEPER_DIP 0.7f
/* Vocal tract: LPC of order 10 (two poles per kHz of the 4 kHz band plus
 * two for the glottal and radiation tilt) on the last 32 ms of a voiced
 * frame, pre-emphasised and Hamming-windowed. Poles narrower than
 * MAX_BW_HZ are formants (wider ones model the spectral tilt and the band
 * edges); F1 is the first below 1 kHz, F2 the next one 250 Hz or more
 * above it and under 2.7 kHz, F3 the next from 1.9 kHz. Their geometric
 * mean ratio to a neutral 17.5 cm tract (500, 1500, 2500 Hz) is the
 * frame's formant scale: women's tracts are ~15% shorter, so their
 * formants ~15% higher, whatever the pitch. */
#define LPC_ORDER 10
#define LPC_WIN 256
#define PRE_EMPHASIS 0.9f
#define MAX_BW_HZ 300.0
#define DK_ITERATIONS 64
/* Fewer frames with all three formants than this: pitch alone decides. */
#define MIN_VT_FRAMES 5

/* The frame must be this far above the noise floor to be analysed: voiced
 * speech is the loudest part of speech, and weaker frames are where noise
 * corrupts the period. */
#define VOICED_DB 12.0f

void vd_gender_params_default(struct vd_gender_params *p)
{
	*p = (struct vd_gender_params){.threshold_hz = 180.0f, .min_voiced_ms = 200};
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
	for (int i = 0; i < VD_GENDER_LPC_WIN; i++)
		g->lpcwin[i] = (float)(0.54 - 0.46 * cos(2.0 * M_PI * i / (VD_GENDER_LPC_WIN - 1)));
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
		/* A weak dip followed by a much deeper one further on: the deeper
		 * one is the period, the weak one came from a formant ringing at a
		 * few times F0 (YIN's "too high" error, common behind telephone
		 * equalisation). A clear dip stands: in a clean periodic signal
		 * the dips at 2T, 3T... are deeper still. */
		if (d[tau] >= WEAK_DIP) {
			int g = tau;
			for (int k = tau + 1; k <= TAU_MAX; k++)
				if (d[k] < d[g]) g = k;
			if (d[g] < DEEPER_DIP * d[tau]) tau = g;
		}
		/* Parabolic interpolation of the dip for sub-sample precision. */
		float a = d[tau - 1], b = d[tau], c = d[tau + 1];
		float den = a - 2 * b + c, shift = den > 0 ? 0.5f * (a - c) / den : 0.0f;
		if (shift > 0.5f || shift < -0.5f) shift = 0;
		return (float)VD_VAD_SRATE_HZ / ((float)tau + shift);
	}
	return 0.0f;
}

/* LPC coefficients a[0..LPC_ORDER] (a[0] = 1) of the last LPC_WIN samples
 * of x by the autocorrelation method; false if the frame is silent. */
static bool lpc(const struct vd_gender *g, const float *x, double *a)
{
	float w[VD_GENDER_LPC_WIN];
	for (int i = 0; i < VD_GENDER_LPC_WIN; i++)
		w[i] = (x[i] - (i ? PRE_EMPHASIS * x[i - 1] : 0.0f)) * g->lpcwin[i];
	double r[LPC_ORDER + 1], tmp[LPC_ORDER + 1];
	for (int k = 0; k <= LPC_ORDER; k++) {
		float acc[4] = {0};
		int i = k;
		for (; i + 4 <= VD_GENDER_LPC_WIN; i += 4)
			for (int u = 0; u < 4; u++) acc[u] += w[i + u] * w[i + u - k];
		double sum = (double)acc[0] + acc[1] + acc[2] + acc[3];
		for (; i < VD_GENDER_LPC_WIN; i++) sum += (double)w[i] * w[i - k];
		r[k] = sum;
	}
	if (r[0] <= 0) return false;
	r[0] *= 1.0001;  /* -40 dB white-noise floor: keeps the recursion stable */
	double e = r[0];
	memset(a, 0, sizeof(double) * (LPC_ORDER + 1));
	a[0] = 1.0;
	for (int i = 1; i <= LPC_ORDER; i++) {  /* Levinson-Durbin */
		double acc = r[i];
		for (int j = 1; j < i; j++) acc += a[j] * r[i - j];
		double k = -acc / e;
		memcpy(tmp, a, sizeof tmp);
		for (int j = 1; j < i; j++) a[j] = tmp[j] + k * tmp[i - j];
		a[i] = k;
		e *= 1.0 - k * k;
		if (e <= 0) return false;
	}
	return true;
}

/* The roots of z^P + a[1] z^(P-1) + ... + a[P] by Durand-Kerner
 * (simultaneous Newton steps from points on a spiral); false if they have
 * not settled within DK_ITERATIONS. */
static bool lpc_roots(const double *a, double *re, double *im)
{
	double zr = 1.0, zi = 0.0;
	for (int i = 0; i < LPC_ORDER; i++) {  /* (0.4 + 0.9i)^i */
		re[i] = zr;
		im[i] = zi;
		double t = zr * 0.4 - zi * 0.9;
		zi = zr * 0.9 + zi * 0.4;
		zr = t;
	}
	for (int it = 0; it < DK_ITERATIONS; it++) {
		double moved = 0;
		for (int i = 0; i < LPC_ORDER; i++) {
			double pr = 1.0, pi = 0.0;  /* the polynomial at z_i (Horner) */
			for (int j = 1; j <= LPC_ORDER; j++) {
				double t = pr * re[i] - pi * im[i] + a[j];
				pi = pr * im[i] + pi * re[i];
				pr = t;
			}
			double qr = 1.0, qi = 0.0;  /* prod over j != i of (z_i - z_j) */
			for (int j = 0; j < LPC_ORDER; j++) {
				if (j == i) continue;
				double dr = re[i] - re[j], di = im[i] - im[j];
				double t = qr * dr - qi * di;
				qi = qr * di + qi * dr;
				qr = t;
			}
			double den = qr * qr + qi * qi;
			if (den == 0) return false;
			double sr = (pr * qr + pi * qi) / den, si = (pi * qr - pr * qi) / den;
			re[i] -= sr;
			im[i] -= si;
			moved = fmax(moved, fabs(sr) + fabs(si));
		}
		if (moved < 1e-9) return true;
	}
	return false;
}

/* The frame's formant scale, ln(F1/500 * F2/1500 * F3/2500) / 3, into
 * *out; false when the three formants are not all found. */
static bool formant_scale(const struct vd_gender *g, const float *x, float *out)
{
	double a[LPC_ORDER + 1], re[LPC_ORDER], im[LPC_ORDER];
	if (!lpc(g, x, a) || !lpc_roots(a, re, im)) return false;
	double f[LPC_ORDER];
	int n = 0;
	for (int i = 0; i < LPC_ORDER; i++) {
		double mag = hypot(re[i], im[i]);
		if (im[i] <= 0 || mag <= 0) continue;  /* one of each conjugate pair */
		double hz = atan2(im[i], re[i]) * VD_VAD_SRATE_HZ / (2 * M_PI);
		double bw = -log(mag) * VD_VAD_SRATE_HZ / M_PI;
		if (bw < MAX_BW_HZ && hz > 250 && hz < 3400) f[n++] = hz;
	}
	for (int i = 1; i < n; i++)  /* insertion sort, n <= 5 */
		for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
			double t = f[j];
			f[j] = f[j - 1];
			f[j - 1] = t;
		}
	if (n < 3 || f[0] >= 1000) return false;
	int k = 1;
	while (k < n && f[k] < f[0] + 250) k++;
	if (k >= n || f[k] >= 2700) return false;
	double f2 = f[k++];
	while (k < n && f[k] < fmax(f2 + 250, 1900)) k++;
	if (k >= n) return false;
	*out = (float)((log(f[0] / 500) + log(f2 / 1500) + log(f[k] / 2500)) / 3);
	return true;
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
	if (f0 <= 0) return;
	g->f0[g->nf0++] = f0;
	float vt;
	if (formant_scale(g, g->hist + VD_GENDER_WIN - VD_GENDER_LPC_WIN, &vt)) g->vt[g->nvt++] = vt;
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

static float median(const float *x, int n)
{
	float v[VD_GENDER_MAX_F0];
	memcpy(v, x, (size_t)n * sizeof(float));
	qsort(v, (size_t)n, sizeof(float), cmp_float);
	return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

void vd_gender_result(const struct vd_gender *g, struct vd_gender_result *out)
{
	*out = (struct vd_gender_result){.voiced_ms = g->nf0 * VD_VAD_FRAME_MS};
	if (g->nf0 == 0) return;
	out->f0_hz = median(g->f0, g->nf0);
	if (g->nvt >= MIN_VT_FRAMES) out->vt_scale = expf(median(g->vt, g->nvt));
	if (out->voiced_ms < g->p.min_voiced_ms) return;
	/* Pitch and formants both rise in women's voices; their product
	 * weighs an octave of either equally. */
	float score = out->f0_hz * (out->vt_scale > 0 ? out->vt_scale : 1.0f);
	out->gender = score < g->p.threshold_hz ? VD_GENDER_MALE : VD_GENDER_FEMALE;
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
