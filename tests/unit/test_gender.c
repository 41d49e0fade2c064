/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Gender on synthesized voices (generate, then detect): harmonic series at
 * 120 Hz and 220 Hz through a telephone-like 300 Hz high-pass (the
 * fundamental removed, as on a real line); a pulse train through three
 * formant resonators, whose formant scale the LPC analysis recovers and
 * which decides the overlap zone of pitch; YIN accuracy on single windows
 * (clean periodic signals keep their pitch, not a sub-multiple); noise or
 * silence alone giving unknown. */
#include <errno.h>
#include <math.h>

#include "media/gender.h"
#include "vtest.h"

#define SR 8000
#define N (SR * 2)

static int16_t buf[N];
static unsigned rng = 777;

static double noise(void)  /* uniform in [-1, 1) */
{
	rng = rng * 1103515245u + 12345u;
	return ((rng >> 8) & 0xffff) / 32768.0 - 1.0;
}

/* 300 ms of line noise, then harmonics 2..n of f0 (no fundamental: the
 * line's high-pass removed it) with a 5% pitch wobble and a syllable
 * envelope. */
static void voice(double f0_hz, double amp)
{
	double ph = 0;
	for (int i = 0; i < N; i++) {
		buf[i] = (int16_t)(30 * noise());
		if (i < SR * 3 / 10) continue;
		double t = (double)i / SR, f = f0_hz * (1 + 0.05 * sin(2 * M_PI * 2 * t));
		ph += 2 * M_PI * f / SR;
		double s = 0;
		for (int h = 2; h * f < 3400; h++) s += sin(h * ph) / h;
		double env = 0.6 + 0.4 * sin(2 * M_PI * 3 * t);
		buf[i] = (int16_t)(buf[i] + amp * 32767 * 0.5 * s * env);
	}
}

static struct vd_gender_result estimate(void)
{
	struct vd_gender g;
	struct vd_gender_result r;
	CHECK_INT(vd_gender_init(&g, NULL), 0);
	for (int off = 0; off < N; off += 160) vd_gender_feed(&g, buf + off, 160);
	vd_gender_result(&g, &r);
	return r;
}

static void male_and_female(void)
{
	voice(120, 0.3);
	struct vd_gender_result r = estimate();
	CHECK_INT(r.gender, VD_GENDER_MALE);
	CHECK(fabsf(r.f0_hz - 120) < 8);
	CHECK(r.voiced_ms >= 1000);
	voice(220, 0.3);
	r = estimate();
	CHECK_INT(r.gender, VD_GENDER_FEMALE);
	CHECK(fabsf(r.f0_hz - 220) < 12);
}

/* 300 ms of line noise, then a glottal pulse train at f0_hz (2% wobble)
 * through resonators at 500, 1500 and 2500 Hz times `scale` (bandwidths
 * 80, 100, 120 Hz): a neutral vocal tract, shortened when scale > 1. */
static void formant_voice(double f0_hz, double scale)
{
	static const double fr[3] = {500, 1500, 2500}, bw[3] = {80, 100, 120};
	double y1[3] = {0}, y2[3] = {0}, ph = 0;
	for (int i = 0; i < N; i++) {
		double x = 0, t = (double)i / SR;
		ph += f0_hz * (1 + 0.02 * sin(2 * M_PI * 2 * t)) / SR;
		if (ph >= 1) {
			ph -= 1;
			x = 1;
		}
		for (int k = 0; k < 3; k++) {  /* cascade of two-pole resonators */
			double r = exp(-M_PI * bw[k] / SR), c = 2 * r * cos(2 * M_PI * fr[k] * scale / SR);
			double y = x + c * y1[k] - r * r * y2[k];
			y2[k] = y1[k];
			y1[k] = y;
			x = y * (1 - c + r * r);  /* unit gain at DC: levels stay sane */
		}
		buf[i] = (int16_t)(30 * noise() + (i < SR * 3 / 10 ? 0 : 3000 * x));
	}
}

static void formants_decide_the_overlap(void)
{
	formant_voice(175, 1.0);  /* a high-pitched man */
	struct vd_gender_result r = estimate();
	CHECK(fabsf(r.f0_hz - 175) < 6);
	CHECK(r.vt_scale > 0.95f && r.vt_scale < 1.05f);
	CHECK_INT(r.gender, VD_GENDER_MALE);
	formant_voice(175, 1.2);  /* a low-pitched woman */
	r = estimate();
	CHECK(fabsf(r.f0_hz - 175) < 6);
	CHECK(r.vt_scale > 1.14f && r.vt_scale < 1.26f);
	CHECK_INT(r.gender, VD_GENDER_FEMALE);
	formant_voice(110, 1.0);
	r = estimate();
	CHECK_INT(r.gender, VD_GENDER_MALE);
	formant_voice(230, 1.15);
	r = estimate();
	CHECK_INT(r.gender, VD_GENDER_FEMALE);
}

static void yin_on_one_window(void)
{
	/* 60-320 Hz: adult speaking pitch (gender.c) */
	static const float f0s[] = {70, 100, 150, 200, 250, 300};
	for (size_t k = 0; k < sizeof f0s / sizeof f0s[0]; k++) {
		float x[VD_GENDER_WIN];
		for (int i = 0; i < VD_GENDER_WIN; i++) {
			double ph = 2 * M_PI * f0s[k] * i / SR;
			x[i] = (float)(0.5 * sin(2 * ph) + 0.3 * sin(3 * ph) + 0.2 * sin(4 * ph));
		}
		float f = vd_gender_yin(x);
		CHECK(fabsf(f - f0s[k]) < f0s[k] * 0.02f);
	}
	float z[VD_GENDER_WIN] = {0};
	CHECK(vd_gender_yin(z) == 0.0f);
}

static void noise_is_unknown(void)
{
	for (int i = 0; i < N; i++) buf[i] = (int16_t)(8000 * noise());
	struct vd_gender_result r = estimate();
	CHECK_INT(r.gender, VD_GENDER_UNKNOWN);
	for (int i = 0; i < N; i++) buf[i] = 0;
	r = estimate();
	CHECK_INT(r.gender, VD_GENDER_UNKNOWN);
	CHECK(r.f0_hz == 0.0f);
}

static void params(void)
{
	struct vd_gender g;
	struct vd_gender_params p = {.threshold_hz = 30, .min_voiced_ms = 200};
	CHECK_INT(vd_gender_init(&g, &p), -EINVAL);
	CHECK_STR(vd_gender_name(VD_GENDER_MALE), "male");
	CHECK_STR(vd_gender_name(VD_GENDER_FEMALE), "female");
	CHECK_STR(vd_gender_name(VD_GENDER_UNKNOWN), "unknown");
}

int main(void)
{
	male_and_female();
	formants_decide_the_overlap();
	yin_on_one_window();
	noise_is_unknown();
	params();
	return vt_done();
}
