#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send or check test frames on a raw interface (run inside a network namespace).

  frames.py send IFACE DST_MAC COUNT
  frames.py recv IFACE COUNT TIMEOUT_S

Frames use the local experimental ethertype 0x88b5; each carries a sequence number
and a payload derived from it, in sizes from 60 to 1514 bytes, so the receiver can
check every byte. recv exits 0 only if every sequence number arrived exactly once
and intact, and prints what it saw.
"""
import socket
import struct
import sys
import time

ETH_TYPE = 0x88B5


def frame_len(seq):
    return 60 + (seq * 97) % (1514 - 60 + 1)


def payload(seq, n):
    return bytes(((seq * 31 + i * 7) & 0xFF) for i in range(n))


def send(iface, dst, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    dst = bytes.fromhex(dst.replace(":", ""))
    for seq in range(count):
        hdr = dst + src + struct.pack("!HI", ETH_TYPE, seq)
        s.send(hdr + payload(seq, frame_len(seq) - len(hdr)))
        if seq % 32 == 31:
            time.sleep(0.001)  # stay well below what two shared cores forward
    print(f"sent {count} frames")


def recv(iface, count, timeout):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_TYPE))
    s.bind((iface, 0))
    s.settimeout(0.2)
    seen, bad, dup = set(), 0, 0
    end = time.time() + timeout
    while time.time() < end and len(seen) < count:
        try:
            f = s.recv(4096)
        except socket.timeout:
            continue
        if len(f) < 18:
            bad += 1
            continue
        seq = struct.unpack("!I", f[14:18])[0]
        if len(f) != frame_len(seq) or f[18:] != payload(seq, len(f) - 18):
            bad += 1
        elif seq in seen:
            dup += 1
        else:
            seen.add(seq)
    print(f"received {len(seen)}/{count} intact, {bad} corrupt, {dup} duplicate")
    sys.exit(0 if len(seen) == count and bad == 0 and dup == 0 else 1)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
