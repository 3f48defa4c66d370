#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Interop tests of our ESP engine (lib/esp_*.c, through tests/tools/hs-esp-pcap)
against ESP implementations nobody here wrote:

  scapy   scapy.layers.ipsec.SecurityAssociation (python3-scapy), both ways:
          out: we encrypt, scapy decrypts and verifies the ICV;
          in:  scapy encrypts, we decrypt; replayed, too old, wrong-SPI and
               tampered packets must be dropped with the right reason.
  tshark  Wireshark's ESP decryption with its ICV check (tshark), our outbound.

Run with Debian's /usr/bin/python3 (it sees python3-scapy):
  /usr/bin/python3 esp_interop.py --tool build/tests/tools/hs-esp-pcap --peer scapy
Prints one PASS/FAIL line per case, peer and direction; exits 1 on any failure,
also when scapy or tshark is missing (a silent skip would hide a broken setup).
The case table is interop_common.CASES; what each peer cannot do is written at
the top of peer_scapy.py and peer_tshark.py.
"""

import argparse
import os
import shutil
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as ic  # noqa: E402

# Outbound sequence numbers start here (the tool's --seq); ESN SAs start just
# below 2^32 so that the burst crosses into the high half.
ESN_FIRST_SEQ = 0xfffffff0


def prerequisites(peers):
    """Names what is missing, with the Debian package to install."""
    missing = []
    try:
        from scapy.config import conf
        if not conf.crypto_valid:
            missing.append("scapy's ESP needs python-cryptography: apt-get install "
                           "python3-cryptography")
    except ImportError:
        missing.append('scapy not importable by %s: apt-get install python3-scapy'
                       % sys.executable)
    if 'tshark' in peers and shutil.which('tshark') is None:
        missing.append('tshark not found: apt-get install tshark')
    return missing


def inner_packets(ver):
    """
    Clear-text packets: ICMP echo, UDP with every pad length, TCP, 1400+ bytes,
    DSCP/ECN and DF set, and 3000 and 8000 bytes (chained mbufs in the tool).
    """
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6

    src, dst = ic.INNER[ver]

    def l3(tos=0, df=False):
        if ver == 4:
            return IP(src=src, dst=dst, tos=tos, flags='DF' if df else 0, id=0x4242)
        return IPv6(src=src, dst=dst, tc=tos, fl=0x12345)

    def echo(seq, n):
        data = bytes(i & 0xff for i in range(n))
        if ver == 4:
            return l3() / ICMP(type=8, id=0x77, seq=seq) / data
        return l3() / ICMPv6EchoRequest(id=0x77, seq=seq, data=data)

    hdr = 20 if ver == 4 else 40
    # Ports 40000 and up: no Wireshark dissector claims them (one that throws,
    # as CPFI does on 5001, cuts the ESP trailer out of tshark's output).
    pkts = [echo(1, 0), echo(2, 56), echo(3, 1400), echo(4, 1452 - hdr)]
    pkts += [l3() / UDP(sport=40100 + n, dport=40001) / bytes(range(n)) for n in range(16)]
    pkts += [
        l3(tos=0xb8 | 0x02, df=True) / UDP(sport=40002, dport=40002) / (b'v' * 200),
        l3(df=True) / UDP(sport=40003, dport=40001) / (b'u' * (1500 - hdr - 8)),
        l3() / TCP(sport=40000, dport=40004, flags='S', seq=1000,
                   options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)),
                            ('NOP', None), ('WScale', 7)]),
        l3(tos=0x28) / TCP(sport=40000, dport=40004, flags='PA', seq=1001, ack=5) / (b't' * 512),
        l3() / UDP(sport=40005, dport=40005) / (b'j' * (3000 - hdr - 8)),
        l3() / UDP(sport=40005, dport=40005) / (b'J' * (8000 - hdr - 8)),
    ]
    return [bytes(p) for p in pkts]


class Runner:
    def __init__(self, tool, tmp, verbose):
        self.tool = tool
        self.tmp = tmp
        self.verbose = verbose
        self.passed = 0
        self.failed = []

    def report(self, name, errs):
        if errs:
            self.failed.append(name)
            print('FAIL %s' % name)
            for e in errs[:20]:
                print('    %s' % e)
            if len(errs) > 20:
                print('    ... %d more' % (len(errs) - 20))
        else:
            self.passed += 1
            print('PASS %s' % name)
        sys.stdout.flush()

    def attempt(self, name, fn, *args):
        try:
            errs = fn(*args)
        except Exception:  # a crash in a peer or in the harness is a failure too
            errs = traceback.format_exc().rstrip().splitlines()
        self.report(name, errs)

    def encrypt_ours(self, case, sa, inner, first_seq, d):
        """Our outbound: returns the ESP packets, or raises with the tool's output."""
        src = os.path.join(d, 'clear.pcap')
        dst = os.path.join(d, 'esp.pcap')
        ic.write_pcap(src, inner, case.linktype)
        r = ic.run_tool(self.tool, 'out', sa, src, dst,
                        seq=first_seq if first_seq else None)
        if r.rc != 0 or r.summary != (len(inner), len(inner), 0):
            raise RuntimeError('hs-esp-pcap --dir out: rc %d\n%s' % (r.rc, r.stderr))
        linktype, out = ic.read_pcap(dst)
        if (linktype == ic.DLT_EN10MB) != (case.linktype == ic.DLT_EN10MB):
            raise RuntimeError('output link type %d for input %d' % (linktype, case.linktype))
        return out

    def outbound(self, case, peer, inner, d):
        sa = ic.case_sa(case, 'out')
        first_seq = ESN_FIRST_SEQ if case.esn else 0
        out = self.encrypt_ours(case, sa, inner, first_seq, d)
        if peer == 'scapy':
            import peer_scapy
            return peer_scapy.check_outbound(sa, inner, out, first_seq)
        import peer_tshark
        return peer_tshark.check_outbound(sa, inner, out, first_seq, d)

    def inbound(self, case, inner, d):
        import peer_scapy

        sa = ic.case_sa(case, 'in')
        errs = peer_scapy.self_check(sa, inner)
        wires, drops, expect = peer_scapy.build_inbound(sa, inner)
        src = os.path.join(d, 'esp-in.pcap')
        dst = os.path.join(d, 'clear-out.pcap')
        ic.write_pcap(src, wires, case.linktype)
        r = ic.run_tool(self.tool, 'in', sa, src, dst, window=64,
                        replay_start=peer_scapy.ESN_REPLAY_START if case.esn else None)
        if r.summary is None:
            return errs + ['hs-esp-pcap --dir in: rc %d, no summary\n%s' % (r.rc, r.stderr)]
        if r.rc != (1 if drops else 0):
            errs.append('hs-esp-pcap exit status %d' % r.rc)
        if r.summary != (len(wires), len(expect), len(drops)):
            errs.append('hs-esp-pcap summary %s, expected %s' %
                        (r.summary, (len(wires), len(expect), len(drops))))
        for num in sorted(set(drops) | set(r.drops)):
            if drops.get(num) != r.drops.get(num):
                errs.append('packet %d: expected %s, got %s' %
                            (num, drops.get(num, 'delivered'), r.drops.get(num, 'delivered')))
        _, got = ic.read_pcap(dst)
        if got != expect:
            errs.append('%d inner packets out, %d expected; first difference at %s' % (
                len(got), len(expect),
                next((i + 1 for i, (a, b) in enumerate(zip(got, expect)) if a != b), 'the end')))
        if self.verbose:
            print(r.stderr, end='')
        return errs

    def run_case(self, case, peers):
        inner = inner_packets(case.inner)
        for peer in peers:
            d = tempfile.mkdtemp(prefix='%s-%s-' % (case.name, peer), dir=self.tmp)
            self.attempt('%s %s out%s' % (peer, case.name, limitation(case, peer)),
                         self.outbound, case, peer, inner, d)
            if peer == 'scapy':
                self.attempt('%s %s in%s' % (peer, case.name, limitation(case, peer)),
                             self.inbound, case, inner, d)
            shutil.rmtree(d, ignore_errors=True)


