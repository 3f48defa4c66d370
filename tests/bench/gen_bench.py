#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helper of scripts/bench-dataplane.sh (no NIC needed).

  gen_bench.py gen --dir out|in --cipher gcm|cbc --size 64|imix|1420 --sas N
                   [--queues Q --workers W] --outdir DIR
      Writes DIR/case.yaml (a hubsec config: static SAs, one ACL line each,
      a crypto map on `outside`, static neighbours, MTU 9000) and
      DIR/q<k> (a pcap per RX queue, named relative to DIR: run the tools
      there), and prints one JSON line describing them. Outbound: clear-text
      IPv4/UDP frames for the `inside` port, spread round-robin over the SAs'
      selectors. Inbound: tunnel-mode ESP frames
      (RFC 4303; AES-GCM-128 per RFC 4106, AES-CBC-128 + HMAC-SHA1-96 per
      RFC 3602/2404) from the peer to the `outside` port, encrypted here with
      the SAs' static keys (python3-cryptography), replay window 0 on the box
      because net_pcap's infinite_rx replays the same sequence numbers.
      Pcaps are written as raw bytes (no scapy: 10,000 SAs in well under 1 s).

  gen_bench.py sample --prefix P --ports A,B [--rounds R] [--interval S]
                      [--warmup S] [--hubsec]
      Reads /ethdev/stats,PORT of a running DPDK primary (hubsec-dataplane or
      dpdk-testpmd) through its telemetry socket, R windows of S seconds after
      a warm-up, and prints one JSON line per window (packets and bytes
      received on A, sent on B, imissed/oerrors/rx_nombuf) and, with
      --hubsec, the dataplane's drop counters (/hubsec/drops) over the run;
      with --pid, the share of their cores its worker threads got (schedstat).

