#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Self-test of tests/interop/strongswan.py: two real charons (kernel-libipsec,
PSK, IKEv2) in network namespaces, talking to each other.

    hostA 10.1.0.2 --- 10.1.0.1 gwA 192.0.2.1 ==== 192.0.2.2 gwB 10.2.0.1 --- 10.2.0.2 hostB
     (ns hA)             (ns gA, charon)            (ns gB, charon)             (ns hB)

1. tunnel: two libipsec charons. Brings up the tunnel from gwA (ike and
   esp aes256-sha256-modp2048 unless told otherwise), pings hostB from hostA
   through it, checks that both charons list the same SPIs crossed (A's
   spi-in is B's spi-out and the other way), rekeys the CHILD_SA (new SPIs,
   PFS group, ping again), rekeys the IKE SA (CHILD_SA kept, ping again),
   terminates; then checks a capture of the gwA-gwB link: ports, ESP in UDP
   only, the SPIs, and the NAT_DETECTION hashes (real or faked).
2. real NAT-D peer: gwA (libipsec) against a charon without kernel-libipsec
   on gwB, which sends real NAT_DETECTION hashes as hubsec will: what gwA
   reports (nat-fake), that it still floats to 4500, sends no keepalives,
   and which hashes are faked on the wire. Only the IKE SA comes up where
   the kernel has no ESP.
Everything is made under the prefix hsw-<pid>- and removed at the end, also
on failure; the last check is that nothing is left.

Run as root with Debian's python:  /usr/bin/python3 test_strongswan_harness.py
Options: --encap (encap = yes on both), --ike/--esp PROPOSAL, -v (logs).
Exits 0 when every check passed, 1 otherwise.
"""

import argparse
import contextlib
import hashlib
import ipaddress
import os
import struct
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strongswan as sw  # noqa: E402

GW_A, GW_B = '192.0.2.1', '192.0.2.2'
NET_A, NET_B = '10.1.0.0/24', '10.2.0.0/24'
HOST_A, HOST_B = '10.1.0.2', '10.2.0.2'
PSK = 'hubsec harness test key'
CONN = 'site'

IKE_SA_INIT = 34
EXCHANGES = {34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA',
             37: 'INFORMATIONAL'}
NOTIFY = 41
NATD_SOURCE, NATD_DESTINATION = 16388, 16389


class Checks:
    """Counts checks; prints one PASS/FAIL line each."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print('%s %s%s' % ('PASS' if ok else 'FAIL', what,
                           (': ' + detail) if detail else ''), flush=True)
        return ok


class Timer:
    """Named durations, printed at the end."""

    def __init__(self):
        self.items = []

    def __call__(self, name):
        timer = self

        class _Span:
            def __enter__(self):
                self.t0 = time.monotonic()

            def __exit__(self, *exc):
                timer.items.append((name, time.monotonic() - self.t0))
                return False
        return _Span()

    def report(self):
        print('timings:')
        for name, secs in self.items:
            print('  %-34s %7.3f s' % (name, secs))


# --------------------------------------------------------------------------
# topology

def build_topology(net):
    """Four namespaces, three veth pairs, routes; returns the ns names."""
    ns = {k: net.add(k) for k in ('hA', 'gA', 'gB', 'hB')}
    net.veth(ns['hA'], 'eth0', HOST_A + '/24', ns['gA'], 'in0', '10.1.0.1/24')
    net.veth(ns['gA'], 'out0', GW_A + '/24', ns['gB'], 'out0', GW_B + '/24')
    net.veth(ns['gB'], 'in0', '10.2.0.1/24', ns['hB'], 'eth0', HOST_B + '/24')
    net.run(ns['hA'], 'ip', 'route', 'add', 'default', 'via', '10.1.0.1')
    net.run(ns['hB'], 'ip', 'route', 'add', 'default', 'via', '10.2.0.1')
    for gw in (ns['gA'], ns['gB']):
        net.sysctl(gw, 'net.ipv4.ip_forward', 1)
        for scope in ('all', 'default'):
            net.sysctl(gw, 'net.ipv4.conf.%s.rp_filter' % scope, 0)
    return ns


