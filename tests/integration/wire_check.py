# SPDX-License-Identifier: BSD-3-Clause
"""ESP captured on the WAN, checked by two implementations nobody here wrote:
Wireshark's ESP dissector (tshark 4.0, ICV check on; the esp_sa UAT record
format of tests/interop/peer_tshark.py) and scapy's ESP (peer_scapy.py)."""

import ipaddress
import os
import struct
import subprocess

import interop_common as ic
import peer_tshark

FIELDS = ['frame.number', 'frame.protocols', 'esp.spi', 'esp.sequence', 'esp.icv_good',
          'esp.icv_bad', 'icmp.type', 'icmpv6.type']
ECHO = {4: (8, 0), 6: (128, 129)}


def read_frames(path):
    """IP packets (Ethernet and its padding stripped) of a tcpdump capture."""
    if not os.path.exists(path) or os.path.getsize(path) < 24:
        return []
    return ic.read_pcap(path)[1]


def spi_seq(wire):
    off = ic.esp_offset(wire)
    return struct.unpack('!II', wire[off:off + 8])


def tshark_check(pcap, sas, tmp, n_expected):
    """Every frame: decoded through ESP to an inner ICMP echo with a good ICV."""
    cfg = os.path.join(tmp, 'wireshark')
    os.makedirs(cfg, exist_ok=True)
    args = ['tshark', '-n', '-r', pcap, '-o', 'esp.enable_encryption_decode:TRUE',
            '-o', 'esp.enable_authentication_check:TRUE']
    for sa in sas:
        args += ['-o', peer_tshark.uat_record(sa)]
    args += ['-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,']
    for f in FIELDS:
        args += ['-e', f]
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg)
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120, env=env)
    if r.returncode != 0:
        return ['tshark exited %d: %s' % (r.returncode, r.stderr.strip()[-300:])]
    rows = [dict(zip(FIELDS, line.split('\t'))) for line in r.stdout.splitlines()]
    errs = []
    if len(rows) != n_expected:
        errs.append('tshark shows %d frames, expected %d' % (len(rows), n_expected))
    spis = {sa.spi for sa in sas}
    for row in rows:
        num, protos = row['frame.number'], row['frame.protocols']
        if not row['esp.spi'] or int(row['esp.spi'], 0) not in spis:
            errs.append('frame %s: SPI %s is none of ours' % (num, row['esp.spi']))
            continue
        if not ('esp:ip:icmp' in protos or 'esp:ipv6:icmpv6' in protos):
            errs.append('frame %s: not decrypted to ICMP: %s' % (num, protos))
        if row['esp.icv_good'] not in ('1', 'True') or row['esp.icv_bad'] in ('1', 'True'):
            errs.append('frame %s: ICV not good (good=%s bad=%s)' % (
                num, row['esp.icv_good'], row['esp.icv_bad']))
        types = [t for t in (row['icmp.type'] + ',' + row['icmpv6.type']).split(',') if t]
        if not types or int(types[-1]) not in (0, 8, 128, 129):
            errs.append('frame %s: inner ICMP type %s is not an echo' % (num, types))
    return errs


def scapy_check(frames, static_sas, ver):
    """
    Each frame decrypted by scapy (ICV verified) with the outbound SA of its
    SPI; the inner packet must be an ICMP echo within the SA's selectors, and
    each SA's sequence numbers must run 1, 2, 3... in wire order.
    """
    import peer_scapy
    from scapy.layers.inet import IP, ICMP
    from scapy.layers.inet6 import IPv6

    by_spi = {s.out.spi: s for s in static_sas.values()}
    ssas = {spi: peer_scapy.make_sa(s.out) for spi, s in by_spi.items()}
    next_seq = {spi: 1 for spi in by_spi}
    errs = []
    for i, wire in enumerate(frames, 1):
        spi, seq = spi_seq(wire)
        s = by_spi.get(spi)
        if s is None:
            errs.append('packet %d: SPI 0x%x is none of our outbound SAs' % (i, spi))
            continue
        if seq != next_seq[spi]:
            errs.append('packet %d: SA 0x%x sequence %d, expected %d' % (i, spi, seq,
                                                                        next_seq[spi]))
        next_seq[spi] = seq + 1
        pkt = peer_scapy.parse_outer(wire)
        if (pkt.src, pkt.dst) != (s.out.src, s.out.dst):
            errs.append('packet %d: outer %s -> %s, SA says %s -> %s' % (
                i, pkt.src, pkt.dst, s.out.src, s.out.dst))
        try:
            inner = peer_scapy.decrypt(ssas[spi], s.out, wire, seq)
        except Exception as e:  # IPSecIntegrityError and anything scapy raises on garbage
            errs.append('packet %d (SA 0x%x seq %d): scapy refuses it: %s' % (i, spi, seq, e))
            continue
        errs += ['packet %d: %s' % (i, e) for e in _inner_errors(inner, s, ver, IP, ICMP, IPv6)]
    return errs


def _inner_errors(inner, s, ver, IP, ICMP, IPv6):
    layer = IP if ver == 4 else IPv6
    if layer not in inner:
        return ['inner packet is not IPv%d: %r' % (ver, inner)]
    ip = inner[layer]
    errs = []
    src, dst = ipaddress.ip_address(ip.src), ipaddress.ip_address(ip.dst)
    local, remote = ipaddress.ip_network(s.local_net), ipaddress.ip_network(s.remote_net)
    if src not in local or dst not in remote:
        errs.append('inner %s -> %s outside the SA %s (%s -> %s)' % (
            ip.src, ip.dst, s.name, local, remote))
    if ver == 4:
        if ICMP not in inner or inner[ICMP].type not in ECHO[4]:
            errs.append('inner is not an ICMP echo: %s' % inner.summary())
    else:
        nh = ip.nh
        if nh != 58 or bytes(ip.payload)[0] not in ECHO[6]:
            errs.append('inner is not an ICMPv6 echo: %s' % inner.summary())
    return errs
