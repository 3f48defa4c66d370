# SPDX-License-Identifier: BSD-3-Clause
"""scapy's ESP (scapy.layers.ipsec.SecurityAssociation, Debian python3-scapy
2.5) as the peer of our ESP engine, in both directions.

What scapy 2.5 does not do, and how the tests deal with it:
- ESN with HMAC: scapy puts the high 32 sequence bits into the AEAD AAD
  (RFC 4106 §5) and into AH's ICV, but never into an ESP HMAC ICV, which RFC
  4303 §3.3.2.1 requires. For ESN with CBC+HMAC the ICV is therefore computed
  here with Python's hmac module (decryption stays scapy's); those checks are
  labelled "manual-icv" and are not independent of this file.
- NAT-T over IPv4: scapy freezes the outer header before the ESP payload is
  attached, so its UDP length field says 8; fixed up here before sending.
- NAT-T over IPv6: scapy sends a zero UDP checksum, which RFC 8200 §8.1
  forbids (Wireshark calls it illegal); recomputed here before sending.
- seq_num=0 / esn=0 as arguments are ignored (falsy): set as SA attributes.
- No anti-replay and no padding check on decryption: those are checked on
  our side only (inbound), and by Wireshark (pad bytes) outbound.
"""

import hashlib
import hmac
import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, IPSecIntegrityError, SecurityAssociation

import interop_common as ic

_HASHES = {'hmac-sha256-128': hashlib.sha256, 'hmac-sha1-96': hashlib.sha1}


def make_sa(sa, spi=None):
    """scapy's view of an EspSa (tunnel mode; NAT-T header when the SA has one)."""
    xf = sa.xf
    tunnel = IP(src=sa.src, dst=sa.dst) if sa.outer == 4 else IPv6(src=sa.src, dst=sa.dst)
    return SecurityAssociation(
        ESP, spi=sa.spi if spi is None else spi, crypt_algo=xf.scapy_crypt,
        crypt_key=sa.enc_key, auth_algo=xf.scapy_auth,
        auth_key=sa.auth_key if xf.scapy_auth else None, tunnel_header=tunnel,
        nat_t_header=UDP(sport=sa.sport, dport=sa.dport) if sa.natt else None,
        esn_en=sa.esn, esn=0)


def parse_outer(wire):
    return IP(wire) if wire[0] >> 4 == 4 else IPv6(wire)


def esn_icv(sa, esp, seq_hi):
    """RFC 4303 §3.3.2.1: the ICV covers ESP header..trailer, then the high 32 bits."""
    mac = hmac.new(sa.auth_key, esp + struct.pack('!I', seq_hi), _HASHES[sa.xf.integ])
    return mac.digest()[:sa.xf.icv_len]


def decrypt(ssa, sa, wire, seq64):
    """Decrypt one outer packet with scapy; raises IPSecIntegrityError on a bad ICV."""
    pkt = parse_outer(wire)
    hi = seq64 >> 32
    if sa.esn and not sa.xf.aead:
        # scapy's HMAC check knows no ESN: check the ICV here, decrypt with scapy.
        esp = wire[ic.esp_offset(wire):]
        icv_len = sa.xf.icv_len
        if not hmac.compare_digest(esp[-icv_len:], esn_icv(sa, esp[:-icv_len], hi)):
            raise IPSecIntegrityError('manual ESN ICV check failed')
        return ssa.decrypt(pkt, verify=False)
    ssa.esn = hi
    return ssa.decrypt(pkt)


def _check_outer(sa, wire, inner, seq64):
    """The outer headers as scapy parses them. Returns a list of problems."""
    errs = []
    pkt = parse_outer(wire)
    ver = wire[0] >> 4
    if ver != sa.outer:
        return ['outer IPv%d, expected IPv%d' % (ver, sa.outer)]
    if pkt.src != sa.src or pkt.dst != sa.dst:
        errs.append('outer %s -> %s' % (pkt.src, pkt.dst))
    if ver == 4:
        again = IP(wire)
        del again.chksum
        if IP(bytes(again)).chksum != pkt.chksum:
            errs.append('outer IPv4 header checksum wrong')
        if pkt.len != len(wire):
            errs.append('outer IPv4 length %d != %d' % (pkt.len, len(wire)))
        if pkt.proto != (17 if sa.natt else 50):
            errs.append('outer protocol %d' % pkt.proto)
    else:
        if pkt.plen != len(wire) - 40:
            errs.append('outer IPv6 payload length %d != %d' % (pkt.plen, len(wire) - 40))
        if pkt.nh != (17 if sa.natt else 50):
            errs.append('outer next header %d' % pkt.nh)
    if sa.natt:
        errs += _check_udp(sa, pkt, ver)
    if ESP not in pkt:
        return errs + ['scapy finds no ESP header']
    esp = pkt[ESP]
    if esp.spi != sa.spi or esp.seq != seq64 & 0xffffffff:
        errs.append('ESP spi 0x%x seq %d, expected 0x%x %d' %
                    (esp.spi, esp.seq, sa.spi, seq64 & 0xffffffff))
    errs += _check_tos(pkt, ver, inner)
    return errs


