#!/usr/bin/env python3
"""Writes a large synthetic fwc policy to stdout, for timing the compiler.

  gen-large.py FLOWS [BOUNDARIES] [INTERFACES]

BOUNDARIES boundaries (a /24 and a /64 each), grouped behind INTERFACES
gateway interfaces plus one 'any' interface; a host per 10 boundaries;
FLOWS allow flows (one deny per 50) from a boundary to a host on one of a
few services. Deterministic: the same arguments give the same bytes.
"""
import random
import sys


def main(argv):
    flows = int(argv[1]) if len(argv) > 1 else 10000
    nb = int(argv[2]) if len(argv) > 2 else flows
    nif = int(argv[3]) if len(argv) > 3 else 8
    rnd = random.Random(1)
    w = sys.stdout.write
    w('<policy name="large" version="1" default="drop">\n')
    svcs = [("web", "tcp", "80"), ("tls", "tcp", "443"), ("sql", "tcp", "1433"),
            ("dns", "udp", "53"), ("rpc", "tcp", "49152-65535"),
            ("smb", "tcp", "445")]
    for name, proto, port in svcs:
        w('<service name="%s"><port protocol="%s" port="%s"/></service>\n'
          % (name, proto, port))
    for i in range(nb):
        a, b = divmod(i, 256)
        w('<boundary name="b%d"><subnet>10.%d.%d.0/24</subnet>'
          '<prefix>2001:db8:%x:%x::/64</prefix></boundary>\n'
          % (i, a % 256, b, a, b))
    nh = max(1, nb // 10)
    for i in range(nh):
        a, b = divmod(i * 10, 256)
        w('<host name="h%d"><address>10.%d.%d.5</address></host>\n'
          % (i, a % 256, b))
    for i in range(flows):
        src = rnd.randrange(nb)
        dst = rnd.randrange(nh)
        svc = svcs[rnd.randrange(len(svcs))][0]
        kind = "deny" if i % 50 == 49 else "allow"
        w('<%s name="f%d" from="b%d" to="h%d" service="%s"/>\n'
          % (kind, i, src, dst, svc))
    per = (nb + nif - 1) // nif
    for k in range(nif):
        w('<boundary name="zone%d">' % k)
        for i in range(k * per, min(nb, (k + 1) * per)):
            w('<boundary ref="b%d"/>' % i)
        w('</boundary>\n')
    w('<gateway name="gw" os="linux">\n')
    for k in range(nif):
        w('<interface name="eth%d" boundary="zone%d"/>\n' % (k, k))
    w('<interface name="up" boundary="any"/>\n</gateway>\n</policy>\n')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