def limitation(case, peer):
    """What the peer cannot check in this case (see peer_scapy.py, peer_tshark.py)."""
    if case.esn and peer == 'tshark':
        return ' [decryption only: Wireshark 4.0 has no ESN, its ICV check would fail]'
    if case.esn and peer == 'scapy' and not case.transform.aead:
        return " [ESN ICV by Python's hmac: scapy's ESP HMAC ignores ESN]"
    return ''


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tool', required=True, help='path of hs-esp-pcap')
    ap.add_argument('--peer', choices=['scapy', 'tshark', 'all'], default='all')
    ap.add_argument('--case', action='append', default=[],
                    help='run only the cases whose name contains this (repeatable)')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()

    peers = ['scapy', 'tshark'] if args.peer == 'all' else [args.peer]
    missing = prerequisites(peers)
    if not os.access(args.tool, os.X_OK):
        missing.append('%s: not an executable (build it: ninja -C BUILD)' % args.tool)
    if missing:
        for m in missing:
            print('FAIL setup: %s' % m)
        return 1
    cases = [c for c in ic.CASES if not args.case or any(s in c.name for s in args.case)]
    if not cases:
        print('FAIL setup: no case matches %s' % args.case)
        return 1
    with tempfile.TemporaryDirectory(prefix='hs-interop-') as tmp:
        run = Runner(os.path.abspath(args.tool), tmp, args.verbose)
        for case in cases:
            run.run_case(case, peers)
    print('interop %s: %d passed, %d failed' % ('+'.join(peers), run.passed, len(run.failed)))
    return 1 if run.failed else 0


if __name__ == '__main__':
    sys.exit(main())
