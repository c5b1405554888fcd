#!/usr/bin/env python3
"""Checks a pf.conf written by fwc (backends/pf.c) without pfctl.

This is not pfctl: it knows the subset of the pf.conf(5) grammar that
fwc writes, shared by OpenBSD and FreeBSD, and rejects everything else.
Checked here:

- the file is printable ASCII with LF line ends and ends with one; a
  line continued with a backslash has nothing after the backslash;
- every statement is an option (set skip on, set state-policy, set
  block-policy, set ruleset-optimization), a macro definition
  (NAME = "value"), a table definition or a filter rule (pass, block);
- order: options first, then macros and tables, then rules (no table or
  option after the first rule, no option after a macro or table);
  macros and tables are defined before use and only once;
- braces balance and do not nest; strings are closed and hold no
  quote, backslash or '$' (pf expands $-macros inside labels);
- table names fit pf (31 bytes), entries are addresses, CIDR blocks
  without host bits or DNS names, never ranges; tables with DNS names
  are not const;
- rules read: action [in|out] [log] [quick] [on IF] inet|inet6
  [proto P] (all | from HOST [port P] to HOST [port P]) then options
  (icmp-type, icmp6-type, flags, keep state, no state, tag, tagged,
  label) in any order, each at most once;
- every pass and block is quick, except the default blocks
  (`block drop|return [in|out] all`), which come before any quick rule;
- inet or inet6 on every other rule, consistent with the protocol
  (icmp with inet, ipv6-icmp with inet6), with literal addresses and
  with the addresses of the tables used;
- ports only with proto tcp or udp, as N or A:B (A <= B, 0..65535), or
  lists of those in braces; 'A-B' is refused (pf reads it as a service
  name and fails);
- flags only with proto tcp; ICMP types are names that pfctl knows for
  the family, or numbers 0..255, and only with the matching protocol;
- pass rules say keep state or no state; block rules do not; tag only
  on pass rules; a pass rule with tag or tagged keeps state (pfctl:
  "tags cannot be used without keep state"); every tagged name is set
  by some rule's tag;
- interface names (literal or through macros) are 1 to 15 bytes of
  [A-Za-z0-9._-], start with a letter, digit or '_', and are neither a
  number nor a pf keyword; labels are quoted, at most 63 bytes.

Usage: pfcheck.py FILE...   Prints `file:line: message` for each
problem; exits 1 when there is any, 2 on usage or I/O errors, else 0.
"""

import ipaddress
import re
import sys

IFNAME_MAX = 15
TABLE_MAX = 31
TAG_MAX = 63
LABEL_MAX = 63

KEYWORDS = frozenset("""
af-to all allow-opts altq anchor antispoof any bandwidth binat
binat-anchor binat-to bitmask block block-policy bridge-to buckets burst
cbq code codelq debug default delay divert-packet divert-reply divert-to
dnpipe dnqueue drop dup-to ether fail-policy fairq fastroute file
fingerprints flags floating flows flush for fragment from global group
hfsc hogs hostid icmp-type icmp6-type if-bound in include inet inet6
interval keep keepcounters l3 label least-states limit linkshare load log
loginterface map-e-portset match max max-mss max-pkt-rate max-src-conn
max-src-conn-rate max-src-nodes max-src-states min min-ttl modulate nat
nat-anchor nat-to no no-df no-route no-sync on once optimization os out
overload parent pass pflow port prio priority priq probability proto
qlimit quantum queue quick random random-id rdomain rdr rdr-anchor rdr-to
realtime reassemble received-on reply-to require-order return
return-icmp return-icmp6 return-rst ridentifier round-robin route
route-to rtable rule ruleset-optimization scrub set set-tos skip sloppy
source-hash source-track state state-defaults state-policy static-port
sticky-address syncookies synproxy table tag tagged target tbrsize
timeout to tos ttl upperlimit urpf-failed user weight
""".split())