def _check_udp(sa, pkt, ver):
    errs = []
    udp = pkt[UDP]
    if udp.sport != sa.sport or udp.dport != sa.dport:
        errs.append('UDP ports %d -> %d' % (udp.sport, udp.dport))
    if udp.len != len(udp):
        errs.append('UDP length %d != %d' % (udp.len, len(udp)))
    if ver == 4 and udp.chksum != 0:
        errs.append('UDP checksum over IPv4 not zero (RFC 3948 §2.1)')
    if ver == 6:
        again = pkt.copy()
        del again[UDP].chksum
        if udp.chksum == 0 or IPv6(bytes(again))[UDP].chksum != udp.chksum:
            errs.append('UDP checksum over IPv6 wrong (RFC 8200 §8.1)')
    return errs


def _check_tos(pkt, ver, inner):
    """DSCP copied (the tool's SA copies it) and ECN copied (RFC 6040 normal mode)."""
    inner_ver = inner[0] >> 4
    inner_tos = inner[1] if inner_ver == 4 else ((inner[0] & 0x0f) << 4 | inner[1] >> 4)
    outer_tos = pkt.tos if ver == 4 else pkt.tc
    errs = []
    if outer_tos != inner_tos:
        errs.append('outer DS/ECN 0x%02x, inner 0x%02x' % (outer_tos, inner_tos))
    if ver == 4 and inner_ver == 4 and bool(pkt.flags.DF) != bool(inner[6] & 0x40):
        errs.append('outer DF not copied from the inner header')
    return errs


def check_outbound(sa, inner, out_pkts, first_seq):
    """Our ESP packets (out_pkts) decrypted by scapy must give back inner exactly."""
    errs = []
    ssa = make_sa(sa)
    if len(out_pkts) != len(inner):
        return ['%d ESP packets for %d inner packets' % (len(out_pkts), len(inner))]
    # RFC 4106 §3.1: a GCM IV must never repeat under one key (RFC 3602 §2.4
    # wants CBC IVs unpredictable, which a repeat would contradict too).
    ivs = [w[ic.esp_offset(w) + 8:ic.esp_offset(w) + 8 + sa.xf.iv_len] for w in out_pkts]
    if len(set(ivs)) != len(ivs):
        errs.append('an IV repeats within the SA')
    for i, (orig, wire) in enumerate(zip(inner, out_pkts)):
        seq64 = first_seq + 1 + i
        errs += ['packet %d: %s' % (i + 1, e) for e in _check_outer(sa, wire, orig, seq64)]
        try:
            got = bytes(decrypt(ssa, sa, wire, seq64))
        except IPSecIntegrityError as e:
            errs.append('packet %d: scapy refuses the ICV: %s' % (i + 1, e))
            continue
        if got != orig:
            errs.append('packet %d: decrypted inner packet differs (%d vs %d bytes)' %
                        (i + 1, len(got), len(orig)))
    errs += _negative_controls(sa, ssa, out_pkts, first_seq)
    return errs


def _refused(ssa, sa, wire, seq64):
    try:
        decrypt(ssa, sa, wire, seq64)
    except IPSecIntegrityError:
        return True
    return False


def _negative_controls(sa, ssa, out_pkts, first_seq):
    """Proof that the checks above can fail: scapy must refuse altered packets."""
    errs = []
    wire = out_pkts[0]
    if not _refused(ssa, sa, ic.flip_byte(wire, -sa.xf.icv_len - 1), first_seq + 1):
        errs.append('negative control: scapy accepted a packet with a flipped byte')
    if not _refused(ssa, sa, ic.flip_byte(wire, -1), first_seq + 1):
        errs.append('negative control: scapy accepted a packet with a flipped ICV byte')
    if sa.esn:
        # The high sequence bits are in the ICV: a wrong guess must fail.
        if not _refused(ssa, sa, wire, first_seq + 1 + (1 << 32)):
            errs.append('negative control: ICV verified with the wrong ESN high bits')
    return errs


