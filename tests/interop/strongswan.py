"""
Real strongSwan peers (charon 5.9.8, driven with swanctl over vici) inside
network namespaces, for hubsec's IKEv2 interop tests.

    with Netns('hsw-%d-' % os.getpid()) as net:
        gw = net.add('gA')                      # ... addresses, veths
        with Charon(gw, name='gwA') as charon:
            charon.load(psk_conf('site', local_addrs='192.0.2.1',
                                 remote_addrs='192.0.2.2',
                                 local_ts='10.1.0.0/24',
                                 remote_ts='10.2.0.0/24', psk='secret'))
            charon.initiate(child='site', ike='site')
            sas = charon.list_sas()

API
    Charon(netns, name='charon', log_levels=None, plugins=PLUGINS,
           extra_charon_lines=(), start_timeout=10.0)     context manager
        .start() / .stop()        (__enter__ / __exit__)
        .load(conf_text, creds=None) -> str   swanctl --load-all --file <written
                                  conf>, after copying creds ({'x509': [PEM...],
                                  'x509ca': [...], 'private': [KEY...]}) into
                                  the credential directories
        .initiate(child=None, ike=None, timeout=30) -> str
        .terminate(ike=None, child=None, ike_id=None, child_id=None,
                   force=False, timeout=10) -> str
        .rekey(child=None, ike=None, child_id=None, ike_id=None,
               reauth=False) -> str                       (asynchronous)
        .list_sas(ike=None) -> [dict]      see parse_list_sas()
        .list_conns() -> [str]
        .wait_for(predicate, timeout=10.0, interval=0.1, what=...)
        .wait_ike(ike, state='ESTABLISHED', exclude_spis=(), timeout=10.0)
        .wait_child(child, exclude_spis=(), timeout=10.0, alone=True)
        .swanctl(*args, timeout=30, check=True) -> CompletedProcess
        .log_text() -> str, .output_tail(lines=30) -> str
        .pid, .running, .workdir, .uri, .vici_socket, .log_path, .conf_path
    PskConnection(name, local_addrs, remote_addrs, local_ts, remote_ts, psk,
                  ike_proposals='aes256-sha256-modp2048',
                  esp_proposals='aes256-sha256-modp2048', start_action='none',
                  dpd_delay=None, dpd_action=None, rekey_time=None,
                  ike_rekey_time=None, life_time=None, encap=False,
                  local_id=None, remote_id=None, version=2, mode='tunnel',
                  mobike=None, close_action=None, extra_lines=())
    PubkeyConnection(..., certs=, cacerts=None)   the same with
                  certificates (auth = pubkey), no psk; local_id None is the
                  certificate's subject DN, remote_id None is %any
    swanctl_conf(*connections) -> str;  psk_conf(name, **kwargs) -> str;
    pubkey_conf(name, **kwargs) -> str
    strongswan_conf(vici_socket, log_path, log_levels=None, plugins=PLUGINS,
                    extra_charon_lines=()) -> str
    parse_list_sas(text) -> [dict];  parse_pretty(text) -> [(name, dict)]
    child_sas(sas, name=None, live=False) -> [dict]
    Netns(prefix=None): .add(short) -> name, .veth(ns_a, dev_a, addr_a, ns_b,
          dev_b, addr_b), .run(ns, *cmd), .sysctl(ns, key, value), .cleanup()
    capture(ns, dev, path, filter_expr='')   tcpdump while a block runs
    missing_prerequisites() -> [str];  CharonError

How a Charon runs
    ip netns exec NS unshare --mount --propagation private -- \
        /bin/sh -c 'mount --bind "$HSW_RUN" /run && exec "$0"' /usr/lib/ipsec/charon

so it is in the caller's network namespace and in a mount namespace of its
own. charon's pid file (/var/run/charon.pid; /var/run -> /run) is compiled
in, and a second charon seeing it refuses to start; the private bind mount
gives each charon its own /run (WORKDIR/run from outside). The mount exists
only in charon's mount namespace and disappears with it when charon exits:
nothing is ever mounted in the caller's namespace, nothing to unmount.
Everything else is in WORKDIR (a mkdtemp /tmp/hsw-charon-NAME-*, removed by
stop(), also after a failed start): strongswan.conf (STRONGSWAN_CONF, for
charon and swanctl), the vici socket charon.vici (swanctl --uri
unix://WORKDIR/charon.vici), the filelog charon.log, charon's stdout/stderr
charon.out, the swanctl.conf files load() writes, and the credential
directories (SWANCTL_DIR: x509/, x509ca/, private/...), empty until load()
copies its creds there. syslog is off. The Popen pid is charon itself
(ip, unshare and sh all exec), so stop() signals it directly (SIGTERM, then
SIGKILL after 5 s); charon removes its TUN device on exit, and deleting the
namespace would remove it anyway.

Plugins are an explicit list (charon.load, so the per-plugin `load = no` of
/etc/strongswan.d is never read): kernel-libipsec comes before
kernel-netlink, so libipsec provides the IPsec half of the kernel interface
(SAs, policies) and kernel-netlink the networking half (addresses, routes,
the `ip rule` for table 220).

Gotchas (strongSwan 5.9.8, verified by test_strongswan_harness.py on a
veth between two namespaces, no NAT anywhere)
 * ESP is userspace (libipsec): the kernels here have XFRM but no ESP.
   libipsec only does ESP in UDP (RFC 3948) on charon's NAT-T socket (4500)
   and has no raw ESP socket (5.9.8 has no option for plain ESP; the only
   kernel-libipsec option is allow_peer_ts): no IP protocol 50 packet is
   ever sent, and plain ESP sent to it reaches nobody (no ESP in the
   kernel). Every CHILD_SA shows encap=yes, with or without `encap = yes`
   in the connection.
 * To get encapsulation without a NAT, a libipsec charon always fakes NAT
   detection, in the IKE_SA_INIT request and the response alike:
   NAT_DETECTION_SOURCE_IP carries 20 random bytes instead of
   SHA1(SPIi | SPIr | source IP | source port) (SPIr zero in the request);
   NAT_DETECTION_DESTINATION_IP is the real hash. `encap = yes` makes no
   difference on the wire (it makes a charon without libipsec fake the same
   way). So the peer's check of the source hash fails and it concludes
   "remote host is behind NAT".
 * What the libipsec charon itself concludes depends on the peer:
   - peer sends real hashes (what hubsec will do; tested with a charon
     without kernel-libipsec): log "faking NAT situation to enforce UDP
     encapsulation" (ike level 1), list_sas() nat-fake=yes nat-any=yes (no
     nat-local, no nat-remote). It still floats to 4500 and encapsulates.
     It sends no NAT-T keepalives (those are only sent when nat-local).
   - peer is another libipsec charon (fakes too): each logs only "remote
     host is behind NAT", list_sas() nat-remote=yes nat-any=yes on both.
   What hubsec must do against it: believe the mismatching source hash (peer
   behind NAT), switch to 4500 if it is the initiator, send ESP in UDP 4500
   (also when it sees no NAT itself and as the responder), accept ESP in UDP
   on 4500 from a peer whose NAT was only faked, and not expect keepalives
   from strongSwan (nor rely on them to keep a mapping).
 * Ports: IKE_SA_INIT goes 500 -> 500; IKE_AUTH and everything after it
   (CREATE_CHILD_SA, INFORMATIONAL) 4500 -> 4500 with the 4-byte zero non-ESP
   marker; ESP in UDP 4500 -> 4500 both ways. The initiator floats; a
   responder answers on the port it was asked on.
 * A libipsec gateway must own an address inside its local traffic selector
   (e.g. 10.1.0.1 for local_ts 10.1.0.0/24). libipsec routes the remote
   traffic selector into its TUN device (ipsec0, per namespace) with that
   address as `src`, in table 220 (rule `220: from all lookup 220`,
   installed by kernel-netlink); without such an address it logs "no local
   address found in traffic selector", "unable to install IPsec policies
   (SPD) in kernel" and the CHILD_SA fails (the responder answers
   TS_UNACCEPTABLE). libipsec installs this route even with
   charon.install_routes = no.
 * Traffic gets into the tunnel only by being routed to ipsecN, and
   decrypted packets come out of ipsecN: a gateway forwarding for hosts
   behind it needs net.ipv4.ip_forward=1 (and rp_filter off or loose).
   kernel-libipsec.allow_peer_ts = no (default) refuses a remote traffic
   selector that covers the peer's own address (the TUN route would swallow
   IKE).
 * The first CHILD_SA (in IKE_AUTH) has no DH group even when the ESP
   proposal names one (esp 'aes256-sha256-modp2048' shows dh-group unset);
   a CHILD_SA rekey uses it (PFS, dh-group MODP_2048).
 * MOBIKE is on by default between two charons: IKE_AUTH carries
   MOBIKE_SUPPORTED and ADDITIONAL_IP4_ADDRESS (the gateway's inside
   address), and link/route changes (the TUN device, the routes) make charon
   send INFORMATIONAL address updates. Only when the peer also sent
   MOBIKE_SUPPORTED; PskConnection(mobike=False) turns it off.
 * A rekeyed CHILD_SA lingers in state DELETED for
   charon.delete_rekeyed_delay (5 s), to decrypt late inbound packets;
   list_sas() shows it next to the new one. wait_child() and
   child_sas(live=True) ignore it (GONE_STATES).
 * swanctl --load-all exits 0 when it cannot parse the file ("invalid
   config file", nothing loaded); load() checks the output. swanctl.conf
   needs a newline before each `}`: `a { b = c }` on one line is a syntax
   error.
 * swanctl --list-sas --raw does not quote values (an ID with spaces is
   ambiguous); --pretty prints one `key = value` a line and is what
   list_sas() parses.
 * The harness' strongswan.conf shortens retransmissions (3 retransmits,
   timeouts 1, 1.4, 2, 2.7 s) so that an exchange with a peer that does not
   answer fails after ~7 s instead of ~165 s.
"""

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