def connection(side, args, encap=None):
    """The swanctl.conf text of gwA ('A') or gwB ('B'); encap defaults to
    --encap."""
    mine, peer = (GW_A, GW_B) if side == 'A' else (GW_B, GW_A)
    local_ts, remote_ts = (NET_A, NET_B) if side == 'A' else (NET_B, NET_A)
    return sw.psk_conf(CONN, local_addrs=mine, remote_addrs=peer,
                       local_ts=local_ts, remote_ts=remote_ts, psk=PSK,
                       ike_proposals=args.ike, esp_proposals=args.esp,
                       encap=args.encap if encap is None else encap)


def ping(net, ns, dst, count=3):
    """Ping dst from namespace ns; returns (all_answered, summary line)."""
    proc = net.run(ns, 'ping', '-n', '-c', str(count), '-i', '0.2', '-W', '2', dst,
                   check=False, timeout=30)
    summary = [l for l in proc.stdout.splitlines() if 'packets transmitted' in l]
    received = 0
    if summary:
        received = int(summary[0].split(',')[1].split()[0])
    return proc.returncode == 0 and received == count, (summary or [proc.stdout])[0]


# --------------------------------------------------------------------------
# SA checks

def one_child(sas):
    """The one live CHILD_SA of CONN in sas, or None."""
    children = sw.child_sas(sas, CONN, live=True)
    return children[0] if len(children) == 1 else None


def check_sas(checks, label, sas_a, sas_b, args):
    """Both sides ESTABLISHED/INSTALLED with the same SPIs, crossed."""
    ok = checks.check(len(sas_a) == 1 and len(sas_b) == 1,
                      '%s: one IKE SA on each side' % label,
                      'A %d, B %d' % (len(sas_a), len(sas_b)))
    if not ok:
        return None
    ike_a, ike_b = sas_a[0], sas_b[0]
    checks.check(ike_a['state'] == ike_b['state'] == 'ESTABLISHED',
                 '%s: IKE SA ESTABLISHED on both' % label)
    checks.check((ike_a['initiator-spi'], ike_a['responder-spi']) ==
                 (ike_b['initiator-spi'], ike_b['responder-spi']),
                 '%s: same IKE SPIs' % label,
                 'i %s r %s' % (ike_a['initiator-spi'], ike_a['responder-spi']))
    child_a, child_b = one_child(sas_a), one_child(sas_b)
    if not checks.check(child_a and child_b, '%s: one CHILD_SA each side' % label):
        return None
    checks.check(child_a['state'] == child_b['state'] == 'INSTALLED',
                 '%s: CHILD_SA INSTALLED on both' % label)
    checks.check(child_a['spi-in'] == child_b['spi-out'] and
                 child_a['spi-out'] == child_b['spi-in'],
                 '%s: CHILD_SA SPIs crossed' % label,
                 'A in %s out %s, B in %s out %s' % (
                     child_a['spi-in'], child_a['spi-out'],
                     child_b['spi-in'], child_b['spi-out']))
    checks.check(child_a['local-ts'] == child_b['remote-ts'] == [NET_A] and
                 child_a['remote-ts'] == child_b['local-ts'] == [NET_B],
                 '%s: traffic selectors' % label,
                 '%s === %s' % (child_a['local-ts'], child_a['remote-ts']))
    checks.check(child_a.get('encap') == 'yes' and child_b.get('encap') == 'yes',
                 '%s: CHILD_SA UDP-encapsulated on both' % label)
    if args.ike == 'aes256-sha256-modp2048':
        checks.check((ike_a['encr-alg'], ike_a['encr-keysize'], ike_a['integ-alg'],
                      ike_a['dh-group']) ==
                     ('AES_CBC', '256', 'HMAC_SHA2_256_128', 'MODP_2048'),
                     '%s: IKE algorithms' % label)
    if args.esp == 'aes256-sha256-modp2048':
        checks.check((child_a['encr-alg'], child_a['encr-keysize'],
                      child_a['integ-alg']) == ('AES_CBC', 256, 'HMAC_SHA2_256_128'),
                     '%s: ESP algorithms' % label)
    return ike_a, ike_b, child_a, child_b


def nat_flags(ike_sa):
    return ' '.join(k for k in ('nat-local', 'nat-remote', 'nat-fake', 'nat-any')
                    if ike_sa.get(k) == 'yes') or 'none'


