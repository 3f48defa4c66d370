#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""SAs replaced through the control ring (hubsec-sactl, the same messages the
IKE process sends) while YELLOW pings PURPLE every 10 ms.

1. Make-before-break, the order IKE rekeys in: both ends first get the new
   INBOUND SA (sactl add of an SA without crypto map: its outbound half is
   never published), then each end's outbound SA is replaced (sactl replace
   --old-spi). Nothing may be lost, the new SPIs must carry the traffic, the
   old outbound SAs must be gone, and after the old inbound SAs are deleted
   the tunnel must still work on the new SAs alone.
2. A plain rekey: a new pair (new SPIs and keys both ways) in one replace
   message per end, both ends at once. A packet sent on an end's new outbound
   SA before the other end has the matching inbound SA is lost, so the loss
   is reported, not failed; the tunnel must work on the new pair afterwards.
Configs: site1.yaml/site2.yaml at start, scripts/configs/site[12]-rekey.yaml
for the new generations.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

PURPLE = '172.16.10.11'
INTERVAL = 0.01
COUNT = 300      # at least this many pings, 10 ms apart
MAX_COUNT = 6000
IN_FLIGHT = 5    # the last requests when ping is stopped: not counted


def ping_bg(net, ns, name):
    """ping -i 0.01 until ping_stop(): the SA changes take as long as they take."""
    out = os.path.join(net.tmp, name)
    f = open(out, 'w')
    p = net.popen(['ping', '-n', '-c', str(MAX_COUNT), '-i', str(INTERVAL), '-W', '2', PURPLE],
                  ns=ns, stdout=f, stderr=subprocess.STDOUT)
    return p, out, time.monotonic()


def ping_stop(p, out, t0):
    """
    Stops the ping once COUNT requests were answered or lost and 1 s has
    passed since the last change; returns (running, sent, [sequence numbers
    lost], text). The last requests may still be in flight when it stops:
    they do not count as lost.
    """
    t_change = time.monotonic()
    deadline = t_change + 60
    while time.monotonic() < deadline and p.poll() is None:
        with open(out) as f:
            seqs = [int(x) for x in re.findall(r'icmp_seq=(\d+)', f.read())]
        if seqs and max(seqs) >= COUNT + IN_FLIGHT and time.monotonic() - t_change >= 1.0:
            break
        time.sleep(0.1)
    running = p.poll() is None
    if running:
        p.send_signal(signal.SIGINT)
    p.wait(30)
    text = open(out).read()
    m = re.search(r'(\d+) packets transmitted, (\d+) received', text)
    sent = int(m.group(1)) if m else 0
    got = {int(x) for x in re.findall(r'icmp_seq=(\d+)', text)}
    lost = sorted(set(range(1, sent - IN_FLIGHT + 1)) - got)
    return running, sent - IN_FLIGHT, lost, text


def sactl_ok(checks, dp, args, what):
    r = dp.sactl(args)
    checks.check(r.returncode == 0, '%s: %s' % (dp.name, what), r.stdout.strip()[-300:])
    return r.returncode == 0


