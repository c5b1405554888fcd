#!/usr/bin/env python3
"""Checks that a compiler's output enforces exactly the benchmark flows.

  equiv.py EXPECTED KIND OUTPUT

EXPECTED is the expected.tsv that gen.py writes (one flow a line: action,
source, destination, protocol, destination ports, as the generator meant
them, independent of any compiler). KIND says how to read OUTPUT:
  iptables   iptables rules in any of the forms of fwc (-t iptables),
             Firewall Builder (fwb_ipt's script) and Shorewall's compiled
             script: each line with -s, -d, -p, --dport and -j ACCEPT|DROP
  pf         pf.conf rules (fwc -t pf, fwb_pf): pass|block ... proto P
             from S to D port ...
Each filtering rule found becomes the tuple (action, source, destination,
protocol, ports); the set of tuples must equal the flows. Prints one line
("same 2000 rules" or what differs) and exits 0 when equal, 1 otherwise.
"""
import re
import sys

PROTO = {"6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp"}


def norm_addr(a):
    return a[:-3] if a.endswith("/32") else a


def norm_ports(p):
    p = p.replace("-", ":")
    if ":" in p:
        lo, hi = p.split(":")
        return lo if lo == hi else "%s:%s" % (lo, hi)
    return p


def read_expected(path):
    out = set()
    with open(path) as fh:
        for line in fh:
            act, src, dst, proto, ports = line.split()
            out.add((act, norm_addr(src), norm_addr(dst), proto,
                     norm_ports(ports)))
    return out


def opt(words, name):
    for i, w in enumerate(words[:-1]):
        if w == name:
            return words[i + 1]
    return None


def read_iptables(path):
    out = []
    with open(path, errors="replace") as fh:
        for line in fh:
            words = line.replace('"', " ").split()
            act = opt(words, "-j")
            src = opt(words, "-s")
            dst = opt(words, "-d")
            proto = opt(words, "-p")
            port = opt(words, "--dport")
            if (act in ("ACCEPT", "DROP") and src and dst and port and
                    proto in PROTO):
                out.append((act, norm_addr(src), norm_addr(dst),
                            PROTO[proto], norm_ports(port)))
    return out


PF_RULE = re.compile(r"^(pass|block)\b.*\bproto (tcp|udp) +from (\S+) +to "
                     r"(\S+) +port (= |>= |)(\d+(?::\d+)?)")


PF_TABLE = re.compile(r"^table <([^>]+)>.*\{([^}]*)\}")


def read_pf(path):
    """Rules, with addresses given through tables (<name>) expanded."""
    out = []
    tables = {}
    with open(path, errors="replace") as fh:
        lines = [l.strip() for l in fh]
    for line in lines:
        m = PF_TABLE.match(line)
        if m:
            tables["<%s>" % m.group(1)] = [a.strip() for a in
                                           m.group(2).split(",") if a.strip()]
    in_legs = set()
    for line in lines:
        m = PF_RULE.match(line)
        if not m:
            continue
        act = "ACCEPT" if m.group(1) == "pass" else "DROP"
        port = m.group(6)
        if m.group(5) == ">= ":
            port = "%s:65535" % port
        # fwc writes a forward deny as a tagging pass on the way in and a
        # block of the tagged packet on the way out (docs/pf.md): the
        # pass is only the deny's inbound leg.
        leg = act == "ACCEPT" and re.search(r"\btag \S+", line) is not None
        for src in tables.get(m.group(3), [m.group(3)]):
            for dst in tables.get(m.group(4), [m.group(4)]):
                t = (act, norm_addr(src), norm_addr(dst), m.group(2),
                     norm_ports(port))
                out.append(t)
                if leg:
                    in_legs.add(t)
    drops = set(t[1:] for t in out if t[0] == "DROP")
    return [t for t in out if not (t in in_legs and t[1:] in drops)]


def compare(expected, found):
    got = set(found)
    missing = expected - got
    extra = got - expected
    if not missing and not extra:
        return True, "same %d rules" % len(expected)
    # (flows are distinct, so the count is the number of flows)
    msg = "%d of %d flows missing, %d unexpected rules" % (
        len(missing), len(expected), len(extra))
    for t in sorted(missing)[:3]:
        msg += "\n  missing: %s" % " ".join(t)
    for t in sorted(extra)[:3]:
        msg += "\n  unexpected: %s" % " ".join(t)
    return False, msg


def main(argv):
    if len(argv) != 4 or argv[2] not in ("iptables", "pf"):
        sys.stderr.write("usage: equiv.py EXPECTED iptables|pf OUTPUT\n")
        return 2
    expected = read_expected(argv[1])
    found = read_iptables(argv[3]) if argv[2] == "iptables" else read_pf(
        argv[3])
    ok, msg = compare(expected, found)
    print(msg)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
