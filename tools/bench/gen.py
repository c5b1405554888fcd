#!/usr/bin/env python3
"""Writes one benchmark policy in three equivalent forms, for `make bench`.

  gen.py FLOWS OUTDIR [--fwb-std FILE]

Writes into OUTDIR:
  policy.xml      the fwc policy (services, zones, the gateway), which
                  includes boundaries-K.xml, hosts-K.xml and flows-K.xml
                  (at most 50,000 objects each)
  ipt.fwb         a Firewall Builder database, firewall 'gw' (iptables)
  pf.fwb          the same database, firewall 'gw' for pf (OpenBSD)
  shorewall/      a Shorewall configuration directory (zones, interfaces,
                  policy, rules, shorewall.conf); the capabilities file
                  that `shorewall compile -e` needs is added by run.sh
  expected.tsv    the flows as filtering rules, one a line: action
                  source destination protocol ports (for equiv.py)
  counts          one line "flows boundaries hosts zones denies"

The model, the same in all three (see docs/performance.md):
- FLOWS boundaries b0..b(N-1), each one IPv4 /27 in 10.0.0.0/8 (so up to
  524,288 of them), spread evenly over 8 zones, each zone behind one
  interface eth0..eth7 of gateway 'gw' (plus 'up' facing the rest);
- FLOWS/10 hosts h0.., host hJ at the 5th address of boundary b(10J);
- six services (tcp 80, 443, 1433, 445, 49152-65535; udp 53);
- FLOWS distinct flows, flow i from boundary b(rand) to host h(rand) in
  another zone (so that it crosses the gateway) on one service; every
  50th flow is a deny, the others allow; the default is drop.
Deny overrides allow in fwc whatever the order; the competitors use the
first match, so their denies come first. Deterministic: the same
arguments give the same bytes.
"""
import glob
import os
import random
import sys

ZONES = 8
SERVICES = [("web", "tcp", 80, 80), ("tls", "tcp", 443, 443),
            ("sql", "tcp", 1433, 1433), ("dns", "udp", 53, 53),
            ("rpc", "tcp", 49152, 65535), ("smb", "tcp", 445, 445)]