def describe(label, sa):
    """Print one IKE SA and its CHILD_SAs."""
    print('  %s: IKE %s %s[%s]...%s[%s] spi i=%s r=%s nat: %s' % (
        label, sa['state'], sa['local-host'], sa['local-port'], sa['remote-host'],
        sa['remote-port'], sa['initiator-spi'], sa['responder-spi'], nat_flags(sa)))
    for child in sa['child-sas']:
        print('      CHILD %s %s spi in=%s out=%s %s-%s/%s dh=%s %s === %s '
              'bytes in/out %s/%s packets in/out %s/%s' % (
                  child['key'], child['state'], child['spi-in'], child['spi-out'],
                  child['encr-alg'], child.get('encr-keysize', ''),
                  child.get('integ-alg', 'aead'), child.get('dh-group', '-'),
                  ','.join(child['local-ts']), ','.join(child['remote-ts']),
                  child['bytes-in'], child['bytes-out'],
                  child['packets-in'], child['packets-out']))


def list_both(ca, cb):
    sas_a, sas_b = ca.list_sas(), cb.list_sas()
    for label, sas in (('gwA', sas_a), ('gwB', sas_b)):
        for sa in sas:
            describe(label, sa)
    return sas_a, sas_b


# --------------------------------------------------------------------------
# capture analysis

