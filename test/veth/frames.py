#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send or check test frames on a raw interface (run inside a network namespace).

  frames.py send IFACE DST_MAC COUNT [--rate PPS]
  frames.py recv IFACE COUNT TIMEOUT_S
  frames.py send-udp IFACE DST_MAC DST_IP COUNT [--rate PPS] [--ttl TTL] [--first SEQ]
  frames.py recv-udp IFACE COUNT TIMEOUT_S TTL
  frames.py send-mix IFACE DST_MAC DST4 DST6 COUNT [--rate PPS] [--ttl TTL]
  frames.py recv-mix IFACE COUNT TIMEOUT_S TTL
  frames.py gen-mix IFACE DST_MAC DST4 DST6 SECONDS
  frames.py count-mix IFACE SECONDS

Raw frames use the local experimental ethertype 0x88b5; each carries a sequence
number and a payload derived from it, in sizes from 60 to 1514 bytes, so the
receiver can check every byte. UDP frames (to port 9001) carry the same kind of
payload; DST_IP's family decides whether a frame is IPv4 or IPv6. send-udp sends
one flow (from 10.99.0.2 or 2001:db8:99::2, port 9000), numbered from --first
(default 0), so that several senders can feed one receiver; send-mix alternates
IPv4 (even sequence numbers) and IPv6 (odd) over 4 flows, each with its own
source address and port. recv-udp and recv-mix also check the TTL or hop limit a router
left and the checksums (IPv4 header, UDP over the IPv4 or IPv6 pseudo-header);
recv-mix also that each frame came in its family and flow.
recv, recv-udp and recv-mix exit 0 only if every sequence number arrived exactly
once and intact, and print what they saw.

Senders pace themselves to --rate frames per second (default 8000: well below
what a DUT sharing two cores with us forwards, so that a descheduled poller does
not overflow its receive ring); --rate 0 sends as fast as Python can.
gen-mix sends the mix unpaced for SECONDS (frames repeat every 1024 sequence
numbers) and prints how many of each family it sent; count-mix counts the intact
mix frames arriving for SECONDS, by family.
"""
import argparse
import itertools
import socket
import struct
import sys
import time

ETH_TYPE = 0x88B5
ETH_P_ALL = 0x0003
ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
SO_RCVBUFFORCE, SOL_PACKET, PACKET_STATISTICS = 33, 263, 6  # Not in Python's socket.
RCVBUF = 64 << 20
FAMILIES = (socket.AF_INET, socket.AF_INET6)
FAMILY_NAMES = {socket.AF_INET: "IPv4", socket.AF_INET6: "IPv6"}
FLOWS = 4
SPORT, DPORT = 9000, 9001
GEN_FRAMES = 1024
DEFAULT_RATE = 8000


def frame_len(seq):
    return 60 + (seq * 97) % (1514 - 60 + 1)


def payload(seq, n):
    return bytes(((seq * 31 + i * 7) & 0xFF) for i in range(n))


def sender(iface, dst_mac):
    """A packet socket on iface, its MAC address and the destination's, as bytes."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s, s.getsockname()[4], bytes.fromhex(dst_mac.replace(":", ""))


def transmit(s, frames, rate, seconds=None):
    """Send frames at rate per second on average (0: unpaced) until they run out
    or seconds have passed; returns how many were sent."""
    start = time.monotonic()
    n = 0
    for f in frames:
        s.send(f)
        n += 1
        if n % 8:
            continue
        now = time.monotonic()
        if seconds is not None and now - start >= seconds:
            break
        if rate and start + n / rate > now:
            time.sleep(start + n / rate - now)
    return n


def send(iface, dst, count, rate):
    s, src, dst = sender(iface, dst)

    def frame(seq):
        hdr = dst + src + struct.pack("!HI", ETH_TYPE, seq)
        return hdr + payload(seq, frame_len(seq) - len(hdr))

    transmit(s, map(frame, range(count)), rate)
    print(f"sent {count} frames, {sum(map(frame_len, range(count)))} bytes")
    return True