Addressing (both directions): SA i protects inner 10.<i/256>.<i%256>.0/24
(local, behind `inside`) <-> 10.<128+i/256>.<i%256>.0/24 (remote, behind
peer 10.255.2.2). Outbound SPI 0x20000+i, inbound SPI 0x10000+i; keys are
derived from i (lab patterns, not secret).
"""
import argparse
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

# net_pcap refuses a MAC change (22.11): its own is 02:70:63:61:70:<n>, n counting
# the pcap devices of the process (one here). The config sets no `mac` on it.
PCAP_MAC = bytes.fromhex("027063617000")
NULL_MAC = bytes.fromhex("020000000001")
INSIDE_GW_MAC = bytes.fromhex("020000000101")
PEER_MAC = bytes.fromhex("020000000202")
INSIDE_IP = "192.168.0.1"
INSIDE_GW = "192.168.0.2"
OUTSIDE_IP = "10.255.0.1"
PEER_IP = "10.255.2.2"
SPI_IN_BASE = 0x10000
SPI_OUT_BASE = 0x20000
IMIX = (64, 570, 64, 1518, 64, 570, 64, 64, 570, 64, 570, 64)  # 7:4:1, as hs-esp-bench
PKTS_ALIGN = 96  # lcm(IMIX period 12, burst 32)
PKTS_MIN = 4032  # per queue; net_pcap infinite_rx pins one mbuf per record
ETH_HDR = 14
MAX_SAS = 40 * 256  # the addressing plan's room (10.0-39.x.0/24)


def ip_of(s):
    return socket.inet_aton(s)


def local_net(i):
    return (10, i >> 8, i & 255)


def remote_net(i):
    return (10, 128 + (i >> 8), i & 255)


def keys_of(cipher, i, direction):
    """(enc-key, auth-key) of SA i: the same bytes in the config and in the pcap."""
    h = hashlib.sha256(b"hubsec-dpbench/%s/%d" % (direction.encode(), i)).digest()
    if cipher == "gcm":
        return h[:20], b""  # 16-byte key + 4-byte salt (RFC 4106 section 8.1)
    return h[:16], hashlib.sha1(h).digest()  # AES-128 key, 20-byte HMAC-SHA1 key


def csum(hdr):
    s = 0
    for (w,) in struct.iter_unpack("!H", hdr):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload_len, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident & 0xFFFF, 0, 64, proto, 0,
                    src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def inner_packet(frame, src, dst, sport, ident):
    """IPv4/UDP packet whose Ethernet frame (no FCS) is `frame` bytes."""
    ip_len = frame - ETH_HDR
    udp_len = ip_len - 20
    udp = struct.pack("!HHHH", sport, 5001, udp_len, 0) + bytes(udp_len - 8)
    return ipv4(src, dst, 17, udp_len, ident) + udp


class EspSa:
    """Outbound ESP of the peer (= the box's inbound SA), tunnel mode, no ESN."""

    def __init__(self, cipher, spi, enc, auth):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.cipher, self.spi, self.seq = cipher, spi, 0
        if cipher == "gcm":
            self.aead, self.salt = AESGCM(enc[:16]), enc[16:20]
        else:
            self.enc, self.auth = enc, auth
            self._cbc = lambda iv: Cipher(algorithms.AES(enc), modes.CBC(iv)).encryptor()

    def encap(self, inner):
        self.seq += 1
        hdr = struct.pack("!II", self.spi, self.seq)
        align = 4 if self.cipher == "gcm" else 16
        padlen = (-(len(inner) + 2)) % align
        pt = inner + bytes(range(1, padlen + 1)) + bytes([padlen, 4])  # next header: IPv4
        if self.cipher == "gcm":
            iv = struct.pack("!Q", self.seq)  # RFC 4106 section 3.1: unique per key
            ct = self.aead.encrypt(self.salt + iv, pt, hdr)  # ciphertext || 16-byte ICV
            return hdr + iv + ct
        iv = hashlib.md5(hdr).digest()  # any unpredictable-looking 16 bytes will do
        e = self._cbc(iv)
        ct = e.update(pt) + e.finalize()
        icv = hmac.new(self.auth, hdr + iv + ct, hashlib.sha1).digest()[:12]
        return hdr + iv + ct + icv


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1700000000
        rec = struct.Struct("<IIII")
        for k, fr in enumerate(frames):
            f.write(rec.pack(t, k % 1000000, len(fr), len(fr)))
            f.write(fr)


def mix32(h):
    """sad.c mix32(): to predict which worker owns an SA (hs_sad_owner)."""
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def owner(spi, direction, workers):
    """Mirror of dataplane/sad.c hs_sad_owner (HS_SA_IN = 0, HS_SA_OUT = 1)."""
    if workers <= 1:
        return 0
    d = 1 if direction == "out" else 0
    h = mix32(spi ^ ((d * 0x9E3779B9) & 0xFFFFFFFF))
    return (h * workers) >> 32


def frames_for(args, sas, n):
    """n frames for the SAs in `sas` (round-robin), case sizes cycling."""
    port_mac = PCAP_MAC
    sizes = IMIX if args.size == "imix" else (int(args.size),)
    esp = {}
    out = []
    for j in range(n):
        i = sas[j % len(sas)]
        frame = sizes[j % len(sizes)]
        ln, rn = local_net(i), remote_net(i)
        host = 1 + (j // len(sas)) % 250
        loc = bytes(ln + (host,))
        rem = bytes(rn + (host,))
        if args.dir == "out":
            pkt = inner_packet(frame, loc, rem, 1024 + j % 4096, j)
            out.append(port_mac + INSIDE_GW_MAC + b"\x08\x00" + pkt)
            continue
        sa = esp.get(i)
        if sa is None:
            enc, auth = keys_of(args.cipher, i, "in")
            sa = esp[i] = EspSa(args.cipher, SPI_IN_BASE + i, enc, auth)
        body = sa.encap(inner_packet(frame, rem, loc, 1024 + j % 4096, j))
        outer = ipv4(ip_of(PEER_IP), ip_of(OUTSIDE_IP), 50, len(body), j)
        out.append(port_mac + PEER_MAC + b"\x08\x00" + outer + body)
    return out


def config_text(args, vdev_in, vdev_out):
    tset = "[esp-gcm 128]" if args.cipher == "gcm" else "[esp-aes 128, esp-sha-hmac]"
    replay = 0 if args.dir == "in" else 64
    w = []
    w.append("# generated by tests/bench/gen_bench.py for scripts/bench-dataplane.sh; "
             "LAB KEYS ONLY\n")
    w.append("hostname: dpbench\nlog-level: warning\n")
    w.append("interfaces:\n")
    mac = ", mac: " + ":".join("%02x" % b for b in NULL_MAC)
    w.append("  - {name: inside, port: %s, role: inside, ipv4: %s/24%s, mtu: 9000}\n"
             % (vdev_in, INSIDE_IP, mac if args.dir == "in" else ""))
    w.append("  - {name: outside, port: %s, role: outside, ipv4: %s/16%s, mtu: 9000}\n"
             % (vdev_out, OUTSIDE_IP, mac if args.dir == "out" else ""))
    w.append("routes:\n")
    w.append("  - {prefix: 10.0.0.0/10, next-hop: %s, interface: inside}\n" % INSIDE_GW)
    w.append("  - {prefix: 10.128.0.0/10, next-hop: %s, interface: outside}\n" % PEER_IP)
    w.append("neighbors:\n")
    w.append("  - {address: %s, mac: %s, interface: inside}\n"
             % (INSIDE_GW, ":".join("%02x" % b for b in INSIDE_GW_MAC)))
    w.append("  - {address: %s, mac: %s, interface: outside}\n"
             % (PEER_IP, ":".join("%02x" % b for b in PEER_MAC)))
    w.append("transform-sets:\n  BENCH: {esp: %s}\n" % tset)
    w.append("access-lists:\n  bench:\n")
    for i in range(args.sas):
        w.append("    - {action: permit, source: %d.%d.%d.0/24, destination: %d.%d.%d.0/24}\n"
                 % (local_net(i) + remote_net(i)))
    w.append("crypto-maps:\n  bench_map:\n    interface: outside\n    entries:\n")
    w.append("      - {seq: 10, match-address: bench, peer: %s, transform-sets: BENCH, "
             "replay-window-size: %d}\n" % (PEER_IP, replay))
    w.append("static-sas:\n")
    for i in range(args.sas):
        ein, ain = keys_of(args.cipher, i, "in")
        eout, aout = keys_of(args.cipher, i, "out")
        ka = lambda a: (", auth-key: " + a.hex()) if a else ""
        w.append("  - {name: sa%d, crypto-map: bench_map, seq: 10, acl-line: %d,\n"
                 "     inbound: {spi: 0x%x, enc-key: %s%s},\n"
                 "     outbound: {spi: 0x%x, enc-key: %s%s}}\n"
                 % (i, i + 1, SPI_IN_BASE + i, ein.hex(), ka(ain), SPI_OUT_BASE + i,
                    eout.hex(), ka(aout)))
    return "".join(w)


def cmd_gen(args):
    if not 1 <= args.sas <= MAX_SAS:
        sys.exit("gen_bench.py: --sas: 1..%d" % MAX_SAS)
    os.makedirs(args.outdir, exist_ok=True)
    # Which SAs each RX queue carries: all of them, or (--by-owner) those the
    # worker polling that queue owns, so no packet is handed off.
    spi_base = SPI_OUT_BASE if args.dir == "out" else SPI_IN_BASE
    groups = []
    for q in range(args.queues):
        if args.by_owner and args.workers > 1:
            g = [i for i in range(args.sas) if owner(spi_base + i, args.dir, args.workers) == q]
        else:
            g = list(range(args.sas))
        if not g:
            sys.exit("gen_bench.py: no SA owned by worker %d: use more SAs" % q)
        groups.append(g)
    pcaps, total = [], 0
    for q, g in enumerate(groups):
        n = max(PKTS_MIN, -(-len(g) // PKTS_ALIGN) * PKTS_ALIGN)
        frames = frames_for(args, g, n)
        write_pcap(os.path.join(args.outdir, "q%d" % q), frames)
        pcaps.append("q%d" % q)
        total += n
    sizes = IMIX if args.size == "imix" else (int(args.size),)
    clear_avg = sum(sizes) / len(sizes)
    # Paths relative to --outdir (run the dataplane / testpmd there): the
    # config's port string holds at most 255 characters, enough so for 20 queues.
    rx = "net_pcap0," + ",".join("rx_pcap=" + p for p in pcaps) + ",infinite_rx=1"
    sink = "net_null0,no-rx=1"
    vdev_in, vdev_out = (rx, sink) if args.dir == "out" else (sink, rx)
    for v in (vdev_in, vdev_out):
        if len(v) >= 256:  # HS_CONFIG_STR_MAX
            sys.exit("gen_bench.py: devargs too long for the config's port (%d >= 256 "
                     "characters): fewer queues" % len(v))
    with open(os.path.join(args.outdir, "case.yaml"), "w") as f:
        # The ports are probed by the dataplane from these devargs, not by EAL's
        # --vdev: see the note on mbuf dynamic fields in bench-dataplane.sh.
        f.write(config_text(args, '"%s"' % vdev_in, '"%s"' % vdev_out))
    print(json.dumps({
        "config": os.path.join(args.outdir, "case.yaml"), "pcaps": pcaps, "packets": total,
        "vdev_inside": vdev_in, "vdev_outside": vdev_out,
        "rx_port": 0 if args.dir == "out" else 1, "tx_port": 1 if args.dir == "out" else 0,
        "clear_frame_avg": clear_avg,
    }))


# ------------------------------------------------------------------ telemetry

class Telemetry:
    def __init__(self, prefix, timeout):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        if os.getuid() != 0:
            path = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk", prefix,
                                "dpdk_telemetry.v2")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        info = json.loads(self.s.recv(1 << 16).decode())
        self.bufsz = int(info.get("max_output_len", 16384)) + 64

    def get(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(self.bufsz).decode())[cmd.split(",")[0]]


def eth_stats(tel, port):
    t0 = time.monotonic()
    s = tel.get("/ethdev/stats,%d" % port)
    return (t0 + time.monotonic()) / 2, s


def worker_tasks(pid):
    """Thread ids of a DPDK process's worker lcores (named rte-worker-N / lcore-worker-N)."""
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                if "worker" in f.read():
                    out.append(int(t))
    except OSError:
        pass
    return out


def run_ns(pid, tids):
    """Nanoseconds the worker threads have spent on a CPU (schedstat field 1)."""
    n = 0
    for t in tids:
        try:
            with open("/proc/%d/task/%d/schedstat" % (pid, t)) as f:
                n += int(f.read().split()[0])
        except OSError:
            pass
    return n


def cmd_sample(args):
    rx_port, tx_port = (int(x) for x in args.ports.split(","))
    tel = Telemetry(args.prefix, args.connect_timeout)
    # Forwarding before the warm-up starts: the RX count grows (net_pcap counts the
    # records it loads at start already; telemetry answers null until a port exists)
    # and, for hubsec, its endpoints are registered (they come after the ports).
    deadline = time.monotonic() + args.connect_timeout
    last = -1
    while True:
        n = (eth_stats(tel, rx_port)[1] or {}).get("ipackets", 0)
        ready = not args.hubsec or tel.get("/hubsec/drops") is not None
        if last > 0 and n > last and ready:
            break
        if time.monotonic() > deadline:
            print(json.dumps({"error": "port %d not receiving" % rx_port}))
            return 1
        last = n
        time.sleep(0.1)
    drops0 = tel.get("/hubsec/drops") if args.hubsec else None
    time.sleep(args.warmup)
    tids = worker_tasks(args.pid) if args.pid else []
    prev = (eth_stats(tel, rx_port), eth_stats(tel, tx_port), run_ns(args.pid, tids))
    for r in range(args.rounds):
        time.sleep(args.interval)
        cur = (eth_stats(tel, rx_port), eth_stats(tel, tx_port), run_ns(args.pid, tids))
        (t0, a0), (u0, b0), c0 = prev
        (t1, a1), (u1, b1), c1 = cur
        secs = (t1 - t0 + u1 - u0) / 2
        # Share of its core each worker thread got (others' processes take the rest).
        share = (c1 - c0) / 1e9 / secs / len(tids) if tids and secs > 0 else -1
        print(json.dumps({
            "round": r + 1, "seconds": round(secs, 6), "cpu_share": round(share, 4),
            "rx_pkts": a1["ipackets"] - a0["ipackets"], "tx_pkts": b1["opackets"] - b0["opackets"],
            "rx_bytes": a1["ibytes"] - a0["ibytes"], "tx_bytes": b1["obytes"] - b0["obytes"],
            "imissed": a1["imissed"] - a0["imissed"], "rx_nombuf": a1["rx_nombuf"] - a0["rx_nombuf"],
            "oerrors": b1["oerrors"] - b0["oerrors"],
        }), flush=True)
        prev = cur
    if args.hubsec:
        d1 = tel.get("/hubsec/drops")
        print(json.dumps({"drops": {k: d1[k] - drops0.get(k, 0) for k in d1
                                    if d1[k] != drops0.get(k, 0)}}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--dir", choices=("out", "in"), required=True)
    g.add_argument("--cipher", choices=("gcm", "cbc"), required=True)
    g.add_argument("--size", choices=("64", "imix", "1420"), required=True)
    g.add_argument("--sas", type=int, default=1)
    g.add_argument("--queues", type=int, default=1, help="RX queues (one pcap each)")
    g.add_argument("--workers", type=int, default=1)
    g.add_argument("--by-owner", action="store_true",
                   help="queue k carries only the SAs worker k owns (no handoff)")
    g.add_argument("--outdir", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--prefix", required=True)
    s.add_argument("--ports", required=True, help="RX,TX port ids")
    s.add_argument("--rounds", type=int, default=5)
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--warmup", type=float, default=1.0)
    s.add_argument("--connect-timeout", type=float, default=60.0)
    s.add_argument("--hubsec", action="store_true")
    s.add_argument("--pid", type=int, default=0, help="process whose worker threads' CPU "
                   "share to report")
    args = ap.parse_args()
    if args.cmd == "gen":
        return cmd_gen(args)
    return cmd_sample(args)


if __name__ == "__main__":
    sys.exit(main() or 0)
