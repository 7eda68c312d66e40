#!/usr/bin/env python3
"""Rewrites `#expect(A == B[, comment])` into `expectEqual(A, B[, comment])` (issue #13, Deliver 6).

Each `#expect` is a macro expansion: a round trip to the testing macro plugin and the type checking
of the closure tree it generates (≈ 14 ms of CPU each, measured: 300 × `#expect(a == b)` 5.8 CPU-s
against 300 × `expectEqual(a, b)` 1.65 CPU-s). `expectEqual` (WatchpostTestSupport/Expectations.swift)
is an ordinary generic call that expands `#expect` once, inside, and still prints both values and
the caller's file:line when it fails. Only plain comparisons are rewritten: one top-level `==`, no
top-level `&&`, `||`, `?:` or other comparison, and not against `nil` (a non-Equatable optional
compares to nil, but cannot be passed as `T: Equatable`), nor a tuple literal. A leading `try`/`await` moves in front of
the call, so it still covers both operands. Idempotent; run again after a rebase.

Usage: scripts/expect-rewrite.py FILE|FOLDER...          rewrites (prints how many per file)
       scripts/expect-rewrite.py --check FILE|FOLDER...  rewrites nothing; lists each `#expect`
           it would rewrite as file:line and exits 1 if there is one (WatchpostCoreTests'
           ExpectRewriteCheckTests runs it over Tests/, so `make test` fails on a new one)
A folder stands for every .swift file under it. Expectations.swift, where `expectEqual` itself
is written with `#expect(actual == expected, …)`, is never touched: rewritten, the helper would
call itself.
"""
import os, re, sys

# The helper's own body is the one `#expect(a == b)` that must stay (issue #13 s10 review, D4).
HELPER = os.path.join('WatchpostTestSupport', 'Expectations.swift')

OPEN = {'(': ')', '[': ']', '{': '}'}
CLOSE = set(OPEN.values())

def scan(s, start):
    """Yields (index, char, depth) for characters of s from start outside string literals,
    with depth of (), [], {} nesting; string interpolations are skipped whole."""
    depth = 0
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            # a string literal (single line, or multi-line """), with \( ... ) interpolations
            if s.startswith('"""', i):
                end = s.find('"""', i + 3)
                if end < 0: raise ValueError("open multi-line string")
                i = end + 3
                continue
            i += 1
            while i < n and s[i] != '"':
                if s[i] == '\\' and i + 1 < n and s[i+1] == '(':
                    # skip the interpolation, which may itself hold strings
                    j = i + 2
                    d = 1
                    while j < n and d:
                        if s[j] == '"':
                            k = j + 1
                            while k < n and s[k] != '"':
                                k += 2 if s[k] == '\\' else 1
                            j = k + 1
                            continue
                        if s[j] == '(': d += 1
                        elif s[j] == ')': d -= 1
                        j += 1
                    i = j
                    continue
                i += 2 if s[i] == '\\' else 1
            i += 1
            continue
        if c in OPEN:
            yield i, c, depth
            depth += 1
        elif c in CLOSE:
            depth -= 1
            yield i, c, depth
        else:
            yield i, c, depth
        i += 1

def matching(s, open_index):
    for i, c, d in scan(s, open_index):
        if c in CLOSE and d == 0:
            return i
    return -1

def split_top(s, sep):
    """Splits s at top-level occurrences of sep (outside strings and brackets)."""
    parts, last = [], 0
    for i, c, d in scan(s, 0):
        if d == 0 and c not in OPEN and c not in CLOSE and s.startswith(sep, i):
            parts.append(s[last:i]); last = i + len(sep)
    parts.append(s[last:])
    return parts

BAD = ['&&', '||', ' ? ', '!=', ' < ', ' > ', '<=', '>=', '===', ' ?? ', ' is ', ' as']

