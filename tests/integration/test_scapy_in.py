#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scapy as site 2: ESP built by scapy's SecurityAssociation with site1.yaml's
keys (tunnel 10.255.2.2 -> 10.255.1.2) is sent into site 1's outside port;
the ICMP echo requests inside must arrive decrypted, unchanged but for the
TTL, at YELLOW and BLUE (tcpdump in their namespaces), and their echo
replies come back as ESP that scapy decrypts. Also: a tampered packet and a
replayed one are dropped and counted on the SA (auth-failed, replay) and do
not move the replay window.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

ECHO_ID = 0x4242
PURPLE = '172.16.10.11'


def body(checks, net, args):
    import interop_common as ic
    import peer_scapy
    from scapy.layers.inet import ICMP, IP
    from scapy.packet import Raw
    from scapy.utils import rdpcap

    cfg1 = os.path.join(args.configs, 'site1.yaml')
    sas = hsnet.load_static_sas(cfg1)
    n = hsnet.two_sites(net)
    # No site 2 dataplane: its WAN veth is scapy's. The kernel there answers
    # site 1's ARP for 10.255.2.2; a raw ESP socket keeps it from answering
    # ESP with "protocol unreachable".
    hsnet.run(['ip', 'addr', 'add', '10.255.2.2/16', 'dev', 's2-out'], ns=n['s2'])
    with hsnet.netns(n['s2']):
        esp_sink = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg1)
    try:
        dp1.start()
    except RuntimeError as e:
        checks.fatal('site1 starts', str(e))
    checks.check(True, 'site1 starts (site1.yaml), no site 2 dataplane: scapy is the peer')

    caps = {h: hsnet.Capture(net, n[h], 'eth0', 'icmp', 'at-' + h) for h in ('yellow', 'blue')}
    wan = hsnet.Capture(net, n['s2'], 's2-out',
                        'ether src %s and ip proto 50' % hsnet.SITE_MACS['site1-out'], 'wan')
    tx = hsnet.raw_socket(n['s2'], 's2-out')
    eth = (bytes.fromhex(hsnet.SITE_MACS['site1-out'].replace(':', '')) +
           bytes.fromhex(hsnet.if_mac(n['s2'], 's2-out').replace(':', '')) + b'\x08\x00')

    def inner(dst, seq):
        return bytes(IP(src=PURPLE, dst=dst, ttl=64) / ICMP(id=ECHO_ID, seq=seq) /
                     Raw(b'hubsec scapy->site1 %05d' % seq))

    # (host, static SA of site 1, [(seq, how)]): how is ok, tamper or replay.
    plan = [('yellow', 'yellow-purple',
             [(1, 'ok'), (2, 'ok'), (3, 'ok'), (4, 'ok'), (5, 'ok'), (6, 'tamper'),
              (1, 'replay'), (7, 'ok')]),
            ('blue', 'blue-purple', [(s, 'ok') for s in range(1, 6)])]
    sent = {}
    for hname, sa_name, events in plan:
        sa = sas[sa_name].inb
        ssa = peer_scapy.make_sa(sa)
        dst = hsnet.HOSTS4[hname][0].split('/')[0]
        sent[hname] = {}
        for seq, how in events:
            pkt = inner(dst, seq)
            wire = peer_scapy.encrypt(sa, ssa, pkt, seq, tamper=(how == 'tamper'))
            tx.send(eth + wire)
            if how == 'ok':
                sent[hname][seq] = pkt
            time.sleep(0.02)
    time.sleep(1.0)
    for c in caps.values():
        c.stop()
    wan_path = wan.stop()
    tx.close()
    esp_sink.close()

    for hname, _, _ in plan:
        got = {}
        for p in rdpcap(caps[hname].path):
            if IP in p and ICMP in p and p[ICMP].type == 8 and p[ICMP].id == ECHO_ID:
                got.setdefault(p[ICMP].seq, []).append(p[IP])
        want = sent[hname]
        checks.check(sorted(got) == sorted(want) and all(len(v) == 1 for v in got.values()),
                     '%s receives exactly the %d good echo requests, decrypted' % (
                         hname, len(want)),
                     'got sequence numbers %s, want %s' % (
                         {k: len(v) for k, v in sorted(got.items())}, sorted(want)))
        bad = []
        for seq, ips in got.items():
            orig = IP(want.get(seq, b'')) if seq in want else None
            if orig is None:
                continue
            ip = ips[0]
            if ip.ttl != orig.ttl - 1 or bytes(ip[ICMP]) != bytes(orig[ICMP]) or \
                    ip.src != orig.src or ip.dst != orig.dst:
                bad.append('seq %d: %s' % (seq, ip.summary()))
        checks.check(not bad, '%s: inner packets unchanged but for TTL - 1' % hname, '; '.join(bad))

    # The hosts' echo replies, as site 1 encrypted them, decrypted by scapy.
    frames = ic.read_pcap(wan_path)[1] if os.path.getsize(wan_path) > 24 else []
    replies = {'yellow-purple': set(), 'blue-purple': set()}
    errs = []
    by_spi = {sas[k].out.spi: sas[k] for k in replies}
    for wire in frames:
        spi, seq = hsnet_spi_seq(wire)
        s = by_spi.get(spi)
        if s is None:
            errs.append('ESP with SPI 0x%x' % spi)
            continue
        try:
            p = peer_scapy.decrypt(peer_scapy.make_sa(s.out), s.out, wire, seq)
        except Exception as e:
            errs.append('SA 0x%x seq %d: scapy refuses it: %s' % (spi, seq, e))
            continue
        if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == ECHO_ID and p[IP].dst == PURPLE:
            replies[s.name].add(p[ICMP].seq)
        else:
            errs.append('SA 0x%x: not an echo reply to PURPLE: %s' % (spi, p.summary()))
    for hname, sa_name, _ in plan:
        want = set(sent[hname])
        checks.check(replies[sa_name] == want and not errs,
                     '%s\'s echo replies come back as ESP (SA 0x%x) that scapy decrypts' % (
                         hname, sas[sa_name].out.spi),
                     'replies %s, want %s; %s' % (sorted(replies[sa_name]), sorted(want),
                                                 '; '.join(errs[:4])))

    y_in = dp1.sa('in', sas['yellow-purple'].inb.spi) or {}
    checks.check(y_in.get('packets') == 6, 'site1 SA in/0x2001 decaps 6 (the good ones)',
                 'packets %s' % y_in.get('packets'))
    checks.check(y_in.get('errors/auth_failed') == 1, 'site1 SA in/0x2001 counts 1 auth-failed',
                 'auth_failed %s' % y_in.get('errors/auth_failed'))
    checks.check(y_in.get('errors/replay') == 1, 'site1 SA in/0x2001 counts 1 replay',
                 'replay %s' % y_in.get('errors/replay'))
    b_in = dp1.packets('in', sas['blue-purple'].inb.spi)
    checks.check(b_in == 5, 'site1 SA in/0x2002 decaps 5', 'packets %s' % b_in)
    for name, want in (('yellow-purple', 6), ('blue-purple', 5)):
        got = dp1.packets('out', sas[name].out.spi)
        checks.check(got == want, 'site1 SA out/0x%x encaps %d (the replies)' % (
            sas[name].out.spi, want), 'packets %s' % got)

    # RFC 1122 3.2.1.2 / RFC 1812 5.2.2: a bad IPv4 header checksum is discarded,
    # here on a packet whose ESP is otherwise good (seq 8), then a good one (seq 9).
    sa = sas['yellow-purple'].inb
    ssa = peer_scapy.make_sa(sa)
    d0, p0 = dp1.drops(), dp1.packets('in', sa.spi)
    wire = bytearray(peer_scapy.encrypt(sa, ssa, inner('192.168.100.10', 8), 8))
    wire[10] ^= 0xff
    tx2 = hsnet.raw_socket(n['s2'], 's2-out')
    tx2.send(eth + bytes(wire))
    time.sleep(0.5)
    d, p1 = hsnet.diff(dp1.drops(), d0), dp1.packets('in', sa.spi)
    checks.check(p1 == p0 and d.get('ip_checksum') == 1,
                 'ESP (good ICV) in an IPv4 header with a bad checksum: dropped as ip-checksum',
                 'SA 0x%x decaps %s -> %s, drops changed %s' % (sa.spi, p0, p1, d))
    tx2.send(eth + peer_scapy.encrypt(sa, ssa, inner('192.168.100.10', 9), 9))
    time.sleep(0.5)
    tx2.close()
    p2 = dp1.packets('in', sa.spi)
    checks.check(p2 == p1 + 1, 'the next good packet (seq 9) is decrypted', 'decaps %s -> %s' % (
        p1, p2))
    checks.info('site1 drops: %s' % hsnet.nonzero(dp1.drops()))


def hsnet_spi_seq(wire):
    import wire_check
    return wire_check.spi_seq(wire)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    args = ap.parse_args()
    return hsnet.main_wrapper('scapy-inbound', body, args,
                              tools=('ip', 'ping', 'ethtool', 'sysctl', 'tcpdump'),
                              modules=('yaml', 'scapy', 'cryptography'))


if __name__ == '__main__':
    sys.exit(main())
