#!/usr/bin/env python3
"""What a wasm module's code is made of: the bytes of each function body, grouped.

Usage: bench/wasm_sizes.py MODULE.wasm [--top N]

Reads the code section (function bodies, in bytes) and the `name` custom section (function
names; a module built with `strip = false` and not yet through `wasm-opt` keeps it), and
groups the bodies by the first crate each function's name mentions (`<T as tachys::…>` counts
as tachys). Rust's legacy symbol names leave out generic arguments, so generic code
monomorphised for a page counts towards the generic crate, not the page. Prints each group's
bytes and share of the code section, largest first. The wasm binary format:
https://webassembly.github.io/spec/core/binary/modules.html (the import section, 2; the code
section, 10; the name section, in the appendix).
"""
import re
import sys
from collections import Counter


def leb(data, i):
    """An unsigned LEB128 at data[i]: (value, next index)."""
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, i


def sections(data):
    assert data[:4] == b"\0asm", "not a wasm module"
    i = 8
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        yield sid, data[j : j + size]
        i = j + size


def imported_functions(body):
    count, i = leb(body, 0)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            n, i = leb(body, i)
            i += n
        kind = body[i]
        i += 1
        if kind == 0:  # function: type index
            _, i = leb(body, i)
            funcs += 1
        elif kind == 1:  # table: reftype, limits
            i += 1
            flag, i = leb(body, i)
            _, i = leb(body, i)
            if flag & 1:
                _, i = leb(body, i)
        elif kind == 2:  # memory: limits
            flag, i = leb(body, i)
            _, i = leb(body, i)
            if flag & 1:
                _, i = leb(body, i)
        elif kind == 3:  # global: valtype, mutability
            i += 2
        else:
            raise ValueError(f"unknown import kind {kind}")
    return funcs


ESCAPES = {"$LT$": "<", "$GT$": ">", "$C$": ",", "$RF$": "&", "$BP$": "*", "$LP$": "(",
           "$RP$": ")", "$SP$": "@", "$u20$": " ", "$u27$": "'", "$u5b$": "[", "$u5d$": "]",
           "$u7b$": "{", "$u7d$": "}", "$u7e$": "~", "$u3b$": ";", "$u2b$": "+", "$u22$": '"'}


def demangle(name):
    """A Rust legacy-mangled symbol (`_ZN…E`) as a path; other names unchanged."""
    if not name.startswith("_ZN"):
        return name
    i, parts = 3, []
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit():
            j += 1
        n = int(name[i:j])
        parts.append(name[j : j + n])
        i = j + n
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    path = "::".join(p[1:] if p.startswith("_$") else p for p in parts)
    for k, v in ESCAPES.items():
        path = path.replace(k, v)
    return path.replace("..", "::")


def main():
    args = sys.argv[1:]
    path = args[0]
    top = int(args[args.index("--top") + 1]) if "--top" in args else 40
    data = open(path, "rb").read()
    imports, bodies, names = 0, [], {}
    for sid, body in sections(data):
        if sid == 2:
            imports = imported_functions(body)
        elif sid == 10:
            count, i = leb(body, 0)
            for _ in range(count):
                size, j = leb(body, i)
                bodies.append(j + size - i)
                i = j + size
        elif sid == 0:
            n, i = leb(body, 0)
            if body[i : i + n] != b"name":
                continue
            i += n
            while i < len(body):
                sub, i = body[i], i + 1
                size, i = leb(body, i)
                end = i + size
                if sub == 1:
                    count, i = leb(body, i)
                    for _ in range(count):
                        idx, i = leb(body, i)
                        ln, i = leb(body, i)
                        names[idx] = body[i : i + ln].decode("utf-8", "replace")
                        i += ln
                i = end
    total = sum(bodies)
    crate = re.compile(r"([a-z_][a-z0-9_]*)::")
    groups = Counter()
    for k, size in enumerate(bodies):
        m = crate.search(demangle(names.get(imports + k, "?")).lstrip("<&*"))
        groups[m.group(1) if m else "(unnamed)"] += size
    print(f"{path}: {len(bodies)} functions, {total:,} bytes of code "
          f"({len(data):,} bytes in all), {len(names)} names")
    for key, size in groups.most_common(top):
        print(f"{size:>10,}  {100 * size / total:5.1f} %  {key}")


if __name__ == "__main__":
    main()