# ---------------------------------------------------------------------------
# inbound: scapy encrypts, our engine decrypts


# Inbound ESN SAs start as if this sequence number had been received
# (hs-esp-pcap --replay-start), so that the burst crosses 2^32.
ESN_REPLAY_START = 0xfffffff0


def schedule(n, esn):
    """
    Arrival order for the inbound test: (seq64, inner index, how, expected drop)
    where how is 'ok', 'spi' (sent with another SPI) or 'tamper' (a flipped
    byte), and expected is None (delivered) or the drop reason's name.
    """
    first = ESN_REPLAY_START if esn else 0
    seqs = [first + 1 + i for i in range(n)]
    seqs[1], seqs[2] = seqs[2], seqs[1]  # out of order inside the window
    ev = [(s, i, 'ok', None) for i, s in enumerate(seqs)]
    top = max(seqs)
    if esn:
        # RFC 4303 Appendix A: the receiver infers the high 32 bits.
        wrap = seqs.index(1 << 32)
        ev[wrap - 1], ev[wrap] = ev[wrap], ev[wrap - 1]  # 2^32 before 2^32 - 1
        ev += [
            (first - 10, 0, 'ok', None),       # never seen, in the window, below 2^32
            (first, 1, 'ok', 'replay'),        # the --replay-start packet itself
            (0xffffffff, 2, 'ok', 'replay'),
            (top + 1 + (1 << 32), 3, 'ok', 'auth-failed'),  # high bits one too many
        ]
    ev += [
        (seqs[0], 0, 'ok', 'replay'),          # a duplicate of the first packet
        (top + 1, 1, 'spi', 'invalid-spi'),
        (top + 1, 1, 'tamper', 'auth-failed'),
        (top + 1, 1, 'ok', None),              # the tampered one did not move the window
        (top + 200, 2, 'ok', None),
        (top + 3, 3, 'ok', 'replay'),          # never seen, but left behind by the window
        (top + 199, 4, 'ok', None),
    ]
    return ev


def _fixup(sa, wire):
    """Correct scapy's NAT-T header (see the module comment)."""
    if not sa.natt:
        return wire
    if sa.outer == 6:
        return ic.fix_udp6_checksum(wire)
    b = bytearray(wire)
    ihl = (b[0] & 0x0f) * 4
    b[ihl + 4:ihl + 6] = struct.pack('!H', len(b) - ihl)
    return bytes(b)


def encrypt(sa, ssa, inner_pkt, seq64, tamper=False):
    """One ESP packet from scapy with sequence number seq64 (tampered: a flipped byte)."""
    ssa.seq_num = seq64 & 0xffffffff
    ssa.esn = seq64 >> 32
    wire = bytes(ssa.encrypt(parse_outer(inner_pkt)))
    if sa.esn and not sa.xf.aead:
        off = ic.esp_offset(wire)
        icv_len = sa.xf.icv_len
        wire = wire[:-icv_len] + esn_icv(sa, wire[off:-icv_len], seq64 >> 32)
    if tamper:
        wire = ic.flip_byte(wire, -sa.xf.icv_len - 1)
    return _fixup(sa, wire)


def build_inbound(sa, inner):
    """Returns (ESP packets, {packet number: reason}, [inner packets expected out])."""
    ssa = make_sa(sa)
    other = make_sa(sa, spi=sa.spi + 1)
    wires, drops, expect = [], {}, []
    for num, (seq64, idx, how, why) in enumerate(schedule(len(inner), sa.esn), 1):
        wire = encrypt(sa, other if how == 'spi' else ssa, inner[idx], seq64,
                       tamper=how == 'tamper')
        wires.append(wire)
        if why is None:
            expect.append(inner[idx])
        else:
            drops[num] = why
    return wires, drops, expect


def self_check(sa, inner):
    """scapy must decrypt what it encrypted (catches a broken peer setup early)."""
    ssa = make_sa(sa)
    wire = encrypt(sa, ssa, inner[0], 5)
    got = bytes(decrypt(make_sa(sa), sa, wire, 5))
    return [] if got == inner[0] else ['scapy cannot decrypt its own packet']

