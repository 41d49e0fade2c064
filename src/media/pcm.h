/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A refcounted, immutable buffer of 8 kHz 16-bit mono audio, shared between
 * the thread that prepared it (TTS, WAV load) and any number of calls that
 * play it. The reference count is atomic; the samples never change after
 * creation, so readers need no lock. */
#ifndef VD_PCM_H
#define VD_PCM_H

#include <stddef.h>
#include <stdint.h>

struct vd_pcm {
	int refs;                /* atomic */
	size_t nsamples;
	int16_t samples[];
};

/* A new buffer holding a copy of `n` samples (refs = 1); NULL on ENOMEM. */
struct vd_pcm *vd_pcm_alloc(const int16_t *samples, size_t n);
struct vd_pcm *vd_pcm_ref(struct vd_pcm *p);
/* Drops a reference; frees at zero. NULL is fine. Returns NULL. */
struct vd_pcm *vd_pcm_unref(struct vd_pcm *p);
/* Loads a WAV file (any PCM; converted to 8 kHz mono). -EINVAL/-EIO. */
int vd_pcm_load_wav(const char *path, struct vd_pcm **out);

#endif
