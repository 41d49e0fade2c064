/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* WAV normalization for uploaded audio; see wavconv.h. Decoding and
 * resampling are wavload's; this writes the result as a 16-bit WAV. */
#include "media/wavconv.h"
#include "media/wavload.h"

#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>

int vd_wav_convert_8k(const void *data, size_t len, const char *path, int64_t *duration_ms,
		      const char **why)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	int err = vd_wav_decode_8k(data, len, &pcm, &n, why);
	if (err) return err == -EFBIG ? -EINVAL : err;
	SF_INFO out_info = {.samplerate = 8000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *out = sf_open(path, SFM_WRITE, &out_info);
	if (!out) {
		free(pcm);
		*why = "cannot write the converted file";
		return -EIO;
	}
	sf_count_t written = sf_writef_short(out, pcm, (sf_count_t)n);
	free(pcm);
	if (sf_close(out) != 0 || written != (sf_count_t)n) {
		*why = "cannot write the converted file";
		return -EIO;
	}
	*duration_ms = (int64_t)n / 8;
	return 0;
}
