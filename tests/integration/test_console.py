#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The operator's console through hubsec-cli (its unix socket, the
non-interactive path) on the two-site network with the static SAs of
site1.yaml/site2.yaml. After N pings YELLOW->PURPLE and M pings BLUE->PURPLE
(N != M, so that a swapped line shows), on site 1:

  - show crypto ipsec sa [json|detail|peer|map]: Cisco's block per ACL line
    with the exact encaps/decaps, the config's SPIs, the transform and the
    anti-replay bitmap; the JSON says the same; filters and bad arguments;
  - show access-list (hitcnt N and M), clear access-list NAME counters;
  - show crypto session [brief|detail] [json]: UP-ACTIVE after traffic,
    UP-IDLE after more than 10 s without;
  - show crypto isakmp sa (hubsec-control is not running), show vpn status;
  - show interfaces, port stats (all, by id, by name), port info, drops,
    crypto map, running-config (no key or PSK of the config file in it),
    help and '?', each with its JSON;
  - clear counters: the console reads 0, telemetry keeps the raw sums;
  - clear crypto sa [peer]: the config's static SAs stay; an SA pair pushed
    with hubsec-sactl (origin manual, another peer) is deleted, and the
    tunnel keeps working;
  - bad input (bogus, ambiguous and over-long lines, too many words, binary
    bytes, empty lines, silent clients, 20 clients at once) gets an error
    answer or is dropped; the dataplane keeps running and forwarding.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

PURPLE = '172.16.10.11'
PEER = '10.255.2.2'
LOCAL = '10.255.1.2'
N_YELLOW = 7     # pings YELLOW -> PURPLE (ACL line 1)
N_BLUE = 3       # pings BLUE -> PURPLE (ACL line 2)
ACTIVE_S = 10    # show_session.c HS_CLI_ACTIVE_S
ACL = 's2svpn_to_site2'
LINES = {1: ('192.168.100.0', 'yellow'), 2: ('192.168.200.0', 'blue')}
EXTRA_PEER = '10.255.9.9'
EXTRA_IN, EXTRA_OUT = 0x4001, 0x4002
# An SA pair with another peer and no crypto map (so that its outbound half
# is never published and the tunnel to PEER is untouched): appended to a copy
# of site1.yaml for hubsec-sactl add --config --static.
EXTRA_SA = '''
  - name: extra-peer
    local-subnet: 192.168.100.0/24
    remote-subnet: 10.99.0.0/24
    local-address: 10.255.1.2
    peer: %s
    transform-set: ESP-AES256-SHA256
    inbound:
      spi: 0x%x
      enc-key: 1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30
      auth-key: 3132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50
    outbound:
      spi: 0x%x
      enc-key: 5152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70
      auth-key: 7172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90
''' % (EXTRA_PEER, EXTRA_IN, EXTRA_OUT)


class Console:
    """hubsec-cli against one dataplane, and a raw client for its socket."""

    def __init__(self, cli, dp):
        self.cli, self.dp = cli, dp
        self.path = '/var/run/dpdk/%s/hubsec.sock' % dp.prefix

    def wait(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.path) and self.run('help')[0] == 0:
                return True
            time.sleep(0.1)
        return False

    def run(self, *words, stdin=None, timeout=20):
        """(exit status, stdout + stderr) of hubsec-cli WORDS."""
        cmd = [self.cli, '--file-prefix', self.dp.prefix] + list(words)
        r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout)
        return r.returncode, r.stdout

    def cmd(self, line):
        return self.run(*line.split())

    def json(self, line):
        """(exit status, parsed JSON or None, text) of LINE json."""
        rc, out = self.run(*(line.split() + ['json']))
        try:
            return rc, json.loads(out), out
        except ValueError:
            return rc, None, out

    def raw(self, data, timeout=10, linger=0.0):
        """Sends bytes on a connection of its own; returns the answer (bytes) or an exception."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            if data:
                s.sendall(data)
            if linger:
                time.sleep(linger)
            out = b''
            while True:
                b = s.recv(65536)
                if not b:
                    return out
                out += b
        except OSError as e:
            return e
        finally:
            s.close()


def missing(text, patterns):
    """The regexes (multi-line) that do not occur in text."""
    return [p for p in patterns if not re.search(p, text, re.M)]


def expect(checks, what, got, patterns, rc=0, absent=()):
    """A command's exit status and output shape."""
    st, out = got
    miss = missing(out, patterns)
    there = [p for p in absent if re.search(p, out, re.M)]
    return checks.check(st == rc and not miss and not there, what,
                        'exit %s (want %s); missing %s; unwanted %s; output:\n%s' % (
                            st, rc, miss, there,
                            out if len(out) < 1600 else out[:400] + '\n[...]\n' + out[-1200:]))


# --------------------------------------------------------------- show crypto ipsec sa

def blocks(text):
    """show crypto ipsec sa text -> [dict per Crypto map block]."""
    out = []
    for b in re.split(r'^    Crypto map tag: ', text, flags=re.M)[1:]:
        d = {'text': b}
        m = re.match(r'(\S*), seq num: (\d+), local addr: (\S+)', b)
        d['map'], d['seq'], d['local'] = m.group(1), int(m.group(2)), m.group(3)
        m = re.search(r'^      access-list (\S+) extended permit ip (\S+) (\S+) (\S+) (\S+)$', b,
                      re.M)
        d['acl'] = m.groups() if m else None
        m = re.search(r'^      current_peer: (\S+)$', b, re.M)
        d['peer'] = m.group(1) if m else None
        m = re.search(r'#pkts encaps: (\d+), #pkts encrypt: (\d+), #pkts digest: (\d+)', b)
        d['enc'] = tuple(int(x) for x in m.groups()) if m else None
        m = re.search(r'#pkts decaps: (\d+), #pkts decrypt: (\d+), #pkts verify: (\d+)', b)
        d['dec'] = tuple(int(x) for x in m.groups()) if m else None
        inb, _, outb = b.partition('\n    outbound esp sas:\n')
        inb = inb.partition('\n    inbound esp sas:\n')[2]
        d['in'], d['out'] = sas_of(inb), sas_of(outb)
        out.append(d)
    return out


def sas_of(text):
    """The 'spi: 0x... (dec)' entries of one direction with their fields."""
    sas = []
    for part in re.split(r'^      spi: ', text, flags=re.M)[1:]:
        m = re.match(r'0x([0-9A-F]{8}) \((\d+)\)', part)
        sa = {'spi': int(m.group(1), 16) if m else None,
              'spi_dec': int(m.group(2)) if m else None}
        m = re.search(r'transform: (.*) no compression', part)
        sa['transform'] = m.group(1) if m else None
        m = re.search(r'SA State: (\S+)', part)
        sa['state'] = m.group(1) if m else None
        m = re.search(r'in use settings =\{(.*)\}', part)
        sa['settings'] = m.group(1) if m else None
        m = re.search(r'Anti replay bitmap: *\n((?:\s+0x[0-9A-F]{8})+)', part)
        sa['bitmap'] = re.findall(r'0x[0-9A-F]{8}', m.group(1)) if m else None
        sas.append(sa)
    return sas