def top_level_text(s):
    """s with everything inside brackets and strings blanked out."""
    out = list(s)
    inside = [False] * len(s)
    marks = {i: d for i, c, d in scan(s, 0)}
    for i in range(len(s)):
        if i not in marks:           # in a string literal
            out[i] = '_'
        elif marks[i] > 0 and s[i] not in OPEN and s[i] not in CLOSE:
            out[i] = '_'
    return ''.join(out)

def is_tuple(operand):
    """Whether operand is a tuple literal such as `(0, 0)`."""
    if not operand.startswith('(') or matching(operand, 0) != len(operand) - 1:
        return False
    return len(split_top(operand[1:-1], ',')) > 1

def rewrite_one(args):
    parts = split_top(args, ',')
    cond = parts[0]
    rest = parts[1:]
    top = top_level_text(cond)
    if top.count(' == ') != 1 or any(b in top for b in BAD):
        return None
    at = top.index(' == ')
    lhs, rhs = cond[:at].strip(), cond[at + 4:].strip()
    if rhs == 'nil' or lhs == 'nil' or not lhs or not rhs:
        return None
    if is_tuple(lhs) or is_tuple(rhs):
        return None    # tuples compare with ==, but are not Equatable: expectEqual would not compile
    prefix = ''
    m = re.match(r'^((?:try[?!]?\s+|await\s+)+)', lhs)
    if m:
        if '?' in m.group(1) or '!' in m.group(1): return None
        prefix = ' '.join(m.group(1).split()) + ' '
        lhs = lhs[m.end():]
    if re.match(r'^(try|await)\b', rhs) and not prefix:
        m2 = re.match(r'^((?:try\s+|await\s+)+)', rhs)
        if m2:
            prefix = ' '.join(m2.group(1).split()) + ' '
            rhs = rhs[m2.end():]
    if '\n' in lhs or '\n' in rhs:
        return None
    return prefix + 'expectEqual(' + ', '.join([lhs, rhs] + [r.strip() for r in rest]) + ')'

def rewrite(text, found=None):
    """The text with every plain `#expect(a == b)` rewritten, and how many. `found`, if given,
    receives the offset of each rewritten `#expect`."""
    out, i, count = [], 0, 0
    while True:
        j = text.find('#expect(', i)
        if j < 0:
            out.append(text[i:]); break
        # skip comments: a // before it on the same line
        line_start = text.rfind('\n', 0, j) + 1
        if '//' in text[line_start:j]:
            out.append(text[i:j + 8]); i = j + 8; continue
        close = matching(text, j + 7)
        if close < 0:
            out.append(text[i:j + 8]); i = j + 8; continue
        new = rewrite_one(text[j + 8:close])
        if new is None:
            out.append(text[i:close + 1]); i = close + 1; continue
        if found is not None: found.append(j)
        out.append(text[i:j]); out.append(new); i = close + 1; count += 1
    return ''.join(out), count

def swift_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith('.swift'): yield os.path.join(root, name)
        else:
            yield path

if __name__ == '__main__':
    args = sys.argv[1:]
    check = bool(args) and args[0] == '--check'
    if check: args = args[1:]
    total = 0
    for path in swift_files(args):
        if os.path.normpath(path).endswith(HELPER):
            continue
        src = open(path, encoding='utf-8').read()
        found = []
        new, n = rewrite(src, found)
        total += n
        if check:
            for j in found:
                line = src.count('\n', 0, j) + 1
                print(f"{path}:{line}: {src[j:].splitlines()[0].strip()}")
            continue
        if n:
            if 'import WatchpostTestSupport' not in new:
                new = re.sub(r'^(import Testing\n)', r'\1import WatchpostTestSupport\n', new, count=1, flags=re.M)
            open(path, 'w', encoding='utf-8').write(new)
        print(f"{n:5d} {path}")
    if check:
        if total:
            print(f"{total} `#expect(a == b)` above: write expectEqual(a, b) (WatchpostTestSupport/Expectations.swift), "
                  f"or run scripts/expect-rewrite.py on the file")
            sys.exit(1)
    else:
        print(f"{total:5d} total")
