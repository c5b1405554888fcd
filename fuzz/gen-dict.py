#!/usr/bin/env python3
"""Writes the libFuzzer dictionary for fuzz_policy: every element and
attribute name and every enumerated value of policies/policy.rng, plus
address, port and XML syntax tokens. Usage: gen-dict.py policy.rng > dict"""
import re
import sys

rng = open(sys.argv[1], encoding="utf-8").read()
tokens = set()
for name in re.findall(r'<element name="([^"]+)"', rng):
    tokens.update(["<" + name, "</" + name + ">", name])
for name in re.findall(r'<attribute name="([^"]+)"', rng):
    tokens.update([" " + name + "=\"", name])
for value in re.findall(r"<value>([^<]*)</value>", rng):
    tokens.add('"' + value + '"')
tokens.update([
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!--", "-->", "/>",
    "<![CDATA[", "]]>", "&amp;", "&lt;", "&#x41;", "&#65;",
    "10.0.0.0/8", "192.168.1.1", "0.0.0.0/0", "255.255.255.255",
    "2001:db8::/32", "::", "::/0", "fe80::1", "::ffff:1.2.3.4",
    "any", "tcp", "udp", "icmp", "1-65535", "0", "65535", "65536",
    "-1", "4294967296", ",", " ", "..", "%", "\"", "'", "`", "$(",
    ";", "\n", "\\", "^", "&",
])
for t in sorted(tokens):
    esc = t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0a")
    print('"' + esc + '"')
