/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* AMD on synthesized calls (generate, then detect): a short voiced greeting
 * then silence is a human, four seconds of modulated voiced "speech" is a
 * machine, a 1 kHz beep after a short phrase is a machine, two-partial
 * hold music is a machine while a long vowel is not, silence or
 * steady noise alone is unknown; plus chunking independence, background
 * noise, the end-of-input path and parameter checks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "media/amd.h"
#include "vtest.h"

#define SR 8000
#define MAXN (SR * 10)

static int16_t buf[MAXN];
static unsigned rng = 12345;

static double noise(void)  /* uniform in [-1, 1) */
{
	rng = rng * 1103515245u + 12345u;
	return ((rng >> 8) & 0xffff) / 32768.0 - 1.0;
}

/* A speech-like signal: harmonics of f0_hz (with a slow pitch wobble) under
 * a 4 Hz syllable envelope, at `amp` of full scale, from t0 to t1 s. */
static void voice(double t0, double t1, double f0_hz, double amp)
{
	double ph = 0;
	for (int i = (int)(t0 * SR); i < (int)(t1 * SR) && i < MAXN; i++) {
		double t = (double)i / SR, f = f0_hz * (1 + 0.05 * sin(2 * M_PI * 1.3 * t));
		ph += 2 * M_PI * f / SR;
		double s = 0;
		for (int h = 1; h * f < 3400; h++) s += sin(h * ph) / h;
		double env = 0.55 + 0.45 * sin(2 * M_PI * 4 * (t - t0) - M_PI / 2);
		double v = buf[i] + amp * 32767 * 0.5 * s * env;
		buf[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

static void tone(double t0, double t1, double hz, double amp)
{
	for (int i = (int)(t0 * SR); i < (int)(t1 * SR) && i < MAXN; i++)
		buf[i] = (int16_t)(buf[i] + amp * 32767 * sin(2 * M_PI * hz * i / SR));
}

static void fill_noise(double amp)
{
	for (int i = 0; i < MAXN; i++) buf[i] = (int16_t)(amp * 32767 * noise());
}

/* Runs AMD over the first `secs` of buf in `chunk`-sample pieces. */
static struct vd_amd_result run(double secs, size_t chunk)
{
	struct vd_amd a;
	struct vd_amd_result r;
	CHECK_INT(vd_amd_init(&a, NULL), 0);
	size_t n = (size_t)(secs * SR);
	for (size_t off = 0; off < n; off += chunk)
		if (vd_amd_feed(&a, buf + off, n - off < chunk ? n - off : chunk) != VD_AMD_PENDING) break;
	vd_amd_finish(&a);
	vd_amd_result(&a, &r);
	return r;
}

static void human_greeting(void)
{
	fill_noise(0.001);
	voice(0.8, 1.5, 140, 0.3);  /* "Hello?" then silence */
	struct vd_amd_result r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_HUMAN);
	CHECK_STR(r.cause, "greeting_then_silence");
	CHECK(r.onset_ms >= 700 && r.onset_ms <= 1000);
	/* decided one wait (800 ms) after the greeting ends, not before */
	CHECK(r.decision_ms >= 2200 && r.decision_ms <= 2600);
}

static void machine_long_speech(void)
{
	fill_noise(0.001);
	voice(0.5, 6.0, 200, 0.3);  /* a recorded announcement */
	struct vd_amd_result r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_MACHINE);
	CHECK_STR(r.cause, "long_speech");
	CHECK(r.decision_ms - r.onset_ms >= 2500 && r.decision_ms - r.onset_ms <= 2700);
}

static void machine_beep(void)
{
	fill_noise(0.001);
	voice(0.5, 1.2, 120, 0.3);  /* "Leave a message" cut short ... */
	tone(1.4, 1.8, 1000, 0.3);  /* ... and the beep, before any wait ends */
	struct vd_amd_result r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_MACHINE);
	CHECK_STR(r.cause, "beep");
	CHECK(r.decision_ms >= 1500 && r.decision_ms <= 1700);
}

static void sit_tone_first(void)
{
	fill_noise(0.001);
	tone(0.3, 0.6, 913.8, 0.3);  /* SIT, first segment */
	struct vd_amd_result r = run(4, 160);
	CHECK_INT(r.verdict, VD_AMD_MACHINE);
	CHECK_STR(r.cause, "tone");
	CHECK(r.decision_ms <= 600);
}

/* Hold music: notes of two partials (a fifth apart), 350 ms each, no
 * single one holding the 70% a pure tone needs. */