def bitmap_value(words):
    """Cisco's bitmap words (oldest first, the newest packet the lowest bit) as one number."""
    v = 0
    for w in words:
        v = (v << 32) | int(w, 16)
    return v


def check_ipsec_sa(checks, con, sas, counts):
    rc, text = con.cmd('show crypto ipsec sa')
    bl = blocks(text)
    checks.check(rc == 0 and text.startswith('interface: outside\n') and len(bl) == 2,
                 'show crypto ipsec sa: "interface: outside" and one block per ACL line (2)',
                 'exit %d:\n%s' % (rc, text[-1500:]))
    by_line = {}
    for b in bl:
        for k, (src, _) in LINES.items():
            if b['acl'] and b['acl'][1] == src:
                by_line[k] = b
    for k, (src, host) in LINES.items():
        b = by_line.get(k)
        st = sas[k]
        n = counts[k]
        if not checks.check(b is not None, 'show crypto ipsec sa: block of ACL line %d (%s)' % (
                k, src), text[-1500:]):
            continue
        checks.check(b['map'] == 'outside_map' and b['seq'] == 1 and b['local'] == LOCAL,
                     'line %d: "Crypto map tag: outside_map, seq num: 1, local addr: %s"' % (
                         k, LOCAL), b['text'][:200])
        checks.check(b['acl'] == (ACL, src, '255.255.255.0', '172.16.10.0', '255.255.255.0'),
                     'line %d: "access-list %s extended permit ip %s 255.255.255.0 '
                     '172.16.10.0 255.255.255.0"' % (k, ACL, src), str(b['acl']))
        idents = missing(b['text'], [
            r'^      local ident \(addr/mask/prot/port\): \(%s/255\.255\.255\.0/0/0\)$' %
            re.escape(src),
            r'^      remote ident \(addr/mask/prot/port\): \(172\.16\.10\.0/255\.255\.255\.0/0/0\)$',
            r'^      local crypto endpt\.: %s, remote crypto endpt\.: %s$' % (
                re.escape(LOCAL), re.escape(PEER)),
            r'^      current outbound spi: %08X$' % st.out.spi,
            r'^      current inbound spi : %08X$' % st.inb.spi])
        checks.check(b['peer'] == PEER and not idents,
                     'line %d: local/remote ident, current_peer %s, endpoints, current spis' % (
                         k, PEER), 'peer %s; missing %s' % (b['peer'], idents))
        checks.check(b['enc'] == (n, n, n) and b['dec'] == (n, n, n),
                     'line %d (%s, %d pings): #pkts encaps/encrypt/digest %s, '
                     'decaps/decrypt/verify %s' % (k, host, n, b['enc'], b['dec']),
                     'want %d each' % n)
        ok = (len(b['in']) == 1 and len(b['out']) == 1 and
              b['in'][0]['spi'] == st.inb.spi and b['in'][0]['spi_dec'] == st.inb.spi and
              b['out'][0]['spi'] == st.out.spi and b['out'][0]['spi_dec'] == st.out.spi)
        checks.check(ok, 'line %d: inbound esp sas spi 0x%08X (%d), outbound 0x%08X (%d) as in '
                     'the config' % (k, st.inb.spi, st.inb.spi, st.out.spi, st.out.spi),
                     'in %s out %s' % (b['in'], b['out']))
        for sa in b['in'] + b['out']:
            checks.check(sa['transform'] == 'esp-aes-256 esp-sha256-hmac' and
                         sa['state'] == 'active' and
                         'Manual key (static)' in (sa['settings'] or ''),
                         'SA 0x%08X: transform esp-aes-256 esp-sha256-hmac, active, static' %
                         (sa['spi'] or 0), str(sa))
        bm = b['in'][0]['bitmap'] if b['in'] else None
        want = (1 << n) - 1
        checks.check(bm is not None and len(bm) == 2 and bitmap_value(bm) == want,
                     'line %d: inbound anti-replay bitmap %s = the %d low bits set' % (
                         k, bm, n), 'want 0x%x over 64 bits' % want)
        checks.check(b['out'] and b['out'][0]['bitmap'] is None,
                     'line %d: no bitmap on the outbound SA' % k)
    return text, by_line


def check_ipsec_json(checks, con, sas, counts, by_line):
    rc, j, out = con.json('show crypto ipsec sa')
    if not checks.check(rc == 0 and j is not None and len(j.get('sas', [])) == 2,
                        'show crypto ipsec sa json parses: 2 groups', out[-800:]):
        return
    for g in j['sas']:
        k = g.get('acl_line')
        st, n, b = sas.get(k), counts.get(k), by_line.get(k)
        if not checks.check(st is not None and b is not None,
                            'json group of ACL line %s' % k, str(g)[:300]):
            continue
        inb, outb = g.get('inbound', []), g.get('outbound', [])
        ok = (g['interface'] == 'outside' and g['map'] == 'outside_map' and g['seq'] == 1 and
              g['acl'] == ACL and g['peer'] == PEER and g['local_addr'] == LOCAL and
              g['encaps'] == n == b['enc'][0] and g['decaps'] == n == b['dec'][0] and
              g['current_outbound_spi'] == st.out.spi and
              g['current_inbound_spi'] == st.inb.spi and
              g['selectors'][0]['local'] == st.local_net and
              g['selectors'][0]['remote'] == st.remote_net)
        checks.check(ok, 'json line %d: encaps %s decaps %s, peer, map, spis, selectors as '
                     'the text' % (k, g.get('encaps'), g.get('decaps')), str(g)[:600])
        ok = (len(inb) == 1 and len(outb) == 1 and
              inb[0]['spi'] == st.inb.spi and inb[0]['spi_hex'] == '0x%08X' % st.inb.spi and
              outb[0]['spi'] == st.out.spi and inb[0]['packets'] == n and
              outb[0]['packets'] == n and inb[0]['seq'] == n and outb[0]['seq'] == n and
              inb[0]['origin'] == 'static' and inb[0]['cipher'] == 'aes-cbc-256' and
              inb[0]['integrity'] == 'hmac-sha256-128' and
              inb[0]['replay_bitmap'] == b['in'][0]['bitmap'] and
              'replay_bitmap' not in outb[0] and
              sum(inb[0]['errors'].values()) == 0 and sum(outb[0]['errors'].values()) == 0)
        checks.check(ok, 'json line %d: SAs 0x%x/0x%x, packets and seq %d, origin static, '
                     'bitmap as the text, no errors' % (k, st.inb.spi, st.out.spi, n),
                     'in %s out %s' % (str(inb)[:400], str(outb)[:400]))


