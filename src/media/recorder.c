/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Streaming two-way call recorder; see recorder.h. libsndfile buffers the
 * writes and fixes the WAV header's sizes on close. */
#include "media/recorder.h"

#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING 16384   /* ~2 s at 8 kHz; a power of two so `% RING` is a mask on the RTP path */

/* The two directions are summed as they arrive, clipped at once: with
 * two sources per position clip(clip(a) + b) equals clip(a + b), and
 * 16-bit slots halve the ring (1,000 calls kept 64 MB of 32-bit rings,
 * cache misses on every packet: 6% of a loop, perf). */
static inline int16_t sat_add(int16_t a, int16_t b)
{
	int32_t v = (int32_t)a + b;
	return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

struct vd_recorder {
	SNDFILE *f;
	char *path;
	uint64_t written;        /* samples written to the file */
	uint64_t high;           /* one past the highest position put */
	int16_t ring[RING];      /* ring[pos % RING] for pos in [written, written + RING) */
	int err;
};

int vd_recorder_open(struct vd_recorder **out, const char *path)
{
	struct vd_recorder *r = calloc(1, sizeof *r);
	if (!r) return -ENOMEM;
	SF_INFO info = {.samplerate = 8000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	r->f = sf_open(path, SFM_WRITE, &info);
	r->path = strdup(path);
	if (!r->f || !r->path) {
		if (r->f) sf_close(r->f);
		free(r->path);
		free(r);
		return -EIO;
	}
	*out = r;
	return 0;
}

static void write_upto(struct vd_recorder *r, uint64_t upto)
{
	/* Straight from the ring: at most two contiguous runs. */
	while (r->written < upto) {
		size_t at = (size_t)(r->written % RING);
		size_t n = RING - at;
		if (n > upto - r->written) n = (size_t)(upto - r->written);
		if (sf_writef_short(r->f, r->ring + at, (sf_count_t)n) != (sf_count_t)n) r->err = -EIO;
		memset(r->ring + at, 0, n * sizeof *r->ring);
		r->written += n;
	}
}

void vd_recorder_put(struct vd_recorder *r, uint64_t pos, const int16_t *s, size_t n)
{
	if (pos + n <= r->written) return;
	if (pos < r->written) {
		size_t skip = (size_t)(r->written - pos);
		s += skip;
		n -= skip;
		pos = r->written;
	}
	if (n > RING) {           /* more than the ring: keep the newest part */
		s += n - RING;
		pos += n - RING;
		n = RING;
	}
	if (pos + n > r->written + RING) write_upto(r, pos + n - RING);
	for (size_t i = 0; i < n; i++) {
		int16_t *slot = &r->ring[(pos + i) % RING];
		*slot = sat_add(*slot, s[i]);
	}
	if (pos + n > r->high) r->high = pos + n;
}

void vd_recorder_flush(struct vd_recorder *r, uint64_t upto)
{
	if (upto > r->high) upto = r->high;
	write_upto(r, upto);
}

int vd_recorder_close(struct vd_recorder *r, uint64_t *nsamples)
{
	if (!r) return 0;
	write_upto(r, r->high);
	int err = r->err;
	if (sf_close(r->f) != 0) err = -EIO;
	if (err) unlink(r->path);
	else if (nsamples) *nsamples = r->written;
	free(r->path);
	free(r);
	return err;
}
