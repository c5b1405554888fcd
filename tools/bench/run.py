#!/usr/bin/env python3
"""Compile-speed benchmark of fwc against Firewall Builder and Shorewall.

  run.py [--fwc PATH] [--out DIR] [--sizes 200,2000,...] [--cap SECONDS]
         [--competitor-max FLOWS] [--repeat N]

For each size, tools/bench/gen.py writes the same policy as fwc XML, as
Firewall Builder databases and as a Shorewall directory; then fwc and each
competitor compile it in the same run, each under /usr/bin/time (wall
time, user+sys CPU time, peak RSS). Competitors run under a time cap and
count as "> cap" when they hit it; above --competitor-max flows they are
not run at all (said in the output). Shorewall runs in a throwaway
network and mount namespace (unshare), so it never touches the host's
firewall. Prints a side-by-side table, the ratios, fwc's scaling exponent
and the targets of issue 6; writes the same text to OUT/results.txt.
Exit status: 0, or 1 when a run that must succeed failed (fwc, or a
competitor that neither finished nor hit the cap).
"""
import argparse
import math
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TIME_FMT = "%e %U %S %M %x"

# Issue 6 targets: (flows, seconds) and memory.
TARGET_TIME = {20000: 0.2, 200000: 2.0}
TARGET_RSS_MB = 300
TARGET_RATIO_FLOWS = 2000
TARGET_RATIO = 100


class Run:
    """One timed command: wall, cpu (user+sys) seconds, rss in MB."""

    def __init__(self, name, wall=None, cpu=None, rss=None, status="ok",
                 note=""):
        self.name = name
        self.wall = wall
        self.cpu = cpu
        self.rss = rss
        self.status = status  # ok, cap, fail, skip
        self.note = note


