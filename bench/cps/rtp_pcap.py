#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A pcap of G.711 A-law RTP for SIPp's play_pcap_audio (bench/cps): a
440 Hz tone, 20 ms packets of 160 bytes, RTP payload type 8, Ethernet +
IPv4 + UDP frames with the capture times 20 ms apart (SIPp replays the
packets at those times and rewrites addresses and ports to the call's).
Standard library only.

    bench/cps/rtp_pcap.py OUT.pcap [--ms 1000]"""

import argparse
import math
import struct


def alaw(sample):
    """One 16-bit linear sample to G.711 A-law (ITU-T G.711, 13-bit segments)."""
    sign = 0x80 if sample >= 0 else 0x00
    mag = min(abs(sample), 32767) >> 3   # 13-bit magnitude
    if mag < 32:
        code = mag >> 1
    else:
        seg = mag.bit_length() - 5       # 1..7
        code = (seg << 4) | ((mag >> seg) & 0x0F)
    return (code | sign) ^ 0x55


def udp_frame(payload, sport=40000, dport=40002):
    """Ethernet + IPv4 + UDP around `payload`, 127.0.0.1 both ways (SIPp
    rewrites them); checksums left 0 (SIPp computes the UDP one)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    csum = 0
    for i in range(0, 20, 2):
        csum += (ip[i] << 8) | ip[i + 1]
    while csum >> 16:
        csum = (csum & 0xFFFF) + (csum >> 16)
    ip = ip[:10] + struct.pack("!H", ~csum & 0xFFFF) + ip[12:]
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def write(path, ms=1000, hz=440.0, level=8000):
    packets = ms // 20
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))   # LINKTYPE_ETHERNET
        n = 0
        for p in range(packets):
            pcm = bytes(alaw(int(level * math.sin(2 * math.pi * hz * (n + i) / 8000.0))) for i in range(160))
            n += 160
            rtp = struct.pack("!BBHII", 0x80, 8 | (0x80 if p == 0 else 0), p, p * 160, 0x5eed) + pcm
            frame = udp_frame(rtp)
            t_us = p * 20000
            f.write(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(frame), len(frame)))
            f.write(frame)
    return packets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ms", type=int, default=1000)
    a = ap.parse_args()
    print("%d packets" % write(a.out, a.ms))


if __name__ == "__main__":
    main()