CHARON = '/usr/lib/ipsec/charon'
SWANCTL = '/usr/sbin/swanctl'

# In the order charon.load wants them: kernel-libipsec before kernel-netlink.
PLUGINS = ('random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints '
           'pubkey curve25519 hmac gcm aes sha1 sha2 kdf kernel-libipsec '
           'kernel-netlink socket-default updown vici').split()
PLUGIN_DIR = '/usr/lib/ipsec/plugins'

# The credential directories `swanctl --load-all` reads under SWANCTL_DIR (the
# work dir); created empty so that it does not complain about each one.
SWANCTL_SUBDIRS = ('x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private '
                   'rsa ecdsa bliss pkcs8 pkcs12').split()

# CHILD_SA states that no longer carry traffic out (a rekeyed SA waits in
# DELETED for charon.delete_rekeyed_delay before it is destroyed).
GONE_STATES = ('DELETED', 'DESTROYING')

# filelog levels per subsystem; 'default' applies to the rest.
DEFAULT_LOG_LEVELS = {'default': 1, 'ike': 2, 'cfg': 2, 'knl': 2, 'net': 1,
                      'esp': 1, 'chd': 2, 'enc': 1}


class CharonError(RuntimeError):
    """charon did not start or a swanctl command failed."""


def missing_prerequisites():
    """What this module needs that is not installed, as 'what (package)'."""
    missing = []
    if not os.access(CHARON, os.X_OK):
        missing.append(CHARON + ' (strongswan-charon)')
    if not os.access(SWANCTL, os.X_OK):
        missing.append(SWANCTL + ' (strongswan-swanctl)')
    for plugin in PLUGINS:
        path = os.path.join(PLUGIN_DIR, 'libstrongswan-%s.so' % plugin)
        if not os.path.exists(path):
            missing.append(path + ' (libstrongswan-extra-plugins, '
                           'libcharon-extra-plugins)')
    for tool in ('ip', 'unshare', 'mount'):
        if not shutil.which(tool):
            missing.append(tool + ' (iproute2, util-linux, mount)')
    if not os.path.exists('/dev/net/tun'):
        missing.append('/dev/net/tun (kernel-libipsec needs TUN)')
    return missing


