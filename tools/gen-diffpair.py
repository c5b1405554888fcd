#!/usr/bin/env python3
"""Writes two large synthetic fwc policies that differ in a fraction of
their flows, for timing `fwc diff` (tools/bench-diff.sh).

  gen-diffpair.py OLD.xml NEW.xml [FLOWS] [PERCENT]

FLOWS flows (default 50000; one deny per 50) from /24+/64 boundaries to
hosts on one of a few services, behind one gateway with 8 interfaces and
an 'any' uplink. NEW changes PERCENT percent of the flows (default 1):
half of them get another service, half another destination host.
Deterministic: the same arguments give the same bytes.
"""
import random
import sys

SVCS = [("web", "tcp", "80"), ("tls", "tcp", "443"), ("sql", "tcp", "1433"),
        ("dns", "udp", "53"), ("rpc", "tcp", "49152-65535"),
        ("smb", "tcp", "445")]


def write(path, flows, nb, nh, nif):
    with open(path, "w") as out:
        w = out.write
        w('<policy name="bench" version="1" default="drop">\n')
        for name, proto, port in SVCS:
            w('<service name="%s"><port protocol="%s" port="%s"/></service>\n'
              % (name, proto, port))
        for i in range(nb):
            a, b = divmod(i, 256)
            w('<boundary name="b%d"><subnet>10.%d.%d.0/24</subnet>'
              '<prefix>2001:db8:%x:%x::/64</prefix></boundary>\n'
              % (i, a % 256, b, a, b))
        for i in range(nh):
            a, b = divmod(i * 10, 256)
            w('<host name="h%d"><address>10.%d.%d.5</address></host>\n'
              % (i, a % 256, b))
        for i, (kind, src, dst, svc) in enumerate(flows):
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


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(argv) > 1 else 2
    n = int(argv[3]) if len(argv) > 3 else 50000
    pct = float(argv[4]) if len(argv) > 4 else 1.0
    nb, nif = n // 10, 8
    nh = max(1, nb // 10)
    rnd = random.Random(1)
    flows = []
    for i in range(n):
        kind = "deny" if i % 50 == 49 else "allow"
        flows.append((kind, rnd.randrange(nb), rnd.randrange(nh),
                      SVCS[rnd.randrange(len(SVCS))][0]))
    new = list(flows)
    changed = rnd.sample(range(n), int(n * pct / 100))
    for k, i in enumerate(changed):
        kind, src, dst, svc = new[i]
        if k % 2 == 0:
            others = [s[0] for s in SVCS if s[0] != svc]
            new[i] = (kind, src, dst, others[rnd.randrange(len(others))])
        else:
            new[i] = (kind, src, (dst + 1 + rnd.randrange(nh - 1)) % nh, svc)
    write(argv[1], flows, nb, nh, nif)
    write(argv[2], new, nb, nh, nif)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
