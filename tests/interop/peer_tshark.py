# SPDX-License-Identifier: BSD-3-Clause
"""Wireshark's ESP dissector (tshark 4.0, Debian package tshark) as a second
independent decryptor of our outbound ESP, with its ICV check on.

What Wireshark 4.0 does not do:
- ESN: its esp_sa table (protocol, source, destination, SPI, encryption
  algorithm and key, authentication algorithm and key) has no ESN column, so
  the ICV and the GCM AAD are computed without the high sequence bits. For ESN
  SAs only the decryption is checked (the inner packet it finds), not the ICV.
- Encryption: it only decodes captures, so it checks our outbound direction.
- Anti-replay: none (it flags sequence gaps only).
Also seen: it calls a zero UDP checksum over IPv6 "illegal" (RFC 8200 §8.1),
so the checksum of NAT-T over IPv6 is checked too.
"""

import os
import subprocess

import interop_common as ic

FIELDS = [
    'frame.number', 'frame.protocols', 'esp.spi', 'esp.sequence', 'esp.icv_good',
    'esp.icv_bad', 'esp.contained_data', 'esp.pad', 'esp.pad_len', 'esp.protocol',
    'ip.checksum.status', 'udp.checksum.status', 'udp.srcport', 'udp.dstport',
]
# Wireshark's checksum status values (PROTO_CHECKSUM_E_*).
CK_GOOD, CK_NOT_PRESENT = '1', '3'
_INNER_PROTO = {1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6'}


def uat_record(sa):
    """One esp_sa record: "IPv4","src","dst","spi","enc alg","enc key","auth alg","auth key"."""
    return 'uat:esp_sa:"%s","%s","%s","0x%08x","%s","0x%s","%s","%s"' % (
        'IPv4' if sa.outer == 4 else 'IPv6', sa.src, sa.dst, sa.spi, sa.xf.ws_crypt,
        sa.enc_key.hex(), sa.xf.ws_auth, '0x' + sa.auth_key.hex() if sa.auth_key else '')


def run_tshark(path, sa, cfg_dir):
    args = ['tshark', '-n', '-r', path,
            '-o', 'esp.enable_encryption_decode:TRUE',
            '-o', 'esp.enable_authentication_check:TRUE',
            '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE',
            '-o', uat_record(sa),
            '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,']
    for f in FIELDS:
        args += ['-e', f]
    # An empty configuration directory: no user's preferences or SAs leak in.
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg_dir)
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120, env=env)
    if r.returncode != 0:
        raise RuntimeError('tshark exited %d: %s' % (r.returncode, r.stderr.strip()[-500:]))
    return [dict(zip(FIELDS, line.split('\t'))) for line in r.stdout.splitlines()]


def _true(v):
    return v in ('1', 'True')


def _inner_chain(inner):
    """'ip:icmp', 'ipv6:udp', ...: how Wireshark should see the inner packet."""
    if inner[0] >> 4 == 4:
        return 'ip:' + _INNER_PROTO.get(inner[9], '')
    return 'ipv6:' + _INNER_PROTO.get(inner[6], '')


def _check_frame(sa, row, inner, seq64):
    errs = []
    if 'esp:' + _inner_chain(inner) not in row['frame.protocols']:
        errs.append('not decoded to %s: %s' % (_inner_chain(inner), row['frame.protocols']))
    if not row['esp.spi'] or int(row['esp.spi'], 0) != sa.spi:
        errs.append('SPI %s' % row['esp.spi'])
    if not row['esp.sequence'] or int(row['esp.sequence']) != seq64 & 0xffffffff:
        errs.append('sequence %s, expected %d' % (row['esp.sequence'], seq64 & 0xffffffff))
    if not sa.esn and not (_true(row['esp.icv_good']) and not _true(row['esp.icv_bad'])):
        errs.append('ICV not good (good=%s bad=%s)' % (row['esp.icv_good'], row['esp.icv_bad']))
    if row['esp.contained_data'] != inner.hex():
        errs.append('decrypted inner packet differs')
    if int(row['esp.protocol'] or '-1', 0) != (4 if inner[0] >> 4 == 4 else 41):
        errs.append('next header %s' % row['esp.protocol'])
    errs += _check_pad(sa, row, inner)
    errs += _check_checksums(sa, row)
    return errs


def _check_pad(sa, row, inner):
    """RFC 4303 §2.4: pad bytes 1, 2, 3...; payload aligned to the block (CBC) or 4 (GCM)."""
    pad_len = int(row['esp.pad_len'] or '-1')
    align = 4 if sa.xf.aead else 16
    if pad_len < 0 or (len(inner) + 2 + pad_len) % align != 0 or pad_len >= align:
        return ['pad length %d for a %d-byte packet' % (pad_len, len(inner))]
    if row['esp.pad'] != bytes(range(1, pad_len + 1)).hex():
        return ['pad bytes %s' % row['esp.pad']]
    return []


def _check_checksums(sa, row):
    errs = []
    ip_ck = [v for v in row['ip.checksum.status'].split(',') if v]
    if any(v != CK_GOOD for v in ip_ck):
        errs.append('IPv4 header checksums %s' % row['ip.checksum.status'])
    if sa.natt:
        udp_ck = row['udp.checksum.status'].split(',')
        want = CK_NOT_PRESENT if sa.outer == 4 else CK_GOOD  # RFC 3948 §2.1 / RFC 8200 §8.1
        if udp_ck[0] != want:
            errs.append('outer UDP checksum status %s, expected %s' % (udp_ck[0], want))
        ports = (row['udp.srcport'].split(',')[0], row['udp.dstport'].split(',')[0])
        if ports != (str(sa.sport), str(sa.dport)):
            errs.append('UDP ports %s' % (ports,))
    return errs


def check_outbound(sa, inner, out_pkts, first_seq, tmp):
    """
    Our ESP packets, plus one with a flipped byte as the last frame (the
    negative control: Wireshark must call its ICV bad), through tshark.
    """
    cfg = os.path.join(tmp, 'wireshark')
    os.makedirs(cfg, exist_ok=True)
    path = os.path.join(tmp, 'tshark.pcap')
    # With a good UDP checksum, or Wireshark would not look into the ESP at all.
    # The flipped bit is in the ICV itself: a flipped ciphertext bit garbles
    # the decrypted trailer too, and whether Wireshark then still reports on
    # the ICV depends on the random bytes (seen flaky with AES-CBC).
    tampered = ic.fix_udp6_checksum(ic.flip_byte(out_pkts[0], -1))
    ic.write_pcap(path, list(out_pkts) + [tampered])
    rows = run_tshark(path, sa, cfg)
    if len(rows) != len(out_pkts) + 1:
        return ['tshark shows %d frames, expected %d' % (len(rows), len(out_pkts) + 1)]
    errs = []
    for i, (row, orig) in enumerate(zip(rows, inner)):
        seq64 = first_seq + 1 + i
        errs += ['frame %d: %s' % (i + 1, e) for e in _check_frame(sa, row, orig, seq64)]
    last = rows[-1]
    if not sa.esn and not (_true(last['esp.icv_bad']) and not _true(last['esp.icv_good'])):
        errs.append('negative control: tshark did not flag a flipped byte (good=%s bad=%s)' %
                    (last['esp.icv_good'], last['esp.icv_bad']))
    return errs
