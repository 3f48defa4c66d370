# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the ESP interop tests: SA descriptions, the case table, pcap files
and the hs-esp-pcap tool. Nothing here imports scapy, so that a missing
python3-scapy is reported by esp_interop.py and not as an ImportError."""

import dataclasses
import hashlib
import re
import struct
import subprocess

DLT_EN10MB = 1
DLT_RAW = 101
# Link types that carry a bare IP packet (LINKTYPE_RAW, its BSD value, IPv4, IPv6).
RAW_LINKTYPES = (DLT_RAW, 12, 14, 228, 229)
ETH_HDR = bytes.fromhex('020000000002' '020000000001')

# Outer (tunnel) addresses: the hub is us, the peer is the other end.
OUTER = {
    4: ('10.255.1.2', '10.255.2.2'),
    6: ('2001:db8:ff::1', '2001:db8:ff::2'),
}
# Inner (protected) hosts.
INNER = {
    4: ('10.1.0.1', '10.2.0.1'),
    6: ('2001:db8:1::1', '2001:db8:2::1'),
}


@dataclasses.dataclass(frozen=True)
class Transform:
    """One ESP transform under its names in hubsec, scapy and Wireshark 4.0."""
    cipher: str          # hs-esp-pcap --cipher
    integ: str           # hs-esp-pcap --integ
    enc_len: int         # key bytes, GCM salt included (RFC 4106 §8.1)
    auth_len: int
    iv_len: int
    icv_len: int
    scapy_crypt: str
    scapy_auth: str      # None: AEAD
    ws_crypt: str        # Wireshark esp_sa UAT encryption_algo
    ws_auth: str         # Wireshark esp_sa UAT authentication_algo

    @property
    def aead(self):
        return self.integ == 'none'


_GCM_WS = 'AES-GCM with 16 octet ICV [RFC4106]'
TRANSFORMS = {
    'gcm128': Transform('aes-gcm-128', 'none', 20, 0, 8, 16, 'AES-GCM', None, _GCM_WS, 'NULL'),
    'gcm256': Transform('aes-gcm-256', 'none', 36, 0, 8, 16, 'AES-GCM', None, _GCM_WS, 'NULL'),
    'cbc256-sha256': Transform('aes-cbc-256', 'hmac-sha256-128', 32, 32, 16, 16, 'AES-CBC',
                               'SHA2-256-128', 'AES-CBC [RFC3602]', 'HMAC-SHA-256-128 [RFC4868]'),
    'cbc128-sha1': Transform('aes-cbc-128', 'hmac-sha1-96', 16, 20, 16, 12, 'AES-CBC',
                             'HMAC-SHA1-96', 'AES-CBC [RFC3602]', 'HMAC-SHA-1-96 [RFC2404]'),
}


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    xform: str
    outer: int = 4       # outer IP version
    inner: int = 4       # inner IP version
    natt: bool = False   # RFC 3948 UDP encapsulation
    peer_port: int = 4500  # the peer's NAT-T port (not 4500: it sits behind a NAT)
    esn: bool = False    # RFC 4304
    linktype: int = DLT_RAW

    @property
    def transform(self):
        return TRANSFORMS[self.xform]


CASES = [
    Case('gcm128-4in4', 'gcm128', linktype=DLT_EN10MB),
    Case('gcm256-4in4', 'gcm256'),
    Case('cbc256-sha256-4in4', 'cbc256-sha256'),
    Case('cbc128-sha1-4in4', 'cbc128-sha1', linktype=DLT_EN10MB),
    Case('gcm128-6in4', 'gcm128', inner=6),
    Case('gcm128-4in6', 'gcm128', outer=6),
    Case('gcm128-6in6', 'gcm128', outer=6, inner=6),
    Case('cbc256-sha256-6in4', 'cbc256-sha256', inner=6),
    Case('cbc256-sha256-4in6', 'cbc256-sha256', outer=6),
    Case('cbc256-sha256-6in6', 'cbc256-sha256', outer=6, inner=6),
    Case('cbc128-sha1-6in6', 'cbc128-sha1', outer=6, inner=6, linktype=DLT_EN10MB),
    Case('natt-gcm128-4in4', 'gcm128', natt=True),
    Case('natt-gcm256-6in4-nat-port', 'gcm256', inner=6, natt=True, peer_port=31337),
    Case('natt-cbc128-sha1-4in4', 'cbc128-sha1', natt=True),
    Case('natt-cbc256-sha256-4in6', 'cbc256-sha256', outer=6, natt=True),
    Case('esn-gcm128-4in4', 'gcm128', esn=True),
    Case('esn-gcm256-6in6', 'gcm256', outer=6, inner=6, esn=True),
    Case('esn-cbc256-sha256-4in4', 'cbc256-sha256', esn=True),
    Case('esn-natt-cbc128-sha1-6in4', 'cbc128-sha1', inner=6, natt=True, esn=True),
]


@dataclasses.dataclass
class EspSa:
    """One direction of a tunnel as both ends configure it."""
    spi: int
    xf: Transform
    enc_key: bytes
    auth_key: bytes
    src: str             # outer source on the wire
    dst: str
    outer: int
    natt: bool
    sport: int           # outer UDP ports on the wire (NAT-T)
    dport: int
    esn: bool


def _key(case, direction, what, n):
    """Deterministic test keys (reproducible failures); not secret."""
    out = b''
    while len(out) < n:
        out += hashlib.sha256(('%s/%s/%s/%d' % (case.name, direction, what, len(out)))
                              .encode()).digest()
    return out[:n]


def case_sa(case, direction):
    """The SA for traffic hub -> peer ('out') or peer -> hub ('in')."""
    hub, peer = OUTER[case.outer]
    xf = case.transform
    out = direction == 'out'
    return EspSa(spi=0x1001 if out else 0x2002, xf=xf,
                 enc_key=_key(case, direction, 'enc', xf.enc_len),
                 auth_key=_key(case, direction, 'auth', xf.auth_len),
                 src=hub if out else peer, dst=peer if out else hub, outer=case.outer,
                 natt=case.natt, sport=4500 if out else case.peer_port,
                 dport=case.peer_port if out else 4500, esn=case.esn)


# ---------------------------------------------------------------------------
# pcap files, written and read here so that link types are under our control


def write_pcap(path, packets, linktype=DLT_RAW):
    """packets: IP packets as bytes; Ethernet framing added for DLT_EN10MB."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for i, p in enumerate(packets):
            if linktype == DLT_EN10MB:
                p = ETH_HDR + struct.pack('!H', 0x86dd if p[0] >> 4 == 6 else 0x0800) + p
                p += bytes(max(0, 60 - len(p)))  # padded to the minimum frame, as on a wire
            f.write(struct.pack('<IIII', 1700000000 + i, 0, len(p), len(p)))
            f.write(p)