def spis_of(text):
    return sorted(set(int(x, 16) for x in re.findall(r'^      spi: 0x([0-9A-F]{8})', text, re.M)))


def check_ipsec_filters(checks, con, sas, counts, full):
    all_spis = sorted([s.inb.spi for s in sas.values()] + [s.out.spi for s in sas.values()])
    for line in ('show crypto ipsec sa peer %s' % PEER, 'show crypto ipsec sa map outside_map',
                 'sh cry ipsec sa', 'show crypto ipsec sa detail'):
        rc, text = con.cmd(line)
        got = [(b['acl'][1] if b['acl'] else None, b['enc'], b['dec']) for b in blocks(text)]
        want = [(b['acl'][1] if b['acl'] else None, b['enc'], b['dec']) for b in blocks(full)]
        checks.check(rc == 0 and got == want and spis_of(text) == all_spis,
                     '%s: the same 2 blocks, counters and SPIs' % line,
                     'exit %d, %s vs %s, spis %s' % (rc, got, want, spis_of(text)))
    rc, text = con.cmd('show crypto ipsec sa detail')
    pats = []
    for k, n in counts.items():
        pats += [r'^         packets: %d, bytes: \d+, esp bytes: \d+$' % n,
                 r'^         highest received sequence number: %d$' % n,
                 r'^         last sent sequence number: %d$' % n]
    pats += [r'^      #recv replay: 0$', r'^      #send seq-overflow: 0$',
             r'^         last used: \d+ s ago, age: \d+ s$']
    expect(checks, 'show crypto ipsec sa detail: packets, sequence numbers, every error counter',
           (rc, text), pats)
    for line in ('show crypto ipsec sa peer %s' % PEER, 'show crypto ipsec sa map outside_map',
                 'show crypto ipsec sa detail'):
        rc, j, out = con.json(line)
        checks.check(rc == 0 and j is not None and
                     sorted(g['acl_line'] for g in j['sas']) == [1, 2] and
                     {g['acl_line']: g['encaps'] for g in j['sas']} == counts,
                     '%s json: both lines, encaps %s' % (line, counts), out[-500:])
    expect(checks, 'show crypto ipsec sa peer 10.9.9.9: "There are no ipsec sas"',
           con.cmd('show crypto ipsec sa peer 10.9.9.9'), [r'^There are no ipsec sas$'],
           absent=[r'Crypto map tag'])
    rc, j, out = con.json('show crypto ipsec sa peer 10.9.9.9')
    checks.check(rc == 0 and j == {'sas': []}, 'show crypto ipsec sa peer 10.9.9.9 json: '
                 '{"sas": []}', out)
    expect(checks, 'show crypto ipsec sa peer notanaddress: exit 1, "Invalid address"',
           con.cmd('show crypto ipsec sa peer notanaddress'),
           [r'^% Invalid address "notanaddress"'], rc=1, absent=[r'Crypto map tag'])
    expect(checks, 'show crypto ipsec sa map nomap: exit 1, "No crypto map"',
           con.cmd('show crypto ipsec sa map nomap'), [r'^% No crypto map "nomap"'], rc=1)


# ------------------------------------------------------------------- access lists

def hitcnt(con, name=None):
    """{line: hitcnt} from the text and from the JSON."""
    line = 'show access-list' + (' ' + name if name else '')
    rc, text = con.cmd(line)
    txt = {int(a): int(b) for a, b in re.findall(
        r'^access-list %s line (\d+) extended permit ip .* \(hitcnt=(\d+)\)$' % ACL, text, re.M)}
    rc2, j, _ = con.json(line)
    js = None
    if j is not None:
        js = {ln['line']: ln['hitcnt'] for a in j['access_lists'] if a['name'] == ACL
              for ln in a['lines']}
    return rc, rc2, txt, js, text


def check_acl(checks, con, counts):
    rc, rc2, txt, js, text = hitcnt(con)
    checks.check(rc == 0 and rc2 == 0 and txt == counts and js == counts,
                 'show access-list [json]: hitcnt line 1 = %d, line 2 = %d' % (
                     counts[1], counts[2]), 'text %s json %s:\n%s' % (txt, js, text))
    expect(checks, 'show access-list: ASA layout with remarks', (rc, text), [
        r'^access-list %s; 2 elements$' % ACL,
        r'^access-list %s line 1 remark YELLOW to PURPLE$' % ACL,
        r'^access-list %s line 1 extended permit ip 192\.168\.100\.0 255\.255\.255\.0 '
        r'172\.16\.10\.0 255\.255\.255\.0 \(hitcnt=\d+\)$' % ACL,
        r'^access-list %s line 2 remark BLUE to PURPLE$' % ACL])
    rc, rc2, txt, js, text = hitcnt(con, ACL)
    checks.check(rc == 0 and txt == counts and js == counts,
                 'show access-list %s: the same hitcnt' % ACL, text)
    expect(checks, 'show access-list nosuch: exit 1, "not found"',
           con.cmd('show access-list nosuch'), [r'^% access-list nosuch not found$'], rc=1)
    expect(checks, 'clear access-list %s counters: exit 0' % ACL,
           con.cmd('clear access-list %s counters' % ACL), [])
    rc, rc2, txt, js, text = hitcnt(con)
    checks.check(txt == {1: 0, 2: 0} and js == {1: 0, 2: 0},
                 'after clear access-list: hitcnt 0 on both lines', 'text %s json %s' % (txt, js))
    expect(checks, 'clear access-list nosuch counters: exit 1',
           con.cmd('clear access-list nosuch counters'), [r'not found'], rc=1)


# ------------------------------------------------------------------------ sessions

