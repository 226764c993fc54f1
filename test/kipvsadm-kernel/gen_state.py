#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Prints ipvsadm -R rules for many services and real servers spread over
# the whole address space (both families, all protocols, fwmarks), so the
# wrap-around comparator and glibc's merge order decide the listing. The
# seed makes the table the same on every run.
import random
import sys

services = int(sys.argv[1]) if len(sys.argv) > 1 else 200
reals = int(sys.argv[2]) if len(sys.argv) > 2 else 5
rng = random.Random(20260522)

def v4():
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))

def v6():
    words = [rng.randrange(0, 65536) for _ in range(8)]
    words[0] = rng.choice([0x2001, 0xfd00, 0x8000, 0xfe80 + 1, 0x0100, 0xffff])
    return ":".join("%x" % w for w in words)

seen = set()
for i in range(services):
    kind = rng.random()
    if kind < 0.1:
        mark = rng.choice([rng.randrange(1, 1 << 32), rng.randrange(1, 100), (1 << 31) + rng.randrange(0, 1000)])
        six = rng.random() < 0.3
        key = ("f", mark, six)
        if key in seen:
            continue
        seen.add(key)
        svc = "-f %d%s" % (mark, " -6" if six else "")
    else:
        proto = rng.choice(["-t", "-t", "-u", "--sctp-service"])
        six = rng.random() < 0.3
        addr = v6() if six else v4()
        port = rng.choice([80, 443, 53, rng.randrange(1, 65536)])
        text = "[%s]:%d" % (addr, port) if six else "%s:%d" % (addr, port)
        key = (proto, text)
        if key in seen:
            continue
        seen.add(key)
        svc = "%s %s" % (proto, text)
    sched = rng.choice(["rr", "wrr", "lc", "wlc", "sh", "mh", "dh", "sed", "nq"])
    print("-A %s -s %s" % (svc, sched))
    used = set()
    for j in range(rng.randrange(0, reals + 1)):
        rsix = six if not svc.startswith("-f") else six
        raddr = v6() if rsix else v4()
        rport = rng.choice([80, 8080, rng.randrange(1, 65536)])
        rtext = "[%s]:%d" % (raddr, rport) if rsix else "%s:%d" % (raddr, rport)
        if rtext in used:
            continue
        used.add(rtext)
        method = rng.choice(["-m", "-m", "-g", "-i"])
        print("-a %s -r %s %s -w %d" % (svc, rtext, method, rng.choice([0, 1, 5, 100, 65535])))
