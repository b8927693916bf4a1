#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send or check test frames on a raw interface (run inside a network namespace).

  frames.py send IFACE DST_MAC COUNT
  frames.py recv IFACE COUNT TIMEOUT_S
  frames.py send-udp IFACE DST_MAC DST_IP COUNT
  frames.py recv-udp IFACE COUNT TIMEOUT_S TTL

Raw frames use the local experimental ethertype 0x88b5; each carries a sequence
number and a payload derived from it, in sizes from 60 to 1514 bytes, so the
receiver can check every byte. UDP frames (IPv4, ports 9000->9001) carry the same
kind of payload; recv-udp also checks the TTL a router left and both checksums.
recv and recv-udp exit 0 only if every sequence number arrived exactly once and
intact, and print what they saw.
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
        if seq % 8 == 7:
            # Well below what a DUT sharing two cores with us forwards, so that
            # a descheduled poller does not overflow its receive ring.
            time.sleep(0.001)
    print(f"sent {count} frames")


def collect(ethertype, iface, count, timeout, check, what):
    """Receive until every sequence number arrived; check(frame) gives (seq, intact)
    or None for frames that are not ours. Exits 0 only if all arrived intact once."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
    s.bind((iface, 0))
    s.settimeout(0.2)
    seen, bad, dup = set(), 0, 0
    end = time.time() + timeout
    while time.time() < end and len(seen) < count:
        try:
            f = s.recv(4096)
        except socket.timeout:
            continue
        r = check(f)
        if r is None:
            continue
        seq, ok = r
        if not ok:
            bad += 1
        elif seq in seen:
            dup += 1
        else:
            seen.add(seq)
    print(f"received {len(seen)}/{count} {what}, {bad} corrupt, {dup} duplicate")
    sys.exit(0 if len(seen) == count and bad == 0 and dup == 0 else 1)


def check_raw(f):
    if len(f) < 18:
        return (-1, False)
    seq = struct.unpack("!I", f[14:18])[0]
    return (seq, len(f) == frame_len(seq) and f[18:] == payload(seq, len(f) - 18))


def recv(iface, count, timeout):
    collect(ETH_TYPE, iface, count, timeout, check_raw, "intact")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src_mac, dst_mac, dst_ip, seq):
    src_ip = socket.inet_aton("10.99.0.2")
    dst_ip = socket.inet_aton(dst_ip)
    data = struct.pack("!I", seq) + payload(seq, (seq * 13) % 1000 + 18)
    udp_len = 8 + len(data)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 9000, 9001, udp_len, 0) + data
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, seq & 0xFFFF, 0, 64, 17, 0,
                     src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + struct.pack("!H", 0x0800) + ip + udp


def send_udp(iface, dst, dst_ip, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = s.getsockname()[4]
    dst = bytes.fromhex(dst.replace(":", ""))
    for seq in range(count):
        s.send(udp_frame(src, dst, dst_ip, seq))
        if seq % 8 == 7:
            time.sleep(0.001)
    print(f"sent {count} UDP frames to {dst_ip}")


def recv_udp(iface, count, timeout, ttl):
    def check(f):
        ip = f[14:34]
        if len(f) < 46 or ip[9] != 17 or struct.unpack("!H", f[34:36])[0] != 9000:
            return None
        udp = f[34:]
        seq = struct.unpack("!I", udp[8:12])[0]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
        return (seq, ip[8] == ttl and csum(ip) == 0 and csum(pseudo + udp) == 0 and
                udp[12:] == payload(seq, len(udp) - 12))

    collect(0x0800, iface, count, timeout, check, f"UDP intact (TTL {ttl})")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "send-udp":
        send_udp(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        recv_udp(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