def check_sessions_active(checks, con, counts):
    total = sum(counts.values())
    expect(checks, 'show crypto session: UP-ACTIVE, peer, manually keyed, 2 flows, 4 SAs',
           con.cmd('show crypto session'), [
               r'^Crypto session current status$', r'^Interface: outside$',
               r'^Session status: UP-ACTIVE$', r'^Peer: %s$' % re.escape(PEER),
               r'^  IKE SA: none \(manually keyed\)$',
               r'^  IPSEC FLOW: permit ip 192\.168\.100\.0/255\.255\.255\.0 '
               r'172\.16\.10\.0/255\.255\.255\.0$',
               r'^  IPSEC FLOW: permit ip 192\.168\.200\.0/255\.255\.255\.0 '
               r'172\.16\.10\.0/255\.255\.255\.0$',
               r'Active SA: inbound spi 0x00002001, origin: crypto map outside_map seq 1$',
               r'^        Active SAs: 4 \(2 inbound, 2 outbound\)$'])
    expect(checks, 'show crypto session brief: "%s outside ... UA 4"' % PEER,
           con.cmd('show crypto session brief'), [
               r'^Status: ', r'^Peer\s+I/F\s+Uptime\(s\)\s+Status\s+SAs$',
               r'^%s\s+outside\s+\d+\s+UA\s+4$' % re.escape(PEER)])
    expect(checks, 'show crypto session detail: dec\'ed/enc\'ed %d, uptime, last packet' % total,
           con.cmd('show crypto session detail'), [
               r'^Session status: UP-ACTIVE$', r'^  Uptime: \d+ s, last packet \d+ s ago$',
               r"^        Inbound:  #pkts dec'ed %d drop 0$" % total,
               r"^        Outbound: #pkts enc'ed %d drop 0$" % total])
    for line in ('show crypto session', 'show crypto session brief',
                 'show crypto session detail'):
        rc, j, out = con.json(line)
        s = j['sessions'] if j and len(j.get('sessions', [])) == 1 else [{}]
        s = s[0]
        checks.check(rc == 0 and s.get('peer') == PEER and s.get('status') == 'UP-ACTIVE' and
                     s.get('encaps') == total and s.get('decaps') == total and
                     s.get('ike') is False and s.get('inbound_sas') == 2 and
                     s.get('outbound_sas') == 2 and j.get('not_listed') == 0 and
                     s.get('idle_s') is not None and s['idle_s'] < ACTIVE_S,
                     '%s json: UP-ACTIVE, encaps = decaps = %d, 2+2 SAs' % (line, total),
                     out[-600:])


# ------------------------------------------------------------- the other views

def check_isakmp_vpn(checks, con):
    for line in ('show crypto isakmp sa', 'sh cry isa sa', 'show crypto isakmp sa detail'):
        expect(checks, '%s: no IKEv1/IKEv2 SAs, hubsec-control is not running' % line,
               con.cmd(line), [r'^There are no IKEv1 SAs$', r'^There are no IKEv2 SAs$',
                               r'^% hubsec-control is not running'])
        rc, j, out = con.json(line)
        checks.check(rc == 0 and j == {'control': 'not running', 'ikev1': [], 'ikev2': []},
                     '%s json: control "not running", no SAs' % line, out)
    expect(checks, 'clear crypto isakmp sa: exit 1, hubsec-control is not running',
           con.cmd('clear crypto isakmp sa'), [r'hubsec-control is not running'], rc=1)
    expect(checks, 'show vpn status: "Auto VPN: not configured"', con.cmd('show vpn status'),
           [r'^Auto VPN: not configured$'])
    rc, j, out = con.json('show vpn status')
    checks.check(rc == 0 and j is not None and j.get('configured') is False and
                 j.get('enabled') is False and j.get('control') == 'not running',
                 'show vpn status json: not configured, control not running', out)


def tel_ports(dp):
    return dp.tel('/hubsec/ports')


def check_ports(checks, dp, con, counts):
    total = sum(counts.values())
    expect(checks, 'show interfaces: both interfaces, addresses, MAC, MTU, counters',
           con.cmd('show interfaces'), [
               r'^Interface inside \(port 0, net_af_packet0\), role inside$',
               r'^Interface outside \(port 1, net_af_packet1\), role outside$',
               r'^  Hardware is net_af_packet, address is 02:00:00:01:00:01$',
               r'^  Hardware is net_af_packet, address is 02:00:00:01:00:02$',
               r'^  Link is up, ', r'^  Internet address is 192\.168\.100\.1/24$',
               r'^  Internet address is 192\.168\.200\.1/24$',
               r'^  Internet address is 10\.255\.1\.2/16$', r'^  MTU 1500 bytes$',
               r'^  \d+ packets input, \d+ bytes, \d+ dropped$',
               r'^  \d+ packets output, \d+ bytes, \d+ output errors$'])
    rc, j, out = con.json('show interfaces')
    ifs = {i['name']: i for i in j['interfaces']} if j else {}
    t = tel_ports(dp)
    ok = (rc == 0 and sorted(ifs) == ['inside', 'outside'] and
          ifs['inside']['mac'] == '02:00:00:01:00:01' and
          ifs['inside']['ipv4'] == ['192.168.100.1/24', '192.168.200.1/24'] and
          ifs['outside']['ipv4'] == ['10.255.1.2/16'] and ifs['inside']['link_up'] is True and
          ifs['inside']['rx_packets'] >= total and ifs['outside']['tx_packets'] >= total and
          all(0 <= t['%s/rx_pkts' % n] - ifs[n]['rx_packets'] <= 5 for n in ifs))
    checks.check(ok, 'show interfaces json: names, MACs, addresses, link, rx >= %d inside, '
                 'tx >= %d outside, as telemetry' % (total, total), out[-800:])

    port_pats = lambda p, n, role: [  # noqa: E731
        r'^#+ NIC statistics for port %d\s+#+$' % p, r'^Interface: %s, role %s$' % (n, role),
        r'^RX-packets: \d+\s+RX-missed: \d+\s+RX-bytes:\s+\d+$',
        r'^TX-packets: \d+\s+TX-errors: \d+\s+TX-bytes:\s+\d+$',
        r'^Worker RX-packets: \d+\s+TX-packets: \d+\s+drops: \d+$',
        r'^Throughput \(since last show\)$', r'^Rx-pps:\s+\d+\s+Rx-bps:\s+\d+$']
    both = port_pats(0, 'inside', 'inside') + port_pats(1, 'outside', 'outside')
    expect(checks, 'show port stats: testpmd layout for ports 0 and 1',
           con.cmd('show port stats'), both)
    expect(checks, 'show port stats all: ports 0 and 1', con.cmd('show port stats all'), both)
    expect(checks, 'show port stats 0: port 0 only', con.cmd('show port stats 0'),
           port_pats(0, 'inside', 'inside'), absent=[r'for port 1 '])
    expect(checks, 'show port stats outside: port 1 only', con.cmd('show port stats outside'),
           port_pats(1, 'outside', 'outside'), absent=[r'for port 0 '])
    expect(checks, 'show port stats 7: exit 1, "no such port"', con.cmd('show port stats 7'),
           [r'^% no such port 7$'], rc=1)
    for line, ids in (('show port stats', [0, 1]), ('show port stats all', [0, 1]),
                      ('show port stats 0', [0]), ('show port stats outside', [1])):
        rc, j, out = con.json(line)
        ps = j['ports'] if j else []
        checks.check(rc == 0 and [p['port_id'] for p in ps] == ids and
                     all('worker_rx_packets' in p and 'rx_pps' in p for p in ps),
                     '%s json: ports %s' % (line, ids), out[-500:])
    rc, j, out = con.json('show port stats all')
    t = tel_ports(dp)
    ps = {p['name']: p for p in j['ports']} if j else {}
    ok = bool(ps) and ps['inside']['worker_rx_packets'] >= total and all(
        0 <= t['%s/rx_pkts' % n] - ps[n]['worker_rx_packets'] <= 5 and
        0 <= t['%s/eth_ipackets' % n] - ps[n]['rx_packets'] <= 5 for n in ps)
    checks.check(ok, 'show port stats json: worker and NIC counters as /hubsec/ports '
                 '(inside rx >= %d)' % total, '%s vs %s' % (out[-600:], t))

    expect(checks, 'show port info: driver, MAC, link, MTU, queues per port',
           con.cmd('show port info'), [
               r'^\*+ Infos for port 0\s+\*+$', r'^\*+ Infos for port 1\s+\*+$',
               r'^MAC address: 02:00:00:01:00:01$', r'^Driver name: net_af_packet$',
               r'^Interface: outside \(role outside\)$', r'^Link status: up$', r'^MTU: 1500$',
               r'^Current number of RX queues: \d+$', r'^RSS: '])
    rc, j, out = con.json('show port info')
    ps = j['ports'] if j else []
    checks.check(rc == 0 and len(ps) == 2 and ps[0]['driver'] == 'net_af_packet' and
                 ps[1]['mac'] == '02:00:00:01:00:02' and ps[0]['mtu'] == 1500,
                 'show port info json: 2 ports, driver, MAC, MTU', out[-500:])

    rc, text = con.cmd('show drops')
    checks.check(rc == 0 and (re.search(r'^No packets dropped$', text, re.M) or
                              re.search(r'^Reason\s+Packets$.*^Total: \d+$', text,
                                        re.M | re.S)),
                 'show drops: "No packets dropped" or a table with its total', text)
    rc, j, out = con.json('show drops')
    tel = dp.drops()
    ok = (rc == 0 and j is not None and j['total'] == sum(j['drops'].values()) and
          'no-sa' in j['drops'] and 'replay' in j['drops'] and
          0 <= sum(tel.values()) - j['total'] <= 5)
    checks.check(ok, 'show drops json: every reason, total = their sum = /hubsec/drops',
                 '%s vs telemetry %s' % (out[-600:], tel))


