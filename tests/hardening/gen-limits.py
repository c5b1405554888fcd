#!/usr/bin/env python3
"""Writes the policies of tests/hardening/limits.sh into DIR: for each input
limit, CASE-at.xml exactly at the limit and CASE-over.xml one past it, and
CASE-over.err with the error that fwc must print for the latter (the file
name as given on the command line, DIR/CASE-over.xml). The expected
messages are written here by hand from docs/security.md, not taken from
fwc. Usage: gen-limits.py DIR"""
import os
import sys

MAX_BYTES = 16 << 20
MAX_DEPTH = 32
MAX_ELEMENTS = 500000
MAX_ATTRS = 64
MAX_VALUE = 4096
MAX_NAME = 64
MAX_INCLUDE_DEPTH = 16
MAX_SET_ITEMS = 262144
MAX_SERVICE_ITEMS = 1024

HEAD = '<policy name="limits" version="1" default="drop">\n'
# Elements of TAIL: host, address, boundary, subnet, gateway, 2 interfaces.
TAIL = ('<host name="h"><address>10.1.0.1</address></host>\n'
        '<boundary name="lan"><subnet>10.1.0.0/16</subnet></boundary>\n'
        '<gateway name="gw" os="linux"><interface name="eth0" boundary="lan"/>'
        '<interface name="eth1" boundary="any"/></gateway>\n')
TAIL_ELEMENTS = 7
END = '</policy>\n'


def write(d, name, text):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)


def addresses(first, n):
    """n distinct IPv4 addresses, two apart so that none merge."""
    out = []
    for i in range(first, first + n):
        x = 2 * i
        out.append('<address>11.%d.%d.%d</address>' % (x >> 16 & 255,
                                                      x >> 8 & 255, x & 255))
    return out


