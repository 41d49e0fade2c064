/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Answering-machine detection; see amd.h and docs/internals/amd.md.
 *
 * Per 20 ms frame: the VAD front end (vad.h) says speech or not; speech
 * bursts shorter than min_word_ms or without a loud nucleus are ignored (clicks, a babble peak, a car
 * horn), confirmed words extend the current run of speech, and a pause of
 * wait_ms ends it. Timing decides: the run growing past long_speech_ms is a
 * machine, a run ending in a wait_ms silence is a human. Loud frames are
 * also checked for a steady pure tone, which no human greeting contains. */
#include "media/amd.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Tone detector: a Hann-windowed DFT of the frame (50 Hz bins) searched
 * from 600 to 2500 Hz, covering voicemail beeps (usually 800-2000 Hz) and
 * SIT tones (913-1777 Hz) while staying above the first formant of most
 * vowels, where a single harmonic can dominate a frame. A frame is tonal
 * when the peak's main lobe (three bins) holds TONE_CONC of the frame's
 * energy: a tone 10 dB above white noise gives ~0.9, voiced speech spreads
 * its energy over several harmonics and formants and stays below ~0.5. */
#define TONE_BIN_LO 12
#define TONE_BIN_HI 50
#define TONE_CONC 0.7f
/* A word must reach this far above the speech threshold somewhere (its
 * vowel nucleus): speech worth answering stands >= 12 dB above the noise,
 * so its loudest frames are 15 dB or more above the floor, while swells of
 * babble or traffic that cross the speech threshold rarely get that far. */
#define WORD_PEAK_DB 6.0f
/* A word may contain this many frames below the speech threshold in a row
 * (100 ms: stop closures and weak fricatives inside a word). */
#define BURST_GAP_FRAMES 5
/* At max_ms (or end of input) without a verdict: more than this share of
 * the time since the callee began was speech means a talking machine; a
 * human who is unsure of the line says little and waits. */
#define MAX_TIME_SPEECH_SHARE 0.5

void vd_amd_params_default(struct vd_amd_params *p)
{
	*p = (struct vd_amd_params){
		.speech_db = 9.0f,
		.min_word_ms = 100,
		.wait_ms = 900,
		.long_speech_ms = 2800,
		.tone_ms = 160,
		.max_ms = 6000,
	};
}

static bool ms_ok(int ms) { return ms >= 20 && ms <= 60000; }

int vd_amd_init(struct vd_amd *a, const struct vd_amd_params *p)
{
	struct vd_amd_params d;
	if (!p) {
		vd_amd_params_default(&d);
		p = &d;
	}
	if (!ms_ok(p->min_word_ms) || !ms_ok(p->wait_ms) || !ms_ok(p->long_speech_ms) ||
	    !ms_ok(p->tone_ms) || !ms_ok(p->max_ms))
		return -EINVAL;
	memset(a, 0, sizeof *a);
	int err = vd_vad_init(&a->vad, p->speech_db);
	if (err) return err;
	a->p = *p;
	for (int i = 0; i < VD_VAD_FRAME; i++)
		a->win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / VD_VAD_FRAME));
	a->burst_start = -1;
	a->onset = -1;
		a->last_speech = -1;
	a->tone_bin = -1;
	a->res = (struct vd_amd_result){.verdict = VD_AMD_PENDING, .onset_ms = -1, .cause = ""};
	return 0;
}

/* The DFT bin (TONE_BIN_LO..TONE_BIN_HI) of a pure tone in the frame, or -1. */
static int tone_bin(const struct vd_amd *a, const float *hp)
{
	float x[VD_VAD_FRAME];
	double energy = 0;
	for (int i = 0; i < VD_VAD_FRAME; i++) {
		x[i] = hp[i] * a->win[i];
		energy += (double)x[i] * x[i];
	}
	if (energy <= 0) return -1;
	double pw[TONE_BIN_HI + 2];
	for (int k = TONE_BIN_LO - 1; k <= TONE_BIN_HI + 1; k++) {
		/* Goertzel: |X_k|^2 in 2N multiply-adds. */
		double c = 2.0 * cos(2.0 * M_PI * k / VD_VAD_FRAME), s1 = 0, s2 = 0;
		for (int i = 0; i < VD_VAD_FRAME; i++) {
			double s = x[i] + c * s1 - s2;
			s2 = s1;
			s1 = s;
		}
		pw[k] = s1 * s1 + s2 * s2 - c * s1 * s2;
	}
	int best = TONE_BIN_LO;
	for (int k = TONE_BIN_LO; k <= TONE_BIN_HI; k++)
		if (pw[k] > pw[best]) best = k;
	/* Parseval: sum over all N bins of |X_k|^2 = N * energy; a real tone
	 * appears twice (positive and negative frequency). */
	double lobe = 2.0 * (pw[best - 1] + pw[best] + pw[best + 1]);
	return lobe >= TONE_CONC * VD_VAD_FRAME * energy ? best : -1;
}