def secrets_of(path):
    """Every key and PSK of a config file (text as written), and their 16-char pieces."""
    import yaml
    with open(path) as f:
        cfg = yaml.load(f, Loader=yaml.BaseLoader)
    keys = [p['key'] for p in cfg.get('pre-shared-keys', [])]
    for s in cfg.get('static-sas', []):
        for d in ('inbound', 'outbound'):
            for k in ('enc-key', 'auth-key'):
                if k in s.get(d, {}):
                    keys.append(s[d][k].replace('0x', ''))
    pieces = set()
    for k in keys:
        for i in range(0, max(1, len(k) - 15), 8):
            pieces.add(k[i:i + 16].lower())
    return keys, pieces


def check_config_views(checks, con, cfg1):
    expect(checks, 'show crypto map: IOS layout of outside_map 1',
           con.cmd('show crypto map'), [
               r'^Crypto Map "outside_map" 1 ipsec-manual$', r'^\tPeer = 10\.255\.2\.2$',
               r'^\tExtended IP access list %s$' % ACL,
               r'^\t    access-list %s permit ip 192\.168\.100\.0 255\.255\.255\.0 '
               r'172\.16\.10\.0 255\.255\.255\.0$' % ACL,
               r'^\t    access-list %s permit ip 192\.168\.200\.0 255\.255\.255\.0 '
               r'172\.16\.10\.0 255\.255\.255\.0$' % ACL,
               r'^\tSecurity association lifetime: 4608000 kilobytes/3600 seconds$',
               r'^\tPFS \(Y/N\): Y$', r'^\tDH group:  group14$', r'^\tIKE version: IKEv2$',
               r'^\t\tESP-AES256-SHA256:  \{ esp-aes-256 esp-sha256-hmac\s+\}',
               r'^\tInterfaces using crypto map outside_map:$', r'^\t\toutside$'])
    rc, j, out = con.json('show crypto map')
    e = j['crypto_maps'][0]['entries'][0] if j and j.get('crypto_maps') else {}
    checks.check(rc == 0 and j['crypto_maps'][0]['name'] == 'outside_map' and
                 j['crypto_maps'][0]['interface'] == 'outside' and e.get('seq') == 1 and
                 e.get('peers') == [PEER] and e.get('access_list') == ACL and
                 len(e.get('acl_lines', [])) == 2 and e.get('pfs_group') == 14 and
                 e.get('lifetime_seconds') == 3600 and e.get('type') == 'ipsec-manual' and
                 e['transform_sets'][0]['esp'] == ['esp-aes-256', 'esp-sha256-hmac'],
                 'show crypto map json: outside_map entry 1, peer, ACL, PFS, lifetime, '
                 'transform set', out[-800:])
    rc, text = con.cmd('show running-config')
    expect(checks, 'show running-config: the YAML dump, secrets masked', (rc, text), [
        r'hubsec running configuration.*secrets', r'^hostname: site1-fw$', r'^  %s:$' % ACL,
        r'^pre-shared-keys:$', r'^    key: "\*+"$', r'inbound: \{spi: 0x2001, enc-key: "\*+"',
        r'^  - name: yellow-purple$'])
    keys, pieces = secrets_of(cfg1)
    low = text.lower()
    leaked = [p for p in sorted(pieces) if p in low] + [k for k in keys if k.lower() in low]
    checks.check(rc == 0 and keys and not leaked,
                 'show running-config: none of the %d keys/PSKs of %s (nor 16 characters of '
                 'one) in it' % (len(keys), os.path.basename(cfg1)), 'leaked %s' % leaked[:5])
    expect(checks, 'show running-config json: exit 1 (text only)',
           con.cmd('show running-config json'), [r'^% Invalid command'], rc=1)
    expect(checks, 'help: every command with its help', con.cmd('help'), [
        r'^Commands \(words may be shortened', r'^  show crypto ipsec sa\s+IPsec SAs',
        r'^  show crypto ipsec sa peer <ADDR>\s+', r'^  show crypto session brief\s+',
        r'^  clear crypto sa peer <ADDR>\s+', r'^  clear access-list <ACL> counters\s+',
        r'^  show port stats <PORT>\s+', r'^  quit\s+'])
    expect(checks, 'show crypto ?: the words that can follow, with help',
           con.run('show', 'crypto', '?'), [
               r'^  ipsec sa\s+IPsec SAs per crypto-map entry', r'^  ipsec sa peer <ADDR>\s+',
               r'^  isakmp sa\s+IKEv1 and IKEv2', r'^  session brief\s+', r'^  map\s+crypto maps'],
           absent=[r'access-list', r'^  interfaces'])
    expect(checks, 'show crypto ipsec sa ?: "<cr>" and the options',
           con.run('show', 'crypto', 'ipsec', 'sa', '?'),
           [r'^  <cr>\s+IPsec SAs', r'^  detail\s+', r'^  peer <ADDR>\s+', r'^  map <MAP>\s+'])
    expect(checks, 'bogus ?: "% Unrecognized command"', con.run('bogus', '?'),
           [r'^% Unrecognized command$'])