def read_pcap(path):
    """[(ts, frame bytes)] of a little/big endian classic pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    endian = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    if linktype != 1:
        raise ValueError('pcap link type %d, want Ethernet' % linktype)
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + 'IIII', data[off:off + 16])
        off += 16
        frames.append((sec + frac / (1e9 if nano else 1e6), data[off:off + caplen]))
        off += caplen
    return frames


def classify(frame):
    """One dict per IPv4 frame: src, dst, proto, sport, dport, kind
    ('ike', 'ike-nat-t', 'esp-in-udp', 'keepalive', 'esp', 'other'), payload."""
    if len(frame) < 34 or frame[12:14] != b'\x08\x00':
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    proto = ip[9]
    pkt = {'src': str(ipaddress.ip_address(ip[12:16])),
           'dst': str(ipaddress.ip_address(ip[16:20])), 'proto': proto,
           'sport': None, 'dport': None, 'kind': 'other', 'payload': b''}
    body = ip[ihl:struct.unpack('!H', ip[2:4])[0]]
    if proto == 50:
        pkt.update(kind='esp', payload=body, spi=body[:4].hex())
    elif proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack('!HH', body[:4])
        payload = body[8:]
        pkt.update(sport=sport, dport=dport, payload=payload)
        if 500 in (sport, dport):
            pkt['kind'] = 'ike'
        elif 4500 in (sport, dport):
            if payload == b'\xff':
                pkt['kind'] = 'keepalive'
            elif payload[:4] == b'\0\0\0\0':
                pkt.update(kind='ike-nat-t', payload=payload[4:])
            else:
                pkt.update(kind='esp-in-udp', spi=payload[:4].hex())
    return pkt


def ike_header(msg):
    spi_i, spi_r, _, version, exch, flags, msgid = struct.unpack('!8s8sBBBBI', msg[:24])
    return {'spi_i': spi_i, 'spi_r': spi_r, 'exchange': exch,
            'response': bool(flags & 0x20), 'initiator': bool(flags & 0x08),
            'msgid': msgid, 'version': version >> 4}


def notifies(msg):
    """{notify type: data} of an unencrypted IKEv2 message."""
    found, nxt, off = {}, msg[16], 28
    while nxt and off + 4 <= len(msg):
        this, length = nxt, struct.unpack('!H', msg[off + 2:off + 4])[0]
        if length < 4:
            break
        if this == NOTIFY:
            spi_size = msg[off + 5]
            ntype = struct.unpack('!H', msg[off + 6:off + 8])[0]
            found[ntype] = msg[off + 8 + spi_size:off + length]
        nxt, off = msg[off], off + length
    return found


def natd_hash(spi_i, spi_r, addr, port):
    """RFC 7296 2.23: SHA-1(SPIi | SPIr | IP | Port)."""
    return hashlib.sha1(spi_i + spi_r + ipaddress.ip_address(addr).packed +
                        struct.pack('!H', port)).digest()


def analyse_natd(checks, label, pkt, source_faked):
    """Report whether the NAT_DETECTION hashes of one IKE_SA_INIT are real;
    check that the destination hash is and the source hash is faked exactly
    when source_faked."""
    hdr = ike_header(pkt['payload'])
    found = notifies(pkt['payload'])
    who = 'response' if hdr['response'] else 'request'
    src = natd_hash(hdr['spi_i'], hdr['spi_r'], pkt['src'], pkt['sport'])
    dst = natd_hash(hdr['spi_i'], hdr['spi_r'], pkt['dst'], pkt['dport'])
    got_src, got_dst = found.get(NATD_SOURCE), found.get(NATD_DESTINATION)
    verdict = {}
    for name, got, real in (('NAT_DETECTION_SOURCE_IP', got_src, src),
                            ('NAT_DETECTION_DESTINATION_IP', got_dst, dst)):
        verdict[name] = ('missing' if got is None else
                         'real hash' if got == real else 'FAKED (not the hash)')
        print('  IKE_SA_INIT %s from %s:%d: %s = %s -> %s' % (
            who, pkt['src'], pkt['sport'], name, got.hex() if got else '-',
            verdict[name]))
    checks.check(verdict['NAT_DETECTION_DESTINATION_IP'] == 'real hash',
                 '%s wire: IKE_SA_INIT %s NAT_DETECTION_DESTINATION_IP is the real '
                 'hash' % (label, who))
    if source_faked:
        checks.check(verdict['NAT_DETECTION_SOURCE_IP'].startswith('FAKED'),
                     '%s wire: IKE_SA_INIT %s NAT_DETECTION_SOURCE_IP is faked '
                     '(libipsec forces UDP encapsulation)' % (label, who))
    else:
        checks.check(verdict['NAT_DETECTION_SOURCE_IP'] == 'real hash',
                     '%s wire: IKE_SA_INIT %s NAT_DETECTION_SOURCE_IP is the real '
                     'hash (charon without libipsec)' % (label, who))
    return verdict


def gateway_packets(path):
    """The classified packets between the two gateways in a capture."""
    pkts = [p for p in (classify(f) for _, f in read_pcap(path)) if p]
    return [p for p in pkts if {p['src'], p['dst']} == {GW_A, GW_B}]


def print_capture(pkts):
    """Packet counts per kind and ports, then the IKE messages in order."""
    print('  %d packets between the gateways' % len(pkts))
    kinds = {}
    for p in pkts:
        key = (p['kind'], p['src'], p['sport'], p['dport'])
        kinds[key] = kinds.get(key, 0) + 1
    for (kind, src, sport, dport), n in sorted(kinds.items(), key=str):
        print('    %-11s from %-9s %s -> %s : %d' % (kind, src, sport, dport, n))
    print('  IKE messages in order:')
    for p in pkts:
        if p['kind'] in ('ike', 'ike-nat-t'):
            hdr = ike_header(p['payload'])
            print('    %-15s %-8s from %-9s %d -> %d' % (
                EXCHANGES.get(hdr['exchange'], hdr['exchange']),
                'response' if hdr['response'] else 'request', p['src'],
                p['sport'], p['dport']))


def ike_sa_inits(pkts):
    return [p for p in pkts if p['kind'] == 'ike'
            and ike_header(p['payload'])['exchange'] == IKE_SA_INIT]


def check_ports(checks, label, pkts):
    """IKE_SA_INIT on 500/500, the rest of IKE on 4500 (non-ESP marker),
    no plain ESP."""
    checks.check(not any(p['kind'] == 'esp' for p in pkts),
                 '%s wire: no plain ESP (IP protocol 50)' % label)
    init = ike_sa_inits(pkts)
    checks.check(init and all((p['sport'], p['dport']) == (500, 500) for p in init),
                 '%s wire: IKE_SA_INIT on UDP 500/500' % label)
    later = [p for p in pkts if p['kind'] in ('ike', 'ike-nat-t')
             and ike_header(p['payload'])['exchange'] != IKE_SA_INIT]
    checks.check(later and all(p['kind'] == 'ike-nat-t' and
                               (p['sport'], p['dport']) == (4500, 4500) for p in later),
                 '%s wire: every later IKE message on 4500/4500 with the non-ESP '
                 'marker' % label)


def analyse_capture(checks, path, spis_seen):
    """The main scenario's capture: ports, ESP SPIs, NAT-D hashes."""
    pkts = gateway_packets(path)
    print('capture of gwA out0 (two libipsec charons):')
    print_capture(pkts)
    check_ports(checks, 'tunnel', pkts)
    esp = [p for p in pkts if p['kind'] == 'esp-in-udp']
    checks.check(esp and all((p['sport'], p['dport']) == (4500, 4500) for p in esp),
                 'tunnel wire: ESP in UDP 4500/4500', '%d packets' % len(esp))
    wire_spis = {p['spi'] for p in esp}
    checks.check(wire_spis <= spis_seen and len(wire_spis) >= 2,
                 'tunnel wire: ESP SPIs are those list_sas() reported',
                 'wire %s, listed %s' % (sorted(wire_spis), sorted(spis_seen)))
    for p in ike_sa_inits(pkts):
        analyse_natd(checks, 'tunnel', p, source_faked=True)


