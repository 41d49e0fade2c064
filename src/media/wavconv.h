/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Converts any PCM WAV (any rate, any channel count, 8/16/24/32-bit or
 * float) to voxdial's audio format: 8 kHz mono 16-bit PCM WAV. Decoding by
 * libsndfile, resampling by speexdsp. */
#ifndef VD_WAVCONV_H
#define VD_WAVCONV_H

#include <stddef.h>
#include <stdint.h>

/* Reads the WAV in `data` and writes the converted file to `path`.
 * *duration_ms receives its length. -EINVAL (not a readable WAV, with a
 * reason in *why), -EIO (cannot write). */
int vd_wav_convert_8k(const void *data, size_t len, const char *path, int64_t *duration_ms,
		      const char **why);

#endif
