#!/usr/bin/env python3
# Makes bench/daemon/hot-functions.order (gold's --section-ordering-file for release links) from a
# callgrind profile of the daemon in steady state: every function of the program's binary that
# ran, hottest first, as the section name `-function-sections` gives it (".text.<symbol>").
# Swift names come from callgrind as symbols; the runtime's C++ names come demangled and are
# mapped back through `nm` + `c++filt`. Also prints what the ordering should save: the code run,
# and the 4 kB pages and 64 kB fault-around windows it touches in the profiled binary's layout.
#   hot_functions.py PROFILE BINARY OUT
#   hot_functions.py --span BINARY ORDER   how far apart the listed functions lie in BINARY
#                                          (run.sh prints it: ~1 MB when the ordering took)
import re, subprocess, sys

def text_symbols(binary):
    symbols, names = {}, []
    for line in subprocess.run(['nm', '-S', '--defined-only', binary], capture_output=True, text=True, check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in 'tTwW':
            symbols.setdefault(p[3], (int(p[0], 16), int(p[1], 16)))
            names.append(p[3])
    return symbols, names

if sys.argv[1] == '--span':
    symbols, _ = text_symbols(sys.argv[2])
    listed = [l.strip()[len('.text.'):] for l in open(sys.argv[3]) if l.startswith('.text.')]
    found = [symbols[n] for n in listed if n in symbols]
    if not found:
        print('none of the %d listed functions is in the binary (stripped?)' % len(listed))
        sys.exit(0)
    # The span holding 95 % of the listed code, so a few far-off leftovers do not hide the layout.
    found.sort()
    total = sum(n for _, n in found)
    best = None
    j = acc = 0
    for i in range(len(found)):
        while j < len(found) and acc < total * 0.95:
            acc += found[j][1]; j += 1
        if acc >= total * 0.95:
            span = found[j - 1][0] + found[j - 1][1] - found[i][0]
            best = span if best is None else min(best, span)
        acc -= found[i][1]
    # What the kernel keeps resident for them: it maps the 64 kB around every fault.
    windows = set()
    for a, n in found:
        windows.update(range(a // 65536, (a + max(n, 1) - 1) // 65536 + 1))
    print('%d of %d listed functions in the binary, %d kB of code; 95 %% of it within %d kB; '
          'they touch %d kB of 64 kB fault-around windows' %
          (len(found), len(listed), total // 1024, (best or 0) // 1024, len(windows) * 64))
    sys.exit(0)

profile, binary, out = sys.argv[1:4]
objects, functions, self_cost = {}, {}, {}

def resolve(table, text):  # callgrind's name compression: "(id) name" defines, "(id)" refers
    m = re.match(r'\((\d+)\)(?: (.*))?', text)
    if not m:
        return text
    if m.group(2) is not None:
        table[m.group(1)] = m.group(2)
    return table.get(m.group(1))

obj = fn = None
skip_next_cost = False
for line in open(profile, errors='replace'):
    line = line.rstrip('\n')
    if line.startswith('ob='):
        obj = resolve(objects, line[3:])
    elif line.startswith('fn='):
        fn = (obj, resolve(functions, line[3:]))
    elif line.startswith('cob='):
        resolve(objects, line[4:])
    elif line.startswith('cfn='):
        resolve(functions, line[4:])
    elif line.startswith('calls='):
        skip_next_cost = True  # the next cost line is the call's inclusive cost, not self cost
    elif line[:1].isdigit() or line[:1] in '+-*':
        if skip_next_cost:
            skip_next_cost = False
            continue
        parts = line.split()
        if len(parts) >= 2 and fn:
            self_cost[fn] = self_cost.get(fn, 0) + int(parts[1])

symbols, names = text_symbols(binary)
demangled = subprocess.run(['c++filt'], input='\n'.join(names), capture_output=True, text=True, check=True).stdout.split('\n')
by_demangled = {}
for raw, nice in zip(names, demangled):
    by_demangled.setdefault(nice, raw)

ran = sorted(((c, f) for (o, f), c in self_cost.items() if o == binary and c > 0), reverse=True)
hot = []
for _, f in ran:
    f = re.sub(r"'\d+$", '', f)  # callgrind marks recursion levels as name'2
    s = f if f in symbols else by_demangled.get(f)
    if s in symbols and s not in hot:
        hot.append(s)
with open(out, 'w') as o:
    o.write(''.join('.text.%s\n' % s for s in hot))
pages, windows = set(), set()
for s in hot:
    a, n = symbols[s]
    pages.update(range(a // 4096, (a + max(n, 1) - 1) // 4096 + 1))
    windows.update(range(a // 65536, (a + max(n, 1) - 1) // 65536 + 1))
print('%d functions ran in the binary (%d placed), %d kB of code; in this layout they touch %d kB of 4 kB pages '
      'and %d kB of 64 kB fault-around windows' % (len(ran), len(hot), sum(symbols[s][1] for s in hot) // 1024,
                                                   len(pages) * 4, len(windows) * 64))
