# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the integration tests: prerequisites, network namespaces, the two
dataplanes (hubsec-dataplane as DPDK primaries inside namespaces), their
telemetry, hubsec-sactl, ping, packet capture, and the SA table of a config
file (keys included, for scapy and tshark).

The network of seed 003 (Cisco's two-site lab), one set per test, with names
unique to the test process (hsit<pid>-...):

    YELLOW 192.168.100.10 --+                                  +-- PURPLE 172.16.10.11
    BLUE   192.168.200.10 --+ lan (bridge) -- s1-in [site1] s1-out ==== s2-out [site2] s2-in
                                              ns s1                    ns s2

Each site's dataplane runs in its own namespace (ns s1, ns s2) on af_packet
ports over the veths named in the config (s1-in, s1-out, s2-in, s2-out).
Everything is removed when the test ends, also on failure or SIGTERM.
"""

import contextlib
import ctypes
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'interop'))

import interop_common as ic  # noqa: E402  (no scapy inside: safe before the checks)

SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
HOST_MTU = 1400          # inner packets + ESP overhead stay within the ports' MTU 1500
DP_MEM_MB = 256          # hugepage memory per dataplane (-m)
SITE_MACS = {'site1-in': '02:00:00:01:00:01', 'site1-out': '02:00:00:01:00:02',
             'site2-in': '02:00:00:02:00:01', 'site2-out': '02:00:00:02:00:02'}
HOSTS4 = {'yellow': ('192.168.100.10/24', '192.168.100.1'),
          'blue': ('192.168.200.10/24', '192.168.200.1'),
          'purple': ('172.16.10.11/24', '172.16.10.1')}
HOSTS6 = {'yellow': ('2001:db8:100::10/64', '2001:db8:100::1'),
          'blue': ('2001:db8:200::10/64', '2001:db8:200::1'),
          'purple': ('2001:db8:10::11/64', '2001:db8:10::1')}

# Command -> Debian package, for the message when it is missing.
TOOLS = {'ip': 'iproute2', 'ping': 'iputils-ping', 'ethtool': 'ethtool',
         'tcpdump': 'tcpdump', 'tshark': 'tshark', 'sysctl': 'procps'}
MODULES = {'scapy': 'python3-scapy', 'yaml': 'python3-yaml',
           'cryptography': 'python3-cryptography'}


# ---------------------------------------------------------------------------
# results


class Checks:
    """PASS/FAIL lines, a summary, and the exit status."""

    def __init__(self, name):
        self.name = name
        self.failed = []
        self.passed = 0
        self.xfailed = []
        self.t0 = time.monotonic()

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
            print('PASS %s' % what, flush=True)
        else:
            self.failed.append(what)
            print('FAIL %s' % what + (': %s' % detail if detail else ''), flush=True)
        return ok

    def xfail(self, what, detail=''):
        """A known gap (a feature not built yet): reported, not a failure."""
        self.xfailed.append(what)
        print('XFAIL %s' % what + (': %s' % detail if detail else ''), flush=True)

    def info(self, text):
        print('     %s' % text, flush=True)

    def fatal(self, what, detail=''):
        """A failure after which the rest cannot run."""
        self.check(False, what, detail)
        raise Abort(what)

    def finish(self):
        took = time.monotonic() - self.t0
        if self.failed:
            print('%s: %d passed, %d FAILED (%s) in %.1f s' % (
                self.name, self.passed, len(self.failed), '; '.join(self.failed), took))
            return 1
        if self.passed == 0:
            print('%s: FAIL no check ran' % self.name)
            return 1
        print('%s: all %d checks passed%s in %.1f s' % (
            self.name, self.passed,
            ' (%d XFAIL: %s)' % (len(self.xfailed), '; '.join(self.xfailed)) if self.xfailed
            else '', took))
        return 0


class Abort(Exception):
    pass


def prerequisites(checks, tools=('ip', 'ping', 'ethtool', 'sysctl'), modules=(),
                  executables=()):
    """Fails (never skips) with the Debian package to install."""
    os.environ['PATH'] = SBIN_PATH + ':' + os.environ.get('PATH', '')
    missing = []
    if os.geteuid() != 0:
        missing.append('root (network namespaces and DPDK): run as root')
    for t in tools:
        if shutil.which(t) is None:
            missing.append('%s not found: apt-get install %s' % (t, TOOLS[t]))
    for m in modules:
        try:
            __import__(m)
        except ImportError:
            missing.append('python module %s not importable by %s: apt-get install %s' % (
                m, sys.executable, MODULES[m]))
    for e in executables:
        if not e or not os.access(e, os.X_OK):
            missing.append('%s not built (ninja -C BUILD)' % e)
    free = hugepages_free()
    if free is not None and free * 2 < 2 * DP_MEM_MB:
        missing.append('only %d free 2 MiB hugepages, %d needed: run scripts/setup.sh '
                       '(or stop other DPDK programs)' % (free, DP_MEM_MB))
    for m in missing:
        checks.check(False, 'setup', m)
    if missing:
        raise Abort('prerequisites')


def hugepages_free():
    try:
        with open('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') as f:
            return int(f.read())
    except OSError:
        return None


# ---------------------------------------------------------------------------
# processes and namespaces


def run(cmd, check=True, timeout=60, ns=None):
    """Runs a command (in namespace ns); returns CompletedProcess (text)."""
    if ns is not None:
        cmd = ['ip', 'netns', 'exec', ns] + list(cmd)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), r.returncode,
                                                 r.stdout.strip()[-800:]))
    return r


_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def netns(name):
    """This thread inside namespace name (sockets opened here stay in it)."""
    here = os.open('/proc/self/ns/net', os.O_RDONLY)
    there = os.open('/var/run/netns/%s' % name, os.O_RDONLY)
    try:
        if _libc.setns(there, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns %s' % name)
        yield
    finally:
        _libc.setns(here, _CLONE_NEWNET)
        os.close(here)
        os.close(there)


class Net:
    """Namespaces, processes and files of one test; all removed by cleanup()."""

    def __init__(self, tag):
        self.tag = tag
        self.base = 'hsit%d' % os.getpid()
        self.namespaces = []
        self.procs = []          # Popen objects we started
        self.tmp = tempfile.mkdtemp(prefix='hsit-%s-' % tag)
        self.dataplanes = []
        self.controls = []       # Control objects running (stopped before the dataplanes)
        self._old = {}
        remove_stale()
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old[s] = signal.signal(s, self._on_signal)

    def _on_signal(self, sig, frame):
        print('interrupted by signal %d: cleaning up' % sig, flush=True)
        self.cleanup()
        os._exit(128 + sig)

    def ns(self, role):
        name = '%s-%s' % (self.base, role)
        if name not in self.namespaces:
            run(['ip', 'netns', 'add', name])
            self.namespaces.append(name)
            run(['ip', 'link', 'set', 'lo', 'up'], ns=name)
        return name

    def veth(self, ns1, if1, ns2, if2, mtu=1500):
        run(['ip', 'link', 'add', if1, 'netns', ns1, 'mtu', str(mtu), 'type', 'veth',
             'peer', 'name', if2, 'netns', ns2, 'mtu', str(mtu)])
        for ns, ifn in ((ns1, if1), (ns2, if2)):
            no_offloads(ns, ifn)

    def popen(self, cmd, ns=None, **kw):
        if ns is not None:
            cmd = ['ip', 'netns', 'exec', ns] + list(cmd)
        p = subprocess.Popen(cmd, **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        for ctl in list(self.controls):
            try:
                ctl.stop()
            except Exception as e:  # keep cleaning
                print('cleanup: %s' % e)
        for dp in list(self.dataplanes):
            try:
                dp.stop(quiet=True)
            except Exception as e:  # keep cleaning
                print('cleanup: %s' % e)
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.terminate()
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
                except OSError:
                    pass
        for name in reversed(self.namespaces):
            subprocess.run(['ip', 'netns', 'del', name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.namespaces = []
        if os.environ.get('HSIT_KEEP_TMP'):
            print('kept %s' % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old = {}


def remove_stale():
    """Namespaces and DPDK files left by a test process that no longer exists."""
    names = set()
    for path in glob.glob('/var/run/netns/hsit*') + glob.glob('/var/run/dpdk/hsit*'):
        names.add(os.path.basename(path))
    for name in names:
        m = re.match(r'hsit(\d+)-', name)
        if not m or os.path.exists('/proc/%s' % m.group(1)):
            continue
        if os.path.exists('/var/run/netns/%s' % name):
            subprocess.run(['ip', 'netns', 'del', name], stderr=subprocess.DEVNULL)
        dpdk_files_remove(name)


def dpdk_files_remove(prefix):
    shutil.rmtree('/var/run/dpdk/%s' % prefix, ignore_errors=True)
    for f in glob.glob('/dev/hugepages/%smap_*' % prefix):
        try:
            os.unlink(f)
        except OSError:
            pass


def no_offloads(ns, ifname):
    """af_packet would see partial checksums and GSO super-frames otherwise."""
    run(['ethtool', '-K', ifname, 'tx', 'off', 'rx', 'off', 'tso', 'off', 'gso', 'off',
         'gro', 'off'], ns=ns, check=False)


def sysctl(ns, key, value):
    run(['sysctl', '-q', '-w', '%s=%s' % (key, value)], ns=ns, check=False)


# ---------------------------------------------------------------------------
# the two-site network


def host(net, ns, ifname, name, v6):
    addr, gw = HOSTS4[name]
    sysctl(ns, 'net.ipv6.conf.%s.accept_dad' % ifname, 0)
    run(['ip', 'link', 'set', ifname, 'up'], ns=ns)
    run(['ip', 'addr', 'add', addr, 'dev', ifname], ns=ns)
    run(['ip', 'route', 'add', 'default', 'via', gw], ns=ns)
    if v6:
        addr6, gw6 = HOSTS6[name]
        run(['ip', '-6', 'addr', 'add', addr6, 'dev', ifname, 'nodad'], ns=ns)
        run(['ip', '-6', 'route', 'add', 'default', 'via', gw6], ns=ns)


def two_sites(net, v6=False):
    """Builds the seed 003 network; returns {role: namespace}."""
    n = {r: net.ns(r) for r in ('s1', 's2', 'lan', 'yellow', 'blue', 'purple')}
    # Site 1 inside: one L2 segment (a bridge in ns lan) with YELLOW and BLUE.
    run(['ip', 'link', 'add', 'br0', 'type', 'bridge'], ns=n['lan'])
    net.veth(n['s1'], 's1-in', n['lan'], 'l-dp')
    net.veth(n['yellow'], 'eth0', n['lan'], 'l-yellow', mtu=HOST_MTU)
    net.veth(n['blue'], 'eth0', n['lan'], 'l-blue', mtu=HOST_MTU)
    sysctl(n['lan'], 'net.ipv6.conf.all.disable_ipv6', 1)
    # With br_netfilter loaded (Docker hosts) a bridge checks IP headers and
    # drops what looks broken: a switch does not.
    for proto in ('iptables', 'ip6tables', 'arptables'):
        sysctl(n['lan'], 'net.bridge.bridge-nf-call-%s' % proto, 0)
    for p in ('l-dp', 'l-yellow', 'l-blue'):
        run(['ip', 'link', 'set', p, 'master', 'br0', 'up'], ns=n['lan'])
    run(['ip', 'link', 'set', 'br0', 'up'], ns=n['lan'])
    # WAN: the two outside ports back to back (10.255.0.0/16).
    net.veth(n['s1'], 's1-out', n['s2'], 's2-out')
    # Site 2 inside: PURPLE.
    net.veth(n['s2'], 's2-in', n['purple'], 'eth0', mtu=HOST_MTU)
    # The dataplanes own their veths: the kernel there has no address and stays quiet.
    for site, ifs in (('s1', ('s1-in', 's1-out')), ('s2', ('s2-in', 's2-out'))):
        for ifn in ifs:
            sysctl(n[site], 'net.ipv6.conf.%s.disable_ipv6' % ifn, 1)
            run(['ip', 'link', 'set', ifn, 'up'], ns=n[site])
    for h in ('yellow', 'blue', 'purple'):
        host(net, n[h], 'eth0', h, v6)
    return n


# ---------------------------------------------------------------------------
# dataplane, telemetry, sactl


def telemetry(prefix, cmd, timeout=5):
    """One DPDK telemetry command (socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2)."""
    path = '/var/run/dpdk/%s/dpdk_telemetry.v2' % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        info = json.loads(s.recv(16384).decode())
        s.send(cmd.encode())
        reply = json.loads(s.recv(int(info.get('max_output_len', 16384))).decode())
    finally:
        s.close()
    return reply.get(cmd.split(',')[0])


class Dataplane:
    def __init__(self, net, exe, ns, name, config, extra=()):
        self.net, self.exe, self.ns, self.name = net, exe, ns, name
        self.config = config
        self.prefix = '%s-%s' % (net.base, name)
        self.extra = list(extra)
        self.log_path = os.path.join(net.tmp, '%s.log' % name)
        self.proc = None
        self.output = ''

    def start(self, timeout=60):
        dpdk_files_remove(self.prefix)
        cmd = [self.exe, '-l', '0,1', '--no-pci', '--file-prefix', self.prefix,
               '-m', str(DP_MEM_MB), '--', '--config', self.config, '--stats-on-exit'] + \
            self.extra
        self.log = open(self.log_path, 'w')
        self.proc = self.net.popen(cmd, ns=self.ns, stdout=self.log, stderr=subprocess.STDOUT)
        self.net.dataplanes.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited %d at start:\n%s' % (
                    self.name, self.proc.returncode, self.log_tail()))
            if 'running' in self.read_log():
                try:
                    if telemetry(self.prefix, '/hubsec/info') is not None:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise RuntimeError('%s not running after %d s:\n%s' % (self.name, timeout,
                                                                self.log_tail()))

    def read_log(self):
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def log_tail(self, n=25):
        return '\n'.join('    | ' + line for line in self.read_log().splitlines()[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, quiet=False):
        """SIGTERM; returns the exit status (its --stats-on-exit report is in the log)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(5)
                if not quiet:
                    print('%s did not stop on SIGTERM within 20 s: killed' % self.name)
        self.log.close()
        self.output = self.read_log()
        self.proc = None
        if self in self.net.dataplanes:
            self.net.dataplanes.remove(self)
        dpdk_files_remove(self.prefix)
        return rc

    def tel(self, cmd):
        return telemetry(self.prefix, cmd)

    def sa(self, direction, spi):
        """Counters of one SA, or None when it is not installed."""
        d = self.tel('/hubsec/sa,%s/0x%x' % (direction, spi))
        return None if d is None or 'error' in d else d

    def packets(self, direction, spi):
        d = self.sa(direction, spi)
        return None if d is None else d.get('packets')

    def sa_list(self):
        return self.tel('/hubsec/sa').get('sas', [])

    def drops(self):
        return self.tel('/hubsec/drops')

    def sactl(self, args, timeout=30, check=False):
        cmd = [self.net.sactl, '-l', '0', '--file-prefix', self.prefix, '--'] + list(args)
        return run(cmd, ns=self.ns, check=check, timeout=timeout)

    def sactl_bg(self, args, out_path):
        cmd = [self.net.sactl, '-l', '0', '--file-prefix', self.prefix, '--'] + list(args)
        f = open(out_path, 'w')
        return self.net.popen(cmd, ns=self.ns, stdout=f, stderr=subprocess.STDOUT)


class Control:
    """hubsec-control beside a Dataplane: a DPDK secondary process in the
    dataplane's namespace with its --file-prefix and config. Its command
    socket is hubsec-control.sock in the dataplane's EAL runtime directory."""

    def __init__(self, net, exe, dp, extra=(), log_level='debug', cli=None):
        self.net, self.exe, self.dp = net, exe, dp
        self.name = '%s-control' % dp.name
        self.extra = list(extra)
        self.log_level = log_level
        self.cli = cli
        self.log_path = os.path.join(net.tmp, '%s.log' % self.name)
        self.sock = '/var/run/dpdk/%s/hubsec-control.sock' % dp.prefix
        self.proc = None
        self.log = None
        self.starts = 0

    def start(self, extra=None, timeout=30):
        """Starts it (extra: options instead of the constructor's); waits for "running"."""
        if extra is not None:
            self.extra = list(extra)
        cmd = [self.exe, '-l', '0', '--file-prefix', self.dp.prefix, '--',
               '--config', self.dp.config, '--log-level', self.log_level] + self.extra
        # One log across restarts: each start is marked.
        self.log = open(self.log_path, 'a')
        self.log.write('==== start %d: %s\n' % (self.starts + 1, ' '.join(cmd)))
        self.log.flush()
        self._mark = os.path.getsize(self.log_path)
        self.starts += 1
        self.proc = self.net.popen(cmd, ns=self.dp.ns, stdout=self.log,
                                   stderr=subprocess.STDOUT)
        self.net.controls.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self._closed()
                raise RuntimeError('%s exited %d at start:\n%s' % (self.name, rc,
                                                                    self.log_tail()))
            if re.search(r'hubsec-control: \S+: running', self.this_log()) and \
                    os.path.exists(self.sock):
                return
            time.sleep(0.1)
        raise RuntimeError('%s not running after %d s:\n%s' % (self.name, timeout,
                                                                self.log_tail()))

    def read_log(self):
        """The whole log, every start."""
        try:
            with open(self.log_path, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def this_log(self):
        """The log of the latest start."""
        return self.read_log()[self._mark:] if self.starts else ''

    def log_tail(self, n=25):
        return '\n'.join('    | ' + line for line in self.this_log().splitlines()[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _closed(self):
        if self.log is not None:
            self.log.close()
            self.log = None
        self.proc = None
        if self in self.net.controls:
            self.net.controls.remove(self)

    def stop(self, timeout=10):
        """SIGTERM (clean: its IKE SAs dropped silently, the dataplane's SAs stay);
        returns the exit status, None when it was not running."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(5)
                print('%s did not stop on SIGTERM within %d s: killed' % (self.name, timeout))
        self._closed()
        return rc

    def kill(self, sig=signal.SIGKILL):
        """Killed without a chance to clean up (its socket file stays behind)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(10)
        self._closed()
        return rc

    def cmd(self, line, timeout=20):
        """(exit status, output) of one command on its socket, through hubsec-cli --socket
        (0 done, 1 failed, 2 usage, 3 not reachable)."""
        if self.cli is None:
            raise RuntimeError('Control.cmd needs cli (the hubsec-cli executable)')
        r = subprocess.run([self.cli, '--socket', self.sock] + line.split(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout)
        return r.returncode, r.stdout

    def json(self, line, timeout=20):
        """(exit status, parsed JSON or None, text) of LINE json."""
        rc, out = self.cmd(line + ' json', timeout)
        try:
            return rc, json.loads(out), out
        except ValueError:
            return rc, None, out


def nonzero(d):
    return {k: v for k, v in sorted(d.items()) if v}


def diff(after, before):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


# ---------------------------------------------------------------------------
# ping and capture

_PING_RE = re.compile(r'(\d+) packets transmitted, (\d+) received')


def ping(ns, dst, count=5, interval=0.2, wait=2, size=None, deadline=None):
    """Returns (sent, received, output)."""
    cmd = ['ping', '-n', '-c', str(count), '-i', str(interval), '-W', str(wait)]
    if ':' in dst:
        cmd.insert(1, '-6')
    if size is not None:
        cmd += ['-s', str(size)]
    if deadline is not None:
        cmd += ['-w', str(deadline)]
    r = run(cmd + [dst], ns=ns, check=False, timeout=count * interval + wait + 60)
    m = _PING_RE.search(r.stdout)
    if not m:
        return 0, 0, r.stdout
    return int(m.group(1)), int(m.group(2)), r.stdout


class Capture:
    """tcpdump in a namespace, to a pcap file."""

    def __init__(self, net, ns, ifname, bpf, name):
        self.path = os.path.join(net.tmp, name + '.pcap')
        err = os.path.join(net.tmp, name + '.tcpdump')
        self.errf = open(err, 'w+')
        self.proc = net.popen(['tcpdump', '-Z', 'root', '-U', '--immediate-mode', '-n',
                               '-i', ifname, '-w', self.path, bpf], ns=ns,
                              stdout=subprocess.DEVNULL, stderr=self.errf)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.errf.seek(0)
            if 'listening on' in self.errf.read():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.errf.seek(0)
        raise RuntimeError('tcpdump on %s did not start: %s' % (ifname, self.errf.read()))

    def stop(self):
        time.sleep(0.3)  # the last frames
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(10)
        return self.path


def raw_socket(ns, ifname):
    """An AF_PACKET socket bound to ifname in namespace ns, for sending frames."""
    with netns(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
    return s


def if_mac(ns, ifname):
    r = run(['cat', '/sys/class/net/%s/address' % ifname], ns=ns)
    return r.stdout.strip()


# ---------------------------------------------------------------------------
# SAs from a config file (keys included)

_XFORMS = {
    ('esp-aes-256', 'esp-sha256-hmac'): 'cbc256-sha256',
    ('esp-aes-128', 'esp-sha-hmac'): 'cbc128-sha1',
    ('esp-aes', 'esp-sha-hmac'): 'cbc128-sha1',
    ('esp-aes-128', 'esp-sha1-hmac'): 'cbc128-sha1',
    ('esp-gcm-128',): 'gcm128',
    ('esp-gcm',): 'gcm128',
    ('esp-gcm-256',): 'gcm256',
}


def _norm(name):
    return name.strip().lower().replace(' ', '-')


def _addr(prefix):
    return prefix.split('/')[0]


def _family(addr):
    return 6 if ':' in addr else 4


def _bool(v):
    return str(v).lower() in ('true', 'yes', 'on', '1')


def _listify(v):
    return v if isinstance(v, list) else [v]


class StaticSa:
    """One static SA pair of a config: .out and .inb are interop_common.EspSa."""

    def __init__(self, name, out, inb, local_net, remote_net):
        self.name, self.out, self.inb = name, out, inb
        self.local_net, self.remote_net = local_net, remote_net


def load_static_sas(path):
    """{name: StaticSa} from a hubsec YAML config (every scalar read as text)."""
    import yaml
    with open(path) as f:
        cfg = yaml.load(f, Loader=yaml.BaseLoader)
    ifaces = {i['name']: i for i in cfg.get('interfaces', [])}
    acls = cfg.get('access-lists', {})
    tsets = cfg.get('transform-sets', {})
    maps = cfg.get('crypto-maps', {})
    out = {}
    for s in cfg.get('static-sas', []):
        entry, iface = None, None
        if 'crypto-map' in s:
            cmap = maps[s['crypto-map']]
            iface = ifaces[cmap['interface']]
            entry = [e for e in cmap['entries'] if int(e['seq'], 0) == int(s['seq'], 0)][0]
        ts_name = s.get('transform-set') or _listify(entry['transform-sets'])[0]
        xf = ic.TRANSFORMS[_XFORMS[tuple(_norm(x) for x in tsets[ts_name]['esp'])]]
        peer = s.get('peer') or _listify(entry['peer'])[0]
        local = s.get('local-address')
        if local is None:
            key = 'ipv6' if _family(peer) == 6 else 'ipv4'
            local = _addr(_listify(iface[key])[0])
        lnet, rnet = s.get('local-subnet'), s.get('remote-subnet')
        if lnet is None:
            lines = acls[entry['match-address']]
            permits = [i for i, ln in enumerate(lines, 1) if ln['action'] == 'permit']
            line = lines[int(s.get('acl-line', permits[0] if len(permits) == 1 else 0)) - 1]
            lnet, rnet = line['source'], line['destination']
        natt = _bool(s.get('nat-t', 'false'))
        lport = int(s.get('nat-t-local-port', '4500'))
        rport = int(s.get('nat-t-remote-port', '4500'))
        esn = _bool(s.get('esn', entry.get('esn', 'false') if entry else 'false'))
        outer = _family(peer)

        def esp(d, src, dst, sport, dport):
            return ic.EspSa(spi=int(d['spi'], 0), xf=xf,
                            enc_key=bytes.fromhex(d['enc-key'].replace('0x', '')),
                            auth_key=bytes.fromhex(d.get('auth-key', '').replace('0x', '')),
                            src=src, dst=dst, outer=outer, natt=natt, sport=sport,
                            dport=dport, esn=esn)
        out[s['name']] = StaticSa(
            s['name'], esp(s['outbound'], local, peer, lport, rport),
            esp(s['inbound'], peer, local, rport, lport), lnet, rnet)
    return out


def common_args(ap):
    ap.add_argument('--dataplane', required=True, help='hubsec-dataplane executable')
    ap.add_argument('--sactl', required=True, help='hubsec-sactl executable')
    ap.add_argument('--configs', default=os.path.join(HERE, '..', '..', 'scripts', 'configs'),
                    help='directory of the config files')


def main_wrapper(name, body, args, tools=('ip', 'ping', 'ethtool', 'sysctl'),
                 modules=('yaml',)):
    """Runs body(checks, net, args) with prerequisites and cleanup; returns the exit status."""
    print('== %s' % name, flush=True)
    # Commands run inside namespaces with this directory: absolute paths only.
    args.dataplane, args.sactl = os.path.abspath(args.dataplane), os.path.abspath(args.sactl)
    args.configs = os.path.abspath(args.configs)
    checks = Checks(name)
    net = None
    try:
        prerequisites(checks, tools, modules, (args.dataplane, args.sactl))
        net = Net(name)
        net.sactl = args.sactl
        body(checks, net, args)
    except Abort:
        pass
    except Exception as e:  # a broken step is a failure, with what it said
        import traceback
        traceback.print_exc()
        checks.check(False, 'no unexpected error', '%s: %s' % (type(e).__name__, e))
    finally:
        if net is not None:
            for ctl in list(net.controls):
                rc = ctl.stop()
                checks.check(rc == 0, '%s exits cleanly on SIGTERM' % ctl.name,
                             'exit status %s' % rc)
            for dp in list(net.dataplanes):
                rc = dp.stop()
                checks.check(rc == 0, '%s exits cleanly on SIGTERM' % dp.name,
                             'exit status %s' % rc)
            net.cleanup()
    return checks.finish()
