/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Frame energy against an adaptive noise floor; see vad.h. */
#include "media/vad.h"

#include <errno.h>
#include <math.h>

/* High-pass corner. The telephone band starts at 300 Hz; 200 Hz keeps the
 * lowest male fundamentals' harmonics while removing DC, hum and most of the
 * energy of brown and traffic noise, which would otherwise set the floor. */
#define HP_HZ 200.0
/* Nothing quieter than this is speech, whatever the floor: G.711 idle
 * noise and digital silence sit near -70 dBFS; a quiet talker on a
 * telephone line is still above -45 dBFS. */
#define MIN_SPEECH_DBFS (-55.0f)
/* How fast the floor follows the energy of frames that are not speech:
 * down with a time constant of 10 frames (200 ms), up with 20 (400 ms).
 * The floor so sits near the mean level of the noise rather than its
 * minimum, which matters for babble and street noise whose 20 ms energy
 * swings by 10 dB or more: measured from the dips, every swell of the
 * background would look like speech. */
#define FALL 0.1f
#define RISE 0.05f
/* Frames between syllables are quieter than speech but louder than the
 * noise; letting them raise the floor would walk it up through a long
 * sentence. So it rises only after 200 ms without speech (the classic VAD
 * hangover for noise estimation), and speech frames never move it up: a
 * long greeting or hold music does not become "noise" while AMD listens.
 * (A lasting jump of the noise by more than the speech margin looks like
 * speech to an energy detector; within AMD's seconds that is rare.) */
#define HANGOVER_FRAMES 10

int vd_vad_init(struct vd_vad *v, float speech_db)
{
	if (!(speech_db >= 3.0f && speech_db <= 30.0f)) return -EINVAL;
	/* RBJ cookbook 2nd-order Butterworth high-pass (Q = 1/sqrt(2)). */
	double k = tan(M_PI * HP_HZ / VD_VAD_SRATE_HZ), q = M_SQRT1_2;
	double norm = 1.0 / (1.0 + k / q + k * k);
	*v = (struct vd_vad){0};
	v->b0 = (float)norm;
	v->b1 = (float)(-2.0 * norm);
	v->b2 = (float)norm;
	v->a1 = (float)(2.0 * (k * k - 1.0) * norm);
	v->a2 = (float)((1.0 - k / q + k * k) * norm);
	v->speech_db = speech_db;
	v->min_db = MIN_SPEECH_DBFS;
	v->quiet_frames = HANGOVER_FRAMES;
	return 0;
}

void vd_vad_frame(struct vd_vad *v, const int16_t *pcm, float *hp, struct vd_vad_frame *out)
{
	double sum = 0;
	for (size_t i = 0; i < VD_VAD_FRAME; i++) {
		float x = (float)pcm[i] / 32768.0f;
		float y = v->b0 * x + v->b1 * v->x1 + v->b2 * v->x2 - v->a1 * v->y1 - v->a2 * v->y2;
		v->x2 = v->x1;
		v->x1 = x;
		v->y2 = v->y1;
		v->y1 = y;
		if (hp) hp[i] = y;
		sum += (double)y * y;
	}
	/* +1e-10: digital silence is -100 dBFS, not -inf. */
	float e = (float)(10.0 * log10(sum / VD_VAD_FRAME + 1e-10));
	if (v->nframes++ == 0)
		v->floor_db = e;
	else if (e < v->floor_db)
		v->floor_db += FALL * (e - v->floor_db);
	else if (e < v->floor_db + v->speech_db && v->quiet_frames >= HANGOVER_FRAMES)
		v->floor_db += RISE * (e - v->floor_db);
	out->speech = e > v->floor_db + v->speech_db && e > v->min_db;
	v->quiet_frames = out->speech ? 0 : v->quiet_frames + 1;
	out->energy_db = e;
	out->floor_db = v->floor_db;
}
