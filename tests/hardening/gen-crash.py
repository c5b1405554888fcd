#!/usr/bin/env python3
"""Writes the policy of tests/hardening/crash.sh: HOSTS host firewalls
(linux, windows and bsd in turn, so --all writes several file kinds) and
one gateway, all enforcing flows from a boundary of ADDRS addresses, so
that every output file is large. VERSION changes the ports, so two
versions give different bytes for every file.
Usage: gen-crash.py VERSION HOSTS ADDRS > policy.xml"""
import sys


def main(argv):
    version, hosts, addrs = int(argv[1]), int(argv[2]), int(argv[3])
    out = ['<policy name="crash" version="1" default="drop">\n',
           '<service name="app"><port protocol="tcp" port="%d"/></service>\n'
           % (1000 + version),
           '<boundary name="clients">']
    for i in range(addrs):
        x = 2 * i
        out.append('<address>10.%d.%d.%d</address>'
                   % (100 + (x >> 16 & 127), x >> 8 & 255, x & 255))
    out.append('</boundary>\n'
               '<boundary name="servers"><subnet>10.0.0.0/16</subnet>'
               '</boundary>\n')
    oses = ["linux", "windows", "bsd"]
    for h in range(hosts):
        out.append('<host name="h%d" os="%s" firewall="on">'
                   '<address>10.0.%d.%d</address></host>\n'
                   % (h, oses[h % 3], h // 250, h % 250 + 1))
    out.append('<allow name="clients-to-servers" from="clients" '
               'to="servers" service="app"/>\n'
               '<gateway name="gw" os="linux">'
               '<interface name="eth0" boundary="clients"/>'
               '<interface name="eth1" boundary="servers"/></gateway>\n'
               '</policy>\n')
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
