#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The console's interactive prompt (hubsec-dataplane -i, DPDK's cmdline) in a
pseudo-terminal, the way an operator types: site 1 of the two-site network
(site1.yaml, its af_packet ports in its namespace; site 2 is not needed) with
its stdin/stdout on a pty. Checked, with VT100 escapes stripped:

  - the "hubsec> " prompt; TAB after "sh" completes to "show "; TAB TAB lists
    what can follow; '?' after "show crypto " lists the choices with help;
  - "show crypto ipsec sa" prints Cisco's block; "sh cry isakmp sa"
    (abbreviated) works; "show crypto map json" prints JSON that parses;
  - a bogus line prints the usage and the prompt comes back; up-arrow
    recalls the last command and Enter runs it again;
  - "quit" ends the process with exit status 0 within a few seconds.
"""

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsnet  # noqa: E402

PROMPT = 'hubsec> '
UP = b'\x1b[A'
CTRL_A, CTRL_K = b'\x01', b'\x0b'
# CSI sequences, ESC + one character (ESC M, ESC E, ESC 7...), and carriage returns.
ANSI = re.compile(r'\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_78=>]|\r')


def strip(b):
    return ANSI.sub('', b.decode(errors='replace'))


class Pty:
    """A process on a pseudo-terminal: what it wrote, stripped, read on demand."""

    def __init__(self, net, cmd, ns):
        self.master, slave = os.openpty()
        self.proc = net.popen(cmd, ns=ns, stdin=slave, stdout=slave, stderr=slave,
                              close_fds=True, start_new_session=True)
        os.close(slave)
        self.raw = b''
        self.pos = 0        # how far expect() has consumed the stripped text

    def pump(self, wait):
        """Reads what is there (waiting up to wait seconds for the first byte)."""
        got = False
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([self.master], [], [], max(0.0, left) if not got else 0.05)
            if not r:
                if got or left <= 0:
                    return got
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the slave side closed (the process ended)
                return got
            if not data:
                return got
            self.raw += data
            got = True

    def text(self):
        return strip(self.raw)

    def send(self, keys):
        self.pump(0)
        self.mark = len(self.text())
        os.write(self.master, keys)

    def expect(self, pattern, timeout=10):
        """Waits until pattern appears after the last mark; returns the text from the mark."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M | re.S)
        while True:
            t = self.text()[self.mark:]
            if rx.search(t):
                return True, t
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.pump(0.2)
                t = self.text()[self.mark:]
                return bool(rx.search(t)), t
            self.pump(0.2)

    def quiet(self, settle=0.5, timeout=5):
        """Reads until nothing came for settle seconds; returns the text since the mark."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.pump(settle):
                break
        return self.text()[self.mark:]

    def close(self):
        try:
            os.close(self.master)
        except OSError:
            pass


def tail(t, n=1200):
    return t if len(t) <= n else '[...]' + t[-n:]


def prompt_back(t):
    """The output ends with a fresh prompt (nothing typed after it)."""
    return t.rstrip(' ').endswith(PROMPT.rstrip(' '))


def body(checks, net, args):
    cfg1 = os.path.join(args.configs, 'site1.yaml')
    n = hsnet.two_sites(net)
    prefix = '%s-site1' % net.base
    hsnet.dpdk_files_remove(prefix)
    cmd = [args.dataplane, '-l', '0,1', '--no-pci', '--file-prefix', prefix,
           '-m', str(hsnet.DP_MEM_MB), '--', '--config', cfg1, '-i']
    term = Pty(net, cmd, n['s1'])
    term.mark = 0
    try:
        run(checks, term)
    finally:
        if term.proc.poll() is None:
            term.proc.send_signal(signal.SIGTERM)
            try:
                term.proc.wait(20)
            except subprocess.TimeoutExpired:
                term.proc.kill()
                term.proc.wait(5)
        term.close()
        hsnet.dpdk_files_remove(prefix)


def run(checks, term):
    ok, t = term.expect(r'running.*' + re.escape(PROMPT) + r'$', timeout=60)
    if not checks.check(ok, 'the "hubsec> " prompt appears after start', tail(t)):
        raise hsnet.Abort('no prompt')

    # TAB completion and the lists of choices.
    term.send(b'sh\t')
    t = term.quiet()
    checks.check(t.endswith('show '), 'TAB after "sh" completes to "show "', repr(t[-200:]))
    term.send(b'\t\t')
    t = term.quiet()
    words = set(re.findall(r'^ (\S+) \[', t, re.M))
    checks.check({'crypto', 'access-list', 'port', 'interfaces', 'drops',
                  'running-config'} <= words and t.endswith(PROMPT + 'show '),
                 'TAB TAB after "show " lists the choices (%s) and keeps the line' %
                 ' '.join(sorted(words)), tail(t))
    term.send(b'crypto ?')
    t = term.quiet()
    words = set(re.findall(r'^ (\S+) \[', t, re.M))
    checks.check({'ipsec', 'isakmp', 'session', 'map'} == words and
                 'IPsec SAs per crypto-map entry' in t and 'IKEv1 and IKEv2 SAs' in t and
                 t.rstrip().endswith(PROMPT + 'show crypto'),
                 "'?' after \"show crypto \" shows the next words with their help (%s)" %
                 ' '.join(sorted(words)), tail(t))
    term.send(CTRL_A + CTRL_K)
    term.quiet(0.3)

    # Commands, full and abbreviated.
    term.send(b'show crypto ipsec sa\r')
    ok, t = term.expect(r'outbound esp sas:.*outbound esp sas:.*' + re.escape(PROMPT) + '$')
    miss = [p for p in (r'^interface: outside$',
                        r'^    Crypto map tag: outside_map, seq num: 1, local addr: 10\.255\.1\.2$',
                        r'^      access-list s2svpn_to_site2 extended permit ip 192\.168\.100\.0 ',
                        r'^      current_peer: 10\.255\.2\.2$',
                        r'^      #pkts encaps: 0, #pkts encrypt: 0, #pkts digest: 0$',
                        r'^    inbound esp sas:$', r'^      spi: 0x00002001 \(8193\)$',
                        r'^      spi: 0x00001002 \(4098\)$',
                        r'^         transform: esp-aes-256 esp-sha256-hmac no compression$')
            if not re.search(p, t, re.M)]
    checks.check(ok and not miss, '"show crypto ipsec sa" prints the Cisco block of both lines',
                 'missing %s:\n%s' % (miss, tail(t)))
    term.send(b'sh cry isakmp sa\r')
    ok, t = term.expect(r'There are no IKEv2 SAs.*not running.*' + re.escape(PROMPT) + '$')
    checks.check(ok and 'There are no IKEv1 SAs' in t,
                 '"sh cry isakmp sa" (abbreviated): no IKE SAs, hubsec-control not running',
                 tail(t))
    term.send(b'show access-list s2svpn_to_site2\r')
    ok, t = term.expect(r'line 2 extended permit ip .*\(hitcnt=0\).*' + re.escape(PROMPT) + '$')
    checks.check(ok, '"show access-list s2svpn_to_site2" (a name from the config)', tail(t))
    term.send(b'show port stats outside\r')
    ok, t = term.expect(r'NIC statistics for port 1 .*' + re.escape(PROMPT) + '$')
    checks.check(ok and 'Ambiguous' not in t, '"show port stats outside"', tail(t))
    term.send(b'show port stats all\r')
    ok, t = term.expect(r'(NIC statistics for port 1 |Ambiguous command).*' +
                        re.escape(PROMPT) + '$')
    # <PORT> completes from the port ids and names, so "all" is not a second match.
    checks.check(ok and 'port 0 ' in t and 'Ambiguous' not in t, '"show port stats all"',
                 tail(t))

    # A bogus line: the usage, the prompt again, the process alive.
    term.send(b'bogusword\r')
    ok, t = term.expect(r'Invalid command: "bogusword".*' + re.escape(PROMPT) + '$')
    checks.check(ok and 'Type "help" for the list of commands.' in t and
                 term.proc.poll() is None,
                 'a bogus line prints the usage; the prompt comes back, the process runs',
                 tail(t))
    term.send(b'show crypto bogus\r')
    ok, t = term.expect(r'Usage:.*show crypto ipsec sa \[json\].*' + re.escape(PROMPT) + '$')
    checks.check(ok and term.proc.poll() is None,
                 '"show crypto bogus" prints the usage of the show crypto commands', tail(t))

    # History: up-arrow recalls the last command, Enter runs it.
    term.send(b'sh cry isakmp sa\r')
    term.expect(r'There are no IKEv2 SAs.*' + re.escape(PROMPT) + '$')
    term.send(UP)
    t = term.quiet()
    checks.check(t.rstrip().endswith(PROMPT + 'sh cry isakmp sa'),
                 'up-arrow recalls the last command ("sh cry isakmp sa")', repr(t[-200:]))
    term.send(b'\r')
    ok, t = term.expect(r'There are no IKEv2 SAs.*' + re.escape(PROMPT) + '$')
    checks.check(ok, 'Enter runs the recalled command', tail(t))
    term.send(UP + UP)
    t = term.quiet()
    checks.check(t.rstrip().endswith(PROMPT + 'show crypto bogus') or
                 t.rstrip().endswith(PROMPT + 'sh cry isakmp sa'),
                 'up-arrow twice goes further back in the history', repr(t[-200:]))
    term.send(CTRL_A + CTRL_K)
    term.quiet(0.3)

    # JSON at the prompt.
    term.send(b'show crypto map json\r')
    ok, t = term.expect(r'^\{.*\}\n' + re.escape(PROMPT) + '$')
    doc = None
    for line in t.splitlines():
        if line.startswith('{'):
            try:
                doc = json.loads(line)
            except ValueError:
                pass
    checks.check(ok and doc is not None and doc['crypto_maps'][0]['name'] == 'outside_map' and
                 doc['crypto_maps'][0]['entries'][0]['peers'] == ['10.255.2.2'],
                 '"show crypto map json" prints JSON that parses (outside_map, peer 10.255.2.2)',
                 tail(t))

    # quit stops the box.
    term.send(b'quit\r')
    t0 = time.monotonic()
    rc = None
    while time.monotonic() - t0 < 10:
        term.pump(0.2)
        rc = term.proc.poll()
        if rc is not None:
            break
    took = time.monotonic() - t0
    checks.check(rc == 0 and took < 5, '"quit" ends hubsec-dataplane with exit status 0 '
                 '(%.1f s)' % took, 'exit status %s after %.1f s:\n%s' % (
                     rc, took, tail(term.text()[term.mark:])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    hsnet.common_args(ap)
    args = ap.parse_args()
    return hsnet.main_wrapper('prompt', body, args)


if __name__ == '__main__':
    sys.exit(main())