def timed(name, argv, cap, cwd, log, ok_rc=(0,), must_make=None):
    """Runs argv under /usr/bin/time (and timeout when cap is set)."""
    tfile = log + ".time"
    cmd = ["/usr/bin/time", "-f", TIME_FMT, "-o", tfile]
    if cap:
        cmd += ["timeout", "--signal=KILL", str(cap)]
    cmd += argv
    with open(log, "w") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        subprocess.call(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    with open(tfile) as fh:
        lines = [l for l in fh.read().split("\n") if l.strip()]
    fields = lines[-1].split()
    wall, user, sys_, rss_kb, rc = (float(fields[0]), float(fields[1]),
                                    float(fields[2]), int(fields[3]),
                                    int(fields[4]))
    r = Run(name, wall, user + sys_, rss_kb / 1024.0)
    if cap and (rc == 137 or rc == 124 or
                any("signal 9" in l for l in lines)) and wall >= cap * 0.98:
        r.status = "cap"
    elif rc not in ok_rc or (must_make and not os.path.exists(must_make)):
        r.status = "fail"
        r.note = "exit %d, see %s" % (rc, log)
    return r


def fmt_time(r, cap):
    if r is None or r.status == "skip":
        return "-"
    if r.status == "cap":
        return "> %g" % cap
    if r.status == "fail":
        return "FAIL"
    return "%.2f" % r.wall if r.wall < 10 else "%.1f" % r.wall


def fmt_cpu(r, cap):
    if r is None or r.status != "ok":
        return fmt_time(r, cap)
    return "%.2f" % r.cpu if r.cpu < 10 else "%.1f" % r.cpu


def fmt_rss(r):
    if r is None or r.status != "ok":
        return "-"
    return "%.0f" % r.rss


def ratio(fast, slow, cap):
    """How many times faster fast is than slow, by wall time."""
    if fast is None or slow is None or fast.status != "ok":
        return "-"
    if slow.status == "cap":
        return "> %.0fx" % (cap / max(fast.wall, 0.001))
    if slow.status != "ok":
        return "-"
    return "%.0fx" % (slow.wall / max(fast.wall, 0.001))


def best_of(n, fn):
    runs = [fn(i) for i in range(n)]
    bad = [r for r in runs if r.status != "ok"]
    if bad:
        return bad[0]
    return min(runs, key=lambda r: r.wall)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for l in fh:
                if l.startswith("model name"):
                    cpu = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def ver(pkg):
        try:
            return subprocess.check_output(
                ["dpkg-query", "-W", "-f=${Version}", pkg],
                stderr=subprocess.DEVNULL).decode()
        except (OSError, subprocess.CalledProcessError):
            return "not installed"

    return ("machine: %s, %d CPUs, %s, kernel %s\n"
            "versions: fwbuilder %s, shorewall %s, libxml2 %s\n"
            % (cpu, os.cpu_count() or 0, platform.machine(),
               platform.release(), ver("fwbuilder"), ver("shorewall"),
               ver("libxml2")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fwc", default="build/fwc")
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--sizes", default="200,2000,20000,200000")
    ap.add_argument("--cap", type=float, default=120)
    ap.add_argument("--competitor-max", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # A private copy: a rebuild of the tree during the run must not swap
    # the binary under the benchmark.
    fwc = os.path.join(out, "fwc")
    shutil.copy2(os.path.abspath(args.fwc), fwc)
    have_fwb = shutil.which("fwb_ipt") and shutil.which("fwb_pf")
    have_sw = shutil.which("shorewall") and shutil.which("unshare")
    cap = args.cap
    text = []

    def say(s=""):
        text.append(s)
        print(s, flush=True)

    say("fwc compile benchmark (tools/bench/run.py)")
    say(machine().rstrip())
    say("load average at start: %.2f %.2f %.2f (other work on the machine "
        "inflates wall times; CPU times are steadier)" % os.getloadavg())
    say("fwc: best wall time of %d runs; competitors: one run, cap %g s, "
        "not run above %d flows" % (args.repeat, cap, args.competitor_max))
    if not have_fwb:
        say("Firewall Builder (fwb_ipt, fwb_pf) not installed: skipped")
    if not have_sw:
        say("Shorewall (or unshare) not installed: skipped")
    say()
    results = {}
    checks = []
    failed = False
    for n in sizes:
        d = os.path.join(out, str(n))
        if os.path.isdir(d):
            shutil.rmtree(d)
        subprocess.check_call([sys.executable, os.path.join(HERE, "gen.py"),
                               str(n), d])
        res = {}
        for tgt in ("nft", "iptables", "pf"):
            o = os.path.join(d, "fwc." + tgt)
            res["fwc-" + tgt] = best_of(args.repeat, lambda i, t=tgt, o=o:
                                        timed("fwc-" + t, [
                                            fwc, "compile", "policy.xml",
                                            "--gateway", "gw", "-t", t,
                                            "-o", o], None, d,
                                            os.path.join(d, "fwc-%s-%d.log"
                                                         % (t, i)),
                                            must_make=o))
            if res["fwc-" + tgt].status != "ok":
                failed = True
        run_comp = n <= args.competitor_max
        if have_fwb and run_comp:
            res["fwb_ipt"] = timed("fwb_ipt", [
                "fwb_ipt", "-q", "-f", "ipt.fwb", "-d", d, "-o",
                os.path.join(d, "fwb-ipt.fw"), "gw"], cap, d,
                os.path.join(d, "fwb_ipt.log"),
                must_make=os.path.join(d, "fwb-ipt.fw"))
            # fwb_pf exits 1 even when it says "Compiled successfully".
            res["fwb_pf"] = timed("fwb_pf", [
                "fwb_pf", "-q", "-f", "pf.fwb", "-d", d, "-o",
                os.path.join(d, "fwb-pf.fw"), "gw"], cap, d,
                os.path.join(d, "fwb_pf.log"), ok_rc=(0, 1),
                must_make=os.path.join(d, "fwb-pf.conf"))
        if have_sw and run_comp:
            sw = os.path.join(d, "shorewall")
            # The capabilities that `compile -e` needs, probed in a
            # throwaway network namespace with our shorewall.conf bound
            # over /etc's in a private mount namespace; not timed.
            with open(os.path.join(sw, "capabilities"), "w") as fh:
                subprocess.call(["unshare", "-m", "-n", "sh", "-c",
                                 'mount --bind "$1/shorewall.conf" '
                                 '/etc/shorewall/shorewall.conf && '
                                 'shorewall show -f capabilities', "sh", sw],
                                stdout=fh, stderr=subprocess.DEVNULL)
            res["shorewall"] = timed("shorewall", [
                "unshare", "-n", "shorewall", "compile", "-e", sw,
                os.path.join(d, "shorewall.fw")], cap, d,
                os.path.join(d, "shorewall.log"),
                must_make=os.path.join(d, "shorewall.fw"))
        for k in ("fwb_ipt", "fwb_pf", "shorewall"):
            if k in res and res[k].status == "fail":
                failed = True
                say("%s failed at %d flows: %s" % (k, n, res[k].note))
        # Every output that was made must enforce exactly the flows.
        for k, kind, f in (("fwc-iptables", "iptables", "fwc.iptables"),
                           ("fwc-pf", "pf", "fwc.pf"),
                           ("fwb_ipt", "iptables", "fwb-ipt.fw"),
                           ("fwb_pf", "pf", "fwb-pf.conf"),
                           ("shorewall", "iptables", "shorewall.fw")):
            if k not in res or res[k].status != "ok":
                continue
            p = subprocess.run([sys.executable,
                                os.path.join(HERE, "equiv.py"),
                                os.path.join(d, "expected.tsv"), kind,
                                os.path.join(d, f)],
                               stdout=subprocess.PIPE,
                               universal_newlines=True)
            checks.append("  %d flows, %s: %s" % (n, k, p.stdout.strip()))
            if p.returncode != 0:
                failed = True
        results[n] = res

    say("Equivalence (tools/bench/equiv.py: the filtering rules of each "
        "output against the generated flows):")
    for line in checks:
        say(line)
    say()
    say("Wall time in seconds (CPU user+sys in brackets), peak RSS in MB:")
    say()
    cols = ["fwc-nft", "fwc-iptables", "fwc-pf", "fwb_ipt", "fwb_pf",
            "shorewall"]
    say("| flows | " + " | ".join(cols) + " |")
    say("|---:|" + "---:|" * len(cols))
    for n in sizes:
        cells = []
        for c in cols:
            r = results[n].get(c)
            if r is None:
                cells.append("not run")
            else:
                cells.append("%s (%s) %s MB" % (fmt_time(r, cap),
                                                fmt_cpu(r, cap), fmt_rss(r)))
        say("| %d | %s |" % (n, " | ".join(cells)))
    say()
    say("fwc faster than the competitor by (wall time, fwc on the same "
        "kind of output):")
    say()
    say("| flows | fwb_ipt / fwc-iptables | fwb_pf / fwc-pf | "
        "shorewall / fwc-iptables |")
    say("|---:|---:|---:|---:|")
    for n in sizes:
        r = results[n]
        say("| %d | %s | %s | %s |" % (
            n, ratio(r.get("fwc-iptables"), r.get("fwb_ipt"), cap),
            ratio(r.get("fwc-pf"), r.get("fwb_pf"), cap),
            ratio(r.get("fwc-iptables"), r.get("shorewall"), cap)))
    say()
    say("Scaling of fwc-nft (log-log slope of CPU time between sizes; "
        "1.0 is linear):")
    ok = [n for n in sizes if results[n]["fwc-nft"].status == "ok"]
    for a, b in zip(ok, ok[1:]):
        ca = max(results[a]["fwc-nft"].cpu, 0.005)
        cb = max(results[b]["fwc-nft"].cpu, 0.005)
        say("  %d -> %d flows: %.2f" % (a, b,
                                         math.log(cb / ca) / math.log(b / a)))
    say()
    say("Targets (issue 6):")
    for n, t in sorted(TARGET_TIME.items()):
        if n in results and results[n]["fwc-nft"].status == "ok":
            r = results[n]["fwc-nft"]
            say("  %d flows in < %g s: %s by wall time (%.3f s), %s by "
                "CPU time (%.3f s)"
                % (n, t, "met" if r.wall < t else "MISSED", r.wall,
                   "met" if r.cpu < t else "MISSED", r.cpu))
    rss = [results[n]["fwc-nft"].rss for n in sizes
           if results[n]["fwc-nft"].status == "ok"]
    if rss:
        say("  peak memory < %d MB: %s (largest %.0f MB)"
            % (TARGET_RSS_MB, "met" if max(rss) < TARGET_RSS_MB
               else "MISSED", max(rss)))
    if TARGET_RATIO_FLOWS in results and "fwb_ipt" in results[
            TARGET_RATIO_FLOWS]:
        r = results[TARGET_RATIO_FLOWS]
        for k, fk in (("fwb_ipt", "fwc-iptables"), ("fwb_pf", "fwc-pf")):
            f = r[fk]
            s = r[k]
            if f.status == "ok" and s.status in ("ok", "cap"):
                x = (cap if s.status == "cap" else s.wall) / max(f.wall,
                                                                 0.001)
                say("  >= %dx faster than %s at %d flows: %s (%.0fx)"
                    % (TARGET_RATIO, k, TARGET_RATIO_FLOWS,
                       "met" if x >= TARGET_RATIO else "MISSED", x))
    with open(os.path.join(out, "results.txt"), "w") as fh:
        fh.write("\n".join(text) + "\n")
    print("results in %s" % os.path.join(out, "results.txt"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
