/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Answering-machine detection (AMD) on the callee's audio from the moment
 * the call is answered. The telephony thread feeds 8 kHz 16-bit mono audio
 * as it arrives (any chunking; 20 ms RTP frames are the usual case) and gets
 * a verdict as soon as one is reached:
 *
 *   - human:   a short greeting followed by silence ("Hello?" ... they wait
 *              for us to speak), cause "greeting_then_silence";
 *   - machine: long continuous-ish speech (a recorded greeting or carrier
 *              announcement), cause "long_speech"; or a steady tone (the
 *              voicemail beep, SIT tones, cause "beep" / "tone");
 *   - at the maximum analysis time (or end of input) still undecided: the
 *     proportion of speech heard decides (cause "max_time"), or "unknown"
 *     with cause "silence_timeout" if the callee never spoke.
 *
 * The algorithm and the reasoning behind every parameter are in
 * docs/internals/amd.md. `voxdial amd FILE.wav` runs exactly this code.
 *
 * Pure C on sample buffers (libc + libm). One object per call, embedded by
 * value, used by one thread at a time; no allocation. */
#ifndef VD_AMD_H
#define VD_AMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/vad.h"

/* The tone and steady-sound detectors' spectrum: 256 samples (32 ms,
 * 31.25 Hz bins); the steady check compares bins 10..109 = 312..3406 Hz,
 * the telephone band. */
#define VD_AMD_FFT 256
#define VD_AMD_BIN_LO 10
#define VD_AMD_NBINS 100

enum vd_amd_verdict {
	VD_AMD_PENDING = 0,     /* still listening */
	VD_AMD_HUMAN,
	VD_AMD_MACHINE,
	VD_AMD_UNKNOWN,         /* decided that it cannot tell (silence) */
};

/* Tuning, all times in ms of audio. vd_amd_params_default() fills the
 * values documented in docs/internals/amd.md; callers change fields from
 * there. */
struct vd_amd_params {
	float speech_db;        /* a frame this far above the noise floor is speech */
	int min_word_ms;        /* a burst shorter than this is a click, not speech */
	int wait_ms;            /* silence after speech that means "waiting for us" */
	int long_speech_ms;     /* a run of speech (pauses < wait_ms) this long = machine */
	int tone_ms;            /* a steady tone this long = beep or SIT = machine */
	int steady_ms;          /* a loud sound with an unchanging spectrum this long
				 * (hold music, multi-partial tones) = machine */
	int max_ms;             /* maximum analysis time from the answer */
};

/* What was decided. `cause` is a static string; decision_ms counts audio
 * from the answer (the first sample fed); onset_ms is when the callee's
 * first word started (-1 if they never spoke). */
struct vd_amd_result {
	enum vd_amd_verdict verdict;
	int decision_ms;
	int onset_ms;
	const char *cause;
};

/* The detector. Embedded value; all fields are private. */
struct vd_amd {
	struct vd_amd_params p;
	struct vd_vad vad;
	int16_t buf[VD_VAD_FRAME];  /* partial frame */
	size_t nbuf;
	int frame;                  /* frames processed */
	/* the current burst of speech frames and whether it is a word yet */
	int burst_start, burst_speech, burst_gap;
	bool burst_word, burst_peak;
	/* the run of speech: its first word, its last word frame, speech frames */
	int onset, last_speech, total_speech;
	/* tone tracking */
	int tone_bin, tone_frames, tone_start;
	/* the spectrum: the last 32 ms high-passed and its Hann window; for
	 * the steady-sound check the previous loud frame's magnitude spectrum
	 * and the run of unchanged spectra */
	float hist[VD_AMD_FFT];
	float fwin[VD_AMD_FFT];
	float prev_mag[VD_AMD_NBINS];
	bool prev_loud;
	int steady_frames;
	struct vd_amd_result res;
};

/* The documented defaults. */
void vd_amd_params_default(struct vd_amd_params *p);

/* Starts a detection; `p` NULL means the defaults (copied). -EINVAL when a
 * parameter is out of range (times must be positive multiples of nothing in
 * particular but within 20..60000 ms; speech_db 3..30). */
int vd_amd_init(struct vd_amd *a, const struct vd_amd_params *p);

/* Feeds `n` samples of 8 kHz 16-bit mono audio (n may be 0 or any size).
 * Returns VD_AMD_PENDING until a verdict is reached, then that verdict, on
 * this and every later call (later audio is ignored). */
enum vd_amd_verdict vd_amd_feed(struct vd_amd *a, const int16_t *pcm8k, size_t n);

/* The input ended (the callee hung up, or the file ended) before a verdict:
 * decides from what was heard, as at max_ms. Returns the verdict (never
 * PENDING). Idempotent. */
enum vd_amd_verdict vd_amd_finish(struct vd_amd *a);

/* The current result (verdict PENDING while undecided). */
void vd_amd_result(const struct vd_amd *a, struct vd_amd_result *out);

/* "human", "machine", "unknown" (PENDING is "pending"). */
const char *vd_amd_verdict_name(enum vd_amd_verdict v);

#endif
