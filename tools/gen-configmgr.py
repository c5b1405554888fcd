#!/usr/bin/env python3
"""Generate the fwc ConfigMgr policy library (policies/configmgr.xml).

Usage (from anywhere; paths default to the repository this script is in):

    python3 tools/gen-configmgr.py            write policies/configmgr.xml
    python3 tools/gen-configmgr.py --check    exit 1 if the committed file
                                              differs from what would be written
    python3 tools/gen-configmgr.py -o -       write to stdout

Inputs (the project's own copies of the shared ConfigMgr data):

    policies/src/ports.csv               "Ports used in Configuration Manager"
    policies/src/internet_endpoints.csv  internet FQDNs and the role needing each

Python 3 standard library only.  The output depends on nothing but the two
CSV files: no time stamps, no dictionary-order accidents, every list sorted.

What is generated (see docs/policy-language.md, "The ConfigMgr library")
-----------------------------------------------------------------------

Rows: ports.csv rows with scope=core and in_memdocs_2022=yes (160 rows).

Roles: one <role> per from_id/to_id of those rows, except the internet ids,
named by the id with "_" turned into "-" (management_point ->
management-point).  No members; the description is the documentation's
name for the role (the longest from_role/to_role spelling, ties broken
alphabetically) and the ports.csv id.

Endpoints: the ids "internet" and "internet:x" become <endpoint>s named
"internet" and "internet-x" ("_" -> "-" as for roles).  They are filled
with <fqdn>s from internet_endpoints.csv by its `category` column
(the `role` column only tells which ConfigMgr role uses a row):

    category                                endpoint
    --------------------------------------  --------------------------------
    asset-intelligence                      internet-microsoft
                                            (P001: AI sync point -> Microsoft)
    azure-services                          internet-azure
    cloud-services (Azure AD discovery)     internet-azure
    cloud-services (CMG/CDP deployment)     internet-azure (placeholder row
                                            only; the FQDNs live in the site
                                            database, so nothing is added)
                                            (P075: SCP -> Azure)
    external-notifications                  internet-azure-logic-app (P167)
    updates-and-servicing                   internet
    windows-10-servicing                    internet
    always-allow (URL forwarders)           internet
    software-updates                        internet (Microsoft Update, P146)
    office-365                              internet
    cloud-services (Azure AD token)         internet
    console: ... (every console category)   internet (P043, P044)

    not used: software-updates (intranet firewall) -- intranet SUP to SUP
      traffic, covered by the software-update-point/upstream-wsus-server
      roles; cloud-services (CMG), cloud-services (CMG/CDP content) --
      "<name>.cloudapp.net" hosts of the site's own CMG, covered by the
      `cmg` and `cloud-distribution-point` roles which the site fills;
      delivery-optimization (no ports.csv path); co-management,
      microsoft-store-for-business, desktop-analytics (rows that only point
      to external documents).

  The generic `internet` endpoint is the target of the ports.csv rows whose
  to_id is plain "internet": the console (P043/P044), the endpoint
  protection point (P055), the site server (P119/P176) and the software
  update point (P146).  The service connection point has no ports.csv path
  to the generic internet; its "updates and servicing" FQDNs are put in
  `internet` because the SCP normally sits on the top-level site server,
  which does reach `internet`.

  Exchange Online (internet:exchange_online, P059) has no row in
  internet_endpoints.csv.  SUPPLEMENT below adds outlook.office365.com (the
  Exchange Online remote PowerShell / WinRM endpoint the Exchange Server
  connector uses) so that every endpoint has at least one FQDN.

  FQDN normalisation: scheme, path, query and ":port" are dropped
  (https://go.microsoft.com/fwlink/?LinkID=619849 -> go.microsoft.com);
  a placeholder label "<RegionName>" becomes a wildcard, and a wildcard
  that is part of a label ("*-umwatsonc.events.data.microsoft.com") widens
  to the whole label ("*.events.data.microsoft.com"), because fwc
  wildcards cover whole labels; rows whose endpoint is a parenthesised
  placeholder ("(Azure endpoints listed in ...)") give no FQDN.  The result
  is lower-cased, de-duplicated and sorted.

Services: every row is classified by its `service` text and `port` (see
SERVICE_RULES).  Ports come from the `transport`/`port` columns:
    443            tcp/443
    63000-64000    one inclusive range
    67,68          one <port> per item
    80|8530        the last alternative, the modern WSUS default; these
                   rows become the services `wsus-http` (8530) and
                   `wsus-https` (8531) which a site overrides to 80/443
    DYNAMIC        tcp/49152-65535 (`rpc-dynamic`, Windows default range)
    ICMP echo-request   <icmp> and <icmp6> echo-request
Within one path, rows of the same meaning are merged (RPC endpoint mapper
TCP 135 + UDP 135 -> `rpc-endpoint-mapper`).  When a meaning is used with
different port sets on different paths, the largest set keeps the plain
name and a single-protocol subset gets a "-tcp"/"-udp" suffix (the TCP-only
RPC endpoint mapper paths use `rpc-endpoint-mapper-tcp`).

Flows: one <allow> per (from_id, to_id, direction), named
"<from>-to-<to>", with all of its services, bidirectional="true" for
bidirectional rows, and scope="boundary-group" for client flows to the
management point, the distribution points (standard, PXE, multicast), the
software update point and the state migration point.  Each description
names the path and cites every ports.csv row id it covers, and an XML
comment above each flow repeats each row with its notes.
"""