# --------------------------------------------------------------------------
# the scenario

@contextlib.contextmanager
def two_charons(timer, label, ns, made, verbose, plugins_b=sw.PLUGINS, extra_a=()):
    """Charons on gwA and gwB; their logs are printed when the block fails
    (all of them with verbose). Appends (pid, workdir) of each to made."""
    with contextlib.ExitStack() as charons:
        with timer('%s: start 2 charons' % label):
            ca = charons.enter_context(sw.Charon(ns['gA'], 'gwA',
                                                 extra_charon_lines=extra_a))
            made.append((ca.pid, ca.workdir))
            cb = charons.enter_context(sw.Charon(ns['gB'], 'gwB', plugins=plugins_b))
            made.append((cb.pid, cb.workdir))
        print('charon gwA pid %d vici %s; gwB pid %d vici %s' % (
            ca.pid, ca.uri, cb.pid, cb.uri))
        try:
            yield ca, cb
        except BaseException:
            for c in (ca, cb):
                print('---- %s charon log (tail)' % c.name)
                print(c.output_tail(60))
            raise
        finally:
            if verbose:
                for c in (ca, cb):
                    print('---- %s charon log' % c.name)
                    print(c.log_text())
        with timer('%s: stop 2 charons' % label):
            charons.close()


def scenario_tunnel(checks, timer, args, net, ns, workdir, made):
    """Two libipsec charons: the tunnel's life, then the wire checks."""
    print('== tunnel between two libipsec charons')
    pcap = os.path.join(workdir, 'tunnel.pcap')
    with sw.capture(ns['gA'], 'out0', pcap, 'udp or esp'):
        with two_charons(timer, 'tunnel', ns, made, args.verbose) as (ca, cb):
            spis = run_tunnel(checks, timer, args, net, ns, ca, cb)
            check_logs(checks, ca, cb)
    analyse_capture(checks, pcap, spis)


def scenario_real_natd(checks, timer, args, net, ns, workdir, made):
    """gwA (libipsec) against a gwB charon without kernel-libipsec, which
    sends real NAT_DETECTION hashes as hubsec would: what gwA does then.
    Only the IKE SA matters (gwB's CHILD_SA fails where the kernel has no
    ESP)."""
    print('== libipsec charon (gwA) against a peer sending real NAT-D hashes '
          '(gwB without kernel-libipsec)')
    pcap = os.path.join(workdir, 'real-natd.pcap')
    plugins_b = [p for p in sw.PLUGINS if p != 'kernel-libipsec']
    with sw.capture(ns['gA'], 'out0', pcap, 'udp or esp'):
        with two_charons(timer, 'real NAT-D', ns, made, args.verbose, plugins_b=plugins_b,
                         extra_a=['keep_alive = 1s']) as (ca, cb):
            ca.load(connection('A', args))
            cb.load(connection('B', args, encap=False))  # real hashes, like hubsec
            try:
                ca.initiate(child=CONN, ike=CONN)
                print('  CHILD_SA established (this kernel has ESP)')
            except sw.CharonError as exc:
                print('  CHILD_SA not established, as expected without kernel ESP: %s'
                      % str(exc).splitlines()[1:2])
            ike_a = ca.wait_ike(CONN)
            ike_b = cb.wait_ike(CONN)
            describe('gwA', ike_a)
            describe('gwB', ike_b)
            checks.check(nat_flags(ike_a) == 'nat-fake nat-any',
                         'real NAT-D peer: gwA says nat-fake nat-any (no NAT seen, '
                         'encapsulation forced)', nat_flags(ike_a))
            checks.check(nat_flags(ike_b) == 'nat-remote nat-any',
                         'real NAT-D peer: gwB believes gwA is behind NAT',
                         nat_flags(ike_b))
            checks.check(ike_a['local-port'] == ike_a['remote-port'] == '4500',
                         'real NAT-D peer: IKE SA floated to 4500')
            checks.check('faking NAT situation to enforce UDP encapsulation'
                         in ca.log_text(),
                         'real NAT-D peer: gwA logs "faking NAT situation to enforce '
                         'UDP encapsulation"')
            time.sleep(2.5)  # more than twice gwA's keep_alive
            ca.terminate(ike=CONN)
    pkts = gateway_packets(pcap)
    print('capture of gwA out0 (libipsec gwA, plain gwB):')
    print_capture(pkts)
    check_ports(checks, 'real NAT-D peer', pkts)
    keepalives = [p for p in pkts if p['kind'] == 'keepalive']
    checks.check(not keepalives, 'real NAT-D peer: gwA sends no NAT-T keepalive '
                 '(keep_alive = 1s, 2.5 s idle)', '%d seen' % len(keepalives))
    for p in ike_sa_inits(pkts):
        analyse_natd(checks, 'real NAT-D peer', p, source_faked=(p['src'] == GW_A))