class Model:
    def __init__(self, flows):
        self.n_flows = flows
        self.n_bounds = flows
        self.n_hosts = max(1, flows // 10)
        self.per_zone = (self.n_bounds + ZONES - 1) // ZONES
        rnd = random.Random(1)
        self.flows = []
        seen = set()
        for i in range(flows):
            # Every flow crosses the gateway (source and destination in
            # different zones, else fwc, rightly, places no rule for it)
            # and no two flows are the same (Firewall Builder rejects a
            # rule shadowed by another).
            while True:
                src = rnd.randrange(self.n_bounds)
                dst = rnd.randrange(self.n_hosts)
                svc = rnd.randrange(len(SERVICES))
                if (self.zone_of_host(dst) != self.zone_of_bound(src) and
                        (src, dst, svc) not in seen):
                    break
            seen.add((src, dst, svc))
            deny = i % 50 == 49
            self.flows.append((i, src, dst, svc, deny))

    @staticmethod
    def net(i):
        """The network address of boundary i as a dotted quad."""
        base = (10 << 24) + i * 32
        return "%d.%d.%d.%d" % (base >> 24, (base >> 16) & 255,
                                (base >> 8) & 255, base & 255)

    @staticmethod
    def host_addr(j):
        base = (10 << 24) + j * 10 * 32 + 5
        return "%d.%d.%d.%d" % (base >> 24, (base >> 16) & 255,
                                (base >> 8) & 255, base & 255)

    def zone_of_bound(self, i):
        return i // self.per_zone

    def zone_of_host(self, j):
        return self.zone_of_bound(j * 10)

    def ordered(self):
        """Flows in first-match order: denies first."""
        return ([f for f in self.flows if f[4]] +
                [f for f in self.flows if not f[4]])


# Objects per included file: keeps each file well within fwc's per-file
# input limits (size and element count, include/fwc/xml.h), as a large
# estate would be split anyway.
PART = 50000


def write_part(path, lines):
    with open(path, "w") as fh:
        fh.write('<policy name="%s" version="1">\n'
                 % os.path.basename(path)[:-4])
        fh.writelines(lines)
        fh.write('</policy>\n')


def write_fwc(m, path):
    d = os.path.dirname(path)
    parts = []

    def split(stem, lines):
        for k in range(0, len(lines), PART):
            name = "%s-%d.xml" % (stem, k // PART)
            write_part(os.path.join(d, name), lines[k:k + PART])
            parts.append(name)

    split("boundaries", ['<boundary name="b%d"><subnet>%s/27</subnet>'
                         '</boundary>\n' % (i, m.net(i))
                         for i in range(m.n_bounds)])
    split("hosts", ['<host name="h%d"><address>%s</address></host>\n'
                    % (j, m.host_addr(j)) for j in range(m.n_hosts)])
    split("flows", ['<%s name="f%d" from="b%d" to="h%d" service="%s"/>\n'
                    % ("deny" if deny else "allow", i, src, dst,
                       SERVICES[svc][0])
                    for i, src, dst, svc, deny in m.flows])
    with open(path, "w") as fh:
        w = fh.write
        w('<policy name="bench" version="1" default="drop">\n')
        for name in parts:
            w('<include href="%s"/>\n' % name)
        for name, proto, lo, hi in SERVICES:
            port = str(lo) if lo == hi else "%d-%d" % (lo, hi)
            w('<service name="%s"><port protocol="%s" port="%s"/>'
              '</service>\n' % (name, proto, port))
        for k in range(ZONES):
            w('<boundary name="zone%d">' % k)
            for i in range(k * m.per_zone,
                           min(m.n_bounds, (k + 1) * m.per_zone)):
                w('<boundary ref="b%d"/>' % i)
            w('</boundary>\n')
        w('<gateway name="gw" os="linux">\n')
        for k in range(ZONES):
            w('<interface name="eth%d" boundary="zone%d"/>\n' % (k, k))
        w('<interface name="up" boundary="any"/>\n</gateway>\n</policy>\n')


def standard_library(std):
    """The 'Standard' library of Firewall Builder's objects_init.xml
    (the objects 'Any' network, service and interval that rules refer
    to), copied as it is."""
    with open(std) as fh:
        lines = fh.read().split("\n")
    start = next(i for i, l in enumerate(lines)
                 if '<Library id="syslib000"' in l)
    end = next(i for i in range(start, len(lines))
               if lines[i].strip() == "</Library>")
    return "\n".join(lines[start:end + 1]) + "\n"


def write_fwb(m, path, std, platform, host_os):
    tcp_flags = " ".join('%s_flag="False" %s_flag_mask="False"' % (f, f)
                         for f in ("ack", "fin", "psh", "rst", "syn", "urg"))
    with open(path, "w") as fh:
        w = fh.write
        w('<?xml version="1.0" encoding="utf-8"?>\n'
          '<!DOCTYPE FWObjectDatabase SYSTEM "fwbuilder.dtd">\n'
          '<FWObjectDatabase xmlns="http://www.fwbuilder.org/1.0/" '
          'version="24" lastModified="0" id="root">\n')
        w(standard_library(std))
        w('  <Library id="sysid99" name="Deleted Objects" comment="" '
          'ro="False"/>\n')
        w('  <Library id="lib1" name="User" comment="" ro="False">\n')
        w('   <ObjectGroup id="og1" name="Objects" comment="" ro="False">\n')
        w('    <ObjectGroup id="og2" name="Networks" comment="" '
          'ro="False">\n')
        for i in range(m.n_bounds):
            w('     <Network id="n%d" name="b%d" comment="" ro="False" '
              'address="%s" netmask="255.255.255.224"/>\n'
              % (i, i, m.net(i)))
        w('    </ObjectGroup>\n')
        w('    <ObjectGroup id="og3" name="Addresses" comment="" '
          'ro="False">\n')
        for j in range(m.n_hosts):
            w('     <IPv4 id="h%d" name="h%d" comment="" ro="False" '
              'address="%s" netmask="255.255.255.255"/>\n'
              % (j, j, m.host_addr(j)))
        w('    </ObjectGroup>\n')
        w('   </ObjectGroup>\n')
        w('   <ServiceGroup id="sg1" name="Services" comment="" '
          'ro="False">\n')
        for name, proto, lo, hi in SERVICES:
            if proto == "tcp":
                w('    <TCPService id="s%s" %s name="%s" comment="" '
                  'ro="False" src_range_start="0" src_range_end="0" '
                  'dst_range_start="%d" dst_range_end="%d"/>\n'
                  % (name, tcp_flags, name, lo, hi))
            else:
                w('    <UDPService id="s%s" name="%s" comment="" '
                  'ro="False" src_range_start="0" src_range_end="0" '
                  'dst_range_start="%d" dst_range_end="%d"/>\n'
                  % (name, name, lo, hi))
        w('   </ServiceGroup>\n')
        w('   <ObjectGroup id="og4" name="Firewalls" comment="" '
          'ro="False">\n')
        w('    <Firewall id="fw1" host_OS="%s" inactive="False" '
          'lastCompiled="0" lastInstalled="0" lastModified="0" '
          'platform="%s" version="" name="gw" comment="" ro="False">\n'
          % (host_os, platform))
        w('     <NAT id="fw1-nat" name="NAT" comment="" ro="False" '
          'ipv4_rule_set="False" ipv6_rule_set="False" '
          'top_rule_set="True"><RuleSetOptions/></NAT>\n')
        w('     <Policy id="fw1-policy" name="Policy" comment="" '
          'ro="False" ipv4_rule_set="True" ipv6_rule_set="False" '
          'top_rule_set="True">\n')
        for pos, (i, src, dst, svc, deny) in enumerate(m.ordered()):
            w('      <PolicyRule id="r%d" disabled="False" log="False" '
              'position="%d" action="%s" direction="Both" comment="f%d">'
              '<Src neg="False"><ObjectRef ref="n%d"/></Src>'
              '<Dst neg="False"><ObjectRef ref="h%d"/></Dst>'
              '<Srv neg="False"><ServiceRef ref="s%s"/></Srv>'
              '<Itf neg="False"><ObjectRef ref="sysid0"/></Itf>'
              '<When neg="False"><IntervalRef ref="sysid2"/></When>'
              '<PolicyRuleOptions/></PolicyRule>\n'
              % (i, pos, "Deny" if deny else "Accept", i, src, dst,
                 SERVICES[svc][0]))
        w('      <RuleSetOptions/>\n     </Policy>\n')
        w('     <Routing id="fw1-routing" name="Routing" comment="" '
          'ro="False" ipv4_rule_set="False" ipv6_rule_set="False" '
          'top_rule_set="True"><RuleSetOptions/></Routing>\n')
        names = ["eth%d" % k for k in range(ZONES)] + ["up"]
        for k, name in enumerate(names):
            w('     <Interface id="if%d" dedicated_failover="False" '
              'dyn="True" security_level="0" unnum="False" '
              'unprotected="False" name="%s" comment="" ro="False">'
              '<InterfaceOptions/></Interface>\n' % (k, name))
        w('     <Management address="0.0.0.0"/>\n')
        # The options of the firewall templates that Firewall Builder
        # ships (what a firewall made in its GUI starts with), including
        # the shadowing check and the removal of duplicates.
        w('     <FirewallOptions>')
        for k, v in (("accept_established", "true"),
                     ("accept_new_tcp_with_no_syn", "true"),
                     ("check_shading", "true"),
                     ("eliminate_duplicates", "true"),
                     ("firewall_is_part_of_any_and_networks", "true"),
                     ("local_nat", "false"),
                     ("log_level", "info"),
                     ("verify_interfaces", "true")):
            w('<Option name="%s">%s</Option>' % (k, v))
        w('</FirewallOptions>\n')
        w('    </Firewall>\n   </ObjectGroup>\n  </Library>\n'
          '</FWObjectDatabase>\n')


def write_shorewall(m, d):
    os.makedirs(d, exist_ok=True)

    def put(name, text):
        with open(os.path.join(d, name), "w") as fh:
            fh.write(text)

    zones = ["z%d" % k for k in range(ZONES)]
    put("shorewall.conf",
        "STARTUP_ENABLED=Yes\nVERBOSITY=0\nLOGFILE=/dev/null\n"
        "IP_FORWARDING=Keep\nDISABLE_IPV6=No\n"
        "AUTOHELPERS=No\nHELPERS=none\nCONFIG_PATH=\"${CONFDIR}/shorewall:"
        "/usr/share/shorewall\"\n")
    put("zones", "fw firewall\n" + "".join("%s ipv4\n" % z for z in zones) +
        "net ipv4\n")
    put("interfaces", "?FORMAT 2\n" +
        "".join("%s eth%d -\n" % (z, k) for k, z in enumerate(zones)) +
        "net up -\n")
    put("policy", "$FW all ACCEPT\nall all DROP\n")
    with open(os.path.join(d, "rules"), "w") as fh:
        fh.write("?SECTION NEW\n")
        for i, src, dst, svc, deny in m.ordered():
            name, proto, lo, hi = SERVICES[svc]
            port = str(lo) if lo == hi else "%d:%d" % (lo, hi)
            fh.write("%s %s:%s/27 %s:%s %s %s # f%d\n"
                     % ("DROP" if deny else "ACCEPT",
                        "z%d" % m.zone_of_bound(src), m.net(src),
                        "z%d" % m.zone_of_host(dst), m.host_addr(dst),
                        proto, port, i))


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: gen.py FLOWS OUTDIR [--fwb-std FILE]\n")
        return 2
    flows = int(argv[1])
    out = argv[2]
    std = None
    if len(argv) > 4 and argv[3] == "--fwb-std":
        std = argv[4]
    else:
        found = sorted(glob.glob("/usr/share/fwbuilder*/objects_init.xml"))
        std = found[0] if found else None
    if flows < 100 or flows > 500000:
        sys.stderr.write("gen.py: FLOWS must be 100..500000\n")
        return 2
    os.makedirs(out, exist_ok=True)
    m = Model(flows)
    write_fwc(m, os.path.join(out, "policy.xml"))
    if std is not None:
        write_fwb(m, os.path.join(out, "ipt.fwb"), std, "iptables",
                  "linux24")
        write_fwb(m, os.path.join(out, "pf.fwb"), std, "pf", "openbsd")
    write_shorewall(m, os.path.join(out, "shorewall"))
    with open(os.path.join(out, "expected.tsv"), "w") as fh:
        for i, src, dst, svc, deny in m.flows:
            name, proto, lo, hi = SERVICES[svc]
            fh.write("%s %s/27 %s %s %s\n"
                     % ("DROP" if deny else "ACCEPT", m.net(src),
                        m.host_addr(dst), proto,
                        str(lo) if lo == hi else "%d:%d" % (lo, hi)))
    with open(os.path.join(out, "counts"), "w") as fh:
        fh.write("%d %d %d %d %d\n" % (m.n_flows, m.n_bounds, m.n_hosts,
                                       ZONES,
                                       sum(1 for f in m.flows if f[4])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