import argparse
import csv
import difflib
import os
import re
import sys
import textwrap
from collections import OrderedDict, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PORTS = os.path.join(ROOT, "policies", "src", "ports.csv")
DEFAULT_ENDPOINTS = os.path.join(ROOT, "policies", "src", "internet_endpoints.csv")
DEFAULT_OUTPUT = os.path.join(ROOT, "policies", "configmgr.xml")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
NAME_MAX = 64

RPC_DYNAMIC = "49152-65535"

# (regex on the lower-cased `service` column, exact `port` column,
#  service name, label used in flow descriptions, description)
SERVICE_RULES = [
    (r"^https?$", "80|8530", "wsus-http", "WSUS HTTP",
     "WSUS HTTP. ports.csv gives 80|8530: this is the modern WSUS default "
     "8530 (Windows Server 2012 and later); override it with tcp/80 when "
     "WSUS uses the Default Web Site"),
    (r"^https?$", "443|8531", "wsus-https", "WSUS HTTPS",
     "WSUS HTTPS. ports.csv gives 443|8531: this is the modern WSUS default "
     "8531 (HTTP port + 1); override it with tcp/443 when WSUS uses the "
     "Default Web Site"),
    (r"^http$", "80", "http", "HTTP",
     "HTTP (client and site system web traffic; configurable in ConfigMgr)"),
    (r"^https\b", "443", "https", "HTTPS",
     "HTTPS (client and site system web traffic, administration service, "
     "cloud services; configurable in ConfigMgr for site systems)"),
    (r"^https\b", "10124-10139", "cmg-https-vms", "CMG HTTPS (two or more VMs)",
     "Cloud management gateway channel over HTTPS when the CMG has two or "
     "more VM instances (one port per VM)"),
    (r"^tcp-tls\b", "10140-10155", "cmg-tcp-tls", "CMG TCP-TLS",
     "Cloud management gateway channel over TCP-TLS, preferred (10140 for "
     "the first VM up to 10155 for the 16th); does not work through a proxy"),
    (r"^client notification\b", "10123", "client-notification",
     "client notification",
     "Client notification, the default client to management point channel "
     "before falling back to HTTP or HTTPS (configurable)"),
    (r"^rpc endpoint mapper$|^rpc \(initial connection", "135",
     "rpc-endpoint-mapper", "RPC endpoint mapper",
     "RPC endpoint mapper"),
    (r"^rpc\b", "DYNAMIC", "rpc-dynamic", "RPC dynamic ports",
     "RPC dynamic (ephemeral) ports, Windows Vista / Server 2008 and later "
     "default range; override it if your servers use a restricted range"),
    (r"server message block", "445", "smb", "SMB",
     "Server Message Block (SMB)"),
    (r"^sql over tcp$|^sql server service$", "1433", "sql", "SQL",
     "SQL Server (site database; configurable in ConfigMgr)"),
    (r"^sql server service broker$", "4022", "sql-broker", "SQL Service Broker",
     "SQL Server Service Broker (intersite database replication; "
     "configurable)"),
    (r"^lightweight directory access protocol", "389", "ldap", "LDAP",
     "Lightweight Directory Access Protocol (LDAP)"),
    (r"^secure ldap", "636", "ldaps", "LDAPS",
     "Secure LDAP (LDAPS, for signing and binding)"),
    (r"^global catalog ldap$", "3268", "gc-ldap", "global catalog LDAP",
     "Global catalog LDAP"),
    (r"^wake on lan$", "9", "wake-on-lan", "Wake On LAN",
     "Wake On LAN (configurable)"),
    (r"^wake-up proxy$", "25536", "wakeup-proxy", "wake-up proxy",
     "Wake-up proxy (configurable)"),
    (r"^icmp echo request\b", "echo-request", "icmp-echo", "ICMP echo request",
     "ICMP and ICMPv6 echo request (wake-up proxy \"is peer awake\" check)"),
    (r"^windows pe peer cache broadcast$", "8004", "winpe-peer-cache-broadcast",
     "Windows PE peer cache broadcast", "Windows PE peer cache broadcast"),
    (r"^windows pe peer cache download$", "8003", "winpe-peer-cache-download",
     "Windows PE peer cache download", "Windows PE peer cache download"),
    (r"^dhcp$", "67,68", "dhcp", "DHCP", "DHCP (PXE boot)"),
    (r"^tftp$", "69", "tftp", "TFTP",
     "Trivial FTP (PXE boot); the server answers from a dynamic high port"),
    (r"^boot information negotiation layer", "4011", "binl", "BINL",
     "Boot Information Negotiation Layer (PXE boot)"),
    (r"^multicast protocol$", "63000-64000", "multicast", "multicast",
     "Multicast OS deployment"),
    (r"^express updates$", "8005", "express-updates", "express updates",
     "Express installation files for Windows updates (configurable client "
     "setting)"),
    (r"^remote control\b", "2701", "remote-control", "Remote Control",
     "ConfigMgr Remote Control"),
    (r"^remote assistance\b", "3389", "rdp", "Remote Assistance (RDP)",
     "Remote Desktop Protocol (Remote Assistance and Remote Desktop)"),
    (r"^windows remote management over http$", "5985", "winrm-http",
     "WinRM HTTP", "Windows Remote Management over HTTP"),
    (r"^windows remote management over https$", "5986", "winrm-https",
     "WinRM HTTPS", "Windows Remote Management over HTTPS"),
]