def run_tunnel(checks, timer, args, net, ns, ca, cb):
    """Load, initiate, ping, rekey, ping, rekey IKE, terminate. Returns the
    set of ESP SPIs list_sas() reported."""
    spis = set()
    ca.load(connection('A', args))
    cb.load(connection('B', args))
    checks.check(ca.list_conns() == [CONN] and cb.list_conns() == [CONN],
                 'connection loaded on both')
    with timer('initiate (IKE_SA_INIT+IKE_AUTH)'):
        ca.initiate(child=CONN, ike=CONN)
    cb.wait_child(CONN)
    print('after initiate:')
    got = check_sas(checks, 'initiate', *list_both(ca, cb), args)
    if not got:
        return spis
    ike_a, ike_b, child_a, child_b = got
    spis |= {child_a['spi-in'], child_a['spi-out']}
    show_routes(net, ns['gA'])
    with timer('ping 3 through tunnel'):
        ok, line = ping(net, ns['hA'], HOST_B)
    checks.check(ok, 'ping hostA -> hostB through the tunnel', line)
    after = one_child(cb.list_sas())
    checks.check(after and after['packets-in'] >= 3 and after['packets-out'] >= 3,
                 'gwB CHILD_SA counted the pings',
                 after and 'packets in %s out %s' % (after['packets-in'], after['packets-out']))

    old = {child_a['spi-in'], child_a['spi-out']}
    with timer('rekey CHILD_SA'):
        ca.rekey(child=CONN)
        _, new_a = ca.wait_child(CONN, exclude_spis=old)
        cb.wait_child(CONN, exclude_spis=old)
    print('after CHILD_SA rekey:')
    got = check_sas(checks, 'child rekey', *list_both(ca, cb), args)
    if got:
        new_a = got[2]
        spis |= {new_a['spi-in'], new_a['spi-out']}
        checks.check(not {new_a['spi-in'], new_a['spi-out']} & old,
                     'child rekey: new SPIs',
                     'old %s new %s' % (sorted(old), sorted({new_a['spi-in'], new_a['spi-out']})))
        if args.esp.endswith('modp2048'):
            checks.check(new_a.get('dh-group') == 'MODP_2048',
                         'child rekey: PFS with MODP_2048', str(new_a.get('dh-group')))
    with timer('ping 3 after rekey'):
        ok, line = ping(net, ns['hA'], HOST_B)
    checks.check(ok, 'ping after CHILD_SA rekey', line)

    with timer('rekey IKE SA'):
        ca.rekey(ike=CONN)
        new_ike = ca.wait_ike(CONN, exclude_spis={ike_a['initiator-spi']})
        cb.wait_ike(CONN, exclude_spis={ike_a['initiator-spi']})
        ca.wait_for(lambda sas: len(sas) == 1, what='old IKE SA gone')
        cb.wait_for(lambda sas: len(sas) == 1, what='old IKE SA gone')
    print('after IKE SA rekey:')
    got = check_sas(checks, 'IKE rekey', *list_both(ca, cb), args)
    checks.check(new_ike['initiator-spi'] != ike_a['initiator-spi'],
                 'IKE rekey: new IKE SPIs')
    if got:
        checks.check(got[2]['spi-in'] == new_a['spi-in'],
                     'IKE rekey: CHILD_SA carried over unchanged')
    with timer('ping 3 after IKE rekey'):
        ok, line = ping(net, ns['hA'], HOST_B)
    checks.check(ok, 'ping after IKE SA rekey', line)

    with timer('terminate'):
        ca.terminate(ike=CONN)
        cb.wait_for(lambda sas: not sas, what='no SA on gwB')
    checks.check(not ca.list_sas() and not cb.list_sas(), 'terminate: no SA left on either')
    return spis


