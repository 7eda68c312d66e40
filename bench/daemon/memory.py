#!/usr/bin/env python3
"""Where a running process's resident memory goes, from /proc/PID/smaps (Linux).

    bench/daemon/memory.py PID [PID…]

Groups every mapping's Rss (and the private part of it) into: the program's own binary, the
Swift runtime and standard library (libswift*), Foundation (libFoundation*, _FoundationICU),
the C libraries (each by name: libcurl, gnutls, libcrypto, sqlite, …), the heap ([heap]),
thread stacks (anonymous mappings right after a one-page guard, one per thread), glibc malloc
arenas of other threads (64 MiB-aligned anonymous reservations), and other anonymous memory.
Prints one table per process, in kB.
"""
import os
import re
import sys
from collections import defaultdict

ARENA = 64 * 1024 * 1024


def mappings(pid):
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                if current:
                    yield current
                current = {"start": int(m.group(1), 16), "end": int(m.group(2), 16), "perms": m.group(3),
                           "path": m.group(4).strip(), "Rss": 0, "Private": 0, "Referenced": 0}
                continue
            k, _, v = line.partition(":")
            if k in ("Rss", "Private_Clean", "Private_Dirty", "Referenced") and current:
                kb = int(v.split()[0])
                if k in ("Rss", "Referenced"):
                    current[k] += kb
                else:
                    current["Private"] += kb
    if current:
        yield current


def library_group(path):
    name = os.path.basename(path)
    if name.startswith("libswift") or name.startswith("libBlocksRuntime") or name.startswith("libdispatch"):
        return "Swift runtime, stdlib, dispatch (libswift*, libdispatch)"
    if "Foundation" in name:
        return "Foundation (" + name.split(".so")[0] + ")"
    for key, label in (("libcurl", "libcurl"), ("gnutls", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"),
                       ("nettle", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"), ("hogweed", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"),
                       ("gmp", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"), ("p11-kit", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"),
                       ("tasn1", "gnutls + nettle/gmp/p11/tasn1 (libcurl's TLS)"), ("libcrypto", "libcrypto + libssl (OpenSSL)"),
                       ("libssl", "libcrypto + libssl (OpenSSL)"), ("sqlite", "sqlite3"), ("microhttpd", "libmicrohttpd"),
                       ("libusb", "libusb + libudev"), ("libudev", "libusb + libudev"), ("libc.so", "glibc (libc, libm, ld.so)"),
                       ("libm.so", "glibc (libc, libm, ld.so)"), ("ld-linux", "glibc (libc, libm, ld.so)"), ("stdc++", "libstdc++ + libgcc_s"),
                       ("gcc_s", "libstdc++ + libgcc_s")):
        if key in name:
            return label
    return "other C libraries (krb5, ldap, ssh2, idn2, …, libcurl's dependencies)"


def breakdown(pid):
    exe = os.path.realpath(f"/proc/{pid}/exe")
    maps = list(mappings(pid))
    groups = defaultdict(lambda: [0, 0, 0, 0])  # rss, private, count, referenced
    for i, m in enumerate(maps):
        path, size = m["path"], m["end"] - m["start"]
        if path == exe:
            g = "the program's binary (" + os.path.basename(exe) + ")"
        elif path.startswith("/"):
            g = library_group(path)
        elif path == "[heap]":
            g = "heap ([heap]: main-thread malloc arena)"
        elif path == "[stack]":
            g = "main thread stack"
        elif path.startswith("["):
            g = "kernel-provided (" + path + ")"
        else:
            prev = maps[i - 1] if i > 0 else None
            guard_before = prev and prev["end"] == m["start"] and prev["perms"].startswith("---") and prev["end"] - prev["start"] <= 64 * 1024
            arena = m["start"] % ARENA == 0 and size <= ARENA or (prev and prev["start"] % ARENA == 0 and prev["path"] == "" and prev["end"] == m["start"] and prev["perms"].startswith("rw") and m["perms"].startswith("---"))
            if m["perms"].startswith("---"):
                g = "reserved, not resident (guards, arena tails)"
            elif arena:
                g = "malloc arenas of other threads (glibc, 64 MiB each reserved)"
            elif guard_before:
                g = "thread stacks (after a guard page)"
            else:
                g = "other anonymous memory (mmap'd allocations, Swift metadata, caches)"
        groups[g][0] += m["Rss"]
        groups[g][1] += m["Private"]
        groups[g][2] += 1
        groups[g][3] += m["Referenced"]
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    total = sum(v[0] for v in groups.values())
    print(f"pid {pid} ({os.path.basename(exe)}): VmRSS {status['VmRSS'].strip()}, threads {status['Threads'].strip()}")
    # "used" is the kernel's Referenced: pages touched since the referenced bits were last cleared
    # (run.sh clears them when its measuring window opens: what the steady loop really uses; the
    # rest of Rss was mapped at start-up, or around a touched page by the kernel's fault-around).
    print(f"  {'where':<72} {'Rss kB':>8} {'private':>8} {'used':>8} {'maps':>5}")
    for g, (rss, private, n, used) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if rss == 0 and not g.startswith("reserved"):
            continue
        print(f"  {g:<72} {rss:>8} {private:>8} {used:>8} {n:>5}")
    print(f"  {'total':<72} {total:>8} {sum(v[1] for v in groups.values()):>8} {sum(v[3] for v in groups.values()):>8}")
    # The kernel's own totals: Pss splits shared pages among the processes mapping them;
    # Private_Dirty is what this process alone costs (written pages, heap, stacks, relocations).
    with open(f"/proc/{pid}/smaps_rollup") as f:
        roll = {k: v.split()[0] for k, _, v in (line.partition(":") for line in f) if v.strip().endswith("kB")}
    print("  smaps_rollup: " + ", ".join(f"{k} {roll[k]}" for k in ("Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty", "Anonymous") if k in roll))
    # The program's own mappings one by one (text, read-only data, relocated data, .data/.bss).
    for m in maps:
        if m["path"] == exe:
            print(f"  binary {m['perms']} {(m['end'] - m['start']) // 1024:>8} kB mapped {m['Rss']:>8} kB resident {m['Private']:>8} kB private {m['Referenced']:>8} kB used")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for pid in sys.argv[1:]:
        breakdown(int(pid))
        print()