def receive(iface, ethertype, timeout, done):
    """Frames arriving on iface until timeout seconds have passed or done()."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
    # Room for bursts while checking frames: more than rmem_max allows, as root.
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.monotonic() + timeout
    while time.monotonic() < end and not done():
        try:
            f, addr = s.recvfrom(4096)
        except socket.timeout:
            continue
        # An ETH_P_ALL socket also sees what the interface sends.
        if addr[2] != socket.PACKET_OUTGOING:
            yield f
    # Tells a slow receiver from a lossy forwarder.
    drops = struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
    if drops:
        print(f"the receive socket dropped {drops} frames")


def collect(ethertype, iface, count, timeout, check, what):
    """Receive until every sequence number arrived; check(frame) gives (seq, intact)
    or None for frames that are not ours. Returns the sequence numbers seen and
    whether all arrived intact once."""
    seen, bad, dup = set(), 0, 0
    for f in receive(iface, ethertype, timeout, lambda: len(seen) >= count):
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
    return seen, len(seen) == count and bad == 0 and dup == 0


def check_raw(f):
    if len(f) < 18:
        return (-1, False)
    seq = struct.unpack("!I", f[14:18])[0]
    return (seq, len(f) == frame_len(seq) and f[18:] == payload(seq, len(f) - 18))


def recv(iface, count, timeout):
    return collect(ETH_TYPE, iface, count, timeout, check_raw, "intact")[1]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def src_addr(family, flow):
    return socket.inet_pton(family, ("10.99.0.%d", "2001:db8:99::%d")[family == socket.AF_INET6]
                            % (2 + flow))


def pseudo_hdr(src, dst, udp_len):
    """What the UDP checksum covers besides the datagram (RFC 768, RFC 8200 8.1)."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, 17, udp_len)
    return src + dst + struct.pack("!I3xB", udp_len, 17)


def udp_frame(src_mac, dst_mac, dst_ip, seq, flow=0, ttl=64):
    family = family_of(dst_ip)
    src, dst = src_addr(family, flow), socket.inet_pton(family, dst_ip)
    data = struct.pack("!I", seq) + payload(seq, (seq * 13) % 1000 + 18)
    udp_len = 8 + len(data)
    udp = struct.pack("!HHHH", SPORT + flow, DPORT, udp_len, 0) + data
    # A computed 0 is sent as 0xffff: 0 means "no checksum" (forbidden in IPv6).
    udp = udp[:6] + struct.pack("!H", csum(pseudo_hdr(src, dst, udp_len) + udp) or 0xFFFF) + udp[8:]
    if family == socket.AF_INET:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, seq & 0xFFFF, 0, ttl, 17, 0,
                         src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return dst_mac + src_mac + struct.pack("!H", ETH_IPV4) + ip + udp
    ip = struct.pack("!IHBB16s16s", 6 << 28, udp_len, 17, ttl, src, dst)
    return dst_mac + src_mac + struct.pack("!H", ETH_IPV6) + ip + udp


