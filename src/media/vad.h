/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Frame-level voice activity on 8 kHz telephone audio: the front end the
 * answering-machine detector (amd.h) and the gender estimator (gender.h)
 * share. Each 20 ms frame is high-passed (DC, mains hum and the rumble of
 * brown/street noise sit below the 300 Hz telephone band), its energy is
 * compared with an adaptive noise floor, and the frame is called speech when
 * it stands far enough above that floor.
 *
 * The noise floor follows the level of the frames that are not speech
 * (time constants of a few hundred ms, so leading silence calibrates it at
 * once and it settles near the mean of the noise, not its dips); speech
 * frames, and the 200 ms after them, do not raise it, so a long greeting or
 * hold music is not mistaken for a noise change.
 *
 * Pure C on sample buffers (libc + libm). Not thread-safe per object; one
 * object per audio stream, owned by whichever thread feeds it. */
#ifndef VD_VAD_H
#define VD_VAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_VAD_SRATE_HZ 8000
#define VD_VAD_FRAME 160            /* samples per frame: 20 ms at 8 kHz */
#define VD_VAD_FRAME_MS 20

/* Embedded value; fields are private (read them through the functions). */
struct vd_vad {
	float b0, b1, b2, a1, a2;   /* high-pass biquad */
	float x1, x2, y1, y2;       /* its state */
	float floor_db;             /* noise floor, dBFS */
	float speech_db;            /* margin above the floor that means speech */
	float min_db;               /* below this absolute level nothing is speech */
	unsigned nframes;
	unsigned quiet_frames;       /* frames since the last speech frame */
};

/* Per-frame measurements, written by vd_vad_frame(). */
struct vd_vad_frame {
	float energy_db;            /* high-passed frame energy, dBFS */
	float floor_db;             /* the noise floor after this frame */
	bool speech;                /* energy_db > floor + margin and above min */
};

/* Sets up a detector. `speech_db` is the margin above the noise floor
 * (dB, 3..30) that makes a frame speech. -EINVAL if it is out of range. */
int vd_vad_init(struct vd_vad *v, float speech_db);

/* Processes one frame of VD_VAD_FRAME samples (16-bit, 8 kHz). Writes the
 * high-passed samples to `hp` (VD_VAD_FRAME floats, full scale 1.0; may be
 * NULL) and the measurements to `out`. Never fails. */
void vd_vad_frame(struct vd_vad *v, const int16_t *pcm, float *hp, struct vd_vad_frame *out);

#endif