def size_case(d):
    # A valid policy padded with a comment to exactly MAX_BYTES bytes.
    body = HEAD + TAIL + '<allow name="f" from="lan" to="h" service="any"/>\n'
    # libxml2 refuses a single comment over 10,000,000 bytes, so the
    # padding is many comment lines of 1000 bytes and one shorter.
    line = '<!-- ' + 'x' * 990 + ' -->\n'
    room = MAX_BYTES - len(body) - len(END)
    last = room % len(line)
    if last and last < len('<!--  -->\n'):
        last += len(line)
    pad = line * ((room - last) // len(line))
    if last:
        pad += '<!-- ' + 'x' * (last - len('<!--  -->\n')) + ' -->\n'
    at = body + pad + END
    assert len(at.encode()) == MAX_BYTES
    write(d, "size-at.xml", at)
    write(d, "size-over.xml", at + ' ')
    write(d, "size-over.err",
          "{f}: error: file is too large (%d bytes, limit %d)\n"
          % (MAX_BYTES + 1, MAX_BYTES))


def depth_case(d):
    # No valid policy nests deeper than 4, so "at the limit" can only show
    # that 32 levels pass the depth check and reach the schema.
    def nest(n):
        return HEAD + '<x>' * (n - 1) + '</x>' * (n - 1) + END
    write(d, "depth-at.xml", nest(MAX_DEPTH))
    write(d, "depth-at.err",
          "{f}:2:1: error: unexpected element <x> in <policy>\n")
    over = nest(MAX_DEPTH + 1)
    write(d, "depth-over.xml", over)
    col = len('<x>' * (MAX_DEPTH - 1)) + 1
    write(d, "depth-over.err",
          "{f}:2:%d: error: elements nested too deeply (limit %d)\n"
          % (col, MAX_DEPTH))


def elements_case(d):
    # policy + TAIL + one allow + two boundaries of addresses.
    fixed = 1 + TAIL_ELEMENTS + 1 + 2
    n = MAX_ELEMENTS - fixed
    half = n // 2
    parts = [HEAD, TAIL,
             '<allow name="f" from="big0" to="h" service="any"/>\n',
             '<boundary name="big0">']
    parts += addresses(0, half)
    parts.append('</boundary>\n<boundary name="big1">')
    parts += addresses(half, n - half)
    parts.append('</boundary>\n')
    write(d, "elements-at.xml", "".join(parts + [END]))
    over = "".join(parts) + '<host name="h2"/>\n' + END
    write(d, "elements-over.xml", over)
    line = "".join(parts).count("\n") + 1
    write(d, "elements-over.err",
          "{f}:%d:1: error: too many elements (limit %d)\n"
          % (line, MAX_ELEMENTS))


def attrs_case(d):
    # The schema allows few attributes, so 64 reach the schema check.
    def host(n):
        attrs = "".join(' a%d="v"' % i for i in range(n - 1))
        return HEAD + '<host name="x"%s/>\n' % attrs + TAIL + END
    write(d, "attrs-at.xml", host(MAX_ATTRS))
    write(d, "attrs-at.err",
          "{f}:2:16: error: attribute 'a0' is not allowed on <host>\n")
    write(d, "attrs-over.xml", host(MAX_ATTRS + 1))
    # Reported at the first attribute past the limit.
    col = len('<host name="x"') + \
        len("".join(' a%d="v"' % i for i in range(MAX_ATTRS - 1))) + 2
    write(d, "attrs-over.err",
          "{f}:2:%d: error: too many attributes on <host> (limit %d)\n"
          % (col, MAX_ATTRS))


def value_case(d):
    def pol(n):
        return (HEAD + TAIL + '<allow name="f" from="lan" to="h" '
                'service="any" description="%s"/>\n' % ('d' * n) + END)
    write(d, "value-at.xml", pol(MAX_VALUE))
    write(d, "value-over.xml", pol(MAX_VALUE + 1))
    write(d, "value-over.err",
          "{f}:5:49: error: value of attribute 'description' is too long "
          "(%d bytes, limit %d)\n" % (MAX_VALUE + 1, MAX_VALUE))


def name_case(d):
    def pol(n):
        name = 'n' * n
        return (HEAD + TAIL + '<allow name="%s" from="lan" to="h" '
                'service="any"/>\n' % name + END)
    write(d, "name-at.xml", pol(MAX_NAME))
    write(d, "name-over.xml", pol(MAX_NAME + 1))
    write(d, "name-over.err",
          "{f}:5:8: error: name '%s...' is longer than %d characters\n"
          % ('n' * 64, MAX_NAME))


def include_case(d):
    # The root file is level 1; inc-K.xml is read at level K + 1.
    for name, levels in (("include-at", MAX_INCLUDE_DEPTH),
                         ("include-over", MAX_INCLUDE_DEPTH + 1)):
        sub = os.path.join(d, name)
        os.makedirs(sub, exist_ok=True)
        for k in range(1, levels):
            nxt = ('<include href="inc-%d.xml"/>\n' % (k + 1)
                   if k + 1 < levels else
                   '<service name="deep"><port protocol="tcp" port="22"/>'
                   '</service>\n')
            write(sub, "inc-%d.xml" % k,
                  '<policy name="inc%d" version="1">\n%s</policy>\n'
                  % (k, nxt))
        write(d, name + ".xml",
              HEAD + '<include href="%s/inc-1.xml"/>\n' % name + TAIL +
              '<allow name="f" from="lan" to="h" service="deep"/>\n' + END)
    write(d, "include-over.err",
          "{d}/include-over/inc-%d.xml:2:10: error: includes nested too "
          "deeply (limit %d)\n" % (MAX_INCLUDE_DEPTH - 1, MAX_INCLUDE_DEPTH))


def set_case(d):
    def pol(n):
        return (HEAD + '<boundary name="big">' + "".join(addresses(0, n)) +
                '</boundary>\n' + TAIL +
                '<allow name="f" from="big" to="h" service="any"/>\n' + END)
    write(d, "set-at.xml", pol(MAX_SET_ITEMS))
    over = pol(MAX_SET_ITEMS + 1)
    write(d, "set-over.xml", over)
    col = len(HEAD.split("\n")[0]) * 0 + len('<boundary name="big">') + \
        len("".join(addresses(0, MAX_SET_ITEMS))) + 1
    write(d, "set-over.err",
          "{f}:2:%d: error: too many entries in <boundary> (limit %d)\n"
          % (col, MAX_SET_ITEMS))


def service_case(d):
    def port(i):
        return '<port protocol="tcp" port="%d"/>' % (2 * i + 1)

    def pol(n):
        return (HEAD + '<service name="many">' +
                "".join(port(i) for i in range(n)) + '</service>\n' + TAIL +
                '<allow name="f" from="lan" to="h" service="many"/>\n' + END)
    write(d, "service-at.xml", pol(MAX_SERVICE_ITEMS))
    write(d, "service-over.xml", pol(MAX_SERVICE_ITEMS + 1))
    col = len('<service name="many">') + \
        len("".join(port(i) for i in range(MAX_SERVICE_ITEMS))) + 1
    write(d, "service-over.err",
          "{f}:2:%d: error: too many entries in <service> (limit %d)\n"
          % (col, MAX_SERVICE_ITEMS))


def main(argv):
    d = argv[1]
    os.makedirs(d, exist_ok=True)
    for case in (size_case, depth_case, elements_case, attrs_case,
                 value_case, name_case, include_case, set_case,
                 service_case):
        case(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
