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

/* Tone detector: the Hann-windowed spectrum of the last 32 ms (31.25 Hz
 * bins) searched from 600 to 2500 Hz, covering voicemail beeps (usually 800-2000 Hz) and
 * SIT tones (913-1777 Hz) while staying above the first formant of most
 * vowels, where a single harmonic can dominate a frame. A frame is tonal
 * when the peak's main lobe (three bins) holds TONE_CONC of the frame's
 * energy: a tone 10 dB above white noise gives ~0.9, voiced speech spreads
 * its energy over several harmonics and formants and stays below ~0.5. */
#define TONE_BIN_LO 19
#define TONE_BIN_HI 80
#define TONE_CONC 0.7f
#define TONE_LAG ((VD_AMD_FFT - 1) / VD_VAD_FRAME + 1)
/* A word must reach this far above the speech threshold somewhere (its
 * vowel nucleus): speech worth answering stands >= 12 dB above the noise,
 * so its loudest frames are 15 dB or more above the floor, while swells of
 * babble or traffic that cross the speech threshold rarely get that far. */
#define WORD_PEAK_DB 6.0f
/* A word may contain this many frames below the speech threshold in a row
 * (100 ms: stop closures and weak fricatives inside a word). */
#define BURST_GAP_FRAMES 5
/* Steady sound: two consecutive loud frames whose magnitude spectra
 * (312-3406 Hz, 32 ms windows 20 ms apart) correlate this well are
 * "unchanged". Speech never holds still: articulators move and pitch
 * drifts, so even a sustained vowel changes its spectrum within ~150 ms
 * (in the public corpus no human greeting stays above 0.985 for 160 ms;
 * at 0.98 the longest is 220 ms). Two frames of independent noise
 * correlate near pi/4 = 0.79 whatever its colour. The notes, chords and
 * multi-partial signals of hold music stay above it for as long as a note
 * lasts (300-400 ms in the corpus), which steady_ms (240 ms) sits below. */
#define STEADY_RHO 0.985f
/* At max_ms (or end of input) without a verdict: more than this share of
 * the time since the callee began was speech means a talking machine; a
 * human who is unsure of the line says little and waits. */
#define MAX_TIME_SPEECH_SHARE 0.5

void vd_amd_params_default(struct vd_amd_params *p)
{
	*p = (struct vd_amd_params){
		.speech_db = 9.0f,
		.min_word_ms = 100,
		.wait_ms = 800,
		.long_speech_ms = 2600,
		.tone_ms = 160,
		.steady_ms = 240,
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
	    !ms_ok(p->tone_ms) || !ms_ok(p->steady_ms) || !ms_ok(p->max_ms))
		return -EINVAL;
	memset(a, 0, sizeof *a);
	int err = vd_vad_init(&a->vad, p->speech_db);
	if (err) return err;
	a->p = *p;
	for (int i = 0; i < VD_AMD_FFT; i++)
		a->fwin[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * (i + 0.5) / VD_AMD_FFT));
	a->burst_start = -1;
	a->onset = -1;
	a->last_speech = -1;
	a->tone_bin = -1;
	a->res = (struct vd_amd_result){.verdict = VD_AMD_PENDING, .onset_ms = -1, .cause = ""};
	return 0;
}

/* In-place radix-2 FFT of VD_AMD_FFT complex points. Twiddles come from a
 * recurrence per stage (in double: 8 stages lose nothing visible), so no
 * table and no shared state. */
static void fft(float *re, float *im)
{
	const int n = VD_AMD_FFT;
	for (int i = 1, j = 0; i < n; i++) {
		int bit = n >> 1;
		for (; j & bit; bit >>= 1) j ^= bit;
		j ^= bit;
		if (i < j) {
			float t = re[i];
			re[i] = re[j];
			re[j] = t;
			t = im[i];
			im[i] = im[j];
			im[j] = t;
		}
	}
	for (int len = 2; len <= n; len <<= 1) {
		double wr = cos(-2.0 * M_PI / len), wi = sin(-2.0 * M_PI / len);
		for (int i = 0; i < n; i += len) {
			double cr = 1.0, ci = 0.0;
			for (int k = 0; k < len / 2; k++) {
				int u = i + k, v = u + len / 2;
				float tr = (float)(cr * re[v] - ci * im[v]);
				float ti = (float)(cr * im[v] + ci * re[v]);
				re[v] = re[u] - tr;
				im[v] = im[u] - ti;
				re[u] += tr;
				im[u] += ti;
				double t = cr * wr - ci * wi;
				ci = cr * wi + ci * wr;
				cr = t;
			}
		}
	}
}

