#!/usr/bin/env python3
"""Overlapping-boundary lint at scale (docs/review.md, section 3).

Writes a policy of N random boundaries (IPv4 subnets and ranges, IPv6
prefixes; some nested in, equal to or straddling earlier ones), computes
by brute force over every pair which boundaries overlap without one
containing the other, and compares that with the warnings and notes of
`fwc check`, in order, with their locations. Usage:
lint-overlap.py FWC DIR [N [SEED]]. Exit 0 when they agree."""
import random
import subprocess
import sys


def cidr4(base, length):
    return (base, base + (1 << (32 - length)) - 1)


def fmt4(v):
    return ".".join(str((v >> s) & 255) for s in (24, 16, 8, 0))


def merge(ivs):
    out = []
    for lo, hi in sorted(ivs):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def overlaps(a, b):
    return any(x[0] <= y[1] and y[0] <= x[1] for x in a for y in b)


def subset(a, b):
    return all(any(y[0] <= x[0] and x[1] <= y[1] for y in b) for x in a)


def main():
    fwc, d = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 5)
    base4 = 10 << 24
    bounds = []  # (items text, {fam: intervals})
    for i in range(n):
        items = []
        sets = {4: [], 6: []}
        kind = rng.random()
        if kind < 0.1 and bounds:
            # Inside, equal to or straddling an earlier boundary's first
            # IPv4 interval.
            prev = rng.choice(bounds)[1][4]
            if prev:
                lo, hi = prev[0]
                a = rng.randrange(lo, hi + 1)
                b = rng.randrange(a, hi + 1)
                if rng.random() < 0.3:
                    b = hi + rng.randrange(1, 64)
                items.append("<range>%s-%s</range>" % (fmt4(a), fmt4(b)))
                sets[4].append((a, b))
        for _ in range(rng.randrange(1, 3)):
            r = rng.random()
            if r < 0.6:
                length = rng.randrange(24, 31)
                base = base4 + (rng.randrange(0, 1 << 20) >> (32 - length)
                                << (32 - length))
                items.append("<subnet>%s/%d</subnet>" % (fmt4(base), length))
                sets[4].append(cidr4(base, length))
            elif r < 0.9:
                a = base4 + rng.randrange(0, 1 << 20)
                b = a + rng.randrange(0, 200)
                items.append("<range>%s-%s</range>" % (fmt4(a), fmt4(b)))
                sets[4].append((a, b))
            else:
                k = rng.randrange(0, 64)
                length = 62 if rng.random() < 0.5 else 64
                base = k >> (64 - length) << (64 - length) if length < 64 else k
                items.append("<prefix>2001:db8:0:%x::/%d</prefix>" %
                             (base, length))
                lo = base << 64
                sets[6].append((lo, lo + (1 << (128 - length)) - 1))
        bounds.append((items, {4: merge(sets[4]), 6: merge(sets[6])}))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<policy name="overlap" version="1" default="drop">']
    first = len(lines) + 1
    for i, (items, _) in enumerate(bounds):
        lines.append('  <boundary name="b%d">%s</boundary>' %
                     (i, "".join(items)))
    lines += ['  <gateway name="gw" os="linux">',
              '    <interface name="up0" boundary="any"/>',
              '  </gateway>', '</policy>']
    path = d + "/overlap.xml"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    want = []
    for j in range(n):
        for i in range(j):
            a, b = bounds[i][1], bounds[j][1]
            if not (overlaps(a[4], b[4]) or overlaps(a[6], b[6])):
                continue
            if (subset(a[4], b[4]) and subset(a[6], b[6])) or \
               (subset(b[4], a[4]) and subset(b[6], a[6])):
                continue
            want.append("%s:%d:13: warning: boundary 'b%d' overlaps "
                        "boundary 'b%d' without containing it or lying "
                        "inside it" % (path, first + j, j, i))
            want.append("%s:%d:13: note: boundary 'b%d' is here" %
                        (path, first + i, i))
    r = subprocess.run([fwc, "check", path], capture_output=True, text=True)
    got = [l for l in r.stderr.splitlines()
           if " overlaps boundary " in l or l.endswith("' is here")]
    if got != want:
        print("FAIL lint overlap: %d expected lines, %d got" %
              (len(want), len(got)))
        for k, (x, y) in enumerate(zip(want, got)):
            if x != y:
                print("  line %d: expected %s\n           got      %s" %
                      (k + 1, x, y))
                break
        return 1
    print("review: lint found the %d overlapping pairs of %d boundaries" %
          (len(want) // 2, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
