#!/usr/bin/env python3
"""Writes a gateway policy with N flows for the connection-rate benchmark
(tools/bench-gateway.sh): gateway 'gw' with interfaces vc (clients) and vs
(servers); flow i lets boundary 10.X.Y.0/24 reach host 172.16.X.Y on tcp
port 1000 + i % 5000. The flow the benchmark uses, 'zz-probe'
(192.168.1.0/24 -> 192.168.2.2 tcp/5001), comes last in every order."""
import sys


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit("usage: gen-gateway-policy.py N   (N >= 1 flows)")
    n = int(sys.argv[1])
    if n > 60000:
        sys.exit("gen-gateway-policy.py: at most 60000 flows")
    w = sys.stdout.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w('<policy name="gateway-bench-%d" version="1" default="drop">\n' % n)
    w('  <service name="probe"><port protocol="tcp" port="5001"/></service>\n')
    for p in sorted({1000 + i % 5000 for i in range(n - 1)}):
        w('  <service name="s%d"><port protocol="tcp" port="%d"/></service>\n' % (p, p))
    w('  <boundary name="client-side"><subnet>10.0.0.0/8</subnet>'
      '<subnet>192.168.1.0/24</subnet></boundary>\n')
    w('  <boundary name="server-side"><subnet>172.16.0.0/12</subnet>'
      '<subnet>192.168.2.0/24</subnet></boundary>\n')
    for i in range(n - 1):
        w('  <boundary name="b%d"><subnet>10.%d.%d.0/24</subnet></boundary>\n'
          % (i, i // 256, i % 256))
    w('  <boundary name="probe-clients"><subnet>192.168.1.0/24</subnet></boundary>\n')
    for i in range(n - 1):
        w('  <host name="h%d"><address>172.16.%d.%d</address></host>\n'
          % (i, i // 256, i % 256))
    w('  <host name="probe-server"><address>192.168.2.2</address></host>\n')
    for i in range(n - 1):
        w('  <allow name="f%d" from="b%d" to="h%d" service="s%d"/>\n'
          % (i, i, i, 1000 + i % 5000))
    w('  <allow name="zz-probe" from="probe-clients" to="probe-server" service="probe"/>\n')
    w('  <gateway name="gw" os="linux">\n')
    w('    <address>192.168.1.1</address><address>192.168.2.1</address>\n')
    w('    <interface name="vc" boundary="client-side"/>\n')
    w('    <interface name="vs" boundary="server-side"/>\n')
    w('  </gateway>\n')
    w('</policy>\n')


main()