# --------------------------------------------------------------------------
# strongswan.conf / swanctl.conf text

def _quote(value):
    """A swanctl.conf/strongswan.conf value, quoted when it needs to be."""
    value = str(value)
    if value and re.fullmatch(r'[A-Za-z0-9_.,:/@%+*=\-\[\]]+', value):
        return value
    return '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')


def _csv(values):
    """A list setting: 'a,b' from a string or an iterable of strings."""
    if isinstance(values, str):
        return values
    return ','.join(str(v) for v in values)


def _section(name, body_lines):
    """The lines of a `name { ... }` block around body_lines, indented."""
    return (['%s {' % name] + ['    ' + line if line else '' for line in body_lines] +
            ['}'])


def strongswan_conf(vici_socket, log_path, log_levels=None, plugins=PLUGINS,
                    extra_charon_lines=()):
    """The strongswan.conf text of one harness charon: the plugin list,
    filelog to log_path (DEFAULT_LOG_LEVELS updated with log_levels), no
    syslog, vici on unix://vici_socket, short retransmissions; then
    extra_charon_lines (e.g. 'keep_alive = 1s') inside the charon section."""
    levels = dict(DEFAULT_LOG_LEVELS)
    levels.update(log_levels or {})
    filelog = ['path = %s' % _quote(log_path), 'time_format = "%H:%M:%S"',
               'ike_name = yes', 'append = no', 'flush_line = yes']
    filelog += ['%s = %d' % (k, v) for k, v in levels.items()]
    plugin_lines = (_section('vici', ['socket = unix://%s' % vici_socket]) +
                    _section('kernel-libipsec', ['allow_peer_ts = no']))
    charon = (['load = %s' % ' '.join(plugins),
               'install_routes = yes',
               'retransmit_tries = 3',
               'retransmit_timeout = 1.0',
               'retransmit_base = 1.4'] +
              list(extra_charon_lines) +
              _section('filelog', _section('harness', filelog)) +
              _section('syslog', _section('daemon', ['default = -1'])) +
              _section('plugins', plugin_lines))
    return '\n'.join(_section('charon', charon)) + '\n'


