/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* DTMF carried as RTP telephone events (RFC 4733), the out-of-band path:
 * most trunks send key presses this way rather than as tones in the audio.
 *
 * A key press is not one packet. The sender (RFC 4733 section 2.5.1) sends
 * a first packet with the RTP marker bit set, updates every 50 ms or so
 * with a growing duration, and three copies of the final packet with the E
 * bit set; all of them carry the RTP timestamp of the event's start, which
 * is what identifies one key press. vd_rfc4733_rx turns that sequence into
 * exactly one digit, reported at the first packet seen of the press (the
 * start packet, or a later one when the start was lost).
 *
 * Pure C, libc only; the state is a small value owned by the caller (one per
 * received RTP stream), used by one thread at a time. The caller hands in
 * the payload of packets whose payload type is the negotiated
 * telephone-event type; RTP parsing is not done here. */
#ifndef VD_RFC4733_H
#define VD_RFC4733_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One telephone-event payload (RFC 4733 section 2.3, figure 1). */
struct vd_rfc4733_event {
	uint8_t event;      /* 0-9, 10 '*', 11 '#', 12-15 'A'-'D', others: not DTMF */
	bool end;           /* E bit: the final packet(s) of the event */
	uint8_t volume;     /* 0..63, -dBm0 */
	uint16_t duration;  /* in RTP timestamp units since the event's timestamp */
};

/* Parses the first four bytes of `p` (`n` bytes). Extra bytes are ignored
 * (they can only be further events of a redundancy scheme we do not
 * negotiate). 0, or -EINVAL when n < 4. `ev` is written only on success. */
int vd_rfc4733_parse(const uint8_t *p, size_t n, struct vd_rfc4733_event *ev);

/* The character of a DTMF event code: '0'..'9', '*', '#', 'A'..'D'; 0 for
 * any other event (flash, tones of section 3 of RFC 4734). */
char vd_rfc4733_digit(uint8_t event);

/* Per-stream receive state. Embedded value; fields are private. */
struct vd_rfc4733_rx {
	bool have;          /* a press has been seen */
	bool ended;         /* its E bit was seen */
	uint8_t event;
	uint32_t ts;        /* its RTP timestamp */
	uint16_t duration;  /* the largest duration seen for it */
};

void vd_rfc4733_rx_init(struct vd_rfc4733_rx *rx);

/* Feeds one telephone-event packet: its payload, its RTP timestamp and
 * marker bit. Returns the digit character when this packet is the first
 * seen of a new key press, 0 when it belongs to a press already reported
 * (an update, a retransmitted end, a late packet of an older press, the
 * continuation segment of a press longer than 0xFFFF units, section
 * 2.5.1.3) or is not a DTMF event, and -EINVAL for a payload shorter than
 * four bytes (the state is then unchanged). */
int vd_rfc4733_rx_packet(struct vd_rfc4733_rx *rx, const uint8_t *payload, size_t n,
			 uint32_t rtp_ts, bool marker);

#endif
