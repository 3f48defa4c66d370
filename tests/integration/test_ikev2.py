#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Two hubsec concentrators negotiate IKEv2 through their real dataplanes:
site1-ikev2.yaml and site2-ikev2.yaml (seed 003's two-site lab, no static
SAs: one crypto map entry, an ACL of 2 lines, one child SA per ACL line,
PFS group 14, PSK), a hubsec-control beside each dataplane.

  1. before traffic: "show crypto isakmp sa" says there are no IKEv2 SAs
     (without and with hubsec-control);
  2. the first ping YELLOW->PURPLE raises an acquire, IKE comes up, the held
     packet is released: 5/5; BLUE->PURPLE gets its own child SA on the same
     IKE SA (CREATE_CHILD_SA with PFS group 14): 5/5;
  3. show crypto isakmp sa [json] on both (INITIATOR / RESPONDER, Cisco's
     layout, 2 child SAs, crossed SPIs), the dataplanes hold exactly those
     SPIs with origin IKEv2, show crypto session says UP-ACTIVE;
  4. a child SA rekey and an IKE SA rekey, each under a running ping (every
     50 ms): no packet lost, new SPIs crossed on both sides, the old ones
     gone from both dataplanes; the IKE rekey keeps the child SAs;
  5. kill -9 of site 1's hubsec-control: the dataplane keeps forwarding;
     started again, it resynchronises: a new IKE SA with both child SAs
     replaces the SAs the dataplane kept, no ping lost (XFAIL when not), and
     in the end only the new SAs are left on both sides (XFAIL while site 2
     keeps its old IKE SA: nothing tells it the old one is gone);
  6. clear crypto isakmp sa on site 1 (the console's relay): the IKE and
     child SAs go on both sides and from both dataplanes; the next ping
     brings the tunnel up again;
  7. DPD (--dpd 2 --retransmit-ms 200 --retransmit-tries 3): site 2's
     hubsec-control killed and its outside link down, site 1 declares the
     peer dead within 10 s and removes the IKE SA and its child SAs;
  8. the pre-shared key is in no log and no show output.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

PURPLE = '172.16.10.11'
SITE1, SITE2 = '10.255.1.2', '10.255.2.2'
PSK = 'lab-only-site1-site2-psk'
DPD_OPTS = ['--dpd', '2', '--retransmit-ms', '200', '--retransmit-tries', '3']
DPD_LIMIT_S = 10
GONE_S = 5          # old SAs leave the dataplanes within this long
FLOOD_S = 4         # the pings under a rekey: this long, every 50 ms
RESYNC_UP_S = 6     # after a restart: the new IKE SA with its children within this long
RESYNC_S = 14       # ... and the kept SAs replaced within this long
SEQ_RE = re.compile(r'icmp_seq=(\d+)')
# The dataplane raises at most one acquire per policy a second (dataplane/rings.c
# ACQUIRE_GAP_SEC): a packet within a second of the last acquire of its policy is held
# without raising one. Before a "first ping" that must raise its own acquire, wait.
ACQUIRE_GAP_S = 1.1

OUTPUTS = []        # every show output, searched for the PSK at the end


# ------------------------------------------------------------------ helpers

class Site:
    """One concentrator: its dataplane, its hubsec-control, its console."""

    def __init__(self, name, dp, ctl, cli):
        self.name, self.dp, self.ctl, self.cli = name, dp, ctl, cli

    def con(self, line, timeout=20):
        """(exit status, output) of a console command (hubsec-cli --file-prefix)."""
        r = subprocess.run([self.cli, '--file-prefix', self.dp.prefix] + line.split(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout)
        OUTPUTS.append(r.stdout)
        return r.returncode, r.stdout

    def con_json(self, line):
        rc, out = self.con(line + ' json')
        try:
            return rc, json.loads(out), out
        except ValueError:
            return rc, None, out

    def ctl_cmd(self, line):
        rc, out = self.ctl.cmd(line)
        OUTPUTS.append(out)
        return rc, out

    def ike(self):
        """The IKEv2 SAs of hubsec-control (its socket), [] when none, None when unreadable."""
        rc, j, out = self.ctl.json('show crypto isakmp sa')
        OUTPUTS.append(out)
        if rc != 0 or j is None:
            return None
        return j.get('ikev2')

    def counter(self, name):
        rc, j, out = self.ctl.json('show ikev2 counters')
        OUTPUTS.append(out)
        return j.get(name) if j else None

    def dp_sas(self):
        """{(dir, spi): (acl line, origin)} of the dataplane (show crypto ipsec sa json)."""
        rc, j, out = self.con_json('show crypto ipsec sa')
        if rc != 0 or j is None:
            return None
        sas = {}
        for g in j.get('sas', []):
            for d, key in (('in', 'inbound'), ('out', 'outbound')):
                for sa in g.get(key, []):
                    sas[(d, sa['spi'])] = (g.get('acl_line'), sa.get('origin'))
        return sas

    def rings(self):
        r = self.dp.tel('/hubsec/rings')
        return {k: r.get(k, 0) for k in ('acquires', 'held', 'released', 'hold_drops')}


def children(sa):
    """{acl line: (spi in, spi out)} of one IKE SA's JSON."""
    return {c['acl-line']: (int(c['spi-in'], 16), int(c['spi-out'], 16))
            for c in sa.get('children', [])}


def ike_spis(sa):
    return (sa['spi-i'], sa['spi-r'])


def expected_dp(kids):
    """What a dataplane should hold for children {line: (in, out)}."""
    out = {}
    for line, (i, o) in kids.items():
        out[('in', i)] = (line, 'IKEv2')
        out[('out', o)] = (line, 'IKEv2')
    return out


def wait_for(fn, timeout, interval=0.1):
    """fn() until it is truthy or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def one_up(site, lines=(1, 2)):
    """The single established IKE SA with installed children of lines, else None."""
    sas = site.ike()
    if not sas or len(sas) != 1:
        return None
    sa = sas[0]
    kids = [c for c in sa['children'] if c['state'] == 'INSTALLED' and c['installed']]
    if sa['state'] != 'ESTABLISHED' or sorted(c['acl-line'] for c in kids) != sorted(lines):
        return None
    return sa


def crossed(a, b):
    """Site a's children are site b's, in and out swapped."""
    ca, cb = children(a), children(b)
    return set(ca) == set(cb) and all(ca[k] == (cb[k][1], cb[k][0]) for k in ca)


class Flood:
    """ping every interval s in the background, from a host namespace."""

    def __init__(self, net, ns, seconds, name, interval=0.05):
        self.count = int(seconds / interval)
        self.interval = interval
        self.path = os.path.join(net.tmp, 'flood-%s.txt' % name)
        self.f = open(self.path, 'w')
        self.stopped = False
        self.proc = net.popen(['ping', '-n', '-i', str(interval), '-W', '1', '-c',
                               str(self.count), PURPLE], ns=ns, stdout=self.f,
                              stderr=subprocess.STDOUT)

    def stop(self):
        """Ends it early (SIGINT: ping prints its summary)."""
        if self.proc.poll() is None:
            self.stopped = True
            self.proc.send_signal(signal.SIGINT)

    def result(self):
        """(sent, received, lost icmp_seqs, tail of the output). After stop(), the last
        request may still be on its way: not counted."""
        try:
            self.proc.wait(self.count * self.interval + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.f.close()
        with open(self.path) as f:
            text = f.read()
        m = re.search(r'(\d+) packets transmitted, (\d+) received', text)
        sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        seen = {int(x) for x in SEQ_RE.findall(text)}
        if self.stopped and sent > 0 and sent not in seen:
            sent -= 1
        lost = sorted(set(range(1, sent + 1)) - seen)
        return sent, len(seen & set(range(1, sent + 1))), lost, text.strip().splitlines()[-2:]


def drops(sites):
    return {s.name: s.dp.drops() for s in sites}


def flood_ok(checks, what, flood, sites, before):
    """The flood's result; on a loss, what the dataplanes counted meanwhile."""
    sent, got, lost, tail = flood.result()
    ok = checks.check(sent >= flood.count * 0.9 and got == sent,
                      '%s: %d/%d pings answered, none lost' % (what, got, sent),
                      'lost icmp_seq %s; %s' % (lost, tail))
    if not ok:
        after = drops(sites)
        for s in sites:
            checks.info('%s drops meanwhile: %s' % (s.name, hsnet.diff(after[s.name],
                                                                       before[s.name])))
    return ok


def ping_ok(checks, n, host, what, count=5, interval=0.2):
    sent, got, out = hsnet.ping(n[host], PURPLE, count=count, interval=interval)
    checks.check(got == count, '%s: ping %s -> PURPLE %d/%d' % (what, host, got, count),
                 out.strip()[-400:])
    return got == count, out


def missing(text, patterns):
    return [p for p in patterns if not re.search(p, text, re.M)]


# ------------------------------------------------------------------ the steps

def step_before(checks, s1, s2):
    for s in (s1, s2):
        rc, out = s.con('show crypto isakmp sa')
        checks.check(rc == 0 and re.search(r'^There are no IKEv2 SAs$', out, re.M),
                     '%s: show crypto isakmp sa before hubsec-control: no IKEv2 SAs' % s.name,
                     'exit %d:\n%s' % (rc, out))
    for s in (s1, s2):
        try:
            s.ctl.start()
        except RuntimeError as e:
            checks.fatal('%s: hubsec-control starts beside the dataplane' % s.name, str(e))
    for s in (s1, s2):
        rc, out = s.con('show crypto isakmp sa')
        checks.check(rc == 0 and re.search(r'^There are no IKEv2 SAs$', out, re.M) and
                     'not running' not in out,
                     '%s: show crypto isakmp sa (relayed to hubsec-control): no IKEv2 SAs' %
                     s.name, 'exit %d:\n%s' % (rc, out))
        checks.check(s.dp_sas() == {}, '%s: the dataplane has no SA' % s.name,
                     str(s.dp_sas()))


def step_bring_up(checks, n, s1, s2):
    before = s1.rings()
    t0 = time.monotonic()
    ok, out = ping_ok(checks, n, 'yellow', 'first ping raises the acquire, IKE comes up')
    rtt = re.search(r'icmp_seq=1 .*time=([\d.]+) ms', out)
    checks.info('first ping YELLOW -> PURPLE: %s (5 pings in %.1f s)' % (
        'RTT %s ms' % rtt.group(1) if rtt else 'no answer to icmp_seq=1',
        time.monotonic() - t0))
    after = s1.rings()
    d = {k: after[k] - before[k] for k in after}
    checks.check(d['acquires'] >= 1 and d['held'] >= 1 and d['released'] == d['held'] and
                 d['hold_drops'] == 0,
                 'site1: /hubsec/rings: acquire raised, held packets released, none dropped',
                 'changes %s' % d)
    sa = one_up(s1, (1,))
    checks.check(sa is not None and sa['role'] == 'initiator',
                 'site1: one IKE SA, established as initiator, with the child of ACL line 1',
                 str(s1.ike()))
    first = ike_spis(sa) if sa else None
    ping_ok(checks, n, 'blue', 'BLUE gets its own child SA')
    sa = one_up(s1)
    checks.check(sa is not None and ike_spis(sa) == first,
                 'site1: the child of ACL line 2 on the same IKE SA (CREATE_CHILD_SA)',
                 str(s1.ike()))
    if sa is not None:
        k2 = [c for c in sa['children'] if c['acl-line'] == 2][0]
        checks.check(k2['pfs-group'] == 14, 'site1: the CREATE_CHILD_SA child has PFS group 14',
                     str(k2))
    for s, up, kids in ((s1, 1, 2), (s2, 1, 2)):
        checks.check(s.counter('ike-sa-established') == up and
                     s.counter('child-sa-established') == kids and
                     s.counter('ike-sa-failed') == 0 and s.counter('child-sa-failed') == 0,
                     '%s: show ikev2 counters: %d IKE SA and %d child SAs established, none '
                     'failed' % (s.name, up, kids), s.ctl_cmd('show ikev2 counters')[1])


def step_show(checks, s1, s2):
    """show crypto isakmp sa on both, the SPIs crossed and in the dataplanes."""
    common = [r'^There are no IKEv1 SAs$', r'^IKEv2 SAs:$',
              r'^Session-id:\d+, Status:UP-ACTIVE, IKE count:1, CHILD count:2$',
              r'^Tunnel-id Local +Remote +Status +Role$',
              r'^      Encr: AES-CBC, keysize: 256, Hash: SHA256, DH Grp:14, Auth sign: PSK, '
              r'Auth verify: PSK$',
              r'^      Life/Active Time: 86400/\d+ sec$',
              r'^          ESP spi in/out: 0x[0-9a-f]{8}/0x[0-9a-f]{8}$']
    for s, local, remote, role in ((s1, SITE1, SITE2, 'INITIATOR'),
                                   (s2, SITE2, SITE1, 'RESPONDER')):
        want = common + [r'^\d+ +%s/500 +%s/500 +READY +%s$' % (
            re.escape(local), re.escape(remote), role)]
        if s is s1:
            want += [r'^Child sa: local selector  %s\.0/0 - %s\.255/65535$' % (
                re.escape(p), re.escape(p)) for p in ('192.168.100', '192.168.200')]
            want += [r'^          remote selector 172\.16\.10\.0/0 - 172\.16\.10\.255/65535$']
        else:
            want += [r'^Child sa: local selector  172\.16\.10\.0/0 - 172\.16\.10\.255/65535$']
            want += [r'^          remote selector %s\.0/0 - %s\.255/65535$' % (
                re.escape(p), re.escape(p)) for p in ('192.168.100', '192.168.200')]
        for how, (rc, out) in (('console relay', s.con('show crypto isakmp sa')),
                               ('control socket', s.ctl_cmd('show crypto isakmp sa'))):
            miss = missing(out, want)
            checks.check(rc == 0 and not miss and len(re.findall(r'^Child sa:', out, re.M)) == 2,
                         '%s: show crypto isakmp sa (%s): READY %s, suite, 2 child SAs' % (
                             s.name, how, role), 'exit %d; missing %s:\n%s' % (rc, miss, out))
        rc, out = s.con('show crypto isakmp sa detail')
        miss = missing(out, [r'^      Local spi: [0-9A-F]{16} +Remote spi: [0-9A-F]{16}$',
                             r'^      Remote id: %s, state ESTABLISHED, authenticated$' %
                             re.escape(remote),
                             r'^          CHILD_SA \d+ INSTALLED, AES_CBC_256/'
                             r'AUTH_HMAC_SHA2_256_128, PFS: MODP_2048, crypto map outside_map '
                             r'seq 1 line 2$',
                             r'^          installed: yes, '])
        checks.check(rc == 0 and not miss, '%s: show crypto isakmp sa detail: SPIs, remote id, '
                     'child states, PFS of line 2' % s.name, 'missing %s:\n%s' % (miss, out))
    sas = {}
    for s in (s1, s2):
        rc, j, out = s.con_json('show crypto isakmp sa')
        ok = (rc == 0 and j is not None and j.get('control') == 'running' and
              j.get('ikev1') == [] and len(j.get('ikev2', [])) == 1)
        checks.check(ok, '%s: show crypto isakmp sa json parses: 1 IKEv2 SA' % s.name, out[-600:])
        if not ok:
            checks.fatal('%s: the IKE SA is readable' % s.name)
        sas[s.name] = j['ikev2'][0]
    a, b = sas['site1'], sas['site2']
    checks.check(a['role'] == 'initiator' and b['role'] == 'responder' and
                 a['status'] == b['status'] == 'UP-ACTIVE' and
                 ike_spis(a) == ike_spis(b) and
                 a['suite'] == b['suite'] == 'AES_CBC_256/AUTH_HMAC_SHA2_256_128/'
                 'PRF_HMAC_SHA2_256/MODP_2048' and
                 a['remote'] == SITE2 and b['remote'] == SITE1 and
                 a['remote-id'] == SITE2 and b['remote-id'] == SITE1,
                 'json: initiator/responder, the same IKE SPIs, the suite, remote ids',
                 'site1 %s\nsite2 %s' % (a, b))
    checks.check(sorted(children(a)) == [1, 2] and crossed(a, b),
                 'json: site1\'s child spi-in is site2\'s spi-out and vice versa (both lines)',
                 'site1 %s site2 %s' % (children(a), children(b)))
    for s, sa in ((s1, a), (s2, b)):
        got, want = s.dp_sas(), expected_dp(children(sa))
        checks.check(got == want, '%s: show crypto ipsec sa json: exactly the 4 SPIs of the IKE '
                     'SA, per ACL line, origin IKEv2' % s.name, 'got %s want %s' % (got, want))
        rc, out = s.con('show crypto session')
        rc2, j, out2 = s.con_json('show crypto session')
        sess = (j or {}).get('sessions') or [{}]
        checks.check(rc == 0 and re.search(r'^Session status: UP-ACTIVE$', out, re.M) and
                     re.search(r'^  IKE SA: up \(hubsec-control\)$', out, re.M) and
                     len(sess) == 1 and sess[0].get('status') == 'UP-ACTIVE' and
                     sess[0].get('ike_sa_up') is True and sess[0].get('inbound_sas') == 2 and
                     sess[0].get('outbound_sas') == 2,
                     '%s: show crypto session [json]: UP-ACTIVE, IKE SA up, 2+2 SAs' % s.name,
                     '%s\n%s' % (out, out2))
    return a, b


def dp_state(s1, s2, k1, k2):
    """Both dataplanes hold exactly the SAs of the children k1 (site1), k2 (site2)."""
    return s1.dp_sas() == expected_dp(k1) and s2.dp_sas() == expected_dp(k2)


def step_child_rekey(checks, net, n, s1, s2, a, b, by, rekeys):
    """by (s1 or s2) rekeys line 1's child under a ping flood; the rekeys-th rekey."""
    old1, old2 = children(a), children(b)
    spi = (old1 if by is s1 else old2)[1][0]
    before = drops((s1, s2))
    flood = Flood(net, n['yellow'], FLOOD_S, 'child-rekey-%d' % rekeys)
    time.sleep(1)
    rc, out = by.ctl_cmd('rekey child-sa %08x' % spi)
    checks.check(rc == 0 and 'rekeying CHILD_SA' in out,
                 '%s: rekey child-sa %08x (ACL line 1, under ping -i 0.05)' % (by.name, spi),
                 'exit %d: %s' % (rc, out))

    def rekeyed():
        x, y = one_up(s1), one_up(s2)
        if x and y and children(x)[1] != old1[1] and children(y)[1] != old2[1] and \
                crossed(x, y):
            return x, y
        return None
    got = wait_for(rekeyed, 5)
    what = 'child rekey by %s' % by.name
    flood_ok(checks, '%s (%s responds)' % (what, (s2 if by is s1 else s1).name), flood,
             (s1, s2), before)
    if not checks.check(got is not None, '%s: new SPIs on both sides, crossed; line 2 '
                        'unchanged' % what, 'site1 %s\nsite2 %s' % (s1.ike(), s2.ike())):
        return a, b
    x, y = got
    k1, k2 = children(x), children(y)
    checks.check(k1[2] == old1[2] and k2[2] == old2[2] and
                 not {k1[1][0], k1[1][1]} & {old1[1][0], old1[1][1]},
                 '%s: line 1 has new SPIs in both directions, line 2 kept its own' % what,
                 'before %s after %s' % (old1, k1))
    kid = [c for c in x['children'] if c['acl-line'] == 1][0]
    checks.check(kid['pfs-group'] == 14, '%s: the new child of line 1 has PFS group 14 '
                 '(the entry\'s pfs group14)' % what, str(kid))
    t0 = time.monotonic()
    gone = wait_for(lambda: dp_state(s1, s2, k1, k2), GONE_S)
    checks.check(gone, '%s: both dataplanes hold only the new SPIs (old ones deleted '
                 'within %d s)' % (what, GONE_S), 'site1 %s\nsite2 %s' % (s1.dp_sas(),
                                                                          s2.dp_sas()))
    checks.info('old child SAs gone from the dataplanes %.1f s after the rekey ended' % (
        time.monotonic() - t0))
    checks.check(s1.counter('child-sa-rekeyed') == rekeys and
                 s2.counter('child-sa-rekeyed') == rekeys,
                 'show ikev2 counters: child-sa-rekeyed %d on both' % rekeys,
                 s1.ctl_cmd('show ikev2 counters')[1])
    return x, y


def step_ike_rekey(checks, net, n, s1, s2, a, b):
    k1, k2 = children(a), children(b)
    old = ike_spis(a)
    before = drops((s1, s2))
    flood = Flood(net, n['yellow'], FLOOD_S, 'ike-rekey')
    time.sleep(1)
    rc, out = s1.ctl_cmd('rekey ike-sa %s' % SITE2)
    checks.check(rc == 0 and 'rekeying IKE SA' in out,
                 'site1: rekey ike-sa %s (under ping -i 0.05)' % SITE2, 'exit %d: %s' % (rc, out))

    def rekeyed():
        x, y = one_up(s1), one_up(s2)
        if x and y and ike_spis(x) != old and ike_spis(x) == ike_spis(y):
            return x, y
        return None
    got = wait_for(rekeyed, 5)
    flood_ok(checks, 'IKE SA rekey', flood, (s1, s2), before)
    if not checks.check(got is not None, 'IKE rekey: one IKE SA on each side, new IKE SPIs, the '
                        'same on both', 'site1 %s\nsite2 %s' % (s1.ike(), s2.ike())):
        return a, b
    x, y = got
    checks.info('IKE SPIs %s/%s -> %s/%s' % (old + ike_spis(x)))
    checks.check(old[0] not in ike_spis(x) and old[1] not in ike_spis(x),
                 'IKE rekey: both IKE SPIs are new', '%s -> %s' % (old, ike_spis(x)))
    checks.check(children(x) == k1 and children(y) == k2,
                 'IKE rekey: the child SAs moved over unchanged (same SPIs on both sides)',
                 'before %s/%s after %s/%s' % (k1, k2, children(x), children(y)))
    checks.check(dp_state(s1, s2, k1, k2), 'IKE rekey: the dataplanes\' SAs untouched',
                 'site1 %s\nsite2 %s' % (s1.dp_sas(), s2.dp_sas()))
    checks.check(s1.counter('ike-sa-rekeyed') == 1, 'site1: show ikev2 counters: '
                 'ike-sa-rekeyed 1', s1.ctl_cmd('show ikev2 counters')[1])
    # The new IKE SA carries exchanges: a child rekey of line 2 on it.
    rc, out = s1.ctl_cmd('rekey child-sa %08x' % k1[2][0])

    def line2():
        x2, y2 = one_up(s1), one_up(s2)
        if x2 and y2 and children(x2)[2] != k1[2] and crossed(x2, y2) and \
                ike_spis(x2) == ike_spis(x):
            return x2, y2
        return None
    got = wait_for(line2, 5)
    checks.check(rc == 0 and got is not None,
                 'the rekeyed IKE SA carries CREATE_CHILD_SA: line 2 rekeyed on it',
                 'exit %d %s; site1 %s' % (rc, out, s1.ike()))
    if got:
        x, y = got
        wait_for(lambda: dp_state(s1, s2, children(x), children(y)), GONE_S)
    return x, y


def reset(checks, s1, s2):
    """Nothing left anywhere (after an incomplete resync): both controls stopped (their
    IKE SAs dropped silently), the dataplanes' SAs cleared, both controls started again
    with nothing to resynchronise."""
    for s in (s1, s2):
        s.ctl.stop()
    for s in (s1, s2):
        if s.dp_sas():
            s.con('clear crypto sa')
    ok = wait_for(lambda: s1.dp_sas() == {} and s2.dp_sas() == {}, 5)
    for s in (s1, s2):
        try:
            s.ctl.start()
        except RuntimeError as e:
            checks.fatal('%s: hubsec-control starts again after the reset' % s.name, str(e))
    ok = ok and s1.ike() == [] and s2.ike() == []
    checks.check(ok, 'reset after the incomplete resync: controls restarted, no SA left on '
                 'either side', 'site1 %s %s\nsite2 %s %s' % (s1.ike(), s1.dp_sas(), s2.ike(),
                                                             s2.dp_sas()))


def step_restart(checks, net, n, s1, s2, a, b):
    k1, k2 = children(a), children(b)
    rc = s1.ctl.kill(signal.SIGKILL)
    checks.check(rc == -signal.SIGKILL and s1.dp.alive(),
                 'site1: hubsec-control killed (SIGKILL); the dataplane runs on',
                 'exit %s, dataplane alive %s' % (rc, s1.dp.alive()))
    rc, out = s1.con('show crypto isakmp sa')
    checks.check(rc == 0 and 'hubsec-control is not running' in out,
                 'site1: show crypto isakmp sa: hubsec-control is not running', out)
    for host in ('yellow', 'blue'):
        ping_ok(checks, n, host, 'control killed, the dataplane keeps its SAs', count=3,
                interval=0.1)
    checks.check(dp_state(s1, s2, k1, k2), 'control killed: both dataplanes still hold the '
                 'negotiated SAs', 'site1 %s' % s1.dp_sas())
    flood = Flood(net, n['yellow'], RESYNC_S + 2, 'restart', interval=0.1)
    time.sleep(0.5)
    t0 = time.monotonic()
    try:
        s1.ctl.start()
    except RuntimeError as e:
        flood.stop()
        flood.result()
        checks.fatal('site1: hubsec-control starts again (stale socket file left by SIGKILL)',
                     str(e))
    checks.check(True, 'site1: hubsec-control starts again (stale socket file left by SIGKILL)')

    def new_sa():
        """Site1's new IKE SA with both children, and site2's side of it."""
        x = one_up(s1)
        if x is None or ike_spis(x) == ike_spis(a):
            return None
        for y in s2.ike() or []:
            if ike_spis(y) == ike_spis(x) and y['state'] == 'ESTABLISHED' and crossed(x, y):
                return x, y
        return None
    got = wait_for(new_sa, RESYNC_UP_S)
    up_s = time.monotonic() - t0

    def complete():
        """Only the new SAs left: in both dataplanes, and site2's old IKE SA gone."""
        x, y = got
        return s2.ike() is not None and len(s2.ike()) == 1 and \
            dp_state(s1, s2, children(x), children(y))
    done = got is not None and wait_for(complete, RESYNC_S - (time.monotonic() - t0), 0.25)
    done_s = time.monotonic() - t0
    time.sleep(0.5)
    flood.stop()
    sent, recv, lost, tail = flood.result()
    checks.info('after the restart: site1 %s; site2 %s' % (
        [(x['state'], ike_spis(x), children(x)) for x in (s1.ike() or [])],
        [(x['state'], ike_spis(x), children(x)) for x in (s2.ike() or [])]))
    checks.info('pings YELLOW -> PURPLE every 100 ms during the restart: %d/%d, lost icmp_seq '
                '%s' % (recv, sent, lost))
    no_loss = sent > 0 and recv == sent
    if got is not None and no_loss:
        checks.check(True, 'resync: %.1f s after the restart a new IKE SA with both child SAs '
                     'on both sides; %d/%d pings, none lost' % (up_s, recv, sent))
        x = got[0]
        checks.check(not set(children(x)[1]) & set(k1[1]) and
                     not set(children(x)[2]) & set(k1[2]),
                     'resync: new child SPIs, not the kept ones', '%s -> %s' % (k1, children(x)))
    else:
        why = []
        if got is None:
            why.append('no new IKE SA with both child SAs on both sides within %d s' %
                       RESYNC_UP_S)
        if not no_loss:
            why.append('pings lost during the restart: %d/%d, icmp_seq %s' % (recv, sent, lost))
        checks.xfail('resync not built: after a restart hubsec-control re-negotiates the SAs '
                     'the dataplane kept, without loss', '; '.join(why) + '; log: ' +
                     ' | '.join(s1.ctl.this_log().strip().splitlines()[-6:]))
    if done:
        checks.check(True, 'resync: %.1f s after the restart only the new SAs are left (the '
                     'kept ones gone from both dataplanes, site2\'s old IKE SA gone)' % done_s)
        return got
    if got is not None:
        x, y = got
        stale = [z for z in (s2.ike() or []) if ike_spis(z) != ike_spis(x)]
        checks.xfail('resync incomplete: %d s after the restart old SAs are still there' %
                     RESYNC_S, 'site2 still holds %d old IKE SA(s) %s; site1 dataplane extra %s; '
                     'site2 dataplane extra %s' % (
                         len(stale), [(z['state'], ike_spis(z), children(z)) for z in stale],
                         sorted(set(s1.dp_sas() or {}) - set(expected_dp(children(x)))),
                         sorted(set(s2.dp_sas() or {}) - set(expected_dp(children(y))))))
    reset(checks, s1, s2)
    return None


def cleared(s1, s2):
    return s1.ike() == [] and s2.ike() == [] and s1.dp_sas() == {} and s2.dp_sas() == {}


def step_clear(checks, n, s1, s2):
    """Up (again, when the resync reset everything), cleared from site 1's console, and up
    again with the next ping."""
    for host in ('yellow', 'blue'):
        ping_ok(checks, n, host, 'before clear', count=3, interval=0.1)
    x, y = one_up(s1), one_up(s2)
    if not checks.check(x is not None and y is not None and crossed(x, y),
                        'before clear: one IKE SA with 2 child SAs on both sides',
                        'site1 %s\nsite2 %s' % (s1.ike(), s2.ike())):
        return
    old = ike_spis(x)
    rc, out = s1.con('clear crypto isakmp sa')
    checks.check(rc == 0 and re.search(r'^1 IKE SA cleared', out, re.M),
                 'site1: clear crypto isakmp sa (console relay): 1 IKE SA cleared',
                 'exit %d: %s' % (rc, out))
    t0 = time.monotonic()
    ok = wait_for(lambda: cleared(s1, s2), GONE_S)
    checks.check(ok, 'clear: IKE and child SAs gone from both controls and both dataplanes '
                 '(%.1f s)' % (time.monotonic() - t0),
                 'site1 %s %s\nsite2 %s %s' % (s1.ike(), s1.dp_sas(), s2.ike(), s2.dp_sas()))
    time.sleep(ACQUIRE_GAP_S)
    before = s1.rings()
    ping_ok(checks, n, 'yellow', 'after clear, the next ping brings the tunnel up again')
    d = {k: v - before[k] for k, v in s1.rings().items()}
    checks.check(d['acquires'] >= 1 and d['released'] == d['held'] >= 1 and
                 d['hold_drops'] == 0, 'after clear: an acquire, the held packets released',
                 'changes %s' % d)
    ping_ok(checks, n, 'blue', 'after clear', count=3, interval=0.1)
    x, y = one_up(s1), one_up(s2)
    checks.check(x is not None and y is not None and crossed(x, y) and ike_spis(x) != old,
                 'after clear: a new IKE SA with 2 child SAs, crossed SPIs',
                 'site1 %s\nsite2 %s' % (s1.ike(), s2.ike()))
    if x is not None and y is not None:
        checks.check(dp_state(s1, s2, children(x), children(y)),
                     'after clear: both dataplanes hold exactly the new SAs',
                     'site1 %s\nsite2 %s' % (s1.dp_sas(), s2.dp_sas()))


def step_dpd(checks, n, net, s1, s2):
    # Site 1's control again with fast DPD, on a clean slate (no resync involved).
    rc, out = s1.ctl_cmd('clear crypto isakmp sa')
    if not wait_for(lambda: cleared(s1, s2), GONE_S):
        checks.fatal('clear before the DPD part', 'site1 %s %s\nsite2 %s %s' % (
            s1.ike(), s1.dp_sas(), s2.ike(), s2.dp_sas()))
    rc = s1.ctl.stop()
    checks.check(rc == 0, 'site1: hubsec-control stops on SIGTERM', 'exit %s' % rc)
    try:
        s1.ctl.start(extra=DPD_OPTS)
    except RuntimeError as e:
        checks.fatal('site1: hubsec-control starts with %s' % ' '.join(DPD_OPTS), str(e))
    time.sleep(ACQUIRE_GAP_S)
    for host in ('yellow', 'blue'):
        ping_ok(checks, n, host, 'with %s' % ' '.join(DPD_OPTS), count=3, interval=0.1)
    x, y = one_up(s1), one_up(s2)
    if not checks.check(x is not None and y is not None and crossed(x, y),
                        'DPD: the tunnel is up, one IKE SA with 2 child SAs on both sides',
                        'site1 %s\nsite2 %s' % (s1.ike(), s2.ike())):
        return
    # One liveness check answered (2 s without a message from the peer): the SA stays.
    rx = s1.counter('rx-messages')
    t0 = time.monotonic()
    answered = wait_for(lambda: s1.counter('rx-messages') > rx, 6, 0.2)
    checks.check(answered and one_up(s1) is not None and s1.counter('dpd-dead-peers') == 0,
                 'DPD with a live peer: a liveness check answered after %.1f s, the IKE SA '
                 'stays' % (time.monotonic() - t0), s1.ctl_cmd('show crypto isakmp sa detail')[1])
    # Site 2 goes silent: its control killed, its outside link down.
    s2.ctl.kill(signal.SIGKILL)
    hsnet.run(['ip', 'link', 'set', 's2-out', 'down'], ns=n['s2'])
    t0 = time.monotonic()
    dead = wait_for(lambda: s1.counter('dpd-dead-peers') == 1, DPD_LIMIT_S + 1, 0.2)
    took = time.monotonic() - t0
    checks.check(dead and took <= DPD_LIMIT_S,
                 'DPD: site1 declares %s dead within %d s (%.1f s)' % (SITE2, DPD_LIMIT_S, took),
                 s1.ctl_cmd('show ikev2 counters')[1] + s1.ctl.log_tail(15))
    ok = wait_for(lambda: s1.ike() == [] and s1.dp_sas() == {}, 3)
    checks.check(ok, 'DPD: the IKE SA and its child SAs are gone from site1\'s control and '
                 'dataplane', 'control %s\ndataplane %s' % (s1.ike(), s1.dp_sas()))
    checks.check(s1.dp.alive() and s2.dp.alive(), 'both dataplanes still run')
    hsnet.run(['ip', 'link', 'set', 's2-out', 'up'], ns=n['s2'])


def step_secrets(checks, s1, s2):
    where = []
    for s in (s1, s2):
        if PSK in s.ctl.read_log():
            where.append('%s log' % s.ctl.name)
        if PSK in s.dp.read_log():
            where.append('%s log' % s.dp.name)
    n_out = sum(1 for o in OUTPUTS if PSK in o)
    if n_out:
        where.append('%d show outputs' % n_out)
    checks.check(not where, 'the pre-shared key is in no log of either control or dataplane '
                 'and in none of the %d show outputs' % len(OUTPUTS), ', '.join(where))


# ------------------------------------------------------------------ main

def body(checks, net, args):
    cfg1 = os.path.join(args.configs, 'site1-ikev2.yaml')
    cfg2 = os.path.join(args.configs, 'site2-ikev2.yaml')
    n = hsnet.two_sites(net)
    for h in ('yellow', 'blue', 'purple'):  # no router solicitations or MLD on the tunnel
        for k in ('all', 'default', 'eth0'):
            hsnet.sysctl(n[h], 'net.ipv6.conf.%s.disable_ipv6' % k, 1)
    sites = []
    for name, cfg in (('site1', cfg1), ('site2', cfg2)):
        dp = hsnet.Dataplane(net, args.dataplane, n['s' + name[-1]], name, cfg)
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % name, str(e))
        ctl = hsnet.Control(net, args.control, dp, cli=args.cli)
        sites.append(Site(name, dp, ctl, args.cli))
    s1, s2 = sites
    try:
        steps(checks, net, n, s1, s2)
    finally:
        if checks.failed:  # what the controls said, for the failures above
            for s in (s1, s2):
                lines = [ln for ln in s.ctl.read_log().splitlines() if ': debug: ' not in ln]
                checks.info('%s log (without debug lines), last 30:\n%s' % (
                    s.ctl.name, '\n'.join('    | ' + ln for ln in lines[-30:])))


def steps(checks, net, n, s1, s2):
    t = time.monotonic()
    step_before(checks, s1, s2)
    step_bring_up(checks, n, s1, s2)
    a, b = step_show(checks, s1, s2)
    checks.info('-- up and shown: %.1f s' % (time.monotonic() - t))
    a, b = step_child_rekey(checks, net, n, s1, s2, a, b, s1, 1)
    a, b = step_child_rekey(checks, net, n, s1, s2, a, b, s2, 2)
    a, b = step_ike_rekey(checks, net, n, s1, s2, a, b)
    checks.info('-- rekeys: %.1f s' % (time.monotonic() - t))
    step_restart(checks, net, n, s1, s2, a, b)
    checks.info('-- restart: %.1f s' % (time.monotonic() - t))
    step_clear(checks, n, s1, s2)
    step_dpd(checks, n, net, s1, s2)
    checks.info('-- clear and DPD: %.1f s' % (time.monotonic() - t))
    step_secrets(checks, s1, s2)
    for s in (s1, s2):
        checks.info('%s drops: %s' % (s.name, hsnet.nonzero(s.dp.drops())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    ap.add_argument('--cli', required=True, help='hubsec-cli executable')
    ap.add_argument('--control', required=True, help='hubsec-control executable')
    args = ap.parse_args()
    for k in ('cli', 'control'):
        setattr(args, k, os.path.abspath(getattr(args, k)))
        if not os.access(getattr(args, k), os.X_OK):
            print('FAIL setup: %s not built (ninja -C BUILD)' % getattr(args, k))
            return 1
    return hsnet.main_wrapper('ikev2', body, args)


if __name__ == '__main__':
    sys.exit(main())