/* The power spectrum |X_k|^2, k = 0..VD_AMD_FFT/2, of the last 32 ms
 * (Hann-windowed) and the windowed signal's energy. One FFT serves both
 * the pure-tone and the steady-sound checks. */
static double spectrum(const struct vd_amd *a, float *pw)
{
	float re[VD_AMD_FFT], im[VD_AMD_FFT];
	double energy = 0;
	for (int i = 0; i < VD_AMD_FFT; i++) {
		re[i] = a->hist[i] * a->fwin[i];
		im[i] = 0.0f;
		energy += (double)re[i] * re[i];
	}
	fft(re, im);
	for (int k = 0; k <= VD_AMD_FFT / 2; k++) pw[k] = re[k] * re[k] + im[k] * im[k];
	return energy;
}

/* The bin (TONE_BIN_LO..TONE_BIN_HI) of a pure tone in the spectrum, or -1. */
static int tone_bin(const float *pw, double energy)
{
	if (energy <= 0) return -1;
	int best = TONE_BIN_LO;
	for (int k = TONE_BIN_LO; k <= TONE_BIN_HI; k++)
		if (pw[k] > pw[best]) best = k;
	/* Parseval: sum over all N bins of |X_k|^2 = N * energy; a real tone
	 * appears twice (positive and negative frequency). */
	double lobe = 2.0 * ((double)pw[best - 1] + pw[best] + pw[best + 1]);
	return lobe >= TONE_CONC * VD_AMD_FFT * energy ? best : -1;
}

/* Spectral correlation of this loud frame's magnitude spectrum with the
 * previous loud frame's (0 when there was none); keeps this one. */
static float spectral_change(struct vd_amd *a, const float *pw)
{
	float mag[VD_AMD_NBINS];
	double sxy = 0, sxx = 0, syy = 0;
	for (int k = 0; k < VD_AMD_NBINS; k++) {
		mag[k] = sqrtf(pw[VD_AMD_BIN_LO + k]);
		sxy += (double)mag[k] * a->prev_mag[k];
		sxx += (double)mag[k] * mag[k];
		syy += (double)a->prev_mag[k] * a->prev_mag[k];
	}
	float rho = a->prev_loud && sxx > 0 && syy > 0 ? (float)(sxy / sqrt(sxx * syy)) : 0.0f;
	memcpy(a->prev_mag, mag, sizeof mag);
	return rho;
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

	/* The spectrum of loud frames: pure tones and steady sounds. */
	memmove(a->hist, a->hist + VD_VAD_FRAME, (VD_AMD_FFT - VD_VAD_FRAME) * sizeof(float));
	memcpy(a->hist + VD_AMD_FFT - VD_VAD_FRAME, hp, sizeof hp);
	float pw[VD_AMD_FFT / 2 + 1];
	double energy = f.speech ? spectrum(a, pw) : 0;

	/* Tone: the same bin (+-1) in consecutive loud frames. */
	int bin = f.speech ? tone_bin(pw, energy) : -1;
	if (bin >= 0 && a->tone_bin >= 0 && bin >= a->tone_bin - 1 && bin <= a->tone_bin + 1) {
		a->tone_frames++;
	} else {
		a->tone_bin = bin;
		a->tone_frames = bin >= 0 ? 1 : 0;
		a->tone_start = now;
	}
	/* "beep" when the callee spoke before the tone (a greeting, then the
	 * beep), "tone" when the tone came first (SIT, a carrier's signal).
	 * The tone's first tonal frame comes up to TONE_LAG frames after it
	 * began (the 32 ms window must fill with it first), while its first
	 * frames already count as speech. */
	if (a->tone_frames * ms >= a->p.tone_ms)
		return decide(a, VD_AMD_MACHINE,
			      a->onset >= 0 && a->onset < a->tone_start - TONE_LAG ? "beep" : "tone");

	/* Steady sound: a loud spectrum that does not change for steady_ms. */
	if (f.speech) {
		a->steady_frames = spectral_change(a, pw) >= STEADY_RHO ? a->steady_frames + 1 : 0;
		a->prev_loud = true;
	} else {
		a->steady_frames = 0;
		a->prev_loud = false;
	}
	if (a->steady_frames * ms >= a->p.steady_ms) return decide(a, VD_AMD_MACHINE, "music");

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