def mix_flow(seq):
    """Family and flow of frame seq of a mix: families alternate, flows rotate."""
    return FAMILIES[seq % 2], (seq // 2) % FLOWS


def mix_frame(src_mac, dst_mac, dsts, seq, ttl=64):
    family, flow = mix_flow(seq)
    return udp_frame(src_mac, dst_mac, dsts[family], seq, flow, ttl)


def check_udp(f, ttl, mix):
    """(family, seq, intact) of one of our UDP frames, None for other frames.
    ttl None accepts any TTL; mix requires the family and flow mix_flow() gives."""
    etype = struct.unpack("!H", f[12:14])[0]
    if etype == ETH_IPV4 and len(f) >= 34 and f[23] == 17:
        family, ip, udp = socket.AF_INET, f[14:34], f[34:]
        src, dst, hop = ip[12:16], ip[16:20], ip[8]
        ip_ok = ip[0] == 0x45 and csum(ip) == 0 and \
            struct.unpack("!H", ip[2:4])[0] == len(ip) + len(udp)
    elif etype == ETH_IPV6 and len(f) >= 54 and f[20] == 17:
        family, ip, udp = socket.AF_INET6, f[14:54], f[54:]
        src, dst, hop = ip[8:24], ip[24:40], ip[7]
        ip_ok = ip[0] >> 4 == 6 and struct.unpack("!H", ip[4:6])[0] == len(udp)
    else:
        return None
    if len(udp) < 12:
        return None
    sport, dport, udp_len = struct.unpack("!HHH", udp[:6])
    flow = sport - SPORT
    if dport != DPORT or not 0 <= flow < FLOWS:
        return None
    seq = struct.unpack("!I", udp[8:12])[0]
    ok = ip_ok and udp_len == len(udp) and src == src_addr(family, flow) and \
        (ttl is None or hop == ttl) and csum(pseudo_hdr(src, dst, len(udp)) + udp) == 0 and \
        udp[12:] == payload(seq, len(udp) - 12) and (not mix or mix_flow(seq) == (family, flow))
    return family, seq, ok


def send_udp(iface, dst, dst_ip, count, rate, ttl, first):
    s, src, dst = sender(iface, dst)
    transmit(s, (udp_frame(src, dst, dst_ip, seq, 0, ttl) for seq in range(first, first + count)),
             rate)
    print(f"sent {count} UDP frames to {dst_ip} (TTL {ttl}, from sequence number {first})")
    return True


def recv_udp(iface, count, timeout, ttl, mix=False):
    def check(f):
        r = check_udp(f, ttl, mix)
        return None if r is None else r[1:]

    seen, ok = collect(ETH_P_ALL, iface, count, timeout, check,
                       f"UDP{' mix' if mix else ''} intact (TTL {ttl})")
    if mix:
        v4 = sum(1 for seq in seen if mix_flow(seq)[0] == socket.AF_INET)
        print(f"IPv4 {v4}/{(count + 1) // 2}, IPv6 {len(seen) - v4}/{count // 2}")
    return ok


def recv_mix(iface, count, timeout, ttl):
    return recv_udp(iface, count, timeout, ttl, mix=True)


def mix_dsts(dst4, dst6):
    for addr, family in ((dst4, socket.AF_INET), (dst6, socket.AF_INET6)):
        if family_of(addr) != family:
            sys.exit(f"frames.py: {addr} is not an {FAMILY_NAMES[family]} address")
    return {socket.AF_INET: dst4, socket.AF_INET6: dst6}


def send_mix(iface, dst, dst4, dst6, count, rate, ttl):
    s, src, dst = sender(iface, dst)
    dsts = mix_dsts(dst4, dst6)
    transmit(s, (mix_frame(src, dst, dsts, seq, ttl) for seq in range(count)), rate)
    print(f"sent {count} UDP frames to {dst4} and {dst6}, {FLOWS} flows each (TTL {ttl})")
    return True


def gen_mix(iface, dst, dst4, dst6, seconds):
    s, src, dst = sender(iface, dst)
    dsts = mix_dsts(dst4, dst6)
    # Built once: building a frame costs more than sending it.
    frames = [mix_frame(src, dst, dsts, seq) for seq in range(GEN_FRAMES)]
    start = time.monotonic()
    n = transmit(s, itertools.cycle(frames), 0, seconds)
    secs = time.monotonic() - start
    # Frame n alternates families starting with IPv4 (GEN_FRAMES is even).
    print(f"sent {n} frames in {secs:.1f} s ({n / secs / 1e3:.1f} kpps): "
          f"IPv4 {(n + 1) // 2}, IPv6 {n // 2}")
    return True


def count_mix(iface, seconds):
    counts = {socket.AF_INET: 0, socket.AF_INET6: 0}
    bad = 0
    for f in receive(iface, ETH_P_ALL, seconds, lambda: False):
        r = check_udp(f, None, True)
        if r is None:
            continue
        counts[r[0]] += r[2]
        bad += not r[2]
    print(f"received IPv4 {counts[socket.AF_INET]}, IPv6 {counts[socket.AF_INET6]} "
          f"intact mix frames, {bad} corrupt")
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    types = {"count": int, "timeout": float, "ttl": int, "seconds": float}

    def command(name, fn, *args, paced=False):
        c = sub.add_parser(name)
        c.set_defaults(fn=fn)
        for a in args:
            c.add_argument(a, type=types.get(a, str))
        if paced:
            c.add_argument("--rate", type=float, default=DEFAULT_RATE,
                           help="frames per second, 0 for no pacing")
        return c

    command("send", send, "iface", "dst", "count", paced=True)
    command("recv", recv, "iface", "count", "timeout")
    c = command("send-udp", send_udp, "iface", "dst", "dst_ip", "count", paced=True)
    c.add_argument("--ttl", type=int, default=64)
    c.add_argument("--first", type=int, default=0)
    command("recv-udp", recv_udp, "iface", "count", "timeout", "ttl")
    command("send-mix", send_mix, "iface", "dst", "dst4", "dst6", "count",
            paced=True).add_argument("--ttl", type=int, default=64)
    command("recv-mix", recv_mix, "iface", "count", "timeout", "ttl")
    command("gen-mix", gen_mix, "iface", "dst", "dst4", "dst6", "seconds")
    command("count-mix", count_mix, "iface", "seconds")
    args = vars(ap.parse_args())
    del args["cmd"]
    sys.exit(0 if args.pop("fn")(**args) else 1)


if __name__ == "__main__":
    main()