static enum vd_amd_verdict decide(struct vd_amd *a, enum vd_amd_verdict v, const char *cause)
{
	a->res.verdict = v;
	a->res.cause = cause;
	a->res.decision_ms = a->frame * VD_VAD_FRAME_MS;
	a->res.onset_ms = a->onset < 0 ? -1 : a->onset * VD_VAD_FRAME_MS;
	return v;
}

/* Decision from what was heard so far (max_ms reached or input ended). */
static enum vd_amd_verdict decide_by_heard(struct vd_amd *a)
{
	if (a->onset < 0) return decide(a, VD_AMD_UNKNOWN, "silence_timeout");
	double share = (double)a->total_speech / (a->frame - a->onset);
	return decide(a, share > MAX_TIME_SPEECH_SHARE ? VD_AMD_MACHINE : VD_AMD_HUMAN, "max_time");
}

static enum vd_amd_verdict process_frame(struct vd_amd *a, const int16_t *pcm)
{
	float hp[VD_VAD_FRAME];
	struct vd_vad_frame f;
	vd_vad_frame(&a->vad, pcm, hp, &f);
	int now = a->frame++;
	const int ms = VD_VAD_FRAME_MS;

	/* Tone: the same bin (+-1) in consecutive loud frames. */
	int bin = f.speech ? tone_bin(a, hp) : -1;
	if (bin >= 0 && a->tone_bin >= 0 && bin >= a->tone_bin - 1 && bin <= a->tone_bin + 1) {
		a->tone_frames++;
	} else {
		a->tone_bin = bin;
		a->tone_frames = bin >= 0 ? 1 : 0;
		a->tone_start = now;
	}
	/* "beep" when the callee spoke before the tone (a greeting, then the
	 * beep), "tone" when the tone came first (SIT, a carrier's signal). */
	if (a->tone_frames * ms >= a->p.tone_ms)
		return decide(a, VD_AMD_MACHINE,
			      a->onset >= 0 && a->onset < a->tone_start ? "beep" : "tone");

	/* Words: a burst of speech frames becomes a word at min_word_ms; from
	 * then on its speech frames count and extend the run. */
	if (f.speech) {
		if (a->burst_start < 0) {
			a->burst_start = now;
			a->burst_speech = 0;
			a->burst_word = false;
			a->burst_peak = false;
		}
		a->burst_speech++;
		a->burst_gap = 0;
		if (f.energy_db >= f.floor_db + a->p.speech_db + WORD_PEAK_DB) a->burst_peak = true;
		if (a->burst_word) {
			a->total_speech++;
			a->last_speech = now;
		} else if (a->burst_peak && a->burst_speech * ms >= a->p.min_word_ms) {
			a->burst_word = true;
			a->total_speech += a->burst_speech;
			a->last_speech = now;
			if (a->onset < 0) a->onset = a->burst_start;
		}
	} else if (a->burst_start >= 0 && ++a->burst_gap > BURST_GAP_FRAMES) {
		a->burst_start = -1;
	}

	/* The run: from the first word on, pauses shorter than wait_ms are part
	 * of it; it ends (human) at the first pause that long. */
	if (a->onset >= 0) {
		if ((a->last_speech - a->onset + 1) * ms >= a->p.long_speech_ms)
			return decide(a, VD_AMD_MACHINE, "long_speech");
		if ((now - a->last_speech) * ms >= a->p.wait_ms)
			return decide(a, VD_AMD_HUMAN, "greeting_then_silence");
	}
	if (a->frame * ms >= a->p.max_ms) return decide_by_heard(a);
	return VD_AMD_PENDING;
}

enum vd_amd_verdict vd_amd_feed(struct vd_amd *a, const int16_t *pcm8k, size_t n)
{
	while (n && a->res.verdict == VD_AMD_PENDING) {
		size_t take = VD_VAD_FRAME - a->nbuf;
		if (take > n) take = n;
		memcpy(a->buf + a->nbuf, pcm8k, take * sizeof *pcm8k);
		a->nbuf += take;
		pcm8k += take;
		n -= take;
		if (a->nbuf == VD_VAD_FRAME) {
			a->nbuf = 0;
			process_frame(a, a->buf);
		}
	}
	return a->res.verdict;
}

enum vd_amd_verdict vd_amd_finish(struct vd_amd *a)
{
	if (a->res.verdict == VD_AMD_PENDING) decide_by_heard(a);
	return a->res.verdict;
}

void vd_amd_result(const struct vd_amd *a, struct vd_amd_result *out) { *out = a->res; }

const char *vd_amd_verdict_name(enum vd_amd_verdict v)
{
	switch (v) {
	case VD_AMD_HUMAN: return "human";
	case VD_AMD_MACHINE: return "machine";
	case VD_AMD_UNKNOWN: return "unknown";
	case VD_AMD_PENDING: break;
	}
	return "pending";
}