static void hold_music(void)
{
	static const double notes[] = {523.3, 392.0, 659.3, 440.0, 587.3, 493.9};
	fill_noise(0.001);
	for (int i = 0; i < 6; i++) {
		double t0 = 0.4 + 0.35 * i;
		tone(t0, t0 + 0.35, notes[i], 0.15);
		tone(t0, t0 + 0.35, notes[i] * 1.5, 0.1);
	}
	struct vd_amd_result r = run(6, 160);
	CHECK_INT(r.verdict, VD_AMD_MACHINE);
	CHECK_STR(r.cause, "music");
	/* one steady_ms (240 ms) into the first note */
	CHECK(r.decision_ms >= 600 && r.decision_ms <= 800);
}

/* A sustained vowel still moves (pitch drift of a few percent) and is not
 * mistaken for a held note: a long "Allooo?" stays a greeting. */
static void long_vowel_is_speech(void)
{
	fill_noise(0.001);
	double ph = 0;
	for (int i = (int)(0.8 * SR); i < (int)(1.6 * SR); i++) {
		double t = (double)i / SR, f = 180 * (1 + 0.04 * sin(2 * M_PI * 3 * t));
		ph += 2 * M_PI * f / SR;
		double s = 0;
		for (int h = 2; h * f < 3400; h++) s += sin(h * ph) / h;
		buf[i] = (int16_t)(buf[i] + 0.3 * 32767 * 0.5 * s);
	}
	struct vd_amd_result r = run(6, 160);
	CHECK_INT(r.verdict, VD_AMD_HUMAN);
	CHECK_STR(r.cause, "greeting_then_silence");
}

static void silence_and_noise_unknown(void)
{
	fill_noise(0.0);
	struct vd_amd_result r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_UNKNOWN);
	CHECK_STR(r.cause, "silence_timeout");
	CHECK_INT(r.decision_ms, 6000);
	fill_noise(0.05);  /* steady hiss: a floor, not speech */
	r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_UNKNOWN);
	CHECK_STR(r.cause, "silence_timeout");
}

static void greeting_in_noise(void)
{
	fill_noise(0.02);  /* white noise about 17 dB below the voice */
	voice(1.0, 1.9, 210, 0.3);
	struct vd_amd_result r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_HUMAN);
	fill_noise(0.02);
	voice(1.0, 6.0, 110, 0.3);
	r = run(8, 160);
	CHECK_INT(r.verdict, VD_AMD_MACHINE);
}

static void chunking_does_not_matter(void)
{
	fill_noise(0.001);
	voice(0.8, 1.5, 140, 0.3);
	struct vd_amd_result a = run(8, 160), b = run(8, 37), c = run(8, 8000);
	CHECK_INT(a.verdict, b.verdict);
	CHECK_INT(a.decision_ms, b.decision_ms);
	CHECK_INT(a.verdict, c.verdict);
	CHECK_INT(a.decision_ms, c.decision_ms);
}

static void input_ends_early(void)
{
	fill_noise(0.001);
	voice(0.5, 2.0, 140, 0.3);  /* the callee hangs up mid-sentence */
	struct vd_amd a;
	vd_amd_init(&a, NULL);
	CHECK_INT(vd_amd_feed(&a, buf, SR * 2), VD_AMD_PENDING);
	CHECK_INT(vd_amd_finish(&a), VD_AMD_MACHINE);  /* mostly speech */
	struct vd_amd_result r;
	vd_amd_result(&a, &r);
	CHECK_STR(r.cause, "max_time");
	CHECK_INT(vd_amd_finish(&a), VD_AMD_MACHINE);  /* idempotent */
	/* after a verdict, more audio changes nothing */
	CHECK_INT(vd_amd_feed(&a, buf, SR), VD_AMD_MACHINE);
}

static void params(void)
{
	struct vd_amd a;
	struct vd_amd_params p;
	vd_amd_params_default(&p);
	CHECK_INT(vd_amd_init(&a, &p), 0);
	p.wait_ms = 0;
	CHECK_INT(vd_amd_init(&a, &p), -EINVAL);
	vd_amd_params_default(&p);
	p.speech_db = 50;
	CHECK_INT(vd_amd_init(&a, &p), -EINVAL);
	vd_amd_params_default(&p);
	p.steady_ms = 0;
	CHECK_INT(vd_amd_init(&a, &p), -EINVAL);
	CHECK_STR(vd_amd_verdict_name(VD_AMD_HUMAN), "human");
	CHECK_STR(vd_amd_verdict_name(VD_AMD_MACHINE), "machine");
	CHECK_STR(vd_amd_verdict_name(VD_AMD_UNKNOWN), "unknown");
}

int main(void)
{
	human_greeting();
	machine_long_speech();
	machine_beep();
	sit_tone_first();
	hold_music();
	long_vowel_is_speech();
	silence_and_noise_unknown();
	greeting_in_noise();
	chunking_does_not_matter();
	input_ends_early();
	params();
	return vt_done();
}
