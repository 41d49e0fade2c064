/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* In-band DTMF: key presses heard as dual tones in the callee's audio, for
 * trunks that do not send RFC 4733 events (core/rfc4733.h is that path).
 * A thin wrapper over spandsp's dtmf_rx (Goertzel filters with twist and
 * duration checks) so that the rest of voxdial does not see spandsp.
 *
 * One detector per listening call, fed 8 kHz 16-bit mono audio in any
 * chunking (20 ms RTP frames in practice). It is cheap enough for the
 * telephony thread (docs/internals/asr.md has the cost per frame). Opaque,
 * allocated by vd_dtmf_alloc and released by vd_dtmf_free; used by one
 * thread at a time. `voxdial dtmf FILE.wav` runs exactly this code. */
#ifndef VD_DTMF_H
#define VD_DTMF_H

#include <stddef.h>
#include <stdint.h>

struct vd_dtmf;

/* A new detector. 0, or -ENOMEM. */
int vd_dtmf_alloc(struct vd_dtmf **out);
/* Releases it; NULL is a no-op. */
void vd_dtmf_free(struct vd_dtmf *d);

/* Feeds `n` samples. The digits whose tones ended in this chunk ('0'-'9',
 * '*', '#', 'A'-'D') are written to `digits` (`size` bytes, NUL-terminated;
 * a digit needs about 40 ms of tone, so 8 bytes is plenty for a 20 ms
 * frame) and their count returned; digits beyond size - 1 are kept for the
 * next call. `size` must be at least 1. */
int vd_dtmf_feed(struct vd_dtmf *d, const int16_t *pcm, size_t n, char *digits, size_t size);

#endif
