/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* In-band DTMF over spandsp's dtmf_rx (see dtmf.h). */
#include "media/dtmf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <spandsp.h>

struct vd_dtmf {
	dtmf_rx_state_t *rx;
};

int vd_dtmf_alloc(struct vd_dtmf **out)
{
	struct vd_dtmf *d = calloc(1, sizeof *d);
	if (!d) return -ENOMEM;
	/* No callback: spandsp keeps the digits in its own bounded buffer
	 * (128) and vd_dtmf_feed() drains it after each chunk, so no digit is
	 * reported from inside spandsp and nothing re-enters the caller. */
	d->rx = dtmf_rx_init(NULL, NULL, NULL);
	if (!d->rx) {
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void vd_dtmf_free(struct vd_dtmf *d)
{
	if (!d) return;
	dtmf_rx_free(d->rx);
	free(d);
}

int vd_dtmf_feed(struct vd_dtmf *d, const int16_t *pcm, size_t n, char *digits, size_t size)
{
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		dtmf_rx(d->rx, pcm, chunk);
		pcm += chunk;
		n -= (size_t)chunk;
	}
	if (size == 0) return 0;
	size_t k = dtmf_rx_get(d->rx, digits, size - 1 > INT_MAX ? INT_MAX : (int)(size - 1));
	digits[k] = '\0';
	return (int)k;
}
