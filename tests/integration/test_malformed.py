#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bad input on the wire: malformed frames of every kind, then 1000 frames of
scapy's fuzz() and random garbage, sent into site 1's inside port (from
YELLOW's namespace) and outside port (from site 2's WAN veth), with the
IPv6 configs (site1-v6.yaml/site2-v6.yaml) so that ND is in play too.

For each kind: site 1 receives every frame (port rx counter), keeps running,
and /hubsec/drops grows by exactly that many under the right reason. After
the fuzzing: both dataplanes still run, and pings through the tunnel (6in4
and 6in6) and to the dataplane itself still work.
"""

import argparse
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

S1_IN_MAC = hsnet.SITE_MACS['site1-in']
S1_OUT_MAC = hsnet.SITE_MACS['site1-out']
YELLOW4, YELLOW6 = '192.168.100.10', '2001:db8:100::10'
BLUE6 = '2001:db8:200::10'
PURPLE4, PURPLE6 = '172.16.10.11', '2001:db8:10::11'
GW4, GW6 = '192.168.100.1', '2001:db8:100::1'
WAN1, WAN2 = '10.255.1.2', '10.255.2.2'
WAN1_6, WAN2_6 = '2001:db8:ff::1', '2001:db8:ff::2'
N = 5            # frames of each kind
FUZZ = 500       # fuzzed frames per port
GARBAGE = 100    # random frames per port
NOISE = {'to_us_unhandled'}  # the hosts' own IPv6 MLD/RS may add to it at any time


def mac(s):
    return bytes.fromhex(s.replace(':', ''))


class Wire:
    """Sends frames into one of site 1's ports and reads what it made of them."""

    def __init__(self, dp, port_name, sock, dst, src):
        self.dp, self.port, self.sock = dp, port_name, sock
        self.dst, self.src = dst, src

    def eth(self, ethertype):
        return mac(self.dst) + mac(self.src) + struct.pack('!H', ethertype)

    def rx(self):
        return self.dp.tel('/hubsec/ports')['%s/rx_pkts' % self.port]

    def send(self, frames, pace=0.0005):
        sent = 0
        for f in frames:
            try:
                self.sock.send(f)
                sent += 1
            except OSError as e:
                print('     (the kernel refused a %d-byte frame: %s)' % (len(f), e))
            time.sleep(pace)
        return sent

    def settle(self, rx0, n, timeout=5.0):
        """Waits until site 1 has received n more frames and the slow path ran."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.rx() - rx0 < n:
            time.sleep(0.05)
        time.sleep(0.3)
        return self.rx() - rx0


def ipv4_fragment(frame):
    """An Ethernet frame the kernel's IPv4 defragmenter would take."""
    if len(frame) < 34 or frame[12:14] != b'\x08\x00' or frame[14] >> 4 != 4 or \
            frame[14] & 0x0f < 5:
        return False
    return struct.unpack('!H', frame[20:22])[0] & 0x3fff != 0


