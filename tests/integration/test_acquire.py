#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The first packet of a tunnel is not lost (DESIGN.md, "held briefly in a
small per-entry queue rather than dropped"; seed 003 shows a Cisco ASA
losing it). Both dataplanes start with --no-static-sas; `hubsec-sactl
acquire-responder --delay-ms 300` stands in for IKE on the initiating side
and answers the acquire with the config's static SA 300 ms later.

IKE installs the SA pair on both ends before the initiator's first ESP
packet can arrive (the responder installs it before it answers IKE_AUTH), so
the responding site gets its SA through `hubsec-sactl add` first. Then
`ping -c 1 -W 3` must succeed, once from YELLOW (site 1 initiates) and once
from PURPLE to BLUE (site 2 initiates), and the rings' counters must show
one acquire and one held packet released for each.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

DELAY_MS = 300
RTT_RE = re.compile(r'time=([\d.]+) ms')


def rings(dp):
    r = dp.tel('/hubsec/rings')
    return {k: r.get(k) for k in ('acquires', 'held', 'released', 'hold_drops', 'acquire_lost')}


def first_ping(checks, net, n, initiator, responder, src_host, dst, init_static, resp_static):
    """One "first ping" through a tunnel with no SA on the initiator's side."""
    out = os.path.join(net.tmp, 'responder-%s.out' % initiator.name)
    # The responding site's half, as its IKE would have installed it.
    r = responder.sactl(['add', '--config', responder.config, '--static', resp_static])
    checks.check(r.returncode == 0, '%s: sactl add %s (the IKE responder\'s SAs)' % (
        responder.name, resp_static), r.stdout.strip()[-300:])
    before = rings(initiator)
    proc = initiator.sactl_bg(['acquire-responder', '--config', initiator.config,
                               '--delay-ms', str(DELAY_MS), '--count', '1', '--timeout', '30'],
                              out)
    deadline = time.monotonic() + 30  # EAL start of the secondary process
    while time.monotonic() < deadline and proc.poll() is None and \
            'waiting for acquires' not in open(out).read():
        time.sleep(0.1)
    if proc.poll() is not None or 'waiting for acquires' not in open(out).read():
        checks.fatal('%s: acquire-responder runs' % initiator.name, open(out).read()[-500:])
    sent, got, text = hsnet.ping(n[src_host], dst, count=1, wait=3)
    rtt = RTT_RE.search(text)
    checks.check(got == 1, 'first ping %s -> %s answered (held until the SA came)' % (
        src_host, dst), text.strip().splitlines()[-2:] if text else 'no output')
    if rtt:
        checks.info('RTT %s ms (the SA arrived after %d ms)' % (rtt.group(1), DELAY_MS))
    try:
        rc = proc.wait(30)
    except Exception:
        rc = None
    answer = open(out).read()
    checks.check(rc == 0 and ('answer static SA %s' % init_static) in answer,
                 '%s: acquire-responder answered one acquire with %s' % (initiator.name,
                                                                        init_static),
                 'exit %s: %s' % (rc, answer.strip()[-400:]))
    after = rings(initiator)
    d = {k: (after[k] or 0) - (before[k] or 0) for k in after}
    checks.check(d['acquires'] == 1 and d['held'] == 1 and d['released'] == 1 and
                 d['hold_drops'] == 0,
                 '%s: /hubsec/rings: 1 acquire, 1 packet held and released, none dropped' %
                 initiator.name, 'changes %s' % d)


def body(checks, net, args):
    cfg1 = os.path.join(args.configs, 'site1.yaml')
    cfg2 = os.path.join(args.configs, 'site2.yaml')
    n = hsnet.two_sites(net)
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg1, ['--no-static-sas'])
    dp2 = hsnet.Dataplane(net, args.dataplane, n['s2'], 'site2', cfg2, ['--no-static-sas'])
    for dp in (dp1, dp2):
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % dp.name, str(e))
        checks.check(dp.sa_list() == [], '%s starts with --no-static-sas: no SA' % dp.name,
                     'SAs %s' % dp.sa_list())
    first_ping(checks, net, n, dp1, dp2, 'yellow', '172.16.10.11', 'yellow-purple',
               'purple-yellow')
    first_ping(checks, net, n, dp2, dp1, 'purple', '192.168.200.10', 'purple-blue',
               'blue-purple')
    sent, got, _ = hsnet.ping(n['yellow'], '172.16.10.11', count=3)
    checks.check(got == 3, 'the tunnel stays up: 3/3 more pings yellow -> purple', '%d/3' % got)
    for dp in (dp1, dp2):
        checks.info('%s drops: %s' % (dp.name, hsnet.nonzero(dp.drops())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    args = ap.parse_args()
    return hsnet.main_wrapper('acquire-first-ping', body, args)


if __name__ == '__main__':
    sys.exit(main())
