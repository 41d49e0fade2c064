/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A call recording: both directions mixed into one 8 kHz 16-bit mono WAV,
 * written as the call goes. Audio is put at absolute sample positions
 * (counted from the answer), so packets that arrive late or out of order
 * land where they belong; the oldest part of a 2-second ring is written out
 * as newer audio arrives. Memory per call is bounded (32 KiB). Not
 * thread-safe: one call, one thread. */
#ifndef VD_RECORDER_H
#define VD_RECORDER_H

#include <stddef.h>
#include <stdint.h>

struct vd_recorder;

int vd_recorder_open(struct vd_recorder **out, const char *path);
/* Mixes `n` samples in at position `pos`. Audio older than what is already
 * written is dropped. */
void vd_recorder_put(struct vd_recorder *r, uint64_t pos, const int16_t *s, size_t n);
/* Writes everything before `upto` (call it with "now minus the jitter
 * allowance"). */
void vd_recorder_flush(struct vd_recorder *r, uint64_t upto);
/* Writes the rest, completes the file, frees. *nsamples gets the length.
 * 0, or -EIO if the file could not be written (it is removed). */
int vd_recorder_close(struct vd_recorder *r, uint64_t *nsamples);

#endif
