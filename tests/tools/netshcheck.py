#!/usr/bin/env python3
"""Checks a cmd.exe script of netsh advfirewall commands written by fwc.

This is not Windows: it knows the subset of cmd.exe and netsh that
backends/netsh.c writes, and rejects everything else. Checked here:

- the file is ASCII with one kind of line end (LF or CRLF), ends with a
  line end, and every line is shorter than cmd.exe's 8,191 characters;
- the first line is `@echo off`, delayed expansion is disabled before
  the first command (so '!' is literal), and every line is one of the
  known forms: rem, set, fltmc, if errorlevel/defined, exit /b, echo
  (only after if), netsh advfirewall firewall delete rule / add rule,
  netsh advfirewall set allprofiles firewallpolicy / logging / state;
- quotes are balanced; '%' appears only as '%%'; outside quotes there is
  no cmd metacharacter (& | < > ^ ( )) except the redirection `>nul` and
  `2>&1` at the end of the lines that may carry it; '!' and '^' appear
  nowhere; remarks and echoed text hold only plain characters;
- add rule: only known keys, each at most once, name/dir/action present,
  valid values (dir in|out, action allow|block, enable yes|no, profile,
  interfacetype, protocol tcp|udp|any|icmpv4|icmpv6[:type,code]|0-255),
  ports 1-65535 or ranges lo-hi with lo <= hi and only with tcp or udp,
  addresses, CIDRs (no host bits) and ranges (one family, lo <= hi) or
  keywords, at most 1,000 entries per list, one address family per rule
  that agrees with icmpv4/icmpv6;
- a rule name is never "all", and every name that is added was deleted
  earlier in the script (so that running it twice adds nothing twice).

Usage: netshcheck.py FILE...   Prints `file:line: message` for each
problem; exits 1 when there is any, 2 on usage or I/O errors, else 0.
"""

import ipaddress
import re
import sys

LINE_LIMIT = 8191
LIST_LIMIT = 1000
PLAIN = re.compile(r"[A-Za-z0-9 ._:@+/=,'-]*\Z")
QUOTED = re.compile(r"[A-Za-z0-9 ._:@+/=,()'-]*\Z")
VAR = r"[A-Za-z_][A-Za-z0-9_]*"
REDIRECT = " >nul 2>&1"

RE_SETLOCAL = re.compile(
    r"setlocal( (EnableExtensions|DisableDelayedExpansion))+\Z")
RE_REM = re.compile(r"rem( .*)?\Z")
RE_SET = re.compile(r"set " + VAR + r"=1?\Z")
RE_IF = re.compile(r"if (errorlevel [0-9]+|defined " + VAR + r") (.*)\Z")
RE_EXIT = re.compile(r"exit /b [0-9]+\Z")
RE_ECHO = re.compile(r"echo (.*)\Z")
RE_POLICY = re.compile(
    r"netsh advfirewall set (allprofiles|domainprofile|privateprofile|"
    r"publicprofile|currentprofile) firewallpolicy "
    r"(blockinbound|blockinboundalways|allowinbound),"
    r"(allowoutbound|blockoutbound)\Z")
RE_LOGGING = re.compile(
    r"netsh advfirewall set (allprofiles|domainprofile|privateprofile|"
    r"publicprofile|currentprofile) logging "
    r"(droppedconnections|allowedconnections) (enable|disable)\Z")
RE_STATE = re.compile(
    r"netsh advfirewall set (allprofiles|domainprofile|privateprofile|"
    r"publicprofile|currentprofile) state (on|off)\Z")
RE_DELETE = re.compile(
    r'netsh advfirewall firewall delete rule name="([^"]*)"\Z')
ADD = "netsh advfirewall firewall add rule "

KEYS = {
    "name", "dir", "action", "description", "enable", "profile",
    "interfacetype", "protocol", "localport", "remoteport", "localip",
    "remoteip",
}
QUOTED_KEYS = {"name", "description"}
IP_KEYWORDS = {
    "remoteip": {"localsubnet", "dns", "dhcp", "wins", "defaultgateway"},
    "localip": set(),
}