# pfctl_parser.c, icmp_type[] and icmp6_type[] (OpenBSD and FreeBSD).
ICMP4_TYPES = {
    "echoreq": 8, "echorep": 0, "unreach": 3, "squench": 4, "redir": 5,
    "althost": 6, "routeradv": 9, "routersol": 10, "timex": 11,
    "paramprob": 12, "timereq": 13, "timerep": 14, "inforeq": 15,
    "inforep": 16, "maskreq": 17, "maskrep": 18, "trace": 30,
    "dataconv": 31, "mobredir": 32, "ipv6-where": 33, "ipv6-here": 34,
    "mobregreq": 35, "mobregrep": 36, "skip": 39, "photuris": 40,
}
ICMP6_TYPES = {
    "unreach": 1, "toobig": 2, "timex": 3, "paramprob": 4, "echoreq": 128,
    "echorep": 129, "groupqry": 130, "listqry": 130, "grouprep": 131,
    "listenrep": 131, "groupterm": 132, "listendone": 132,
    "routersol": 133, "routeradv": 134, "neighbrsol": 135,
    "neighbradv": 136, "redir": 137, "routrrenum": 138, "wrureq": 139,
    "wrurep": 140, "fqdnreq": 139, "fqdnrep": 140, "niqry": 139,
    "nirep": 140, "mtraceresp": 200, "mtrace": 201,
}
PROTO_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58,
               "icmp6": 58}

