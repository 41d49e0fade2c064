/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* RFC 4733 telephone events to one digit per key press (see rfc4733.h). */
#include "core/rfc4733.h"

#include <errno.h>

int vd_rfc4733_parse(const uint8_t *p, size_t n, struct vd_rfc4733_event *ev)
{
	if (!p || n < 4) return -EINVAL;
	/* 0: event; 1: E(1) R(1) volume(6); 2-3: duration, network order.
	 * The R bit is reserved: senders set it to 0, receivers ignore it. */
	ev->event = p[0];
	ev->end = (p[1] & 0x80) != 0;
	ev->volume = p[1] & 0x3f;
	ev->duration = (uint16_t)((p[2] << 8) | p[3]);
	return 0;
}

char vd_rfc4733_digit(uint8_t event)
{
	static const char codes[] = "0123456789*#ABCD";
	return event < 16 ? codes[event] : 0;
}

void vd_rfc4733_rx_init(struct vd_rfc4733_rx *rx)
{
	*rx = (struct vd_rfc4733_rx){0};
}

int vd_rfc4733_rx_packet(struct vd_rfc4733_rx *rx, const uint8_t *payload, size_t n,
			 uint32_t rtp_ts, bool marker)
{
	struct vd_rfc4733_event ev;
	if (vd_rfc4733_parse(payload, n, &ev)) return -EINVAL;
	if (rx->have) {
		if (rtp_ts == rx->ts) {
			/* an update or a retransmitted start or end of this press */
			if (ev.duration > rx->duration) rx->duration = ev.duration;
			if (ev.end) rx->ended = true;
			return 0;
		}
		/* Serial-number order (RFC 1982 style, timestamps wrap): a packet
		 * of an older press arriving late, e.g. the third end copy of
		 * '1' after the start of '2', is not a new press. */
		if ((int32_t)(rtp_ts - rx->ts) < 0) return 0;
		/* Section 2.5.1.3: a press longer than the 16-bit duration goes on
		 * as a new segment whose timestamp is the old one plus the old
		 * duration, with the same event and no marker bit. */
		if (!marker && !rx->ended && ev.event == rx->event &&
		    rtp_ts == rx->ts + rx->duration) {
			rx->ts = rtp_ts;
			rx->duration = ev.duration;
			rx->ended = ev.end;
			return 0;
		}
	}
	rx->have = true;
	rx->ts = rtp_ts;
	rx->event = ev.event;
	rx->duration = ev.duration;
	rx->ended = ev.end;
	return vd_rfc4733_digit(ev.event);
}