@dataclasses.dataclass
class PskConnection:
    """One IKEv2 connection with one CHILD_SA of the same name, PSK auth.

    Addresses and traffic selectors take a string ('a,b' allowed) or a list.
    Proposals are swanctl strings ('aes256-sha256-modp2048',
    'aes128gcm16-x25519'; ESP without a DH group means no PFS).
    start_action: 'none', 'trap' (install a trap policy: traffic starts it) or
    'start' (initiate on load). rekey_time, ike_rekey_time, dpd_delay:
    swanctl durations ('60s', '1h', 30). local_id/remote_id: IKE identities,
    default the first address of each side ('%any' if the remote is %any).
    encap: encap = yes (no difference with libipsec, which always
    encapsulates). mobike: None leaves strongSwan's default (yes).
    extra_lines: more lines for the connection section, as written.
    """
    name: str
    local_addrs: object
    remote_addrs: object
    local_ts: object
    remote_ts: object
    psk: str
    ike_proposals: str = 'aes256-sha256-modp2048'
    esp_proposals: str = 'aes256-sha256-modp2048'
    start_action: str = 'none'
    dpd_delay: object = None
    dpd_action: str = None
    rekey_time: object = None
    ike_rekey_time: object = None
    life_time: object = None
    encap: bool = False
    local_id: str = None
    remote_id: str = None
    version: int = 2
    mode: str = 'tunnel'
    mobike: bool = None
    close_action: str = None
    extra_lines: tuple = ()

    @staticmethod
    def _first(addrs):
        return (addrs.split(',') if isinstance(addrs, str) else list(addrs))[0].strip()

    def ids(self):
        """(local_id, remote_id) as put into the config and the secret."""
        local = self.local_id or self._first(self.local_addrs)
        remote = self.remote_id or self._first(self.remote_addrs)
        if local.startswith('%'):
            local = None
        if remote.startswith('%'):
            remote = '%any'
        return local, remote

    def connection_lines(self):
        """The `NAME { ... }` block for the connections section."""
        local_id, remote_id = self.ids()
        child = ['local_ts = %s' % _csv(self.local_ts),
                 'remote_ts = %s' % _csv(self.remote_ts),
                 'esp_proposals = %s' % self.esp_proposals,
                 'mode = %s' % self.mode,
                 'start_action = %s' % self.start_action]
        if self.rekey_time is not None:
            child.append('rekey_time = %s' % self.rekey_time)
        if self.life_time is not None:
            child.append('life_time = %s' % self.life_time)
        if self.dpd_action:
            child.append('dpd_action = %s' % self.dpd_action)
        if self.close_action:
            child.append('close_action = %s' % self.close_action)
        conn = ['version = %d' % self.version,
                'local_addrs = %s' % _csv(self.local_addrs),
                'remote_addrs = %s' % _csv(self.remote_addrs),
                'proposals = %s' % self.ike_proposals,
                'encap = %s' % ('yes' if self.encap else 'no')]
        if self.mobike is not None:
            conn.append('mobike = %s' % ('yes' if self.mobike else 'no'))
        if self.dpd_delay is not None:
            conn.append('dpd_delay = %s' % self.dpd_delay)
        if self.ike_rekey_time is not None:
            conn.append('rekey_time = %s' % self.ike_rekey_time)
        conn += list(self.extra_lines)
        conn += (_section('local', self.auth_lines(True, local_id)) +
                 _section('remote', self.auth_lines(False, remote_id)) +
                 _section('children', _section(self.name, child)))
        return _section(self.name, conn)

    def auth_lines(self, local, ident):
        """The body of the local (local=True) or remote section."""
        return ['auth = psk'] + (['id = %s' % _quote(ident)] if ident else [])

    def secret_lines(self):
        """The `ike-NAME { ... }` block for the secrets section."""
        ids = [i for i in self.ids() if i and i != '%any']
        body = ['id-%d = %s' % (n, _quote(i)) for n, i in enumerate(ids, 1)]
        body.append('secret = %s' % _quote(self.psk))
        return _section('ike-%s' % self.name, body)