MACRO_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
TABLE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
TAG_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
IFNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
DNS_NAME = re.compile(
    r"(?=.{1,253}\Z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
FLAGS = re.compile(r"([FSRPAUEW]*)/([FSRPAUEW]+)\Z")
PUNCT = "{},!=()<>"
AF_WORD = {"4": "inet", "6": "inet6"}
LABEL_TEXT = re.compile(r"[ -~]*\Z")


class Problem(Exception):
    pass


def ifname_error(name):
    """Why pfctl would not read name as one interface name, or None."""
    if not 1 <= len(name) <= IFNAME_MAX or not IFNAME.match(name):
        return ("interface name '%s' is not 1 to %d bytes of "
                "[A-Za-z0-9._-] starting with a letter, digit or '_'"
                % (name, IFNAME_MAX))
    if name.isdigit():
        return "interface name '%s' is a number to pfctl" % name
    if name in KEYWORDS:
        return "interface name '%s' is a pf keyword" % name
    return None


def tokenize(text):
    """Splits one logical line into (kind, value) tokens: str (quoted),
    word, macro, table, punct. '/' stays inside words, so that CIDR
    blocks and flags are one token."""
    toks = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == "#":
            break
        elif c in "\"'":
            j = text.find(c, i + 1)
            if j < 0:
                raise Problem("unterminated string")
            toks.append(("str", text[i + 1:j]))
            i = j + 1
        elif c == "$":
            m = re.compile(r"[A-Za-z0-9_]+").match(text, i + 1)
            if not m:
                raise Problem("'$' without a macro name")
            toks.append(("macro", m.group(0)))
            i = m.end()
        elif c == "<":
            m = re.compile(r"<([^<>\s]*)>").match(text, i)
            if m:
                toks.append(("table", m.group(1)))
                i = m.end()
            else:
                toks.append(("punct", c))
                i += 1
        elif c in PUNCT:
            toks.append(("punct", c))
            i += 1
        else:
            j = i
            while j < n and text[j] not in " \t#\"'$" + PUNCT:
                j += 1
            toks.append(("word", text[i:j]))
            i = j
    return toks


def logical_lines(data):
    """Yields (first line number, text) with continuations joined."""
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    buf = []
    start = None
    for no, line in enumerate(lines, 1):
        if start is None:
            start = no
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        yield start, " ".join(buf), no
        buf = []
        start = None
    if buf:
        yield start, " ".join(buf), len(lines)


class Checker:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.macros = {}
        self.tables = {}        # name -> set of families ('4', '6', 'dns')
        self.stage = 0          # 0 options, 1 macros/tables, 2 rules
        self.quick_seen = False
        self.tags_set = set()
        self.tagged = []        # (line, name)
        self.line = 0

    def err(self, msg, line=None):
        self.problems.append("%s:%d: %s" % (self.path, line or self.line,
                                            msg))

    # -- file level ----------------------------------------------------

    def check_bytes(self, raw):
        if not raw:
            self.err("empty file", 1)
            return None
        if not raw.endswith(b"\n"):
            self.err("no newline at the end of the file",
                     raw.count(b"\n") + 1)
        for no, line in enumerate(raw.split(b"\n"), 1):
            if b"\r" in line:
                self.err("carriage return (line ends must be LF)", no)
            bad = [b for b in line if b != 9 and not 32 <= b < 127]
            if bad:
                self.err("byte 0x%02x outside printable ASCII" % bad[0], no)
            if line.endswith(b"\\ ") or line.endswith(b"\\\t"):
                self.err("whitespace after a continuation backslash", no)
        return raw.decode("ascii", "replace")

    def run(self, raw):
        data = self.check_bytes(raw)
        if data is None:
            return
        for start, text, _ in logical_lines(data):
            self.line = start
            try:
                toks = tokenize(text)
                if toks:
                    self.statement(self.expand(toks))
            except Problem as e:
                self.err(str(e))
        for line, name in self.tagged:
            if name not in self.tags_set:
                self.err("tagged %s, but no rule sets tag %s" % (name, name),
                         line)

    def expand(self, toks):
        out = []
        for kind, val in toks:
            if kind != "macro":
                out.append((kind, val))
                continue
            if val not in self.macros:
                raise Problem("macro '%s' is not defined (before use)" % val)
            out.extend(tokenize(self.macros[val]))
        depth = 0
        for kind, val in out:
            if kind == "punct" and val == "{":
                depth += 1
                if depth > 1:
                    raise Problem("nested braces")
            elif kind == "punct" and val == "}":
                depth -= 1
                if depth < 0:
                    raise Problem("'}' without '{'")
        if depth:
            raise Problem("unbalanced braces")
        return out

    def statement(self, toks):
        kind, val = toks[0]
        if kind == "word" and val == "set":
            self.option(toks)
        elif kind == "word" and val == "table":
            self.table(toks)
        elif kind == "word" and val in ("pass", "block"):
            self.rule(toks)
        elif (kind == "word" and len(toks) >= 2
              and toks[1] == ("punct", "=")):
            self.macro(toks)
        else:
            raise Problem("unknown statement starting with '%s'" % val)

    # -- options, macros, tables ---------------------------------------

    def option(self, toks):
        if self.stage > 0:
            self.err("option after macros, tables or rules (options come "
                     "first)")
        words = [v for k, v in toks]
        kinds = [k for k, v in toks]
        if len(toks) == 4 and words[1:3] == ["skip", "on"]:
            if kinds[3] != "word" or ifname_error(words[3]):
                raise Problem("set skip on: bad interface '%s'" % words[3])
            return
        allowed = {"state-policy": ("floating", "if-bound"),
                   "block-policy": ("drop", "return"),
                   "ruleset-optimization": ("none", "basic", "profile")}
        if (len(toks) == 3 and words[1] in allowed
                and kinds[2] == "word" and words[2] in allowed[words[1]]):
            return
        raise Problem("unknown or malformed option: %s" % " ".join(words))

    def macro(self, toks):
        self.stage = max(self.stage, 1)
        name = toks[0][1]
        if not MACRO_NAME.match(name) or name in KEYWORDS:
            raise Problem("bad macro name '%s'" % name)
        if len(toks) != 3 or toks[2][0] != "str":
            raise Problem("macro '%s' must be NAME = \"value\"" % name)
        if name in self.macros:
            raise Problem("macro '%s' defined twice" % name)
        self.macros[name] = toks[2][1]

    def table(self, toks):
        if self.stage > 1:
            self.err("table after the first rule (tables come before "
                     "rules)")
        self.stage = max(self.stage, 1)
        if len(toks) < 2 or toks[1][0] != "table":
            raise Problem("table without <name>")
        name = toks[1][1]
        if not TABLE_NAME.match(name) or len(name) > TABLE_MAX:
            raise Problem("bad table name <%s> (at most %d bytes of "
                          "[A-Za-z0-9_.-])" % (name, TABLE_MAX))
        if name in self.tables:
            raise Problem("table <%s> defined twice" % name)
        i = 2
        opts = set()
        while i < len(toks) and toks[i][0] == "word":
            if toks[i][1] not in ("persist", "const", "counters"):
                raise Problem("unknown table option '%s'" % toks[i][1])
            if toks[i][1] in opts:
                raise Problem("table option '%s' twice" % toks[i][1])
            opts.add(toks[i][1])
            i += 1
        fams = set()
        if i < len(toks):
            if toks[i] != ("punct", "{") or toks[-1] != ("punct", "}"):
                raise Problem("table <%s>: expected { entries }" % name)
            items = self.list_items(toks[i + 1:-1], "table <%s>" % name)
            if not items:
                raise Problem("table <%s>: empty braces" % name)
            for kind, val in items:
                fams.add(self.table_entry(kind, val, name))
        if "dns" in fams and "const" in opts:
            self.err("table <%s> holds DNS names but is const: it cannot "
                     "be refreshed" % name)
        self.tables[name] = fams

    def list_items(self, toks, what):
        """The items of a brace list, commas between them (optional in
        pf, required here)."""
        items = []
        want_item = True
        for tok in toks:
            if tok == ("punct", ","):
                if want_item:
                    raise Problem("%s: misplaced ','" % what)
                want_item = True
            else:
                if not want_item:
                    raise Problem("%s: missing ',' before '%s'"
                                  % (what, tok[1]))
                items.append(tok)
                want_item = False
        if items and want_item:
            raise Problem("%s: trailing ','" % what)
        return items

    def table_entry(self, kind, val, name):
        if kind != "word":
            raise Problem("table <%s>: unexpected '%s'" % (name, val))
        if val == "self":
            return "self"
        fam = addr_family(val)
        if fam:
            return fam
        if "-" in val and all(addr_family(p) for p in val.split("-", 1)):
            raise Problem("table <%s>: range '%s' (pf tables hold CIDR "
                          "blocks only)" % (name, val))
        if DNS_NAME.match(val) and not val.rsplit(".", 1)[-1].isdigit():
            return "dns"
        raise Problem("table <%s>: '%s' is neither an address, a CIDR "
                      "block nor a DNS name" % (name, val))

    # -- rules ---------------------------------------------------------

    def rule(self, toks):
        self.stage = 2
        r = Rule(toks)
        action = r.next_word()
        block_kind = None
        if action == "block":
            if r.peek_word() in ("drop", "return"):
                block_kind = r.next_word()
            elif r.peek_word() in ("return-rst", "return-icmp",
                                   "return-icmp6"):
                raise Problem("'%s' is not used by fwc" % r.peek_word())
        if r.peek_word() in ("in", "out"):
            r.next_word()
        log = r.accept_word("log")
        quick = r.accept_word("quick")
        ifname = None
        if r.accept_word("on"):
            kind, ifname = r.next()
            if kind != "word":
                raise Problem("'on' needs an interface name")
            why = ifname_error(ifname)
            if why:
                raise Problem(why)
        af = None
        if r.peek_word() in ("inet", "inet6"):
            af = "4" if r.next_word() == "inet" else "6"
        proto = None
        if r.accept_word("proto"):
            proto = self.protocol(r)
        hosts = not r.accept_word("all")
        if hosts:
            self.hosts(r, af, proto)
        opts = self.filter_opts(r, action, af, proto)
        if not r.done():
            raise Problem("unexpected '%s'" % r.peek()[1])

        default = (action == "block" and not quick and not log
                   and ifname is None and af is None and proto is None
                   and not hosts and not opts)
        if default:
            if self.quick_seen:
                self.err("default block after quick rules")
            return
        if not quick:
            self.err("%s rule without quick (only the default block may "
                     "omit it)" % action)
        self.quick_seen = True
        if af is None:
            self.err("rule without inet or inet6")
        if action == "block" and block_kind is None:
            self.err("block without drop or return (depends on "
                     "set block-policy)")

    def protocol(self, r):
        kind, val = r.next()
        if kind != "word":
            raise Problem("proto needs one protocol (lists are not used)")
        if val in PROTO_NAMES:
            return PROTO_NAMES[val]
        if val.isdigit() and int(val) <= 255:
            if int(val) == 0:
                raise Problem("proto 0 means any protocol to pf")
            return int(val)
        raise Problem("unknown protocol '%s'" % val)

    def hosts(self, r, af, proto):
        for side in ("from", "to"):
            if not r.accept_word(side):
                raise Problem("expected '%s' (or all)" % side)
            self.host(r, af, side)
            if r.accept_word("port"):
                if proto not in (6, 17):
                    self.err("port without proto tcp or udp")
                self.ports(r)

    def host(self, r, af, side):
        neg = r.accept(("punct", "!"))
        kind, val = r.next()
        if kind == "table":
            if val not in self.tables:
                raise Problem("table <%s> is not defined (before use)" % val)
            other = {"4": "6", "6": "4"}.get(af)
            if other in self.tables[val]:
                self.err("table <%s> holds %s addresses, in an %s rule"
                         % (val, AF_WORD[other], AF_WORD[af]))
            return
        if neg:
            raise Problem("'!' only before a table")
        if kind == "word" and val == "any":
            return
        if kind == "word":
            fam = addr_family(val)
            if not fam:
                raise Problem("%s: '%s' is not any, a table or an address"
                              % (side, val))
            if af is not None and fam != af:
                self.err("address %s in an %s rule" % (val, AF_WORD[af]))
            return
        raise Problem("%s: unexpected '%s'" % (side, val))

    def ports(self, r):
        if r.accept(("punct", "{")):
            toks = []
            while not r.accept(("punct", "}")):
                if r.done():
                    raise Problem("unclosed port list")
                toks.append(r.next())
            items = self.list_items(toks, "port list")
            if not items:
                raise Problem("empty port list")
        else:
            items = [r.next()]
        for kind, val in items:
            port_item(kind, val)

    def filter_opts(self, r, action, af, proto):
        seen = set()
        while not r.done():
            kind, val = r.peek()
            if kind == "punct" and val == "!":
                r.next()
                if r.peek_word() != "tagged":
                    raise Problem("'!' only before tagged here")
                val = "tagged"
            elif kind != "word":
                break
            r.next()
            if val in seen:
                raise Problem("'%s' twice in one rule" % val)
            seen.add(val)
            if val in ("icmp-type", "icmp6-type"):
                self.icmp_types(r, val, af, proto)
            elif val == "flags":
                k, f = r.next()
                m = FLAGS.match(f) if k == "word" else None
                if not m or not set(m.group(1)) <= set(m.group(2)):
                    raise Problem("bad flags '%s'" % f)
                if proto != 6:
                    self.err("flags without proto tcp")
            elif val in ("keep", "no", "modulate"):
                if not r.accept_word("state"):
                    raise Problem("'%s' without state" % val)
                if "state" in seen:
                    raise Problem("two state options")
                seen.add("state")
                if val == "no":
                    seen.add("no state")
                if action != "pass":
                    self.err("state option on a block rule")
            elif val in ("tag", "tagged"):
                k, name = r.next()
                if k not in ("word", "str") or not TAG_NAME.match(name) \
                        or len(name) > TAG_MAX:
                    raise Problem("bad tag name '%s'" % name)
                if val == "tag":
                    if action != "pass":
                        self.err("tag on a block rule")
                    self.tags_set.add(name)
                else:
                    self.tagged.append((self.line, name))
            elif val == "label":
                k, text = r.next()
                if k != "str":
                    raise Problem("label must be a quoted string")
                if not LABEL_TEXT.match(text) or "\\" in text \
                        or "$" in text or "\"" in text:
                    self.err("label with a quote, backslash, '$' or control "
                             "character")
                if len(text) > LABEL_MAX:
                    self.err("label longer than %d bytes" % LABEL_MAX)
            else:
                raise Problem("unknown rule option '%s'" % val)
        if action == "pass" and "state" not in seen:
            self.err("pass rule without keep state or no state")
        if action == "pass" and "no state" in seen and (
                "tag" in seen or "tagged" in seen):
            self.err("tag or tagged on a pass rule with no state (pfctl: "
                     "tags cannot be used without keep state)")
        return seen

    def icmp_types(self, r, opt, af, proto):
        v6 = opt == "icmp6-type"
        if v6 and proto != 58:
            self.err("icmp6-type without proto ipv6-icmp")
        if not v6 and proto != 1:
            self.err("icmp-type without proto icmp")
        if af is not None and (af == "6") != v6:
            self.err("%s in an %s rule" % (opt, AF_WORD[af]))
        if r.accept(("punct", "{")):
            toks = []
            while not r.accept(("punct", "}")):
                if r.done():
                    raise Problem("unclosed type list")
                toks.append(r.next())
            items = self.list_items(toks, opt)
            if not items:
                raise Problem("empty type list")
        else:
            items = [r.next()]
        names = ICMP6_TYPES if v6 else ICMP4_TYPES
        for kind, val in items:
            if kind != "word" or not (val in names or (
                    val.isdigit() and int(val) <= 255)):
                self.err("'%s' is not an %s type name or number"
                         % (val, "ICMPv6" if v6 else "ICMP"))


class Rule:
    """A cursor over the tokens of one rule."""

    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def done(self):
        return self.i >= len(self.toks)

    def peek(self):
        return self.toks[self.i] if not self.done() else ("end", "")

    def peek_word(self):
        kind, val = self.peek()
        return val if kind == "word" else None

    def next(self):
        if self.done():
            raise Problem("rule ends too early")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def next_word(self):
        kind, val = self.next()
        if kind != "word":
            raise Problem("unexpected '%s'" % val)
        return val

    def accept(self, tok):
        if not self.done() and self.toks[self.i] == tok:
            self.i += 1
            return True
        return False

    def accept_word(self, word):
        return self.accept(("word", word))


def addr_family(s):
    """'4' or '6' for an address or a CIDR block without host bits,
    else None (ipaddress raises on host bits with strict=True)."""
    try:
        net = ipaddress.ip_network(s, strict=True)
    except ValueError:
        return None
    if "/" not in s and not re.match(r"[0-9a-fA-F:.]+\Z", s):
        return None
    return "4" if net.version == 4 else "6"


def port_item(kind, val):
    if kind != "word":
        raise Problem("unexpected '%s' in a port" % val)
    m = re.match(r"([0-9]+)(?::([0-9]+))?\Z", val)
    if not m:
        if re.match(r"[0-9]+-[0-9]+\Z", val):
            raise Problem("port range '%s': pf writes ranges as %s"
                          % (val, val.replace("-", ":")))
        raise Problem("bad port '%s' (expected N or A:B)" % val)
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if lo > 65535 or hi > 65535 or lo > hi:
        raise Problem("bad port '%s'" % val)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: pfcheck.py FILE...\n")
        return 2
    failed = False
    for path in argv[1:]:
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            sys.stderr.write("pfcheck.py: %s: %s\n" % (path, e.strerror))
            return 2
        c = Checker(path)
        c.run(raw)
        for p in c.problems:
            print(p)
        failed = failed or bool(c.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