class Checker:
    def __init__(self, path):
        self.path = path
        self.errors = 0
        self.lineno = 0
        self.deleted = set()
        self.expansion_off = False
        self.commands = 0

    def error(self, msg):
        self.errors += 1
        print(f"{self.path}:{self.lineno}: {msg}")

    # Lexical checks that hold for every line.
    def lexical(self, line):
        if len(line) + 2 > LINE_LIMIT:
            self.error(f"line of {len(line)} characters: cmd.exe reads at "
                       f"most {LINE_LIMIT - 2} before the line end")
        for c in line:
            if not (32 <= ord(c) < 127):
                self.error(f"character {ord(c):#04x} is not printable "
                           f"ASCII")
                return False
        if line.count('"') % 2:
            self.error("unbalanced double quote")
            return False
        if "!" in line:
            self.error("'!' would be expanded if delayed expansion were on")
        if "^" in line:
            self.error("'^' is cmd.exe's escape character")
        s = line.replace("%%", "")
        if "%" in s:
            self.error("'%' that is not '%%' is expanded by cmd.exe")
        outside = "".join(line.split('"')[0::2])
        if outside.endswith(REDIRECT):
            outside = outside[:-len(REDIRECT)]
        for c in "&|<>()":
            if c in outside:
                self.error(f"'{c}' outside quotes is a cmd.exe "
                           f"metacharacter")
                break
        return True

    def check_file(self, data):
        if data.startswith(b"\xef\xbb\xbf"):
            self.lineno = 1
            self.error("byte order mark: cmd.exe would not see '@echo off'")
            data = data[3:]
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError as e:
            self.lineno = data[:e.start].count(b"\n") + 1
            self.error("not ASCII")
            return
        if text == "":
            self.lineno = 1
            self.error("empty script")
            return
        crlf = text.count("\r\n")
        lf = text.count("\n")
        if crlf not in (0, lf) or text.replace("\r\n", "").count("\r"):
            self.lineno = 1
            self.error("mixed line ends (use LF or CRLF throughout)")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        elif crlf:
            text = text.replace("\r\n", "\n")
        if not text.endswith("\n"):
            self.lineno = text.count("\n") + 1
            self.error("no line end after the last line")
            text += "\n"
        lines = text[:-1].split("\n")
        for i, line in enumerate(lines):
            self.lineno = i + 1
            if not self.lexical(line):
                continue
            if i == 0:
                if line != "@echo off":
                    self.error("the first line must be '@echo off'")
                continue
            self.statement(line, False)
        if not self.commands:
            self.lineno = len(lines)
            self.error("no netsh command")

    def statement(self, line, in_if):
        if line == "@echo off":
            self.error("'@echo off' belongs on the first line only")
            return
        if RE_SETLOCAL.match(line) and not in_if:
            if "DisableDelayedExpansion" in line:
                self.expansion_off = True
            return
        if RE_REM.match(line) and not in_if:
            rest = line[4:]
            if not PLAIN.match(rest):
                self.error("remark holds characters other than "
                           "[A-Za-z0-9 ._:@+/=,'-]")
            return
        if RE_SET.match(line) or RE_EXIT.match(line):
            return
        if line == "fltmc" + REDIRECT and not in_if:
            return
        m = RE_ECHO.match(line)
        if m and in_if:
            if not PLAIN.match(m.group(1)):
                self.error("echoed text holds characters other than "
                           "[A-Za-z0-9 ._:@+/=,'-]")
            return
        m = RE_IF.match(line)
        if m and not in_if:
            self.statement(m.group(2), True)
            return
        if in_if:
            self.error(f"unexpected command after if: {line[:60]!r}")
            return
        if not line.startswith("netsh "):
            self.error(f"unknown line: {line[:60]!r}")
            return
        if not self.expansion_off:
            self.error("netsh command before 'setlocal "
                       "DisableDelayedExpansion'")
        self.commands += 1
        if RE_POLICY.match(line) or RE_LOGGING.match(line) or \
                RE_STATE.match(line):
            return
        body = line[:-len(REDIRECT)] if line.endswith(REDIRECT) else line
        m = RE_DELETE.match(body)
        if m:
            name = m.group(1)
            self.check_name(name)
            self.deleted.add(name.lower())
            return
        if body.startswith(ADD):
            if body != line:
                self.error("add rule output is hidden: errors would be "
                           "lost")
            self.add_rule(body[len(ADD):])
            return
        self.error(f"unknown netsh command: {line[:60]!r}")

    def check_name(self, name):
        if name == "":
            self.error("empty rule name")
        elif name.lower() == "all":
            self.error("rule name 'all' means every rule of the host")
        elif not QUOTED.match(name):
            self.error("rule name holds characters other than "
                       "[A-Za-z0-9 ._:@+/=,()'-]")

    @staticmethod
    def tokens(s):
        """Splits 'k=v k="v w"' at spaces outside quotes."""
        out = []
        cur = ""
        quoted = False
        for c in s:
            if c == '"':
                quoted = not quoted
            if c == " " and not quoted:
                out.append(cur)
                cur = ""
            else:
                cur += c
        out.append(cur)
        return out

    def add_rule(self, rest):
        kv = {}
        for tok in self.tokens(rest):
            if tok == "":
                self.error("two spaces in a row, or a trailing space")
                continue
            key, eq, value = tok.partition("=")
            if not eq:
                self.error(f"'{tok[:40]}' is not key=value")
                continue
            if key not in KEYS:
                self.error(f"unknown key '{key}'")
                continue
            if key in kv:
                self.error(f"key '{key}' given twice")
                continue
            if key in QUOTED_KEYS:
                if len(value) < 2 or value[0] != '"' or value[-1] != '"':
                    self.error(f"value of '{key}' must be quoted")
                    continue
                value = value[1:-1]
                if not QUOTED.match(value):
                    self.error(f"value of '{key}' holds characters other "
                               f"than [A-Za-z0-9 ._:@+/=,()'-]")
            elif '"' in value:
                self.error(f"value of '{key}' must not be quoted")
                continue
            kv[key] = value
        for key in ("name", "dir", "action"):
            if key not in kv:
                self.error(f"add rule without '{key}'")
        if "name" in kv:
            self.check_name(kv["name"])
            if kv["name"].lower() not in self.deleted:
                self.error(f"rule '{kv['name']}' is added but not deleted "
                           f"before: a second run would add it twice")
        self.enum(kv, "dir", {"in", "out"})
        self.enum(kv, "action", {"allow", "block"})
        self.enum(kv, "enable", {"yes", "no"})
        self.enum(kv, "interfacetype", {"any", "wireless", "lan", "ras"})
        if "profile" in kv:
            vals = kv["profile"].split(",")
            if vals != ["any"] and not all(
                    v in ("domain", "private", "public") for v in vals):
                self.error(f"bad profile '{kv['profile']}'")
        proto = kv.get("protocol", "any")
        icmp_family = self.protocol(proto)
        for key in ("localport", "remoteport"):
            if key in kv:
                if proto not in ("tcp", "udp"):
                    self.error(f"'{key}' needs protocol tcp or udp, not "
                               f"'{proto}'")
                self.ports(key, kv[key])
        families = set()
        for key in ("remoteip", "localip"):
            if key in kv:
                families |= self.addresses(key, kv[key])
        if len(families) > 1:
            self.error("rule mixes IPv4 and IPv6 addresses")
        if icmp_family and families and families != {icmp_family}:
            self.error(f"protocol '{proto}' with IPv{families.pop()} "
                       f"addresses")

    def enum(self, kv, key, allowed):
        if key in kv and kv[key] not in allowed:
            self.error(f"bad {key} '{kv[key]}' (expected "
                       f"{'|'.join(sorted(allowed))})")

    def protocol(self, proto):
        """Checks protocol=; returns 4 or 6 for ICMP, else None."""
        if proto in ("tcp", "udp", "any"):
            return None
        m = re.match(r"(icmpv4|icmpv6)(?::([^,]*),(.*))?\Z", proto)
        if m:
            for part, what in ((m.group(2), "type"), (m.group(3), "code")):
                if part is None or part == "any":
                    continue
                if not re.match(r"[0-9]{1,3}\Z", part) or int(part) > 255:
                    self.error(f"bad ICMP {what} '{part}'")
            return 4 if m.group(1) == "icmpv4" else 6
        if re.match(r"[0-9]{1,3}\Z", proto) and int(proto) <= 255:
            if proto != str(int(proto)):
                self.error(f"protocol '{proto}' has a leading zero")
            return None
        self.error(f"bad protocol '{proto}'")
        return None

    def ports(self, key, value):
        if value == "any":
            return
        items = value.split(",")
        if len(items) > LIST_LIMIT:
            self.error(f"{key} lists {len(items)} ports (at most "
                       f"{LIST_LIMIT})")
        for item in items:
            m = re.match(r"([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?\Z",
                         item)
            if not m:
                self.error(f"bad port '{item}' in {key}")
                continue
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            if lo > 65535 or hi > 65535:
                self.error(f"port '{item}' in {key} is above 65535")
            elif lo > hi:
                self.error(f"port range '{item}' in {key} is reversed")

    def addresses(self, key, value):
        """Checks an address list; returns the set of its families."""
        fams = set()
        if value == "any":
            return fams
        items = value.split(",")
        if len(items) > LIST_LIMIT:
            self.error(f"{key} lists {len(items)} addresses (at most "
                       f"{LIST_LIMIT} per rule)")
        for item in items:
            if item.lower() in IP_KEYWORDS[key]:
                continue
            try:
                if "/" in item:
                    net = ipaddress.ip_network(item, strict=True)
                    fams.add(net.version)
                elif "-" in item:
                    a, b = item.split("-", 1)
                    lo = ipaddress.ip_address(a)
                    hi = ipaddress.ip_address(b)
                    if lo.version != hi.version:
                        self.error(f"range '{item}' in {key} mixes "
                                   f"families")
                    elif lo > hi:
                        self.error(f"range '{item}' in {key} is reversed")
                    fams.add(lo.version)
                else:
                    fams.add(ipaddress.ip_address(item).version)
            except ValueError as e:
                self.error(f"bad address '{item}' in {key}: {e}")
        return fams


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print("usage: netshcheck.py FILE...", file=sys.stderr)
        return 2
    failed = False
    for path in argv[1:]:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print(f"netshcheck: {path}: {e.strerror}", file=sys.stderr)
            return 2
        c = Checker(path)
        c.check_file(data)
        failed = failed or c.errors > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