def show_routes(net, ns):
    """Print what libipsec/kernel-netlink installed on gwA."""
    rules = net.run(ns, 'ip', 'rule').stdout.strip().splitlines()
    table = net.run(ns, 'ip', 'route', 'show', 'table', '220').stdout.strip()
    links = [l.split(':')[1].strip() for l in
             net.run(ns, 'ip', '-o', 'link').stdout.splitlines()]
    print('  gwA links: %s' % ' '.join(links))
    print('  gwA rules: %s' % ' | '.join(r.strip() for r in rules))
    print('  gwA table 220: %s' % table)


def check_logs(checks, ca, cb):
    """What charon says about NAT and encapsulation."""
    for c in (ca, cb):
        log = c.log_text()
        lines = [l.split('] ', 1)[-1] for l in log.splitlines()
                 if 'NAT' in l or 'created TUN' in l or 'faking' in l]
        seen = []
        for l in lines:
            if l not in seen:
                seen.append(l)
        print('  %s log about NAT/TUN: %s' % (c.name, ' | '.join(seen)))
    checks.check('created TUN device' in ca.log_text() and
                 'created TUN device' in cb.log_text(),
                 'both charons created their TUN device')


def leftovers(prefix, pids, workdirs):
    """What the test left behind: processes, namespaces, mounts, files."""
    left = []
    for pid in pids:
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                if b'charon' in f.read():
                    left.append('charon process %d' % pid)
        except (OSError, TypeError):
            pass
    out = subprocess.run(['ip', 'netns', 'list'], stdout=subprocess.PIPE, text=True).stdout
    left += ['netns ' + l.split()[0] for l in out.splitlines() if l.startswith(prefix)]
    with open('/proc/self/mountinfo') as f:
        mounts = f.read()
    left += ['mount ' + l for l in mounts.splitlines() if 'hsw-charon-' in l]
    left += ['dir ' + d for d in workdirs if d and os.path.exists(d)]
    return left


SCENARIOS = (scenario_tunnel, scenario_real_natd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--ike', default='aes256-sha256-modp2048')
    parser.add_argument('--esp', default='aes256-sha256-modp2048')
    parser.add_argument('--encap', action='store_true', help='encap = yes on both')
    parser.add_argument('-v', '--verbose', action='store_true', help='print both logs')
    args = parser.parse_args()

    if os.geteuid() != 0:
        print('FAIL setup: must run as root (network namespaces)')
        return 1
    missing = sw.missing_prerequisites()
    if missing:
        print('FAIL setup: missing ' + ', '.join(missing))
        return 1
    checks, timer = Checks(), Timer()
    prefix = 'hsw-%d-' % os.getpid()
    print('strongSwan harness self-test: ike %s, esp %s, encap %s' % (
        args.ike, args.esp, 'yes' if args.encap else 'no'))
    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix='hsw-test-')
    made = []
    try:
        with sw.Netns(prefix) as net:
            with timer('namespaces + veths'):
                ns = build_topology(net)
            print('namespaces: %s' % ' '.join(ns.values()))
            for scenario in SCENARIOS:
                try:
                    scenario(checks, timer, args, net, ns, workdir, made)
                except Exception:
                    traceback.print_exc()
                    checks.check(False, '%s ran to the end' % scenario.__name__)
    finally:
        subprocess.run(['rm', '-rf', workdir])
    timer.items.append(('total', time.monotonic() - t0))
    left = leftovers(prefix, [p for p, _ in made], [d for _, d in made] + [workdir])
    checks.check(not left, 'nothing left behind (processes, namespaces, mounts, files)',
                 ', '.join(left))
    timer.report()
    print('%s: %d checks passed, %d failed' % ('PASS' if not checks.failed else 'FAIL',
                                               checks.passed, checks.failed))
    return 0 if not checks.failed else 1


if __name__ == '__main__':
    sys.exit(main())