# Client flows to these roles are expanded per boundary group.
SCOPED_CLIENT_TARGETS = {
    "management_point",
    "distribution_point",
    "distribution_point_pxe",
    "distribution_point_multicast",
    "software_update_point",
    "state_migration_point",
}

# internet_endpoints.csv category -> endpoint name (None: not used).
CATEGORY_MAP = OrderedDict([
    ("asset-intelligence", "internet-microsoft"),
    ("azure-services", "internet-azure"),
    ("cloud-services (Azure AD discovery)", "internet-azure"),
    ("cloud-services (CMG/CDP deployment)", "internet-azure"),
    ("external-notifications", "internet-azure-logic-app"),
    ("updates-and-servicing", "internet"),
    ("windows-10-servicing", "internet"),
    ("always-allow (URL forwarders)", "internet"),
    ("software-updates", "internet"),
    ("office-365", "internet"),
    ("cloud-services (Azure AD token)", "internet"),
    ("software-updates (intranet firewall)", None),
    ("cloud-services (CMG)", None),
    ("cloud-services (CMG/CDP content)", None),
    ("delivery-optimization", None),
    ("co-management", None),
    ("microsoft-store-for-business", None),
    ("desktop-analytics", None),
])
CONSOLE_CATEGORY_PREFIX = "console:"  # every "console: ..." category -> internet

