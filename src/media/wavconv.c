/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* WAV normalization for uploaded audio; see wavconv.h. The whole upload is
 * in memory already (bounded by the HTTP layer), so libsndfile reads it
 * through its virtual I/O; the output is written in blocks. */
#include "media/wavconv.h"

#include <errno.h>
#include <sndfile.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>
#include <string.h>

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
static sf_count_t mb_read(void *ptr, sf_count_t n, void *u)
{
	struct membuf *m = u;
	if (n > m->len - m->pos) n = m->len - m->pos;
	memcpy(ptr, m->data + m->pos, (size_t)n);
	m->pos += n;
	return n;
}
static sf_count_t mb_write(const void *ptr, sf_count_t n, void *u) { (void)ptr; (void)n; (void)u; return 0; }
static sf_count_t mb_tell(void *u) { return ((struct membuf *)u)->pos; }

#define BLOCK 4096

int vd_wav_convert_8k(const void *data, size_t len, const char *path, int64_t *duration_ms,
		      const char **why)
{
	struct membuf m = {.data = data, .len = (sf_count_t)len};
	SF_VIRTUAL_IO vio = {mb_len, mb_seek, mb_read, mb_write, mb_tell};
	SF_INFO in_info = {0};
	SNDFILE *in = sf_open_virtual(&vio, SFM_READ, &in_info, &m);
	if (!in) {
		*why = "not a readable WAV file";
		return -EINVAL;
	}
	if ((in_info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_WAV || in_info.channels < 1 ||
	    in_info.channels > 8 || in_info.samplerate < 4000 || in_info.samplerate > 192000) {
		sf_close(in);
		*why = "must be a PCM WAV file (1 to 8 channels, 4 to 192 kHz)";
		return -EINVAL;
	}
	SF_INFO out_info = {.samplerate = 8000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *out = sf_open(path, SFM_WRITE, &out_info);
	if (!out) {
		sf_close(in);
		*why = "cannot write the converted file";
		return -EIO;
	}
	int err = 0;
	SpeexResamplerState *rs = NULL;
	if (in_info.samplerate != 8000) {
		rs = speex_resampler_init(1, (spx_uint32_t)in_info.samplerate, 8000,
					  SPEEX_RESAMPLER_QUALITY_DEFAULT, &err);
		if (!rs) {
			sf_close(in);
			sf_close(out);
			*why = "cannot resample";
			return -ENOMEM;
		}
	}
	float *frames = malloc(sizeof(float) * BLOCK * (size_t)in_info.channels);
	float *mono = malloc(sizeof(float) * BLOCK);
	float *res = malloc(sizeof(float) * BLOCK);
	int64_t written = 0;
	err = frames && mono && res ? 0 : -ENOMEM;
	sf_count_t got;
	while (!err && (got = sf_readf_float(in, frames, BLOCK)) > 0) {
		for (sf_count_t i = 0; i < got; i++) {
			float sum = 0;
			for (int ch = 0; ch < in_info.channels; ch++) sum += frames[i * in_info.channels + ch];
			mono[i] = sum / (float)in_info.channels * 32767.0f;
		}
		if (!rs) {
			for (sf_count_t i = 0; i < got; i++) mono[i] /= 32767.0f;
			written += sf_writef_float(out, mono, got);
			continue;
		}
		spx_uint32_t in_len = (spx_uint32_t)got, done = 0;
		while (done < in_len) {
			spx_uint32_t il = in_len - done, ol = BLOCK;
			speex_resampler_process_float(rs, 0, mono + done, &il, res, &ol);
			for (spx_uint32_t i = 0; i < ol; i++) res[i] /= 32767.0f;
			written += sf_writef_float(out, res, ol);
			done += il;
			if (il == 0 && ol == 0) break;
		}
	}
	free(frames);
	free(mono);
	free(res);
	if (rs) speex_resampler_destroy(rs);
	sf_close(in);
	if (sf_close(out) != 0 && !err) err = -EIO;
	if (err) {
		*why = "conversion failed";
		return err;
	}
	if (written == 0) {
		*why = "the WAV file has no audio";
		return -EINVAL;
	}
	*duration_ms = written / 8;
	return 0;
}