@dataclasses.dataclass
class PubkeyConnection(PskConnection):
    """A PskConnection that authenticates both ends with certificates
    (auth = pubkey; RFC 7427 signatures when the peer announces
    SIGNATURE_HASH_ALGORITHMS, strongSwan's default) instead of a PSK.

    certs: our certificate, a file in x509/ (Charon.load's creds) or an
    absolute path; its private key must be loaded too (creds 'private').
    cacerts: the CA certificate(s) the peer's chain must end at (x509ca/ or
    absolute); None: any loaded CA. local_id: None is the certificate's
    subject DN (strongSwan's default); remote_id: None is %any, any identity
    the peer's certificate holds. strongSwan sends its certificate only
    after a CERTREQ (send_cert = ifasked, its default; extra_lines can say
    'send_cert = always'). No secrets section: the key comes from private/.
    """
    psk: str = None
    certs: str = None
    cacerts: object = None

    def ids(self):
        return self.local_id, self.remote_id or '%any'

    def auth_lines(self, local, ident):
        lines = ['auth = pubkey'] + (['id = %s' % _quote(ident)] if ident else [])
        if local:
            if not self.certs:
                raise ValueError('PubkeyConnection %s: no certs' % self.name)
            lines.append('certs = %s' % _csv(self.certs))
        elif self.cacerts:
            lines.append('cacerts = %s' % _csv(self.cacerts))
        return lines

    def secret_lines(self):
        return []


def swanctl_conf(*connections):
    """swanctl.conf text with the given connections and their secrets."""
    conns, secrets = [], []
    for conn in connections:
        conns += conn.connection_lines()
        secrets += conn.secret_lines()
    return '\n'.join(_section('connections', conns) +
                     _section('secrets', secrets)) + '\n'


def psk_conf(name, **kwargs):
    """swanctl.conf text for one PskConnection(name, **kwargs)."""
    return swanctl_conf(PskConnection(name, **kwargs))


def pubkey_conf(name, **kwargs):
    """swanctl.conf text for one PubkeyConnection(name, **kwargs)."""
    return swanctl_conf(PubkeyConnection(name, **kwargs))


# --------------------------------------------------------------------------
# swanctl --pretty output

def parse_pretty(text):
    """Parse `swanctl --pretty` output into a list of top-level sections.

    Each message ('list-sa event {...}', 'list-conn event {...}') becomes one
    dict; sections nest as dicts, lists ('key = [' ... ']') as lists of
    strings, everything else as strings. Returns [(message_name, dict)].
    """
    messages = []
    stack = []
    current_list = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if current_list is not None:
            if line == ']':
                current_list = None
            else:
                current_list.append(line)
            continue
        if ' = ' in line or line.endswith(' ='):
            key, _, value = line.partition(' =')
            value = value.strip()
            if not stack:
                continue
            if value == '[':
                current_list = []
                stack[-1][key.strip()] = current_list
            else:
                stack[-1][key.strip()] = value
        elif line.endswith('{'):
            section = {}
            key = line[:-1].strip()
            if stack:
                stack[-1][key] = section
            else:
                messages.append((key, section))
            stack.append(section)
        elif line == '}':
            if stack:
                stack.pop()
    return messages


def _sa_from_vici(name, raw):
    """One IKE SA dict: vici's keys, plus 'name' and 'child-sas' as a list."""
    sa = {k: v for k, v in raw.items() if k not in ('child-sas', 'tasks-active',
                                                    'tasks-queued', 'tasks-passive')}
    sa['name'] = name
    for key in ('tasks-active', 'tasks-queued', 'tasks-passive'):
        if key in raw:
            sa[key] = list(raw[key]) if isinstance(raw[key], list) else raw[key]
    children = []
    for child_key, child in (raw.get('child-sas') or {}).items():
        entry = dict(child)
        entry['key'] = child_key
        for listed in ('local-ts', 'remote-ts'):
            value = entry.get(listed, [])
            entry[listed] = value if isinstance(value, list) else [value]
        for number in ('bytes-in', 'bytes-out', 'packets-in', 'packets-out',
                       'uniqueid', 'reqid', 'encr-keysize', 'rekey-time',
                       'life-time', 'install-time', 'use-in', 'use-out'):
            if number in entry and entry[number].isdigit():
                entry[number] = int(entry[number])
        children.append(entry)
    sa['child-sas'] = children
    return sa


