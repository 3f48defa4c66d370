#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""hubsec <-> hubsec with static SAs in network namespaces (seed 003's two
sites), for one config pair (a variant): pings in both directions between
the hosts the ACLs protect, then

  - per-SA counters (/hubsec/sa): every ping is one encap on one side and one
    decap on the other, exactly;
  - every ESP packet either dataplane put on the WAN (captured with tcpdump on
    the receiving veth) decrypts with a good ICV and holds the right inner
    ICMP echo, in Wireshark's ESP dissector (tshark, keys from the config
    files, interop_common's SA table format) and in scapy's ESP.

Variants: cbc (site1.yaml/site2.yaml: AES-256-CBC + HMAC-SHA-256), gcm
(AES-GCM-128), v6 (IPv6 inside: 6in4 and 6in6), natt (UDP 4500, GCM-256 and
AES-128-CBC + HMAC-SHA1-96).
"""

import argparse
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

VARIANTS = {
    # name: (site1 config, site2 config, IP version of the hosts' pings)
    'cbc': ('site1.yaml', 'site2.yaml', 4),
    'gcm': ('site1-gcm.yaml', 'site2-gcm.yaml', 4),
    'v6': ('site1-v6.yaml', 'site2-v6.yaml', 6),
    'natt': ('site1-natt.yaml', 'site2-natt.yaml', 4),
}
PINGS = 5


def host_addr(name, ver):
    t = hsnet.HOSTS4 if ver == 4 else hsnet.HOSTS6
    return t[name][0].split('/')[0]


def sa_for(sas, src, dst):
    """The static SA (of one side) whose selectors cover src -> dst."""
    for s in sas.values():
        if (ipaddress.ip_address(src) in ipaddress.ip_network(s.local_net) and
                ipaddress.ip_address(dst) in ipaddress.ip_network(s.remote_net)):
            return s
    raise KeyError('no static SA for %s -> %s' % (src, dst))


def esp_filter(mac):
    """Frames from one dataplane's outside port carrying ESP (plain or in UDP 4500)."""
    return 'ether src %s and (ip proto 50 or ip6 proto 50 or udp port 4500)' % mac


def body(checks, net, args):
    c1, c2, ver = VARIANTS[args.variant]
    cfg1, cfg2 = (os.path.join(args.configs, c) for c in (c1, c2))
    sas1, sas2 = hsnet.load_static_sas(cfg1), hsnet.load_static_sas(cfg2)
    n = hsnet.two_sites(net, v6=(ver == 6))
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg1)
    dp2 = hsnet.Dataplane(net, args.dataplane, n['s2'], 'site2', cfg2)
    for dp in (dp1, dp2):
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % dp.name, str(e))
        checks.check(True, '%s starts (%s)' % (dp.name, os.path.basename(dp.config)))
    for dp, sas in ((dp1, sas1), (dp2, sas2)):
        want = sorted(['in/0x%08x' % s.inb.spi for s in sas.values()] +
                      ['out/0x%08x' % s.out.spi for s in sas.values()])
        got = sorted(dp.sa_list())
        checks.check(got == want, '%s: /hubsec/sa lists the %d static SAs' % (dp.name, len(want)),
                     'got %s, want %s' % (got, want))

    # Capture what each dataplane sends, where the other one receives it.
    cap1 = hsnet.Capture(net, n['s2'], 's2-out', esp_filter(hsnet.SITE_MACS['site1-out']),
                         'from-site1')
    cap2 = hsnet.Capture(net, n['s1'], 's1-out', esp_filter(hsnet.SITE_MACS['site2-out']),
                         'from-site2')

    purple = host_addr('purple', ver)
    flows = [('yellow', purple), ('blue', purple),
             ('purple', host_addr('yellow', ver)), ('purple', host_addr('blue', ver))]
    expect = {}  # (side, 'in'|'out', spi) -> packets
    for src_host, dst in flows:
        src = host_addr(src_host, ver)
        sent, got, out = hsnet.ping(n[src_host], dst, count=PINGS)
        checks.check(sent == PINGS and got == PINGS,
                     'ping %s %s -> %s: %d/%d replies' % (src_host, src, dst, got, PINGS),
                     out.strip().splitlines()[-2:] if out else '')
        # Each request is one encap at the source's site and one decap at the
        # other; each reply the same the other way.
        s1 = sa_for(sas1, src, dst) if src_host != 'purple' else sa_for(sas1, dst, src)
        s2 = sa_for(sas2, dst, src) if src_host != 'purple' else sa_for(sas2, src, dst)
        if src_host == 'purple':
            keys = ((('site2', 'out', s2.out.spi), ('site1', 'in', s1.inb.spi)),
                    (('site1', 'out', s1.out.spi), ('site2', 'in', s2.inb.spi)))
        else:
            keys = ((('site1', 'out', s1.out.spi), ('site2', 'in', s2.inb.spi)),
                    (('site2', 'out', s2.out.spi), ('site1', 'in', s1.inb.spi)))
        for key in keys[0]:
            expect[key] = expect.get(key, 0) + PINGS
        for key in keys[1]:
            expect[key] = expect.get(key, 0) + PINGS
    pcap1, pcap2 = cap1.stop(), cap2.stop()

    dps = {'site1': dp1, 'site2': dp2}
    for (side, d, spi), want in sorted(expect.items()):
        got = dps[side].packets(d, spi)
        checks.check(got == want, '%s %sbound SA 0x%x: %s packets %s' % (
            side, d, spi, 'encaps' if d == 'out' else 'decaps', got),
            'expected %d' % want)
    for dp in (dp1, dp2):
        checks.info('%s drops: %s' % (dp.name, hsnet.nonzero(dp.drops())))

    # Every ESP packet on the wire, through tshark and scapy.
    import wire_check
    for pcap, sas, peer_sas, side in ((pcap1, sas1, sas2, 'site1'), (pcap2, sas2, sas1, 'site2')):
        frames = wire_check.read_frames(pcap)
        want = sum(v for (s, d, _), v in expect.items() if s == side and d == 'out')
        checks.check(len(frames) == want, '%s put %d ESP packets on the wire' % (side, len(frames)),
                     'expected %d (one per echo request/reply)' % want)
        out_sas = [s.out for s in sas.values()]
        errs = wire_check.tshark_check(pcap, out_sas, net.tmp, len(frames))
        checks.check(not errs, '%s: tshark decrypts all %d ESP packets, ICV good, inner ICMP' % (
            side, len(frames)), '; '.join(errs[:6]))
        errs = wire_check.scapy_check(frames, sas, ver)
        checks.check(not errs, '%s: scapy decrypts all %d ESP packets to the right ICMP echo' % (
            side, len(frames)), '; '.join(errs[:6]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    ap.add_argument('--variant', choices=sorted(VARIANTS), default='cbc')
    args = ap.parse_args()
    return hsnet.main_wrapper('static-' + args.variant, body, args,
                              tools=('ip', 'ping', 'ethtool', 'sysctl', 'tcpdump', 'tshark'),
                              modules=('yaml', 'scapy', 'cryptography'))


if __name__ == '__main__':
    sys.exit(main())