def read_pcap(path):
    """Returns (linktype, [IP packet bytes]) with the link header stripped."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise ValueError('%s: not a pcap file' % path)
    linktype = struct.unpack(end + 'I', data[20:24])[0] & 0x0fffffff
    if linktype != DLT_EN10MB and linktype not in RAW_LINKTYPES:
        raise ValueError('%s: unexpected link type %d' % (path, linktype))
    pkts, off = [], 24
    while off < len(data):
        caplen, wirelen = struct.unpack(end + 'II', data[off + 8:off + 16])
        if caplen != wirelen:
            raise ValueError('%s: truncated frame' % path)
        p = data[off + 16:off + 16 + caplen]
        if linktype == DLT_EN10MB:
            p = _trim_ip(p[14:])
        pkts.append(p)
        off += 16 + caplen
    return linktype, pkts


def _trim_ip(p):
    """An IP packet without the Ethernet padding after it."""
    if p[0] >> 4 == 4 and len(p) >= 20:
        return p[:struct.unpack('!H', p[2:4])[0]]
    if p[0] >> 4 == 6 and len(p) >= 40:
        return p[:40 + struct.unpack('!H', p[4:6])[0]]
    return p


# ---------------------------------------------------------------------------
# hs-esp-pcap

_DROP_RE = re.compile(r'^hs-esp-pcap: packet (\d+) dropped: (\S+)$')
_SUMMARY_RE = re.compile(r'^(\d+) in, (\d+) out, (\d+) dropped')


@dataclasses.dataclass
class ToolResult:
    rc: int
    stderr: str
    drops: dict          # packet number (1-based) -> reason name
    summary: tuple       # (in, out, dropped) or None


def run_tool(tool, direction, sa, in_path, out_path, seq=None, window=None, replay_start=None,
             burst=None):
    """Runs hs-esp-pcap with sa in direction 'out' or 'in'."""
    args = [tool, '--dir', direction, '--spi', '0x%08x' % sa.spi,
            '--cipher', sa.xf.cipher, '--integ', sa.xf.integ,
            '--enc-key', sa.enc_key.hex(), '--src', sa.src, '--dst', sa.dst]
    if sa.auth_key:
        args += ['--auth-key', sa.auth_key.hex()]
    if sa.natt:
        args += ['--natt', '--sport', str(sa.sport), '--dport', str(sa.dport)]
    if sa.esn:
        args.append('--esn')
    if seq is not None:
        args += ['--seq', '0x%x' % seq]
    if window is not None:
        args += ['--replay-window', str(window)]
    if replay_start is not None:
        args += ['--replay-start', '0x%x' % replay_start]
    if burst is not None:
        args += ['--burst', str(burst)]
    args += [in_path, out_path]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    drops, summary = {}, None
    for line in r.stderr.splitlines():
        m = _DROP_RE.match(line)
        if m:
            drops[int(m.group(1))] = m.group(2)
        m = _SUMMARY_RE.match(line)
        if m:
            summary = tuple(int(x) for x in m.groups())
    return ToolResult(r.returncode, r.stderr, drops, summary)


def flip_byte(pkt, off):
    """A copy of pkt with one bit of the byte at off (negative: from the end) flipped."""
    b = bytearray(pkt)
    b[off] ^= 0x01
    return bytes(b)


def _ones_sum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def fix_udp6_checksum(pkt):
    """IPv6 + UDP: a copy with the UDP checksum recomputed (RFC 8200 §8.1)."""
    if pkt[0] >> 4 != 6 or pkt[6] != 17:
        return pkt
    udp = bytearray(pkt[40:])
    udp[6:8] = b'\0\0'
    pseudo = pkt[8:40] + struct.pack('!IxxxB', len(udp), 17)
    ck = 0xffff - _ones_sum(pseudo + bytes(udp))
    udp[6:8] = struct.pack('!H', ck or 0xffff)
    return pkt[:40] + bytes(udp)


def esp_offset(pkt):
    """Offset of the ESP header in an outer packet (IPv4/IPv6, no options, maybe UDP)."""
    if pkt[0] >> 4 == 4:
        off, proto = (pkt[0] & 0x0f) * 4, pkt[9]
    else:
        off, proto = 40, pkt[6]
    return off + 8 if proto == 17 else off
