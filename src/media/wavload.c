/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* WAV to 8 kHz mono in memory; see wavload.h. */
#include "media/wavload.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096
#define MAX_S 3600

static int16_t to_s16(float v)
{
	float s = v * 32768.0f;
	if (s > 32767.0f) return 32767;
	if (s < -32768.0f) return -32768;
	return (int16_t)lrintf(s);
}

/* Decodes an open file (closed here) to 8 kHz mono. */
static int decode(SNDFILE *in, SF_INFO info, int16_t **out, size_t *n, const char **why)
{
	if (info.channels < 1 || info.channels > 8 || info.samplerate < 4000 ||
	    info.samplerate > 192000) {
		sf_close(in);
		*why = "must have 1 to 8 channels at 4 to 192 kHz";
		return -EINVAL;
	}
	if (info.frames > (sf_count_t)info.samplerate * MAX_S) {
		sf_close(in);
		*why = "longer than an hour";
		return -EFBIG;
	}
	int err = 0;
	SpeexResamplerState *rs = NULL;
	if (info.samplerate != 8000) {
		rs = speex_resampler_init(1, (spx_uint32_t)info.samplerate, 8000,
					  SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
		if (!rs) {
			sf_close(in);
			*why = "cannot resample";
			return -ENOMEM;
		}
	}
	/* Output bound: the resampled length plus the resampler's slack. */
	size_t cap = (size_t)(info.frames * 8000 / info.samplerate) + BLOCK;
	int16_t *pcm = malloc(cap * sizeof *pcm);
	float *frames = malloc(sizeof(float) * BLOCK * (size_t)info.channels);
	float *mono = malloc(sizeof(float) * BLOCK);
	float *res = malloc(sizeof(float) * BLOCK);
	size_t len = 0;
	err = pcm && frames && mono && res ? 0 : -ENOMEM;
	sf_count_t got;
	while (!err && (got = sf_readf_float(in, frames, BLOCK)) > 0) {
		for (sf_count_t i = 0; i < got; i++) {
			float sum = 0;
			for (int ch = 0; ch < info.channels; ch++) sum += frames[i * info.channels + ch];
			mono[i] = sum / (float)info.channels;
		}
		if (!rs) {
			for (sf_count_t i = 0; i < got && len < cap; i++) pcm[len++] = to_s16(mono[i]);
			continue;
		}
		spx_uint32_t in_len = (spx_uint32_t)got, done = 0;
		while (done < in_len) {
			spx_uint32_t il = in_len - done, ol = BLOCK;
			speex_resampler_process_float(rs, 0, mono + done, &il, res, &ol);
			for (spx_uint32_t i = 0; i < ol && len < cap; i++) pcm[len++] = to_s16(res[i]);
			done += il;
			if (il == 0 && ol == 0) break;
		}
	}
	free(frames);
	free(mono);
	free(res);
	if (rs) speex_resampler_destroy(rs);
	sf_close(in);
	if (!err && len == 0) {
		*why = "the file has no audio";
		err = -EINVAL;
	}
	if (err) {
		if (err == -ENOMEM) *why = "out of memory";
		free(pcm);
		return err;
	}
	*out = pcm;
	*n = len;
	return 0;
}

int vd_wav_load_8k(const char *path, int16_t **out, size_t *n, const char **why)
{
	SF_INFO info = {0};
	SNDFILE *in = sf_open(path, SFM_READ, &info);
	if (!in) {
		*why = "not a readable audio file";
		return -EINVAL;
	}
	return decode(in, info, out, n, why);
}

/* libsndfile virtual I/O over a read-only memory buffer. */
struct membuf { const unsigned char *data; sf_count_t len, pos; };

static sf_count_t mb_len(void *u) { return ((struct membuf *)u)->len; }
static sf_count_t mb_seek(sf_count_t off, int whence, void *u)
{
	struct membuf *m = u;
	sf_count_t p = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->len + off;
	if (p < 0 || p > m->len) return -1;
	m->pos = p;
	return p;
}
static sf_count_t mb_read(void *ptr, sf_count_t cnt, void *u)
{
	struct membuf *m = u;
	if (cnt > m->len - m->pos) cnt = m->len - m->pos;
	memcpy(ptr, m->data + m->pos, (size_t)cnt);
	m->pos += cnt;
	return cnt;
}
static sf_count_t mb_write(const void *ptr, sf_count_t cnt, void *u) { (void)ptr; (void)cnt; (void)u; return 0; }
static sf_count_t mb_tell(void *u) { return ((struct membuf *)u)->pos; }

int vd_wav_decode_8k(const void *data, size_t size, int16_t **out, size_t *n, const char **why)
{
	struct membuf m = {.data = data, .len = (sf_count_t)size};
	SF_VIRTUAL_IO vio = {mb_len, mb_seek, mb_read, mb_write, mb_tell};
	SF_INFO info = {0};
	SNDFILE *in = sf_open_virtual(&vio, SFM_READ, &info, &m);
	if (!in) {
		*why = "not a readable WAV file";
		return -EINVAL;
	}
	if ((info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV) {
		sf_close(in);
		*why = "must be a WAV file";
		return -EINVAL;
	}
	return decode(in, info, out, n, why);
}
