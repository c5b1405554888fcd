#!/usr/bin/env python3
"""Packet probes for the namespace tests.

  probe.py listen PORT...          accept TCP connections on every address
                                   (IPv4 and IPv6) on each PORT, forever
  probe.py connect SRC DST PORT [TIMEOUT]
                                   open one TCP connection from SRC to
                                   DST:PORT; prints open, refused, timeout
                                   or unreachable
"""
import errno
import selectors
import socket
import sys


def listen(ports):
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(p)))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ)
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                c, _ = key.fileobj.accept()
                c.close()
            except OSError:
                pass


def connect(src, dst, port, timeout):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    try:
        s.connect((dst, int(port)))
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH,
                       errno.EACCES, errno.EPERM):
            return "unreachable"
        return "error-%d" % e.errno
    finally:
        s.close()


def main(argv):
    if len(argv) >= 2 and argv[1] == "listen":
        listen(argv[2:])
    elif len(argv) in (5, 6) and argv[1] == "connect":
        t = float(argv[5]) if len(argv) == 6 else 1.5
        print(connect(argv[2], argv[3], argv[4], t))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