# ----------------------------------------------------------------- clear counters

def zeroed(con):
    """What the console reads that is not 0 right after a clear counters."""
    bad = []
    rc, j, _ = con.json('show port stats all')
    for p in (j or {}).get('ports', [{'name': '?', 'x': 1}]):
        for k, v in p.items():
            if isinstance(v, int) and k != 'port_id' and v != 0:
                bad.append('port %s %s=%d' % (p['name'], k, v))
    rc, j, _ = con.json('show interfaces')
    for i in (j or {}).get('interfaces', []):
        for k in ('rx_packets', 'rx_bytes', 'rx_dropped', 'tx_packets', 'tx_bytes'):
            if i[k] != 0:
                bad.append('interface %s %s=%d' % (i['name'], k, i[k]))
    rc, j, _ = con.json('show drops')
    if j is None or j['total'] != 0:
        bad.append('drops %s' % (j and j['total']))
    rc, text = con.cmd('show drops')
    if 'No packets dropped' not in text:
        bad.append('show drops: %s' % text.strip())
    _, _, txt, js, _ = hitcnt(con)
    if txt != {1: 0, 2: 0} or js != {1: 0, 2: 0}:
        bad.append('hitcnt %s %s' % (txt, js))
    return bad


def check_clear_counters(checks, dp, con, n, yellow_ns):
    before = tel_ports(dp)
    bad = ['not tried']
    for attempt in range(3):  # a stray frame (ARP refresh) between clear and read: again
        rc, out = con.cmd('clear counters')
        checks.check(rc == 0 and out.strip() == 'Counters cleared',
                     'clear counters: "Counters cleared"' + (' (again)' if attempt else ''), out)
        bad = zeroed(con)
        if not bad:
            break
        checks.info('after clear counters, not zero (attempt %d): %s' % (attempt + 1, bad))
    checks.check(not bad, 'after clear counters: port stats, interfaces, drops, hitcnt read 0',
                 '; '.join(bad))
    after = tel_ports(dp)
    checks.check(all(after[k] >= before[k] for k in before if isinstance(before[k], int)) and
                 after['inside/rx_pkts'] > 0 and after['outside/tx_pkts'] > 0,
                 'telemetry /hubsec/ports still has the raw counters (inside rx %d, outside tx '
                 '%d)' % (after['inside/rx_pkts'], after['outside/tx_pkts']),
                 '%s -> %s' % (before, after))
    sent, got, _ = hsnet.ping(yellow_ns, PURPLE, count=n, interval=0.1)
    checks.check(got == n, 'ping YELLOW -> PURPLE after clear counters: %d/%d' % (got, n))
    _, _, txt, js, _ = hitcnt(con)
    rc, j, _ = con.json('show port stats outside')
    p = j['ports'][0] if j else {}
    checks.check(txt == {1: n, 2: 0} and js == {1: n, 2: 0} and
                 n <= p.get('worker_tx_packets', 0) <= n + 3,
                 'counters count from the clear: hitcnt %s, outside worker tx %s (%d pings)' % (
                     txt, p.get('worker_tx_packets'), n), 'json %s' % js)


# ----------------------------------------------------------------- clear crypto sa

def sa_gone(dp, spis, timeout=3):
    deadline = time.monotonic() + timeout
    while True:
        names = dp.sa_list()
        if not any(('%s/0x%08x' % (d, s)) in names for s in spis for d in ('in', 'out')):
            return True, names
        if time.monotonic() > deadline:
            return False, names
        time.sleep(0.1)


def push_extra(checks, dp, extra_cfg):
    r = dp.sactl(['add', '--config', extra_cfg, '--static', 'extra-peer'])
    names = dp.sa_list()
    return checks.check(r.returncode == 0 and 'in/0x%08x' % EXTRA_IN in names and
                        'out/0x%08x' % EXTRA_OUT in names,
                        'hubsec-sactl add: manual SA pair 0x%x/0x%x with peer %s installed' % (
                            EXTRA_IN, EXTRA_OUT, EXTRA_PEER),
                        'exit %d: %s; SAs %s' % (r.returncode, r.stdout.strip()[-300:], names))


def check_clear_sa(checks, dp, con, sas, extra_cfg, yellow_ns):
    static = sorted(['in/0x%08x' % s.inb.spi for s in sas.values()] +
                    ['out/0x%08x' % s.out.spi for s in sas.values()])
    expect(checks, 'clear crypto sa with static SAs only: "Deleted 0 ...; kept 4 static"',
           con.cmd('clear crypto sa'),
           [r'^Deleted 0 IPsec SA\(s\); kept 4 static SA\(s\) of the configuration$'])
    checks.check(sorted(dp.sa_list()) == static, 'the 4 static SAs are still installed',
                 str(dp.sa_list()))
    if not push_extra(checks, dp, extra_cfg):
        return
    rc, text = con.cmd('show crypto ipsec sa peer %s' % EXTRA_PEER)
    checks.check(rc == 0 and spis_of(text) == [EXTRA_IN, EXTRA_OUT] and
                 'Manual key (manual)' in text and
                 re.search(r'^      current_peer: %s$' % re.escape(EXTRA_PEER), text, re.M),
                 'show crypto ipsec sa peer %s: its SPIs 0x%x/0x%x, manual key' % (
                     EXTRA_PEER, EXTRA_IN, EXTRA_OUT), text[-1200:])
    rc, text = con.cmd('show crypto ipsec sa map outside_map')
    checks.check(rc == 0 and EXTRA_IN not in spis_of(text) and len(spis_of(text)) == 4,
                 'show crypto ipsec sa map outside_map: not the map-less pair', str(spis_of(text)))
    rc, j, out = con.json('show crypto ipsec sa peer %s' % EXTRA_PEER)
    g = j['sas'][0] if j and len(j['sas']) == 1 else {}
    checks.check(rc == 0 and g.get('peer') == EXTRA_PEER and
                 g['inbound'][0]['origin'] == 'manual' and g['encaps'] == 0,
                 'json: the pushed pair has origin "manual"', out[-500:])
    rc, j, out = con.json('show crypto session')
    st = {s['peer']: s for s in j['sessions']} if j else {}
    checks.check(rc == 0 and st.get(EXTRA_PEER, {}).get('status') == 'UP-IDLE' and
                 st[EXTRA_PEER]['idle_s'] is None and st[EXTRA_PEER]['inbound_sas'] == 1 and
                 PEER in st,
                 'show crypto session json: the unused manual pair is UP-IDLE, never used',
                 out[-600:])
    expect(checks, 'clear crypto sa peer %s: deletes nothing of another peer, keeps the static'
           % PEER, con.cmd('clear crypto sa peer %s' % PEER),
           [r'^Deleted 0 IPsec SA\(s\); kept 4 static SA\(s\) of the configuration$'])
    checks.check('in/0x%08x' % EXTRA_IN in dp.sa_list(), 'the pair with %s is still there' %
                 EXTRA_PEER, str(dp.sa_list()))
    expect(checks, 'clear crypto sa peer notanaddress: exit 1', con.cmd(
        'clear crypto sa peer notanaddress'), [r'^% Invalid address "notanaddress"'], rc=1)
    expect(checks, 'clear crypto sa peer %s: "Deleted 2 IPsec SA(s)"' % EXTRA_PEER,
           con.cmd('clear crypto sa peer %s' % EXTRA_PEER), [r'^Deleted 2 IPsec SA\(s\)$'],
           absent=[r'kept'])
    gone, names = sa_gone(dp, (EXTRA_IN, EXTRA_OUT))
    checks.check(gone and sorted(names) == static,
                 'telemetry /hubsec/sa: the pair is gone, the 4 static SAs stay', str(names))
    expect(checks, 'show crypto ipsec sa peer %s afterwards: "There are no ipsec sas"' %
           EXTRA_PEER, con.cmd('show crypto ipsec sa peer %s' % EXTRA_PEER),
           [r'^There are no ipsec sas$'])
    rc, text = con.cmd('show crypto ipsec sa')
    checks.check(rc == 0 and spis_of(text) == sorted(
        [s.inb.spi for s in sas.values()] + [s.out.spi for s in sas.values()]),
        'show crypto ipsec sa: only the static SPIs left', str(spis_of(text)))
    sent, got, _ = hsnet.ping(yellow_ns, PURPLE, count=3, interval=0.1)
    checks.check(got == 3, 'the static SAs keep working: 3/3 pings YELLOW -> PURPLE',
                 '%d/3' % got)
    # Once more, for the plain clear crypto sa.
    if push_extra(checks, dp, extra_cfg):
        expect(checks, 'clear crypto sa: "Deleted 2 IPsec SA(s); kept 4 static SA(s)"',
               con.cmd('clear crypto sa'),
               [r'^Deleted 2 IPsec SA\(s\); kept 4 static SA\(s\) of the configuration$'])
        gone, names = sa_gone(dp, (EXTRA_IN, EXTRA_OUT))
        checks.check(gone and sorted(names) == static,
                     'telemetry /hubsec/sa: the pair is gone again, the static SAs stay',
                     str(names))


