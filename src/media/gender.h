/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Gender estimation from the callee's voiced speech, by pitch and vocal
 * tract. Every 20 ms frame that the VAD front end (vad.h) calls speech is
 * searched for a period with YIN (de Cheveigné & Kawahara 2002) over the
 * last 40 ms; the frames with a clear period give an F0 estimate each and,
 * by LPC, a formant scale (F1..F3 against a neutral 17.5 cm tract). The
 * median F0 times the median formant scale is compared with a threshold:
 * women's voices are higher in both, and the two together separate the
 * overlap of adult male (85-180 Hz) and female (165-255 Hz) speaking
 * pitch better than pitch alone.
 *
 * Works on telephone audio: the 300 Hz high-pass of the line removes the
 * fundamental of most voices, but the waveform still repeats at the
 * fundamental period, which is what YIN measures.
 *
 * Pure C on sample buffers (libc + libm). One object per call, embedded by
 * value, used by one thread at a time; no allocation. `voxdial gender
 * FILE.wav` runs exactly this code; docs/internals/amd.md has the details. */
#ifndef VD_GENDER_H
#define VD_GENDER_H

#include <stddef.h>
#include <stdint.h>

#include "media/vad.h"

enum vd_gender_verdict {
	VD_GENDER_UNKNOWN = 0,  /* not enough voiced speech */
	VD_GENDER_MALE,
	VD_GENDER_FEMALE,
};

struct vd_gender_params {
	float threshold_hz;     /* median F0 times the formant scale (vt_scale, when
				 * measured) below this is male */
	int min_voiced_ms;      /* less voiced speech than this: unknown */
};

#define VD_GENDER_WIN 320       /* analysis window: 40 ms, two periods at 50 Hz */
#define VD_GENDER_MAX_F0 500    /* estimates kept: 10 s of voiced frames */
#define VD_GENDER_LPC_WIN 256   /* formant analysis window: 32 ms */

struct vd_gender_result {
	enum vd_gender_verdict gender;
	float f0_hz;            /* median F0 of the voiced frames, 0 if none */
	int voiced_ms;          /* voiced speech the estimate rests on */
	float vt_scale;         /* formant scale: geometric mean of F1/500, F2/1500,
				 * F3/2500 Hz (1 = a neutral 17.5 cm vocal tract;
				 * women ~1.15); 0 if too few frames showed all three */
};

/* The estimator. Embedded value; all fields are private. */
struct vd_gender {
	struct vd_gender_params p;
	struct vd_vad vad;
	int16_t buf[VD_VAD_FRAME];      /* partial frame */
	size_t nbuf;
	float hist[VD_GENDER_WIN];      /* the last 40 ms, high-passed */
	float f0[VD_GENDER_MAX_F0];
	int nf0;
	float lpcwin[VD_GENDER_LPC_WIN];        /* Hamming window */
	float vt[VD_GENDER_MAX_F0];     /* per-frame ln(formant scale) */
	int nvt;
};

void vd_gender_params_default(struct vd_gender_params *p);

/* Starts an estimate; `p` NULL means the defaults. -EINVAL when
 * threshold_hz is outside 60..400 or min_voiced_ms outside 20..60000. */
int vd_gender_init(struct vd_gender *g, const struct vd_gender_params *p);

/* Feeds `n` samples of 8 kHz 16-bit mono audio, any chunking. After
 * VD_GENDER_MAX_F0 voiced frames further audio changes nothing. */
void vd_gender_feed(struct vd_gender *g, const int16_t *pcm8k, size_t n);

/* The estimate from everything fed so far. */
void vd_gender_result(const struct vd_gender *g, struct vd_gender_result *out);

/* "male", "female", "unknown". */
const char *vd_gender_name(enum vd_gender_verdict v);

/* The F0 (Hz) of one analysis window of VD_GENDER_WIN samples by YIN, or 0
 * if it has no clear period in 60..400 Hz. Exposed for tests. */
float vd_gender_yin(const float *x);

#endif
