#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""hubsec's IKEv2 certificate authentication (RFC 7427 digital signatures)
against strongSwan 5.9.8's charon with kernel-libipsec, through hubsec's
dataplane, on the network of test_strongswan_ikev2.py (whose helpers it uses):

  Y 192.168.100.10 -- lan -- h-in [hub] h-out --- [rtr] --- g-out [gw: charon] g-in -- P
                                  10.255.1.2                 10.255.2.2               .11

The PKI is tests/tools/mkcerts.sh's, made afresh for each run: hubsec is
site1 (site1-ec, site1-rsa: IP SAN 10.255.1.2), charon is site2 (site2-ec,
site2-rsa, site2-chain under the intermediate, rogue under another CA: IP SAN
10.255.2.2). Both trust ca.pem only.

Scenarios (each a group of PASS/FAIL checks):
  1 ECDSA both ends, DN identities (the certificates' subjects), no
    peer-identity; hubsec initiates on an acquire: CERTREQ, CERT and
    SIGNATURE_HASH_ALGORITHMS as charon parsed them, IDs and auth methods in
    show crypto isakmp sa (json and detail), hubsec's log and charon's
    --list-sas; SPIs of hubsec, the dataplane and charon agree; pings both
    ways. b: charon's ID is its IP SAN: accepted (no peer-identity). c: charon
    without RFC 7427 (signature_authentication = no): both ends use RFC
    4754's ECDSA-256 auth method
  2 a: charon initiates with RSA and an FQDN ID; hubsec ECDSA, identity
    address, peer-identity fqdn:; charon's 1.3 KB IKE_AUTH comes as IKE
    fragments (RFC 7383); charon reauthenticates. b: hubsec RSA (rsa-sig),
    identity email, with --fragment-size 576 (its IKE_AUTH as fragments),
    charon ECDSA with an email ID and peer-identity email:; hubsec initiates,
    then rekeys the IKE SA (the ID and auth kinds carry over)
  3 a: charon's certificate is issued by the intermediate, which charon
    sends along; hubsec trusts the root only, identity fqdn, peer-identity
    dn:. b: charon without the intermediate: refused
  4 refusals (hubsec's entry: peer-identity dn: of site2), each with no IKE
    SA left on either side and hubsec's log saying why: a certificate of
    another CA (hubsec initiates: it tells charon in an INFORMATIONAL;
    charon initiates: AUTHENTICATION_FAILED), an ID that is not the
    peer-identity, charon with a PSK against the ecdsa-sig policy (the
    config also holds a PSK for that peer: not used), charon with RSA
    without RFC 7427 (auth method 1, RSA with SHA-1)
  5 no line of hubsec's private keys, nor their secret in hex, in any log
    (hubsec-control logs at debug), config or show output of the run

Run: test_strongswan_certs.py --dataplane D --control C --cli H [--scenarios 1,2]
Exit 1 when any check failed; HSSW_KEEP_TMP=1 keeps the logs (and the PKI).
"""

import glob
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import test_strongswan_ikev2 as base  # noqa: E402  (puts tests/integration on the path)
from test_strongswan_ikev2 import (CONN, GW_OUT, HUB_OUT, P_ADDR, Y_ADDR,  # noqa: E402
                                   conn, hub_config, policy)

import hsnet  # noqa: E402
import strongswan as sw  # noqa: E402

MKCERTS = os.path.join(HERE, '..', 'tools', 'mkcerts.sh')
HUB_DN = 'C=CH, O=hubsec test, CN=site1.hubsec.test'
GW_DN = 'C=CH, O=hubsec test, CN=site2.hubsec.test'
ROOT_DN = 'C=CH, O=hubsec test, CN=hubsec test root'
INTER_DN = 'C=CH, O=hubsec test, CN=hubsec test intermediate'

PKI_SECTION = """\
pki:
  certificate: pki/{cert}.pem
  private-key: pki/{cert}.key
  ca-certificates: [pki/ca.pem]
  identity: {identity}
"""

# The show commands whose output must hold no key (scenario 5); IKE ones are relayed.
SHOWS = ('show running-config', 'show crypto isakmp sa detail', 'show crypto session detail',
         'show crypto ipsec sa detail')


def cert_hub_config(cert='site1-ec', identity='dn', peer_identity=None):
    """hub_config() with certificates: the policy signs with cert's key type."""
    auth = 'rsa-sig' if cert.endswith('-rsa') else 'ecdsa-sig'
    return hub_config(policies=[policy(10, 'aes-cbc-256', 'sha256', 14, auth=auth)],
                      entry_extra=['peer-identity: "%s"' % peer_identity] if peer_identity
                      else [], tail=PKI_SECTION.format(cert=cert, identity=identity))


def cert_conn(cert='site2-ec', remote_id=HUB_DN, **kw):
    """charon's connection with certificate cert (in x509/) and ca.pem."""
    return conn(sw.pubkey_conf, certs=cert + '.pem', cacerts='ca.pem', remote_id=remote_id,
                **kw)


def key_material(path):
    """What must never be printed of a PEM key file: each base64 line, and the
    first 16 bytes of its secret (EC priv, RSA privateExponent) in hex (plain,
    upper case, colon-separated)."""
    with open(path) as f:
        out = {ln.strip() for ln in f if ln.strip() and '-----' not in ln}
    text = hsnet.run(['openssl', 'pkey', '-in', path, '-noout', '-text']).stdout
    m = re.search(r'(?:priv|privateExponent):\n((?:\s+[0-9a-f:]+\n)+)', text)
    if m:
        hexed = re.sub(r'[\s:]', '', m.group(1))
        hexed = hexed[2:] if hexed.startswith('00') else hexed
        out |= {hexed[:32], hexed[:32].upper(),
                ':'.join(hexed[i:i + 2] for i in range(0, 32, 2))}
    return out


class CertInterop(base.Interop):
    NAME = 'strongswan-certs'
    SCENARIOS = '1,2,3,4,5'
    TOOLS = {'openssl': 'tests/tools/mkcerts.sh: apt-get install openssl'}

    def __init__(self, checks, net, args):
        super().__init__(checks, net, args)
        self.pki = os.path.join(net.tmp, 'pki')
        hsnet.run(['sh', MKCERTS, self.pki])
        self.shown = []        # show outputs of every hub, for scenario 5
        self.hub_keys = set()  # hubsec's key files used
        self.charons = 0       # logs kept

    def creds(self, cert, ca_extra=()):
        """Charon.load's creds: cert (and its key) as charon's, ca.pem as CA."""
        pki = self.pki
        return {'x509': [os.path.join(pki, cert + '.pem')],
                'private': [os.path.join(pki, cert + '.key')],
                'x509ca': [os.path.join(pki, c + '.pem') for c in ('ca',) + tuple(ca_extra)]}

    def start_certs(self, name, hub_cfg, charon_conf, cert='site2-ec', ca_extra=(),
                    control_extra=()):
        self.start(name, hub_cfg, charon_conf, control_extra=control_extra,
                   charon_creds=self.creds(cert, ca_extra))
        m = re.search(r'private-key: (\S+)', hub_cfg)
        self.hub_keys.add(os.path.join(self.net.tmp, m.group(1)))

    def keep_logs(self):
        """Each charon's log (there may be several beside one hubsec)."""
        if self.charon is not None and self.hub is not None:
            self.charons += 1
            with open(os.path.join(self.net.tmp, '%s-charon%d.log' % (
                    self.hub.name, self.charons)), 'w') as f:
                f.write(self.charon.log_text())

    def charon_again(self, charon_conf, cert='site2-ec', ca_extra=(), charon_extra=()):
        """A fresh charon (no credential of the previous one) beside the same hubsec."""
        self.keep_logs()
        self.charon.stop()
        self.charon = sw.Charon(self.n['gw'], name='hssw-%d' % os.getpid(),
                                extra_charon_lines=charon_extra)
        self.charon.start()
        self.charon.load(charon_conf, creds=self.creds(cert, ca_extra))

    def stop(self):
        if self.hub is not None and self.hub.dp.alive():
            for line in SHOWS:
                try:
                    self.shown.append(self.hub.cli(line)[1])
                except (OSError, subprocess.SubprocessError) as e:
                    self.checks.info('%s: %s' % (line, e))
        super().stop()

    def initiate(self):
        """swanctl --initiate: (ok, error text)."""
        try:
            self.charon.initiate(child=CONN, ike=CONN, timeout=15)
            return True, ''
        except sw.CharonError as e:
            return False, str(e)[-600:]

    # -- checks ----------------------------------------------------------
    def ike_agrees(self, what, hub_role):
        """One IKE SA on each side, same SPIs, hubsec in hub_role; returns (charon's, hubsec's)."""
        ike = [s for s in self.charon.list_sas() if s['name'] == CONN]
        hub = self.hub.isakmp()
        s, h = (ike or [{}])[0], (hub or [{}])[0]
        self.check(len(ike) == 1 and len(hub) == 1 and h.get('role') == hub_role and
                   s.get('initiator') == ('yes' if hub_role == 'responder' else None) and
                   s.get('state') == 'ESTABLISHED' and h.get('state') == 'ESTABLISHED' and
                   s.get('initiator-spi') == h.get('spi-i') and
                   s.get('responder-spi') == h.get('spi-r'),
                   '%s: one IKE SA, same SPIs on both sides, hubsec the %s' % (what, hub_role),
                   'charon %s, hubsec %s' % (
                       [(x.get('initiator-spi'), x.get('responder-spi'), x.get('state'))
                        for x in ike],
                       [(x.get('spi-i'), x.get('spi-r'), x.get('state'), x.get('role'))
                        for x in hub]))
        return s, h

    def ids_agree(self, what, s, h, hub_id, gw_id, hub_sign, gw_sign):
        """IDs and signature kinds as each side shows them."""
        self.check(h.get('remote-id') == gw_id and h.get('auth-sign') == hub_sign and
                   h.get('auth-verify') == gw_sign,
                   '%s: hubsec shows remote id "%s", signs with %s, verified %s' % (
                       what, gw_id, hub_sign, gw_sign),
                   str({k: h.get(k) for k in ('remote-id', 'auth-sign', 'auth-verify')}))
        rc, text = self.hub.cli('show crypto isakmp sa detail')
        self.shown.append(text)
        want = ('Auth sign: %s, Auth verify: %s' % (hub_sign, gw_sign),
                'Remote id: %s, state ESTABLISHED, authenticated' % gw_id)
        self.check(rc == 0 and all(w in text for w in want),
                   '%s: show crypto isakmp sa detail: "%s", "%s"' % ((what,) + want),
                   text[-600:])
        self.check(s.get('local-id') == gw_id and s.get('remote-id') == hub_id,
                   '%s: charon --list-sas: local id "%s", remote id "%s"' % (what, gw_id, hub_id),
                   str({k: s.get(k) for k in ('local-id', 'remote-id')}))
        role = h.get('role', '?')
        m = re.search(r'IKE SA established with (.*) \(.*, (certificates|pre-shared key), '
                      r'(initiator|responder)', self.hub.log())
        self.check(m is not None and m.group(1) == gw_id and m.group(2) == 'certificates' and
                   m.group(3) == role, '%s: hubsec logs "IKE SA established with %s (..., '
                   'certificates, %s" ' % (what, gw_id, role), m.group(0) if m else 'no such line')
        log = self.charon.log_text()
        m = re.search(r"authentication of '%s' with (\S+) successful" % re.escape(hub_id), log)
        self.check(m is not None, '%s: charon verified hubsec\'s signature (%s)' % (
            what, m.group(1) if m else 'not logged'))

    def tunnel(self, what):
        self.ping_ok('y', P_ADDR, what + ': through the tunnel', count=5)
        self.ping_ok('p', Y_ADDR, what + ': through the tunnel', count=3)
        self.crossed(what)

    def gone(self, what, why_re, log0=0):
        """No IKE SA on either side (in 5 s) and hubsec's log (from offset log0) says why."""
        r = self.wait(lambda: not self.charon.list_sas() and not self.hub.isakmp() and
                      not self.hub.dp_spis(), 5)
        self.check(r is not None, '%s: no IKE SA left in charon, hubsec-control or the dataplane'
                   % what, 'charon %s, hubsec %s' % (
                       [(s.get('state'), s.get('initiator-spi')) for s in
                        self.charon.list_sas()], self.hub.isakmp()))
        m = re.search(r'IKE SA failed: ((?:%s)[^;]*)' % why_re, self.hub.log()[log0:])
        self.check(m is not None, '%s: hubsec logs why: %s' % (
            what, m.group(1) if m else '/%s/ not found' % why_re))

    # -- scenarios -------------------------------------------------------
    def s1_ecdsa_dn(self):
        what = 's1'
        self.start_certs('s1', cert_hub_config(), cert_conn())
        self.ping_ok('y', P_ADDR, '%s: the first pings raise the acquire, IKE comes up '
                     '(ECDSA both ends)' % what, count=5, min_ok=4)
        s, h = self.ike_agrees(what, 'initiator')
        self.ids_agree(what, s, h, HUB_DN, GW_DN, 'ECDSA', 'ECDSA')
        log = self.charon.log_text()
        self.check('received cert request for "%s"' % ROOT_DN in log and
                   'received end entity cert "%s"' % HUB_DN in log and
                   'sending end entity cert "%s"' % GW_DN in log,
                   '%s: charon got hubsec\'s CERTREQ (root CA) and certificate, and sent its own'
                   % what)
        self.check(re.search(r'parsed IKE_SA_INIT request 0 \[.* N\(HASH_ALG\)', log) and
                   'received supported signature hash algorithms: sha256 sha384 sha512' in log,
                   '%s: hubsec announced SHA2-256/384/512 (SIGNATURE_HASH_ALGORITHMS, RFC 7427 '
                   '§4)' % what)
        self.check(re.search(r'parsed IKE_AUTH request 1 \[ IDi CERT CERTREQ AUTH ', log),
                   '%s: hubsec\'s IKE_AUTH request: IDi CERT CERTREQ AUTH (RFC 7296 §1.2 order)'
                   % what)
        self.tunnel(what)
        rc, out = self.hub.cli('clear crypto isakmp sa')
        r = self.wait(lambda: not self.charon.list_sas() and not self.hub.isakmp(), 5)
        self.check(rc == 0 and r is not None, '%s: clear crypto isakmp sa: gone on both sides'
                   % what, out.strip())
        # b: any ID the certificate holds is accepted without a peer-identity: its IP SAN.
        what = 's1b charon ID %s (IP SAN), no peer-identity' % GW_OUT
        self.charon_again(cert_conn(local_id=GW_OUT))
        ok, detail = self.initiate()
        self.check(ok, '%s: charon initiates: accepted' % what, detail)
        s, h = self.ike_agrees(what, 'responder')
        self.check(h.get('remote-id') == GW_OUT and h.get('auth-verify') == 'ECDSA',
                   '%s: hubsec shows remote id %s, verified ECDSA' % (what, GW_OUT),
                   str({k: h.get(k) for k in ('remote-id', 'auth-verify')}))
        self.ping_ok('y', P_ADDR, what + ': through the tunnel', count=3)
        # c: a peer without RFC 7427 (no SIGNATURE_HASH_ALGORITHMS): RFC 4754 both ways.
        what = 's1c charon without RFC 7427'
        self.charon_again(cert_conn(), charon_extra=['signature_authentication = no'])
        ok, detail = self.initiate()
        s, h = self.ike_agrees(what, 'responder')
        log = self.charon.log_text()
        self.check(ok and h.get('auth-verify') == 'ECDSA' and
                   "authentication of '%s' with ECDSA-256 signature successful" % HUB_DN in log
                   and "(myself) with ECDSA-256 signature successful" in log,
                   '%s: both ends sign with RFC 4754 ECDSA-256 (auth method 9)' % what,
                   detail or str({k: h.get(k) for k in ('auth-sign', 'auth-verify')}))
        self.ping_ok('y', P_ADDR, what + ': through the tunnel', count=3)

    def s2_rsa(self):
        what = 's2a charon RSA/FQDN initiates, hubsec ECDSA/address'
        self.start_certs('s2a', cert_hub_config(identity='address',
                                                peer_identity='fqdn:site2.hubsec.test'),
                         cert_conn('site2-rsa', local_id='site2.hubsec.test', remote_id=HUB_OUT),
                         cert='site2-rsa')
        self.rsa_case(what, 'responder', HUB_OUT, 'site2.hubsec.test', 'ECDSA', 'RSA')
        self.reauth(what)
        what = 's2b hubsec RSA/email initiates, charon ECDSA/email'
        self.start_certs('s2b', cert_hub_config('site1-rsa', identity='email',
                                                peer_identity='email:site2@hubsec.test'),
                         cert_conn(local_id='site2@hubsec.test', remote_id='site1@hubsec.test'),
                         control_extra=['--fragment-size', '576'])
        self.rsa_case(what, 'initiator', 'site1@hubsec.test', 'site2@hubsec.test', 'RSA',
                      'ECDSA')
        self.hub_ike_rekey(what, 'site2@hubsec.test', 'RSA', 'ECDSA')

    def rsa_case(self, what, hub_role, hub_id, gw_id, hub_sign, gw_sign):
        if hub_role == 'responder':
            t0 = time.monotonic()
            ok, detail = self.initiate()
            self.check(ok, '%s: swanctl --initiate succeeds in %.2f s' % (
                what, time.monotonic() - t0), detail)
        else:
            self.ping_ok('y', P_ADDR, '%s: the first pings bring IKE up' % what, count=5,
                         min_ok=4)
        s, h = self.ike_agrees(what, hub_role)
        self.ids_agree(what, s, h, hub_id, gw_id, hub_sign, gw_sign)
        cnt = self.hub.counters()
        frag = {k: cnt.get(k, 0) for k in ('rx-fragments', 'rx-reassembled', 'tx-fragments')}
        log = self.charon.log_text()
        m = re.search(r'splitting IKE message .*', log)
        self.checks.info('IKE fragments: hubsec %s; charon: %s' % (
            frag, m.group(0) if m else 'sent none'))
        if hub_sign == 'RSA':
            m = re.search(r'received fragment #\d+ of \d+, reassembled fragmented IKE message '
                          r'\(\d+ bytes\)', log)
            self.check(frag['tx-fragments'] > 1 and m is not None,
                       '%s: hubsec sent its RSA IKE_AUTH as IKE fragments (--fragment-size 576), '
                       'charon: "%s"' % (what, m.group(0) if m else 'not reassembled'), str(frag))
        else:
            self.check(frag['rx-reassembled'] > 0 and m is not None,
                       '%s: charon sent its RSA IKE_AUTH as IKE fragments, hubsec reassembled '
                       'them' % what, str(frag))
        self.tunnel(what)

    def reauth(self, what):
        """charon reauthenticates (a new IKE SA, certificates again, RFC 7296 §2.8.3)."""
        old = {s.get('initiator-spi') for s in self.charon.list_sas()}
        old_children = self.hub.dp_spis()
        self.charon.rekey(ike=CONN, reauth=True)

        def done():
            sas = self.charon.list_sas()
            hub = self.hub.isakmp()
            return (len(sas) == 1 and sas[0].get('state') == 'ESTABLISHED' and
                    sas[0].get('initiator-spi') not in old and len(sas[0]['child-sas']) == 1
                    and len(hub) == 1 and hub[0].get('spi-i') == sas[0].get('initiator-spi')
                    and hub[0].get('state') == 'ESTABLISHED' and len(self.hub.dp_spis()) == 2
                    and not (self.hub.dp_spis() & old_children))
        r = self.wait(done, 10)
        self.check(r is not None, '%s: charon reauthenticates (--rekey --reauth): one new IKE '
                   'SA with a new child on both sides, the old ones gone' % what,
                   'charon %s, hubsec %s' % (
                       [(x.get('initiator-spi'), x.get('state'), len(x['child-sas']))
                        for x in self.charon.list_sas()],
                       [(x.get('spi-i'), x.get('state'), x.get('remote-id'))
                        for x in self.hub.isakmp()]))
        s, h = self.ike_agrees(what + ' reauth', 'responder')
        self.check(h.get('remote-id') == 'site2.hubsec.test' and h.get('auth-verify') == 'RSA',
                   '%s reauth: hubsec verified the certificate again' % what, str(h))
        self.tunnel(what + ' reauth')

    def hub_ike_rekey(self, what, gw_id, hub_sign, gw_sign):
        """hubsec rekeys the IKE SA (no new AUTH, §2.8): the new one keeps the peer's
        ID and how both ends authenticated."""
        old = {s.get('initiator-spi') for s in self.charon.list_sas()}
        rc, out = self.hub.ctl.cmd('rekey ike-sa %s' % GW_OUT)
        r = self.wait(lambda: [h for h in self.hub.isakmp() if h.get('state') == 'ESTABLISHED'
                               and h.get('spi-i') not in old and len(self.hub.isakmp()) == 1], 10)
        h = r[0] if r else {}
        self.check(rc == 0 and h.get('remote-id') == gw_id and h.get('auth-sign') == hub_sign
                   and h.get('auth-verify') == gw_sign,
                   '%s: after hubsec\'s IKE rekey the new IKE SA shows remote id "%s", %s/%s'
                   % (what, gw_id, hub_sign, gw_sign), '%s %s' % (out.strip(), h))
        self.crossed(what + ' after the IKE rekey')

    def s3_chain(self):
        what = 's3a chain'
        self.start_certs('s3', cert_hub_config(identity='fqdn', peer_identity='dn:' + GW_DN),
                         cert_conn('site2-chain', remote_id='site1.hubsec.test'),
                         cert='site2-chain', ca_extra=('inter',))
        ok, detail = self.initiate()
        self.check(ok, '%s: charon (certificate under the intermediate, which it sends) '
                   'initiates: accepted' % what, detail)
        log = self.charon.log_text()
        self.check('sending issuer cert "%s"' % INTER_DN in log,
                   '%s: charon sent the intermediate CA certificate' % what)
        s, h = self.ike_agrees(what, 'responder')
        self.check(h.get('remote-id') == GW_DN and h.get('auth-verify') == 'ECDSA',
                   '%s: hubsec verified %s through the intermediate (its peer-identity dn:)'
                   % (what, GW_DN), str({k: h.get(k) for k in ('remote-id', 'auth-verify')}))
        self.check(s.get('remote-id') == 'site1.hubsec.test',
                   '%s: charon shows hubsec\'s FQDN ID site1.hubsec.test' % what,
                   str(s.get('remote-id')))
        self.tunnel(what)
        self.refused('s3b chain without the intermediate', cert_conn('site2-chain'),
                     r"the peer's certificate does not verify: unable to get local issuer "
                     r"certificate", cert='site2-chain')

    def refused(self, what, charon_conf, why_re, cert='site2-ec', charon_extra=()):
        """A fresh charon with this connection initiates; hubsec answers
        AUTHENTICATION_FAILED, nothing is left, hubsec's log says why_re."""
        self.charon_again(charon_conf, cert=cert, charon_extra=charon_extra)
        log0 = len(self.hub.log())
        ok, detail = self.initiate()
        self.check(not ok and 'received AUTHENTICATION_FAILED notify error' in
                   self.charon.log_text(), '%s: charon initiates, hubsec answers '
                   'AUTHENTICATION_FAILED' % what, detail)
        self.gone(what, why_re, log0)

    def s4_refusals(self):
        self.start_certs('s4', cert_hub_config(peer_identity='dn:' + GW_DN),
                         cert_conn('rogue'), cert='rogue')
        # The ping's packet waits in the dataplane for an SA and raises an acquire
        # each second until it expires (5 s): hubsec tries again each time.
        what = 's4a rogue certificate (another CA), hubsec initiates'
        t0 = time.monotonic()
        sent, got, _ = self.ping('y', P_ADDR, count=1, wait=1)
        self.check(got == 0, '%s: the ping does not get through (%d/%d)' % (what, got, sent))
        r = self.wait(lambda: re.search(r'parsed INFORMATIONAL request \d+ \[ N\(AUTH_FAILED\) '
                                        r'\]', self.charon.log_text()), 3)
        self.check(r is not None, '%s: hubsec tells charon: INFORMATIONAL with '
                   'AUTHENTICATION_FAILED' % what)
        time.sleep(max(0.0, 6.0 - (time.monotonic() - t0)))
        self.gone(what, r"the peer's certificate does not verify: unable to get local "
                  r"issuer certificate")
        self.checks.info('hubsec tried %d times while the packet was held' %
                         self.hub.log().count('initiating to crypto map'))
        self.refused('s4b rogue certificate (another CA)', cert_conn('rogue'),
                     r"the peer's certificate does not verify: unable to get local issuer "
                     r"certificate", cert='rogue')
        self.refused('s4c ID site2@hubsec.test, not the peer-identity',
                     cert_conn(local_id='site2@hubsec.test'),
                     r"the peer's ID site2@hubsec\.test is not the crypto map entry's "
                     r"peer-identity")
        self.refused('s4d PSK against ecdsa-sig', conn(),
                     r'the peer authenticates with SHARED_KEY_MIC: the ike-policies for '
                     r'these algorithms do not allow pre-share')
        self.refused('s4e RSA with SHA-1 (charon without RFC 7427: auth method 1)',
                     cert_conn('site2-rsa'), r'the peer signs with \S+: ', cert='site2-rsa',
                     charon_extra=['signature_authentication = no'])

    def s5_no_key(self):
        if not self.hub_keys:
            self.s1_ecdsa_dn()
        self.stop()
        needles = set()
        for key in self.hub_keys:
            needles |= key_material(key)
        texts, names = list(self.shown), []
        for path in glob.glob(os.path.join(self.net.tmp, '*')):
            if os.path.isfile(path):
                with open(path, errors='replace') as f:
                    texts.append(f.read())
                names.append(os.path.basename(path))
        leaks = [n for n in needles if any(n in t for t in texts)]
        self.check(bool(needles) and not leaks,
                   's5: no line of hubsec\'s private keys (%s) nor their secret in hex, in %d '
                   'show outputs and %d logs and configs' % (
                       ', '.join(sorted(os.path.basename(k) for k in self.hub_keys)),
                       len(self.shown), len(names)), 'found: %s' % leaks[:2])

    def scenarios(self):
        return {'1': self.s1_ecdsa_dn, '2': self.s2_rsa, '3': self.s3_chain,
                '4': self.s4_refusals, '5': self.s5_no_key}


if __name__ == '__main__':
    sys.exit(base.main(CertInterop, __doc__))