def batch(checks, w, what, frames, expect, exact=True):
    """
    Sends frames and checks the drop counters: expect is {reason: count}
    (exact: those reasons and no other grew) or a set of reasons that
    together must account for every frame.
    """
    d0 = w.dp.drops()
    rx0 = w.rx()
    sent = w.send(frames)
    got = w.settle(rx0, sent)
    d = hsnet.diff(w.dp.drops(), d0)
    alive = w.dp.alive()
    if isinstance(expect, dict):
        want = {k: v * sent // len(frames) for k, v in expect.items()}
        seen = {k: v for k, v in d.items() if k not in NOISE or k in want}
        ok = seen == want
        shown = ', '.join('%s +%d' % kv for kv in sorted(want.items()))
    else:
        seen = {k: v for k, v in d.items() if k not in NOISE or k in expect}
        ok = set(seen) <= set(expect) and sum(seen.values()) == sent
        shown = '%d in %s' % (sent, '|'.join(sorted(expect)))
    ok = ok and alive and got >= sent
    checks.check(ok, '%s port, %d x %s: dropped as %s' % (w.port, sent, what, shown),
                 'received %d of %d; drops changed %s%s' % (
                     got, sent, d, '' if alive else '; THE DATAPLANE EXITED'))
    if not alive:
        checks.fatal('site1 survives %s' % what, w.dp.log_tail())
    return d


def body(checks, net, args):
    from scapy.layers.inet import ICMP, IP, UDP
    from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr,
                                    IPv6, IPv6ExtHdrDestOpt)
    from scapy.layers.ipsec import ESP
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw, fuzz
    import peer_scapy

    cfg1 = os.path.join(args.configs, 'site1-v6.yaml')
    cfg2 = os.path.join(args.configs, 'site2-v6.yaml')
    sas1 = hsnet.load_static_sas(cfg1)
    n = hsnet.two_sites(net, v6=True)
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg1)
    dp2 = hsnet.Dataplane(net, args.dataplane, n['s2'], 'site2', cfg2)
    for dp in (dp1, dp2):
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % dp.name, str(e))
    for src, dst in (('yellow', PURPLE6), ('blue', PURPLE6), ('yellow', GW4)):
        _, got, _ = hsnet.ping(n[src], dst, count=2)
        checks.check(got == 2, 'before: ping %s -> %s' % (src, dst), '%d/2' % got)

    ymac = hsnet.if_mac(n['yellow'], 'eth0')
    # Inside frames go straight out of the bridge port facing site 1 (as if
    # YELLOW sent them: its MAC), outside ones out of site 2's WAN veth.
    win = Wire(dp1, 'inside', hsnet.raw_socket(n['lan'], 'l-dp'), S1_IN_MAC, ymac)
    wout = Wire(dp1, 'outside', hsnet.raw_socket(n['s2'], 's2-out'), S1_OUT_MAC,
                hsnet.if_mac(n['s2'], 's2-out'))
    E4, E6, EA = win.eth(0x0800), win.eth(0x86dd), win.eth(0x0806)
    O4, O6 = wout.eth(0x0800), wout.eth(0x86dd)

    def ip4(src, dst, payload=b'', proto=1, **kw):
        return bytes(IP(src=src, dst=dst, proto=proto, **kw) / Raw(payload))

    def icmp4(src, dst, **kw):
        return bytes(IP(src=src, dst=dst, **kw) / ICMP(id=7, seq=1) / Raw(b'hubsec'))

    # Neighbour solicitations to the solicited-node group of 2001:db8:100::1.
    ENS = mac('33:33:ff:00:00:01') + mac(ymac) + b'\x86\xdd'

    def ns(target, opts=b'', hlim=255, dst='ff02::1:ff00:1'):
        p = IPv6(src=YELLOW6, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target) / Raw(opts)
        return bytes(p)

    def bad_ipck(b):
        return b[:10] + bytes([b[10] ^ 0xff]) + b[11:]

    def fix_ipck(b):
        # A valid header checksum (RFC 1071) over the first IHL*4 bytes.
        ihl = (b[0] & 0xf) * 4
        h = b[:10] + b'\x00\x00' + b[12:ihl]
        s = sum(struct.unpack('!%dH' % (ihl // 2), h))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return h[:10] + struct.pack('!H', ~s & 0xffff) + b[12:]

    yl = ICMPv6NDOptSrcLLAddr(lladdr=ymac)
    good_icmp = icmp4(YELLOW4, GW4)
    ins = [
        ('Ethernet header only', [E4] * N, {'malformed': N}),
        ('IPv4 header cut at 12 bytes', [E4 + good_icmp[:12]] * N, {'malformed': N}),
        ('IPv4 IHL 3', [E4 + bytes([0x43]) + good_icmp[1:]] * N, {'malformed': N}),
        ('IPv4 IHL 15 in a 28-byte packet', [E4 + bytes([0x4f]) + good_icmp[1:28]] * N,
         {'malformed': N}),
        ('IPv4 total length 1000 > frame', [E4 + fix_ipck(good_icmp[:2] + struct.pack('!H', 1000) +
                                                     good_icmp[4:])] * N, {'malformed': N}),
        ('IPv4 header under the IPv6 ethertype', [E6 + good_icmp + bytes(20)] * N,
         {'malformed': N}),
        ('IPv6 header cut at 30 bytes', [E6 + bytes(IPv6(src=YELLOW6, dst=PURPLE6))[:30]] * N,
         {'malformed': N}),
        ('IPv6 payload length > frame', [E6 + bytes(IPv6(src=YELLOW6, dst=PURPLE6, plen=500) /
                                                     ICMPv6EchoRequest())] * N, {'malformed': N}),
        ('ARP cut at 10 bytes', [EA + bytes(ARP(psrc=YELLOW4, pdst=GW4, hwsrc=ymac))[:10]] * N,
         {'malformed': N}),
        ('ARP with hardware length 8', [EA + bytes(ARP(psrc=YELLOW4, pdst=GW4, hwsrc=ymac,
                                                       hwlen=8))[:28]] * N, {'malformed': N}),
        ('ICMP echo to the gateway cut to 2 bytes',
         [E4 + ip4(YELLOW4, GW4, b'\x08\x00')] * N, {'malformed': N}),
        ('ICMP echo with a bad checksum', [E4 + good_icmp[:22] + b'\x00\x01' + good_icmp[24:]] * N,
         {'malformed': N}),
        ('IPv4 to the gateway with a bad header checksum', [E4 + bad_ipck(good_icmp)] * N,
         {'ip_checksum': N}),
        ('ND NS with a zero-length option', [ENS + ns(GW6, b'\x01\x00' + bytes(6))] * N,
         {'malformed': N}),
        ('ND NS with an option longer than the packet',
         [ENS + ns(GW6, b'\x01\x04' + mac(ymac))] * N, {'malformed': N}),
        ('ND NS with hop limit 64', [ENS + ns(GW6, bytes(yl), hlim=64)] * N, {'malformed': N}),
        ('ND NS for a multicast target', [ENS + ns('ff02::1', bytes(yl))] * N, {'malformed': N}),
        ('frame of ethertype 0x88b5', [win.eth(0x88b5) + os.urandom(46)] * N, {'not_ip': N}),
        ('IPv4 unicast to another MAC',
         [mac('02:00:00:99:99:99') + mac(ymac) + b'\x08\x00' + good_icmp] * N,
         {'not_for_us': N}),
        ('transit IPv4 with TTL 1', [E4 + icmp4(YELLOW4, PURPLE4, ttl=1)] * N,
         {'ttl_exceeded': N}),
        ('transit IPv4 to an unrouted address', [E4 + icmp4(YELLOW4, '198.51.100.7')] * N,
         {'no_route': N}),
        ('transit IPv4 with a bad header checksum (RFC 1812 5.2.2)',
         [E4 + bad_ipck(icmp4(YELLOW4, PURPLE4))] * N, {'ip_checksum': N}),
    ]
    for what, frames, expect in ins:
        batch(checks, win, what, frames, expect)

    # Outside: ESP and UDP 4500 to 10.255.1.2.
    sa6in4 = sas1['yellow-purple-6in4'].inb     # 10.255.2.2 -> 10.255.1.2, SPI 0x2601
    sa6in6 = sas1['blue-purple-6in6'].inb       # 2001:db8:ff::2 -> ::1, SPI 0x2602
    ssa = peer_scapy.make_sa(sa6in4)
    inner6 = bytes(IPv6(src=PURPLE6, dst=YELLOW6) / ICMPv6EchoRequest(id=9, seq=1))
    seq = [100]

    def esp_ok(tamper=False):
        seq[0] += 1
        return peer_scapy.encrypt(sa6in4, ssa, inner6, seq[0], tamper=tamper)

    def esp_raw(spi, body):
        return ip4(WAN2, WAN1, struct.pack('!II', spi, 1) + body, proto=50)

    def udp4500(payload):
        return bytes(IP(src=WAN2, dst=WAN1) / UDP(sport=4500, dport=4500) / Raw(payload))

    outs = [
        ('ESP with an unknown SPI', [O4 + esp_raw(0xdead0001, os.urandom(64))] * N,
         {'unknown_spi': N}),
        ('ESP cut after SPI and sequence (SA 0x2601)', [O4 + esp_raw(0x2601, b'')] * N,
         {'too_short', 'bad_length', 'bad_header'}),
        ('ESP cut inside the SPI', [O4 + ip4(WAN2, WAN1, b'\x00\x00', proto=50)] * N,
         {'unknown_spi', 'too_short', 'malformed', 'bad_header'}),
        ('ESP with a bad ICV (SA 0x2601)', [O4 + esp_ok(tamper=True) for _ in range(N)],
         {'auth_failed': N}),
        ('ESP ciphertext not a block multiple (SA 0x2601)',
         [O4 + esp_raw(0x2601, os.urandom(16 + 17 + 16)) for _ in range(N)],
         {'bad_length', 'auth_failed'}),
        ('UDP 4500 with a 2-byte payload', [O4 + udp4500(b'\x01\x02')] * N,
         {'to_us_unhandled': N}),
        ('ESP in UDP 4500 for SA 0x2601, which is not NAT-T',
         [O4 + udp4500(struct.pack('!II', 0x2601, 1) + os.urandom(48))] * N,
         {'bad_header', 'invalid_spi', 'unknown_spi'}),
        ('ICMP echo to 10.255.1.2 cut to 2 bytes', [O4 + ip4(WAN2, WAN1, b'\x08\x00')] * N,
         {'malformed': N}),
        ('clear IPv6 PURPLE -> YELLOW that the crypto map protects',
         [O6 + bytes(IPv6(src=PURPLE6, dst=YELLOW6) / ICMPv6EchoRequest())] * N,
         {'policy': N}),
    ]
    for what, frames, expect in outs:
        batch(checks, wout, what, frames, expect)

    # A valid 6in6 ESP packet behind a Destination Options header (RFC 8200 4.1).
    ssa6 = peer_scapy.make_sa(sa6in6)
    inner_b = bytes(IPv6(src=PURPLE6, dst=BLUE6) / ICMPv6EchoRequest(id=11, seq=1))
    before = dp1.packets('in', sa6in6.spi) or 0
    frames = []
    for i in range(N):
        wire = peer_scapy.encrypt(sa6in6, ssa6, inner_b, 50 + i)
        p = IPv6(wire)
        esp_bytes = bytes(p.payload)
        frames.append(O6 + bytes(IPv6(src=p.src, dst=p.dst, nh=60) /
                                 IPv6ExtHdrDestOpt(nh=50) / Raw(esp_bytes)))
    d0 = dp1.drops()
    rx0 = wout.rx()
    wout.settle(rx0, wout.send(frames))
    after = dp1.packets('in', sa6in6.spi) or 0
    checks.check(after - before == N,
                 'outside port, %d x ESP over IPv6 behind a Destination Options header: '
                 'decrypted (SA 0x2602 +%d)' % (N, after - before),
                 'drops changed %s' % hsnet.diff(dp1.drops(), d0))

    # Fuzz and garbage.
    seed = int(os.environ.get('HSIT_SEED', random.randrange(1 << 30)))
    random.seed(seed)
    checks.info('fuzz seed %d (HSIT_SEED=%d to repeat)' % (seed, seed))
    from scapy.config import conf
    conf.raw_layer = Raw
    templates_in = [
        lambda: Ether(dst=S1_IN_MAC, src=ymac) / fuzz(IP(src=YELLOW4, dst=GW4) / ICMP()),
        lambda: Ether(dst=S1_IN_MAC, src=ymac) / fuzz(IP(dst=PURPLE4) / ICMP()),
        lambda: Ether(dst=S1_IN_MAC, src=ymac) / fuzz(IPv6(src=YELLOW6, dst=PURPLE6) /
                                                      ICMPv6EchoRequest()),
        lambda: Ether(dst='33:33:ff:00:00:01', src=ymac) / fuzz(IPv6(dst='ff02::1:ff00:1') /
                                                                ICMPv6ND_NS(tgt=GW6)),
        lambda: Ether(dst='ff:ff:ff:ff:ff:ff', src=ymac) / fuzz(ARP(pdst=GW4)),
    ]
    templates_out = [
        lambda: Ether(dst=S1_OUT_MAC, src=wout.src) / fuzz(IP(src=WAN2, dst=WAN1, proto=50) /
                                                           ESP(spi=0x2601)),
        lambda: Ether(dst=S1_OUT_MAC, src=wout.src) / fuzz(IP(dst=WAN1) / UDP(dport=4500) /
                                                           Raw(os.urandom(40))),
        lambda: Ether(dst=S1_OUT_MAC, src=wout.src) / fuzz(IPv6(dst=WAN1_6) / ESP()),
        lambda: Ether(dst=S1_OUT_MAC, src=wout.src) / fuzz(IP(dst=WAN1) / ICMP()),
    ]
    for w, templates in ((win, templates_in), (wout, templates_out)):
        frames = []
        for i in range(FUZZ):
            try:
                frames.append(bytes(random.choice(templates)())[:1500])
            except Exception:  # scapy cannot build some fuzzed values: try another
                continue
        for _ in range(GARBAGE):
            et = random.choice([0x0800, 0x86dd, 0x0806, random.randrange(0x600, 0x10000)])
            frames.append(w.eth(et) + os.urandom(random.randrange(0, 200)))
        # af_packet's fanout (one socket per queue) has the kernel reassemble
        # IPv4 fragments first: those never reach the port as they were sent.
        frags = sum(1 for f in frames if ipv4_fragment(f))
        d0, rx0 = w.dp.drops(), w.rx()
        sent = w.send(frames)
        got = w.settle(rx0, sent - frags, timeout=10)
        d = hsnet.diff(w.dp.drops(), d0)
        checks.check(w.dp.alive() and got >= sent - frags,
                     '%s port: site1 took %d fuzzed and random frames and still runs' % (
                         w.port, sent),
                     'received %d of %d (%d IPv4 fragments among them), alive %s' % (
                         got, sent, frags, w.dp.alive()))
        checks.info('%s port fuzz: drops %s' % (w.port, d))
        if not w.dp.alive():
            checks.fatal('site1 survives the fuzzing', w.dp.log_tail())
    win.sock.close()
    wout.sock.close()

    checks.check(dp1.alive() and dp2.alive(), 'both dataplanes still run')
    for src, dst in (('yellow', PURPLE6), ('blue', PURPLE6), ('purple', YELLOW6),
                     ('yellow', GW4), ('yellow', GW6)):
        _, got, _ = hsnet.ping(n[src], dst, count=3)
        checks.check(got == 3, 'after: ping %s -> %s: %d/3' % (src, dst, got))
    checks.info('site1 drops in all: %s' % hsnet.nonzero(dp1.drops()))
    checks.info('site2 drops in all: %s' % hsnet.nonzero(dp2.drops()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    args = ap.parse_args()
    return hsnet.main_wrapper('malformed', body, args,
                              modules=('yaml', 'scapy', 'cryptography'))


if __name__ == '__main__':
    sys.exit(main())