def parse_list_sas(text):
    """`swanctl --list-sas --pretty` output -> list of IKE SA dicts.

    Keys are vici's (see swanctl --list-sas --raw): name, uniqueid, state
    (ESTABLISHED...), local-host/port/id, remote-host/port/id,
    initiator-spi, responder-spi (16 hex digits), initiator ('yes' when we
    initiated), nat-local/nat-remote/nat-fake/nat-any ('yes' when set),
    encr-alg, encr-keysize, integ-alg, prf-alg, dh-group, established,
    rekey-time... and child-sas: a list of dicts with name, key (e.g.
    'site-3'), uniqueid, reqid, state (INSTALLED, REKEYED...), mode, protocol,
    encap, spi-in, spi-out (8 hex digits), encr-alg, encr-keysize,
    integ-alg, dh-group, bytes-in/out, packets-in/out (ints), local-ts,
    remote-ts (lists of CIDR strings).
    """
    sas = []
    for message, body in parse_pretty(text):
        if not message.startswith('list-sa'):
            continue
        for name, raw in body.items():
            if isinstance(raw, dict):
                sas.append(_sa_from_vici(name, raw))
    return sas


# --------------------------------------------------------------------------
# charon

def _run(cmd, timeout=30, env=None, check=True):
    """Run cmd; return its CompletedProcess (text). CharonError on failure."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise CharonError('%s: timed out after %ss\n%s' %
                          (' '.join(cmd), timeout, exc.output or '')) from None
    if check and proc.returncode != 0:
        raise CharonError('%s: exit %d\n%s' % (' '.join(cmd), proc.returncode,
                                               proc.stdout))
    return proc


class Charon:
    """One strongSwan charon in network namespace `netns` (must exist).

    A context manager: __enter__ starts it (start()), __exit__ stops it
    (stop()), which kills it and removes every file it made, also when
    start() failed half way. `name` labels the work directory and errors.
    log_levels overrides DEFAULT_LOG_LEVELS ({'ike': 4, 'esp': 2}, ...).
    Use one charon per network namespace: two in one namespace both start
    (separate /run) but share UDP 500 and 4500.
    """

    def __init__(self, netns, name='charon', log_levels=None, plugins=PLUGINS,
                 extra_charon_lines=(), start_timeout=10.0):
        self.netns = netns
        self.name = name
        self.log_levels = log_levels
        self.plugins = tuple(plugins)
        self.extra_charon_lines = tuple(extra_charon_lines)
        self.start_timeout = start_timeout
        self.workdir = None
        self.proc = None
        self._loads = 0

    # -- paths -------------------------------------------------------------
    def _path(self, leaf):
        return os.path.join(self.workdir, leaf)

    @property
    def conf_path(self):
        return self._path('strongswan.conf')

    @property
    def vici_socket(self):
        return self._path('charon.vici')

    @property
    def uri(self):
        return 'unix://' + self.vici_socket

    @property
    def log_path(self):
        return self._path('charon.log')

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    # -- life cycle --------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        """Write the config, start charon and wait until vici answers."""
        self.workdir = tempfile.mkdtemp(prefix='hsw-charon-%s-' % self.name)
        os.mkdir(self._path('run'))
        for sub in SWANCTL_SUBDIRS:
            os.mkdir(self._path(sub))
        with open(self.conf_path, 'w') as f:
            f.write(strongswan_conf(self.vici_socket, self.log_path,
                                    self.log_levels, plugins=self.plugins,
                                    extra_charon_lines=self.extra_charon_lines))
        script = ('mount --bind "$HSW_RUN" /run && exec "$0"')
        cmd = ['ip', 'netns', 'exec', self.netns,
               'unshare', '--mount', '--propagation', 'private', '--',
               '/bin/sh', '-c', script, CHARON]
        env = self._env()
        env['HSW_RUN'] = self._path('run')
        with open(self._path('charon.out'), 'w') as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        self._wait_ready()

    def _env(self):
        env = dict(os.environ)
        env['STRONGSWAN_CONF'] = self.conf_path
        env['SWANCTL_DIR'] = self.workdir
        return env

    def _wait_ready(self):
        """Until the vici socket accepts a command; CharonError if charon dies."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CharonError('%s: charon exited with %d\n%s' %
                                  (self.name, self.proc.returncode, self.output_tail()))
            if os.path.exists(self.vici_socket):
                probe = self.swanctl('--stats', check=False, timeout=5)
                if probe.returncode == 0:
                    return
            time.sleep(0.05)
        raise CharonError('%s: vici socket %s not ready after %ss\n%s' %
                          (self.name, self.vici_socket, self.start_timeout,
                           self.output_tail()))

    def output_tail(self, lines=30):
        """The last lines of charon's stdout/stderr and of its log."""
        parts = []
        for leaf in ('charon.out', 'charon.log'):
            if self.workdir:
                try:
                    with open(self._path(leaf)) as f:
                        parts.append('--- %s\n%s' % (leaf, ''.join(f.readlines()[-lines:])))
                except OSError:
                    pass
        return '\n'.join(parts)

    def stop(self, timeout=5.0):
        """SIGTERM charon (SIGKILL after timeout) and remove the work dir.

        The private bind mount over /run lives in charon's own mount
        namespace and goes away with it; nothing to unmount here.
        """
        if self.proc is not None:
            if self.proc.poll() is None:
                self._signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    self.proc.wait(timeout)
            self.proc = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _signal(self, sig):
        try:
            os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- swanctl -----------------------------------------------------------
    def swanctl(self, *args, timeout=30, check=True):
        """Run `swanctl ARGS --uri unix://...` (in the caller's namespaces)."""
        cmd = [SWANCTL] + list(args) + ['--uri', self.uri]
        proc = _run(cmd, timeout=timeout, env=self._env(), check=False)
        if check and proc.returncode != 0:
            raise CharonError('%s: %s: exit %d\n%s\n%s' %
                              (self.name, ' '.join(cmd), proc.returncode,
                               proc.stdout, self.output_tail(15)))
        return proc

    def load(self, conf_text, creds=None):
        """Write conf_text as a swanctl.conf and load all of it (replacing
        connections and secrets loaded before). creds: {directory: [file,
        ...]} copied first into the credential directories that --load-all
        reads (x509/ our certificates, x509ca/ CAs, private/ keys of any
        type; see SWANCTL_SUBDIRS), where swanctl.conf's relative certs and
        cacerts are looked up; files copied by an earlier load stay. Returns
        swanctl's output; CharonError when anything failed, also a file
        swanctl could not parse (for which it exits 0)."""
        for sub, files in (creds or {}).items():
            if sub not in SWANCTL_SUBDIRS:
                raise ValueError('%s: no credential directory %s' % (self.name, sub))
            for src in [files] if isinstance(files, str) else files:
                shutil.copy(src, self._path(os.path.join(sub, os.path.basename(src))))
        self._loads += 1
        path = self._path('swanctl-%d.conf' % self._loads)
        with open(path, 'w') as f:
            f.write(conf_text)
        out = self.swanctl('--load-all', '--noprompt', '--file', path).stdout
        if 'invalid config file' in out or 'failed' in out:
            raise CharonError('%s: swanctl --load-all %s:\n%s' % (self.name, path, out))
        return out

    def initiate(self, child=None, ike=None, timeout=30):
        """Initiate CHILD_SA `child` (and its IKE SA) of connection `ike`;
        returns when it is up (or raises CharonError)."""
        args = ['--initiate']
        if child:
            args += ['--child', child]
        if ike:
            args += ['--ike', ike]
        return self.swanctl(*args, '--timeout', str(int(timeout)),
                            timeout=timeout + 5).stdout

    def terminate(self, ike=None, child=None, ike_id=None, child_id=None,
                  force=False, timeout=10):
        """Terminate IKE SAs by connection name or unique id, or a CHILD_SA."""
        args = ['--terminate']
        for flag, value in (('--ike', ike), ('--child', child),
                            ('--ike-id', ike_id), ('--child-id', child_id)):
            if value is not None:
                args += [flag, str(value)]
        if force:
            args.append('--force')
        return self.swanctl(*args, '--timeout', str(int(timeout)),
                            timeout=timeout + 5).stdout

    def rekey(self, child=None, ike=None, child_id=None, ike_id=None,
              reauth=False):
        """Start a rekey of the named CHILD_SA or IKE SA (or by unique id).
        Returns at once; use wait_child()/wait_ike() for the result."""
        args = ['--rekey']
        for flag, value in (('--child', child), ('--ike', ike),
                            ('--child-id', child_id), ('--ike-id', ike_id)):
            if value is not None:
                args += [flag, str(value)]
        if reauth:
            args.append('--reauth')
        return self.swanctl(*args).stdout

    def list_sas(self, ike=None):
        """The IKE SAs (parse_list_sas() dicts), optionally of one connection."""
        args = ['--list-sas', '--pretty']
        if ike:
            args += ['--ike', ike]
        return parse_list_sas(self.swanctl(*args).stdout)

    def list_conns(self):
        """Loaded connection names."""
        out = self.swanctl('--list-conns', '--pretty').stdout
        return [name for msg, body in parse_pretty(out) if msg.startswith('list-conn')
                for name in body]

    def log_text(self):
        """Everything charon logged so far (the filelog)."""
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ''

    # -- waiting -----------------------------------------------------------
    def wait_for(self, predicate, timeout=10.0, interval=0.1, what='condition'):
        """Poll list_sas() until predicate(sas) returns a true value; return it."""
        deadline = time.monotonic() + timeout
        while True:
            sas = self.list_sas()
            result = predicate(sas)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise CharonError('%s: timed out after %ss waiting for %s; SAs: %r' %
                                  (self.name, timeout, what, sas))
            time.sleep(interval)

    def wait_ike(self, ike, state='ESTABLISHED', exclude_spis=(), timeout=10.0):
        """Wait for an IKE SA of connection `ike` in `state` whose initiator
        SPI is not in exclude_spis; returns its dict."""
        def find(sas):
            for sa in sas:
                if (sa['name'] == ike and sa.get('state') == state and
                        sa.get('initiator-spi') not in exclude_spis):
                    return sa
            return None
        return self.wait_for(find, timeout, what='IKE SA %s %s' % (ike, state))

    def wait_child(self, child, exclude_spis=(), timeout=10.0, alone=True):
        """Wait for an INSTALLED CHILD_SA named `child` whose spi-in is not
        in exclude_spis; with alone, also until every other CHILD_SA of that
        name is deleted (DELETED: a rekeyed SA's inbound half lingers for
        charon.delete_rekeyed_delay, 5 s, in that state; it is ignored).
        Returns (ike_sa, child_sa)."""
        def find(sas):
            found, others = None, 0
            for sa in sas:
                for c in sa['child-sas']:
                    if c.get('name') != child or c.get('state') in GONE_STATES:
                        continue
                    if c.get('state') == 'INSTALLED' and c.get('spi-in') not in exclude_spis:
                        found = (sa, c)
                    else:
                        others += 1
            return found if found and not (alone and others) else None
        return self.wait_for(find, timeout, what='CHILD_SA %s installed' % child)


