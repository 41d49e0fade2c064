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

struct vd_recorder {
	SNDFILE *f;
	char *path;
	uint64_t written;        /* samples written to the file */
	uint64_t high;           /* one past the highest position put */
	int32_t ring[RING];      /* ring[pos % RING] for pos in [written, written + RING) */
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
	int16_t out[512];
	while (r->written < upto) {
		size_t n = 0;
		while (n < sizeof out / sizeof out[0] && r->written + n < upto) {
			int32_t *slot = &r->ring[(r->written + n) % RING];
			int32_t v = *slot;
			*slot = 0;
			out[n++] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
		if (sf_writef_short(r->f, out, (sf_count_t)n) != (sf_count_t)n) r->err = -EIO;
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
	for (size_t i = 0; i < n; i++) r->ring[(pos + i) % RING] += s[i];
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