def body(checks, net, args):
    cfg = {s: os.path.join(args.configs, '%s.yaml' % s) for s in ('site1', 'site2')}
    rk = {s: os.path.join(args.configs, '%s-rekey.yaml' % s) for s in ('site1', 'site2')}
    n = hsnet.two_sites(net)
    dp1 = hsnet.Dataplane(net, args.dataplane, n['s1'], 'site1', cfg['site1'])
    dp2 = hsnet.Dataplane(net, args.dataplane, n['s2'], 'site2', cfg['site2'])
    for dp in (dp1, dp2):
        try:
            dp.start()
        except RuntimeError as e:
            checks.fatal('%s starts' % dp.name, str(e))
    _, got, _ = hsnet.ping(n['yellow'], PURPLE, count=2)
    checks.check(got == 2, 'tunnel up on the first SAs (0x1001/0x2001): 2/2 pings', '%d/2' % got)

    # 1. make-before-break
    p, out, tp = ping_bg(net, n['yellow'], 'ping-mbb')
    time.sleep(0.3)
    t0 = time.monotonic()
    sactl_ok(checks, dp1, ['add', '--config', rk['site1'], '--static', 'yellow-purple-v2-in'],
             'new inbound SA 0x2101 added')
    sactl_ok(checks, dp2, ['add', '--config', rk['site2'], '--static', 'purple-yellow-v2-in'],
             'new inbound SA 0x1101 added')
    sactl_ok(checks, dp1, ['replace', '--config', rk['site1'], '--static', 'yellow-purple-v2',
                           '--old-spi', '0x1001'], 'outbound 0x1001 replaced by 0x1101')
    sactl_ok(checks, dp2, ['replace', '--config', rk['site2'], '--static', 'purple-yellow-v2',
                           '--old-spi', '0x2001'], 'outbound 0x2001 replaced by 0x2101')
    took = time.monotonic() - t0
    running, sent, lost, text = ping_stop(p, out, tp)
    checks.check(running, 'the SAs were replaced while the ping ran (%.1f s of sactl)' % took,
                 'ping ended before the SAs were replaced:\n%s' % text[-300:])
    checks.check(sent >= COUNT and not lost,
                 'make-before-break rekey under ping -i %s: %d pings, none lost' % (
                     INTERVAL, sent), 'lost icmp_seq %s' % _ranges(lost))
    s1, s2 = dp1.sa_list(), dp2.sa_list()
    checks.check('out/0x00001001' not in s1 and 'out/0x00001101' in s1,
                 'site1: outbound 0x1001 retired, 0x1101 installed', 'SAs %s' % s1)
    checks.check('out/0x00002001' not in s2 and 'out/0x00002101' in s2,
                 'site2: outbound 0x2001 retired, 0x2101 installed', 'SAs %s' % s2)
    counts = {'s1out': dp1.packets('out', 0x1101), 's2in': dp2.packets('in', 0x1101),
              's2out': dp2.packets('out', 0x2101), 's1in': dp1.packets('in', 0x2101),
              's2in_old': dp2.packets('in', 0x1001), 's1in_old': dp1.packets('in', 0x2001)}
    checks.info('packets: %s' % counts)
    checks.check((counts['s1out'] or 0) > 0 and counts['s1out'] == counts['s2in'],
                 'new SA 0x1101 carries YELLOW->PURPLE: %s encaps = %s decaps' % (
                     counts['s1out'], counts['s2in']))
    checks.check((counts['s2out'] or 0) > 0 and counts['s2out'] == counts['s1in'],
                 'new SA 0x2101 carries PURPLE->YELLOW: %s encaps = %s decaps' % (
                     counts['s2out'], counts['s1in']))
    total = sent + 2
    checks.check((counts['s2in_old'] or 0) + (counts['s2in'] or 0) >= total - IN_FLIGHT and
                 (counts['s1in_old'] or 0) + (counts['s1in'] or 0) >= total - IN_FLIGHT,
                 'old + new inbound SAs decapsulated all %d requests and their replies' % total,
                 str(counts))

    # The old inbound SAs are no longer needed.
    sactl_ok(checks, dp1, ['del', '--spi', '0x2001', '--dir', 'in'], 'old inbound 0x2001 deleted')
    sactl_ok(checks, dp2, ['del', '--spi', '0x1001', '--dir', 'in'], 'old inbound 0x1001 deleted')
    before = dp2.packets('in', 0x1101)
    _, got, _ = hsnet.ping(n['yellow'], PURPLE, count=20, interval=0.02)
    after = dp2.packets('in', 0x1101)
    checks.check(got == 20 and after - before == 20,
                 'on the new SAs alone: 20/20 pings, site2 in/0x1101 +%d' % (after - before),
                 '%d/20 answered' % got)

    # 2. plain rekey, both ends at once
    p, out, tp = ping_bg(net, n['yellow'], 'ping-plain')
    time.sleep(0.3)
    t0 = time.monotonic()
    procs = [dp.sactl_bg(['replace', '--config', rk[s], '--static', name, '--old-spi', old],
                         os.path.join(net.tmp, 'replace-%s.out' % s))
             for dp, s, name, old in ((dp1, 'site1', 'yellow-purple-v3', '0x1101'),
                                      (dp2, 'site2', 'purple-yellow-v3', '0x2101'))]
    rcs = [q.wait(60) for q in procs]
    took = time.monotonic() - t0
    running, sent, lost, text = ping_stop(p, out, tp)
    checks.check(rcs == [0, 0], 'plain rekey: both ends replaced their pair (0x1301/0x2301)',
                 'sactl exit statuses %s' % rcs)
    checks.check(running, 'the pairs were replaced while the ping ran (%.1f s of sactl)' % took,
                 'ping ended before the SAs were replaced')
    checks.info('plain rekey lost %d of %d pings (icmp_seq %s): a packet on one end\'s new '
                'outbound SA before the other end has its inbound SA' % (
                    len(lost), sent, _ranges(lost)))
    before = (dp2.packets('in', 0x1301), dp1.packets('in', 0x2301))
    _, got, _ = hsnet.ping(n['yellow'], PURPLE, count=20, interval=0.02)
    after = (dp2.packets('in', 0x1301), dp1.packets('in', 0x2301))
    checks.check(got == 20 and after[0] - before[0] == 20 and after[1] - before[1] == 20,
                 'after the plain rekey: 20/20 pings, all on 0x1301/0x2301',
                 '%d/20; in/0x1301 %s -> %s, in/0x2301 %s -> %s' % (
                     got, before[0], after[0], before[1], after[1]))
    for dp in (dp1, dp2):
        checks.info('%s SAs %s; drops: %s' % (dp.name, dp.sa_list(), hsnet.nonzero(dp.drops())))


def _ranges(nums):
    out, start = [], None
    for i, x in enumerate(nums):
        if start is None:
            start = x
        if i + 1 == len(nums) or nums[i + 1] != x + 1:
            out.append(str(start) if start == x else '%d-%d' % (start, x))
            start = None
    return ','.join(out) or 'none'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    args = ap.parse_args()
    return hsnet.main_wrapper('rekey', body, args)


if __name__ == '__main__':
    sys.exit(main())