# ----------------------------------------------------------------------- bad input

def answer(got):
    """'HS1 rc' header and body of a raw answer, or None (dropped)."""
    if isinstance(got, Exception) or not got:
        return None, None, got
    head, _, body = got.partition(b'\n')
    m = re.match(rb'HS1 (-?\d+)$', head)
    if not m:
        return 'bad', None, got
    return int(m.group(1)), body.decode(errors='replace'), got


def check_bad_input(checks, dp, con, extra_cfg, yellow_ns):
    expect(checks, 'bogus: exit 1, "% Invalid command", how to get help', con.cmd('bogus'),
           [r'^% Invalid command: "bogus"$', r'^Type "help" for the list of commands\.$'], rc=1)
    expect(checks, '"show" alone: exit 1 and the usage of every show',
           con.cmd('show'), [r'^% Invalid command: "show"$', r'^Usage:$',
                             r'^  show crypto ipsec sa \[json\]$', r'^  show running-config$',
                             r'^  show drops \[json\]$'], rc=1)
    expect(checks, '"show crypto i sa": exit 1, ambiguous, usage lists ipsec and isakmp',
           con.cmd('show crypto i sa'), [
               r'^% Ambiguous command: "show crypto i sa"$', r'^  show crypto ipsec sa \[json\]$',
               r'^  show crypto isakmp sa \[json\]$'], rc=1, absent=[r'access-list'])
    expect(checks, '"help json" (no json for help): exit 1', con.cmd('help json'),
           [r'^% Invalid command'], rc=1)
    expect(checks, '"show crypto ipsec sa peer" without its address: exit 1, usage',
           con.cmd('show crypto ipsec sa peer'), [r'^% Invalid command', r'peer <ADDR>'], rc=1)
    rc, out = con.run(*(['show'] * 20))
    checks.check(rc == 1 and '% Too many words' in out, 'hubsec-cli 20 words: exit 1, '
                 '"% Too many words"', 'exit %d: %s' % (rc, out))
    rc, out = con.run('show', 'x' * 600)
    checks.check(rc == 2 and 'too long' in out, 'hubsec-cli with a 600-character line: exit 2 '
                 '(refused before sending)', 'exit %d: %s' % (rc, out))
    rc, out = con.run('-f', '-', stdin='show drops\n# comment\n\nbogus\nshow vpn status\n')
    checks.check(rc == 1 and out.count('hubsec> ') == 3 and 'Auto VPN: not configured' in out and
                 '% Invalid command: "bogus"' in out,
                 'hubsec-cli -f -: 3 commands run, exit 1 for the bad one', 'exit %d: %s' % (
                     rc, out))
    r = subprocess.run([con.cli, '--file-prefix', 'hsit-no-such-dataplane', 'help'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    checks.check(r.returncode == 3 and 'cannot reach' in r.stdout,
                 'hubsec-cli without a dataplane: exit 3, "cannot reach"', r.stdout)
    r = subprocess.run([con.cli], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    checks.check(r.returncode == 2 and 'usage' in r.stdout, 'hubsec-cli without a command: '
                 'exit 2 and its usage', r.stdout)

    # Raw clients: each gets an error answer or is dropped, never a command it did not send.
    push_extra(checks, dp, extra_cfg)
    long_clear = b'clear crypto sa' + b' ' * 500 + ('peer %s\n' % PEER).encode()
    cases = [
        ('a 600-character word', b'x' * 600 + b'\n', True),
        ('a 600-character line whose first 511 are "clear crypto sa"', long_clear, True),
        ('a 512-character line (one too many)', b'show drops' + b' ' * 502 + b'\n', True),
        ('a 511-character line (the longest)', b'show drops' + b' ' * 501 + b'\n', False),
        ('20 words', b' '.join([b'show'] * 20) + b'\n', True),
        ('binary bytes', bytes(b for b in range(1, 256) if b != 10) + b'\n', True),
        ('binary bytes with NULs and no newline', bytes(range(256)) * 3, None),
        ('"show crypto i sa"', b'show crypto i sa\n', True),
        ('"show" alone', b'show\n', True),
        ('an empty line', b'\n', False),
        ('blanks only', b' \t \r\n', False),
    ]
    for what, data, want_err in cases:
        rc, body, got = answer(con.raw(data))
        if rc is None:
            ok = want_err is not False
            desc = 'dropped (%r)' % (got,)
        elif want_err is None:
            ok = rc != 'bad'
            desc = 'rc %s: %s' % (rc, (body or '').strip()[:100])
        else:
            ok = rc != 'bad' and (rc != 0) == want_err
            desc = 'rc %s: %s' % (rc, (body or '').strip()[:100])
        checks.check(ok and dp.alive(), 'raw client, %s: %s' % (
            what, 'an error answer or dropped' if want_err else
            'answered' if want_err is None else 'rc 0'), desc)
    names = dp.sa_list()
    ok = 'in/0x%08x' % EXTRA_IN in names
    checks.check(ok, 'the over-long "clear crypto sa ... peer %s" line cleared nothing (it is '
                 'not cut to "clear crypto sa")' % PEER, 'SAs now %s' % names)
    if ok:
        con.cmd('clear crypto sa peer %s' % EXTRA_PEER)

    # Silent clients: one that closes at once, one that sends nothing for a while.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(con.path)
    s.close()
    got = con.raw(b'', timeout=3, linger=0.5)
    checks.check(dp.alive() and con.cmd('show drops')[0] == 0,
                 'clients that send nothing (one closes at once, one waits 0.5 s): the console '
                 'still answers', repr(got)[:200])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(con.path)
    s.sendall(b'show vpn status')
    s.shutdown(socket.SHUT_WR)
    data = b''
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    checks.check(data.startswith(b'HS1 0\n') and b'Auto VPN: not configured' in data,
                 'a line without its newline, then EOF: run as the line', repr(data)[:200])

    # 20 clients at once (the console serves 8 at a time, the rest wait in the backlog).
    results = [None] * 20

    def client(i):
        results[i] = answer(con.raw(b'show drops json\n', timeout=20))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    took = time.monotonic() - t0
    good = 0
    for rc, body, _ in results:
        try:
            good += rc == 0 and 'total' in json.loads(body)
        except (TypeError, ValueError):
            pass
    checks.check(good == 20, '20 clients at once: all 20 answered with JSON (%.2f s)' % took,
                 '%d good: %s' % (good, [r[:2] if r else None for r in results][:5]))
    checks.check(dp.alive(), 'the dataplane is still running after the bad input')
    sent, got, _ = hsnet.ping(yellow_ns, PURPLE, count=3, interval=0.1)
    checks.check(got == 3, 'after the bad input: 3/3 pings YELLOW -> PURPLE', '%d/3' % got)
    expect(checks, 'after the bad input: show crypto ipsec sa still answers',
           con.cmd('show crypto ipsec sa'), [r'^interface: outside$'])


def check_idle(checks, con):
    time.sleep(ACTIVE_S + 1.5)
    expect(checks, 'show crypto session after %d s without traffic: UP-IDLE' % (ACTIVE_S + 1),
           con.cmd('show crypto session'), [r'^Session status: UP-IDLE$'],
           absent=[r'UP-ACTIVE'])
    expect(checks, 'show crypto session brief: "UI"', con.cmd('show crypto session brief'),
           [r'^%s\s+outside\s+\d+\s+UI\s+4$' % re.escape(PEER)])
    rc, j, out = con.json('show crypto session')
    s = j['sessions'][0] if j and j['sessions'] else {}
    checks.check(rc == 0 and s.get('status') == 'UP-IDLE' and (s.get('idle_s') or 0) >= ACTIVE_S,
                 'show crypto session json: UP-IDLE, idle_s >= %d' % ACTIVE_S, out)


# ------------------------------------------------------------------------------ main

def no_ipv6(ns):
    """The hosts' own IPv6 (MLD, router solicitations) would add to the counters at random."""
    for k in ('all', 'default', 'eth0'):
        hsnet.sysctl(ns, 'net.ipv6.conf.%s.disable_ipv6' % k, 1)


def body(checks, net, args):
    cfg1 = os.path.join(args.configs, 'site1.yaml')
    cfg2 = os.path.join(args.configs, 'site2.yaml')
    sas_by_name = hsnet.load_static_sas(cfg1)
    sas = {1: sas_by_name['yellow-purple'], 2: sas_by_name['blue-purple']}
    extra_cfg = os.path.join(net.tmp, 'site1-extra.yaml')
    with open(cfg1) as f, open(extra_cfg, 'w') as out:
        out.write(f.read().rstrip('\n') + '\n' + EXTRA_SA)
    n = hsnet.two_sites(net)
    for h in ('yellow', 'blue', 'purple'):
        no_ipv6(n[h])
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg1)
    dp2 = hsnet.Dataplane(net, args.dataplane, n['s2'], 'site2', cfg2)
    for dp in (dp1, dp2):
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % dp.name, str(e))
    con = Console(args.cli, dp1)
    if not con.wait():
        checks.fatal('site1: console socket answers', con.path)
    checks.check(True, 'site1: hubsec-cli reaches the console (%s)' % con.path)
    st = os.stat(con.path)
    checks.check(st.st_mode & 0o777 == 0o600, 'console socket mode 0600',
                 oct(st.st_mode & 0o777))

    counts = {1: N_YELLOW, 2: N_BLUE}
    for k, (src, host) in LINES.items():
        sent, got, out = hsnet.ping(n[host], PURPLE, count=counts[k], interval=0.1)
        if not checks.check(got == counts[k], 'ping %s -> PURPLE: %d/%d' % (
                host, got, counts[k]), out.strip()[-300:]):
            checks.fatal('the tunnel works before the console is looked at')
    check_sessions_active(checks, con, counts)
    full, by_line = check_ipsec_sa(checks, con, sas, counts)
    check_ipsec_json(checks, con, sas, counts, by_line)
    check_ipsec_filters(checks, con, sas, counts, full)
    check_isakmp_vpn(checks, con)
    check_ports(checks, dp1, con, counts)
    check_config_views(checks, con, cfg1)
    check_acl(checks, con, counts)
    sent, got, _ = hsnet.ping(n['yellow'], PURPLE, count=1)
    _, _, txt, js, _ = hitcnt(con)
    checks.check(got == 1 and txt == {1: 1, 2: 0} and js == {1: 1, 2: 0},
                 'one more ping YELLOW -> PURPLE after clear access-list: hitcnt 1 and 0',
                 'ping %d/1, text %s json %s' % (got, txt, js))
    check_clear_counters(checks, dp1, con, 2, n['yellow'])
    check_clear_sa(checks, dp1, con, sas, extra_cfg, n['yellow'])
    check_bad_input(checks, dp1, con, extra_cfg, n['yellow'])
    check_idle(checks, con)
    checks.info('site1 drops: %s' % hsnet.nonzero(dp1.drops()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    ap.add_argument('--cli', required=True, help='hubsec-cli executable')
    args = ap.parse_args()
    args.cli = os.path.abspath(args.cli)
    if not os.access(args.cli, os.X_OK):
        print('FAIL setup: %s not built (ninja -C BUILD control/hubsec-cli)' % args.cli)
        return 1
    return hsnet.main_wrapper('console', body, args)


if __name__ == '__main__':
    sys.exit(main())