# Endpoints that internet_endpoints.csv does not cover.
SUPPLEMENT = {
    "internet-exchange-online": [
        ("outlook.office365.com",
         "Exchange Online remote PowerShell (WinRM over HTTPS); not in "
         "internet_endpoints.csv"),
    ],
}


class GenError(Exception):
    pass


def dash(ident):
    return ident.replace("_", "-").replace(":", "-")


def check_name(name, what):
    if not NAME_RE.match(name) or len(name) > NAME_MAX:
        raise GenError("%s name %r is not a valid fwc name" % (what, name))
    return name


def is_internet(ident):
    return ident == "internet" or ident.startswith("internet:")


def xml_attr(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_comment(text):
    # "--" is not allowed inside an XML comment, nor a trailing "-".
    text = text.replace("--", "- -")
    while "--" in text:
        text = text.replace("--", "- -")
    if text.endswith("-"):
        text += " "
    return text


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def select_rows(rows):
    sel = [r for r in rows
           if r["scope"] == "core" and r["in_memdocs_2022"] == "yes"]
    sel.sort(key=lambda r: r["id"])
    return sel


# ---------------------------------------------------------------- services

def row_ports(row):
    """The (protocol, port) elements one ports.csv row stands for."""
    transport = row["transport"].strip().upper()
    port = row["port"].strip()
    if transport == "ICMP":
        return [("icmp", port), ("icmp6", port)]
    if transport not in ("TCP", "UDP"):
        raise GenError("%s: cannot map transport %r" % (row["id"], transport))
    proto = transport.lower()
    if port == "DYNAMIC":
        return [(proto, RPC_DYNAMIC)]
    if "|" in port:
        port = port.split("|")[-1]
    out = []
    for item in port.split(","):
        item = item.strip()
        if not re.match(r"^\d+(-\d+)?$", item):
            raise GenError("%s: cannot map port %r" % (row["id"], row["port"]))
        out.append((proto, item))
    return out


def classify(row):
    text = row["service"].strip().lower()
    for regex, port, name, label, desc in SERVICE_RULES:
        if row["port"].strip() == port and re.search(regex, text):
            return name
    raise GenError("%s: no service rule for service %r port %r"
                   % (row["id"], row["service"], row["port"]))


def port_sort_key(elem):
    proto, port = elem
    order = {"tcp": 0, "udp": 1, "icmp": 2, "icmp6": 3}[proto]
    if port[0].isdigit():
        return (order, int(port.split("-")[0]), port)
    return (order, 0, port)


# ---------------------------------------------------------------- endpoints

def normalise_fqdns(text):
    """FQDNs named by one internet_endpoints.csv `endpoint` cell."""
    text = text.strip()
    if text.startswith("("):
        return []  # placeholder pointing to another document
    out = []
    for part in text.split(" / "):
        part = part.strip()
        part = re.sub(r"^[a-z]+://", "", part)
        part = re.split(r"[/?]", part, maxsplit=1)[0]
        part = re.sub(r":\d+$", "", part)
        labels = part.lower().split(".")
        labels = ["*" if re.match(r"^<[^>]*>$", lab) else lab for lab in labels]
        labels = ["*" if "*" in lab else lab for lab in labels]
        # a wildcard covers every label to its left
        while len(labels) > 1 and labels[0] == "*" and labels[1] == "*":
            labels.pop(0)
        if "*" in labels[1:]:
            # "<name>.blob..." style placeholders inside: keep the suffix
            idx = max(i for i, lab in enumerate(labels) if lab == "*")
            labels = labels[idx:]
        fqdn = ".".join(labels)
        if not re.match(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?"
                        r"(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", fqdn):
            raise GenError("cannot normalise endpoint %r (got %r)" % (text, fqdn))
        out.append(fqdn)
    return out


def endpoint_for_category(category):
    if category.startswith(CONSOLE_CATEGORY_PREFIX):
        return "internet"
    if category not in CATEGORY_MAP:
        raise GenError("internet_endpoints.csv: unknown category %r; add it "
                       "to CATEGORY_MAP" % category)
    return CATEGORY_MAP[category]


# ---------------------------------------------------------------- model

def build(ports_rows, endpoint_rows):
    rows = select_rows(ports_rows)
    if not rows:
        raise GenError("ports.csv: no core rows of the 2022 revision")

    # roles and endpoints
    docnames = defaultdict(set)
    for r in rows:
        docnames[r["from_id"]].add(r["from_role"].strip())
        docnames[r["to_id"]].add(r["to_role"].strip())

    def best_name(ident):
        return sorted(docnames[ident], key=lambda s: (-len(s), s))[0]

    roles = []
    endpoints = OrderedDict()
    for ident in sorted(docnames):
        name = check_name(dash(ident), "role/endpoint")
        if is_internet(ident):
            endpoints[name] = {"id": ident, "doc": best_name(ident),
                               "fqdns": {}, "categories": set()}
        else:
            roles.append((name, "%s (ports.csv id %s)" % (best_name(ident), ident)))

    for e in endpoint_rows:
        target = endpoint_for_category(e["category"].strip())
        if target is None:
            continue
        if target not in endpoints:
            raise GenError("category %r maps to %r, which no ports.csv row "
                           "uses" % (e["category"], target))
        fq = normalise_fqdns(e["endpoint"])
        for f in fq:
            endpoints[target]["fqdns"].setdefault(f, set()).add(e["category"].strip())
        if fq:
            endpoints[target]["categories"].add(e["category"].strip())
    for target, items in SUPPLEMENT.items():
        if target not in endpoints:
            raise GenError("supplement for unknown endpoint %r" % target)
        for fqdn, why in items:
            endpoints[target]["fqdns"].setdefault(fqdn, set()).add("supplement: " + why)
            endpoints[target]["categories"].add("supplement")
    for name, ep in endpoints.items():
        if not ep["fqdns"]:
            raise GenError("endpoint %r has no FQDN" % name)

    all_names = [n for n, _ in roles] + list(endpoints)
    if len(set(all_names)) != len(all_names):
        raise GenError("duplicate role/endpoint name")

    # paths: group rows, merge per meaning
    paths = OrderedDict()
    for r in rows:
        key = (r["from_id"], r["to_id"], r["direction"])
        paths.setdefault(key, []).append(r)

    base_sets = defaultdict(set)      # base name -> set of frozenset(ports)
    path_bases = {}                   # path key -> OrderedDict(base -> ports)
    for key, prow in paths.items():
        merged = OrderedDict()
        for r in prow:
            base = classify(r)
            merged.setdefault(base, set()).update(row_ports(r))
        path_bases[key] = merged
        for base, ports in merged.items():
            base_sets[base].add(frozenset(ports))

    # service name per (base, port set)
    services = {}      # name -> dict(ports, description, label)
    variant_name = {}  # (base, frozenset) -> service name
    rule_info = {rule[2]: rule for rule in SERVICE_RULES}
    for base in sorted(base_sets):
        sets = sorted(base_sets[base], key=lambda s: (-len(s), sorted(s)))
        full = sets[0]
        for s in sets:
            if s == full:
                name, suffix = base, ""
            else:
                protos = {p for p, _ in s}
                if not s <= full or len(protos) != 1:
                    raise GenError("service %r is used with incompatible port "
                                   "sets %r; add a rule" % (base, sets))
                proto = protos.pop()
                name, suffix = base + "-" + proto, " (%s only)" % proto.upper()
            check_name(name, "service")
            if name in services:
                raise GenError("service name clash %r" % name)
            _, _, _, label, desc = rule_info[base]
            services[name] = {
                "ports": sorted(s, key=port_sort_key),
                "label": label + suffix,
                "description": desc + suffix,
            }
            variant_name[(base, s)] = name

    # flows
    flows = []
    for key, merged in path_bases.items():
        from_id, to_id, direction = key
        prow = paths[key]
        svc = [variant_name[(base, frozenset(ports))] for base, ports in merged.items()]
        name = check_name("%s-to-%s" % (dash(from_id), dash(to_id)), "flow")
        if direction not in ("one-way", "bidirectional"):
            raise GenError("%s: unknown direction %r" % (prow[0]["id"], direction))
        ids = [r["id"] for r in prow]
        labels = [services[s]["label"] for s in svc]
        head = "%s to %s" % (prow[0]["from_role"].strip(), prow[0]["to_role"].strip())
        if direction == "bidirectional":
            head += " (bidirectional)"
        desc = "%s: %s (%s)" % (head, ", ".join(labels), ", ".join(ids))
        flows.append({
            "name": name,
            "from": dash(from_id),
            "to": dash(to_id),
            "services": sorted(set(svc)),
            "bidirectional": direction == "bidirectional",
            "scoped": from_id == "client" and to_id in SCOPED_CLIENT_TARGETS,
            "description": desc,
            "rows": prow,
        })
    flows.sort(key=lambda f: f["name"])
    if len({f["name"] for f in flows}) != len(flows):
        raise GenError("duplicate flow name")

    return {
        "rows": rows,
        "roles": roles,
        "endpoints": endpoints,
        "services": services,
        "flows": flows,
    }


# ---------------------------------------------------------------- output

def wrap_comment(lines, indent, hang=""):
    """An XML comment, one wrapped paragraph per entry of `lines`."""
    pad = " " * indent
    out = [pad + "<!--"]
    for line in lines:
        if line == "":
            out.append("")
            continue
        for w in textwrap.wrap(xml_comment(line), width=78 - indent,
                               break_long_words=False, break_on_hyphens=False,
                               subsequent_indent=hang):
            out.append(pad + "  " + w)
    out.append(pad + "-->")
    return out


def render(model):
    o = []
    o.append('<?xml version="1.0" encoding="UTF-8"?>')
    o.extend(wrap_comment([
        "GENERATED FILE - DO NOT EDIT.",
        "Generated by tools/gen-configmgr.py from policies/src/ports.csv "
        "(rows with scope=core and in_memdocs_2022=yes: %d rows) and "
        "policies/src/internet_endpoints.csv. Edit the CSV files or the "
        "generator and run: python3 tools/gen-configmgr.py"
        % len(model["rows"]),
        "",
        "fwc ConfigMgr library: the paths of \"Ports used in Configuration "
        "Manager\". A site policy includes it with <include "
        "href=\"configmgr.xml\"/>, gives the roles members (hosts with "
        "roles=\"...\", or <role name=\"client\" override=\"true\"> with "
        "boundaries), defines its boundary groups and enforcement points, "
        "and may override any service with override=\"true\" to match its "
        "configured ports.",
        "",
        "Contents: %d services, %d roles, %d internet endpoints, %d flows. "
        "Every flow description cites the ports.csv row ids it covers."
        % (len(model["services"]), len(model["roles"]),
           len(model["endpoints"]), len(model["flows"])),
    ], 0))
    o.append('<policy name="configmgr" version="1">')

    # services
    o.append("")
    o.extend(wrap_comment([
        "Services: one per meaning and port set found in ports.csv. Names "
        "are stable; override one in a site policy with <service name=\"...\" "
        "override=\"true\"> to match the site's configured port."], 2))
    for name in sorted(model["services"]):
        s = model["services"][name]
        o.append('  <service name="%s" description="%s">'
                 % (name, xml_attr(s["description"])))
        for proto, port in s["ports"]:
            if proto in ("icmp", "icmp6"):
                o.append('    <%s type="%s"/>' % (proto, xml_attr(port)))
            else:
                o.append('    <port protocol="%s" port="%s"/>' % (proto, port))
        o.append("  </service>")

    # roles
    o.append("")
    o.extend(wrap_comment([
        "Roles: one per ports.csv id (\"_\" becomes \"-\"), without members. "
        "A site gives them members with <host roles=\"...\"> or with "
        "<role name=\"...\" override=\"true\"><boundary ref=\"...\"/></role>. "
        "Flows of roles that have no members compile to nothing; fwc "
        "counts them in one summary note."], 2))
    for name, desc in model["roles"]:
        o.append('  <role name="%s" description="%s"/>' % (name, xml_attr(desc)))

    # endpoints
    o.append("")
    o.extend(wrap_comment([
        "Internet endpoints: the ports.csv ids \"internet\" and "
        "\"internet:x\", filled from internet_endpoints.csv (see the "
        "generator's header for the category mapping). Wildcard FQDNs are "
        "only reachable through a proxy: give the source host proxy=\"...\" "
        "or the flow via=\"...\"."], 2))
    for name, ep in model["endpoints"].items():
        cats = sorted(ep["categories"])
        desc = "%s (ports.csv id %s); FQDNs from: %s" % (
            ep["doc"], ep["id"], "; ".join(cats))
        o.append('  <endpoint name="%s" description="%s">' % (name, xml_attr(desc)))
        for fqdn in sorted(ep["fqdns"]):
            o.append("    <fqdn>%s</fqdn>" % xml_text(fqdn))
        o.append("  </endpoint>")

    # flows
    o.append("")
    o.extend(wrap_comment([
        "Flows: one per ports.csv path (from, to, direction), sorted by name. "
        "Client flows to the management point, distribution points, software "
        "update point and state migration point are scoped to boundary "
        "groups: a client only reaches the site systems of its own boundary "
        "group and of its fallback neighbours."], 2))
    for f in model["flows"]:
        o.append("")
        lines = []
        for r in f["rows"]:
            bits = "%s %s %s %s" % (r["id"], r["service"].strip(),
                                    r["transport"].strip(), r["port"].strip())
            if r["configurable"].strip() == "yes":
                bits += " (configurable)"
            if r["notes"].strip():
                bits += ": " + r["notes"].strip()
            lines.append(bits)
        o.extend(wrap_comment(lines, 2, hang="     "))
        attrs = ['name="%s"' % f["name"],
                 'from="%s"' % f["from"],
                 'to="%s"' % f["to"],
                 'service="%s"' % " ".join(f["services"])]
        if f["bidirectional"]:
            attrs.append('bidirectional="true"')
        if f["scoped"]:
            attrs.append('scope="boundary-group"')
        attrs.append('description="%s"' % xml_attr(f["description"]))
        o.append("  <allow " + attrs[0])
        for a in attrs[1:-1]:
            o.append("         " + a)
        o.append("         " + attrs[-1] + "/>")

    o.append("")
    o.append("</policy>")
    return "\n".join(o) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate policies/configmgr.xml from the ConfigMgr CSV data.")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the output file differs from what "
                         "would be generated (nothing is written)")
    ap.add_argument("-o", "--output", default=DEFAULT_OUTPUT,
                    help="output file, '-' for stdout (default: %(default)s)")
    ap.add_argument("--ports", default=DEFAULT_PORTS, help="ports.csv path")
    ap.add_argument("--endpoints", default=DEFAULT_ENDPOINTS,
                    help="internet_endpoints.csv path")
    args = ap.parse_args(argv)

    try:
        model = build(read_csv(args.ports), read_csv(args.endpoints))
        text = render(model)
    except (GenError, OSError, KeyError, csv.Error) as e:
        print("gen-configmgr: error: %s" % e, file=sys.stderr)
        return 2

    if args.check:
        if args.output == "-":
            print("gen-configmgr: --check needs a file", file=sys.stderr)
            return 2
        try:
            with open(args.output, encoding="utf-8", newline="") as f:
                old = f.read()
        except OSError as e:
            print("gen-configmgr: %s is missing or unreadable: %s"
                  % (args.output, e), file=sys.stderr)
            return 1
        if old != text:
            rel = os.path.relpath(args.output, ROOT)
            sys.stderr.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True),
                rel + " (committed)", rel + " (generated)"))
            print("gen-configmgr: %s is out of date; run "
                  "python3 tools/gen-configmgr.py" % rel, file=sys.stderr)
            return 1
        return 0

    if args.output == "-":
        sys.stdout.write(text)
    else:
        tmp = args.output + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
