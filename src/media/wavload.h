/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reads any WAV file libsndfile can decode (any rate, 1-8 channels, any
 * sample format) into memory as 8 kHz mono 16-bit PCM, the format the
 * detectors (amd.h, gender.h) and the media loop work in. Channels are
 * averaged; speexdsp resamples. For the offline tools (`voxdial amd`,
 * `voxdial gender`); files are bounded to one hour. */
#ifndef VD_WAVLOAD_H
#define VD_WAVLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Loads `path`. On success *out is a malloc'd array of *n samples (n >= 1)
 * that the caller frees. -EINVAL (not a readable WAV, or no audio; *why
 * says which), -ENOMEM, -EFBIG (longer than an hour). */
int vd_wav_load_8k(const char *path, int16_t **out, size_t *n, const char **why);
/* The same for a WAV held in memory (`size` bytes at `data`). */
int vd_wav_decode_8k(const void *data, size_t size, int16_t **out, size_t *n, const char **why);

#endif
