/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared audio buffers; see pcm.h. */
#include "media/pcm.h"
#include "media/wavconv.h"

#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

struct vd_pcm *vd_pcm_alloc(const int16_t *samples, size_t n)
{
	struct vd_pcm *p = malloc(sizeof *p + n * sizeof(int16_t));
	if (!p) return NULL;
	p->refs = 1;
	p->nsamples = n;
	if (n) memcpy(p->samples, samples, n * sizeof(int16_t));
	return p;
}

struct vd_pcm *vd_pcm_ref(struct vd_pcm *p)
{
	if (p) __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return p;
}

struct vd_pcm *vd_pcm_unref(struct vd_pcm *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) free(p);
	return NULL;
}

int vd_pcm_load_wav(const char *path, struct vd_pcm **out)
{
	SF_INFO info = {0};
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (!f) return -EINVAL;
	if (info.samplerate != 8000 || info.channels != 1 || info.frames <= 0 ||
	    info.frames > 8000LL * 3600) {
		sf_close(f);
		return -EINVAL;   /* callers convert uploads first (wavconv) */
	}
	int16_t *buf = malloc((size_t)info.frames * sizeof(int16_t));
	if (!buf) {
		sf_close(f);
		return -ENOMEM;
	}
	sf_count_t n = sf_readf_short(f, buf, info.frames);
	sf_close(f);
	struct vd_pcm *p = n > 0 ? vd_pcm_alloc(buf, (size_t)n) : NULL;
	free(buf);
	if (!p) return n > 0 ? -ENOMEM : -EINVAL;
	*out = p;
	return 0;
}