def child_sas(sas, name=None, live=False):
    """The CHILD_SA dicts of list_sas() output (of one child name); with
    live, without those in GONE_STATES."""
    return [c for sa in sas for c in sa['child-sas']
            if (name is None or c.get('name') == name) and
            not (live and c.get('state') in GONE_STATES)]


# --------------------------------------------------------------------------
# network namespaces (for tests that build their own topology)

class Netns:
    """Named network namespaces and veth pairs, all removed by cleanup().

    Names get `prefix` (e.g. 'hsw-<pid>-'); deleting a namespace deletes the
    veth ends in it, so cleanup() only deletes the namespaces.
    """

    def __init__(self, prefix=None):
        self.prefix = prefix or 'hsw-%d-' % os.getpid()
        self.names = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def add(self, short):
        """Create namespace prefix+short with lo up; return its full name."""
        name = self.prefix + short
        _run(['ip', 'netns', 'add', name])
        self.names.append(name)
        self.run(name, 'ip', 'link', 'set', 'lo', 'up')
        return name

    def run(self, ns, *cmd, timeout=30, check=True):
        """Run cmd in namespace ns; returns its CompletedProcess."""
        return _run(['ip', 'netns', 'exec', ns] + list(cmd), timeout=timeout,
                    check=check)

    def sysctl(self, ns, key, value):
        self.run(ns, 'sysctl', '-q', '-w', '%s=%s' % (key, value))

    def veth(self, ns_a, dev_a, addr_a, ns_b, dev_b, addr_b):
        """A veth pair dev_a (in ns_a, addr_a as CIDR) <-> dev_b (ns_b)."""
        _run(['ip', '-n', ns_a, 'link', 'add', dev_a, 'type', 'veth',
              'peer', 'name', dev_b, 'netns', ns_b])
        for ns, dev, addr in ((ns_a, dev_a, addr_a), (ns_b, dev_b, addr_b)):
            if addr:
                _run(['ip', '-n', ns, 'addr', 'add', addr, 'dev', dev])
            _run(['ip', '-n', ns, 'link', 'set', dev, 'up'])

    def cleanup(self):
        """Delete every namespace made here (errors ignored)."""
        for name in reversed(self.names):
            subprocess.run(['ip', 'netns', 'del', name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.names = []


@contextlib.contextmanager
def capture(ns, dev, path, filter_expr=''):
    """tcpdump -i dev in namespace ns into pcap file path while the block
    runs; yields the Popen. Stopped with SIGINT (the file is complete)."""
    cmd = ['ip', 'netns', 'exec', ns, 'tcpdump', '-i', dev, '-n', '-U', '-s', '0',
           '-Z', 'root', '-w', path] + ([filter_expr] if filter_expr else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _wait_listening(proc)
        yield proc
    finally:
        time.sleep(0.2)  # let the last packets reach the file
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stderr.close()


def _wait_listening(proc):
    """Until tcpdump says it is listening (it has attached to the device)."""
    for line in proc.stderr:
        if 'listening on' in line:
            return
    proc.wait()
    raise CharonError('tcpdump exited with %s before listening' % proc.returncode)
