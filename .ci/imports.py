#!/usr/bin/env python3
"""The import graph of a Rust source tree, between files, for .ci/check-layers.

Usage: imports.py circles SRC...   every loop of files that import each other
       imports.py edges SRC        every edge, as `from:line -> to`
       imports.py below SRC DIR LEAF...
                                   every import of a file under SRC/DIR from a
                                   file outside it, unless the target is one of
                                   the LEAF files (relative to SRC), which must
                                   themselves import nothing of the crate

A file imports another when one of its `use` items or a path in its code
(`crate::a::b`, `super::x`, `self::y::z`) names an item of the other file's
module. Paths are resolved to the deepest module that is a file (or an inline
`mod x { .. }` of one), following glob re-exports (`use unix::*`) as the
compiler does. A module file's edges into its own subtree (a parent declaring
and re-exporting its children) are not imports. Comments, doc comments and
string literals are ignored. Each SRC is a crate root directory (holding
lib.rs or main.rs).

Prints one line per circle (`a.rs -> b.rs -> a.rs`, with the line of each
import) and exits 1 if there is one.
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    """`text` with comments and string and char literals blanked, lines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not re.match(r"\w", text[i - 1:i] or " "):
            hashes = len(re.match(r"r(#*)\"", text[i:]).group(1))
            end = '"' + "#" * hashes
            j = text.find(end, i + 2 + hashes)
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^'\\])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = {}  # module path (tuple) -> file
        self.globs = {}  # module path -> child modules re-exported with `*`
        self.inline = {}  # module path of an inline module -> file
        for directory, _, names in os.walk(root):
            for name in names:
                if name.endswith(".rs"):
                    path = os.path.join(directory, name)
                    self.files[self.module_of(path)] = path
        self.texts = {}
        for module, path in self.files.items():
            with open(path, encoding="utf-8") as f:
                text = strip(f.read())
            self.texts[path] = text
            for m in re.finditer(r"\buse\s+(?:self::)?(" + IDENT + r")::\*\s*;", text):
                self.globs.setdefault(module, []).append(m.group(1))
            for scope, start, end in self.inline_modules(text, module):
                self.inline[scope] = path

    def module_of(self, path):
        rel = os.path.relpath(path, self.root)[:-3].split(os.sep)
        if rel[-1] in ("mod", "lib", "main"):
            rel = rel[:-1]
        return tuple(rel)

    @staticmethod
    def inline_modules(text, module):
        """(module path, start, end) of each `mod x { .. }` in `text`."""
        found = []
        stack = []  # (module path, depth at which it closes)
        depth = 0
        current = module
        i = 0
        pattern = re.compile(r"\bmod\s+(" + IDENT + r")\s*\{|[{}]")
        for m in pattern.finditer(text):
            if m.group(1):
                stack.append((current, depth, m.start()))
                current = current + (m.group(1),)
                depth += 1
                found.append([current, m.start(), None])
            elif m.group(0) == "{":
                depth += 1
            else:
                depth -= 1
                if stack and depth == stack[-1][1]:
                    parent, _, _ = stack.pop()
                    for entry in found:
                        if entry[0] == current and entry[2] is None:
                            entry[2] = m.end()
                    current = parent
        del i
        return [(scope, start, end or len(text)) for scope, start, end in found]

    def scope_at(self, path, module, offset):
        """The module path of the code at `offset` of `path`."""
        best = module
        for scope, start, end in self.inline_modules(self.texts[path], module):
            if start <= offset < end and len(scope) > len(best):
                best = scope
        return best

    def file_of(self, module):
        if module in self.files:
            return self.files[module]
        return self.inline.get(module)

    def absolute(self, scope, segments):
        """`segments` as written in module `scope`, from the crate root, or
        None for a path outside the crate."""
        first = segments[0]
        if first == "crate":
            return list(segments[1:])
        if first in ("super", "self"):
            base, rest = scope, list(segments)
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    base = base[:-1]
                rest = rest[1:]
            return list(base) + rest
        if self.file_of(scope + (first,)):
            return list(scope) + list(segments)
        return None

    def reexports(self):
        """For each module, the names its `pub use` items export: name ->
        absolute paths of what they name."""
        table = {}
        for module, path in self.files.items():
            text = self.texts[path]
            for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]*);", text):
                scope = self.scope_at(path, module, m.start())
                for segments, alias in expand(m.group(1)):
                    if not segments or segments[-1] == "*":
                        continue
                    target = self.absolute(scope, segments)
                    if target is None:
                        continue
                    name = alias or segments[-1]
                    if name == "self":
                        name = segments[-2] if len(segments) > 1 else name
                        target = target[:-1]
                    table.setdefault(scope, {}).setdefault(name, []).append(target)
        return table

    def resolve(self, segments, depth=0):
        """The files a module path's item can live in, following `pub use`
        and glob re-exports to the file that defines it."""
        if depth == 0 and not hasattr(self, "_reexports"):
            self._reexports = {}
            self._reexports = self.reexports()
        results = set()

        def walk(prefix, rest):
            if not rest:
                results.add(self.file_of(prefix))
                return
            child = prefix + (rest[0],)
            if self.file_of(child):
                walk(child, rest[1:])
                return
            targets = self._reexports.get(prefix, {}).get(rest[0])
            if targets and depth < 8:
                for target in targets:
                    found = self.resolve(target + list(rest[1:]), depth + 1)
                    results.update(found)
                return
            hit = False
            for glob in self.globs.get(prefix, []):
                via = prefix + (glob, rest[0])
                if self.file_of(via) or rest[0] in self._reexports.get(prefix + (glob,), {}):
                    hit = True
                    walk(prefix + (glob,), rest)
            if not hit:
                results.add(self.file_of(prefix))

        walk((), tuple(segments))
        return {r for r in results if r}


def expand(tree_text):
    """The paths of a `use` tree: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree_text = re.sub(r"\s+as\s+", "@", tree_text)
    tree_text = re.sub(r"\s+", "", tree_text)
    paths = []

    def parse(prefix, s, i):
        # parses one use tree at s[i:], appends paths, returns index after it
        start = i
        while i < len(s) and s[i] not in "{,}":
            i += 1
        head = s[start:i]
        head, _, alias = head.partition("@")
        parts = [p for p in head.split("::") if p]
        if i < len(s) and s[i] == "{":
            i += 1
            while i < len(s) and s[i] != "}":
                i = parse(prefix + parts, s, i)
                if i < len(s) and s[i] == ",":
                    i += 1
            return i + 1
        paths.append((prefix + parts, alias))
        return i

    parse([], tree_text, 0)
    return paths


def edges(tree):
    found = {}  # (from, to) -> first line
    for module, path in tree.files.items():
        text = tree.texts[path]
        refs = []
        for m in re.finditer(r"\buse\s+([^;]*);", text):
            for p, _ in expand(m.group(1)):
                refs.append((m.start(), p))
        for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::" + IDENT + r")+)", text):
            refs.append((m.start(), m.group(1).split("::")))
        for offset, segments in refs:
            if not segments or not segments[0]:
                continue
            scope = tree.scope_at(path, module, offset)
            target_path = tree.absolute(scope, segments)
            if target_path is None:
                continue
            for target in tree.resolve([s for s in target_path if s != "*"]):
                if target == path:
                    continue
                if os.path.basename(path) in ("mod.rs", "lib.rs", "main.rs"):
                    here = os.path.dirname(path)
                    if os.path.commonpath([here, target]) == here:
                        continue  # a parent and its own subtree
                line = text.count("\n", 0, offset) + 1
                found.setdefault((path, target), line)
    return found


def circles(graph):
    """The strongly connected components of more than one file (Tarjan)."""
    nodes = sorted({a for a, _ in graph} | {b for _, b in graph})
    succ = {n: sorted(b for a, b in graph if a == n) for n in nodes}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def loop_through(component, graph):
    """One loop through the files of `component`, as text."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    # walk until we come back to a visited node
    while True:
        here = path[-1]
        nxt = sorted(b for a, b in graph if a == here and b in members)
        step = next((b for b in nxt if b == start), None) or next((b for b in nxt if b not in seen), nxt[0])
        if step in seen:
            path.append(step)
            cut = path.index(step)
            path = path[cut:]
            break
        path.append(step)
        seen.add(step)
    return " -> ".join(
        f"{a} (line {graph[(a, b)]})" for a, b in zip(path, path[1:])
    ) + f" -> {path[-1]}"


def below(root, directory, leaves):
    """Violations of "files under `directory` import nothing above it"."""
    graph = edges(Tree(root))
    inside = os.path.join(root, directory) + os.sep
    leaves = {os.path.join(root, leaf) for leaf in leaves}
    out = []
    for (a, b), line in sorted(graph.items()):
        if a.startswith(inside) and not b.startswith(inside) and b not in leaves:
            out.append(f"{a}:{line} imports {b}, above {directory}/")
        if a in leaves:
            out.append(f"{a}:{line} imports {b}, but may import nothing of the crate")
    return out


def main(argv):
    if len(argv) >= 4 and argv[1] == "below":
        found = below(argv[2], argv[3], argv[4:])
        for line in found:
            print(line)
        return 1 if found else 0
    if len(argv) < 3 or argv[1] not in ("circles", "edges"):
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for root in argv[2:]:
        tree = Tree(root)
        graph = edges(tree)
        if argv[1] == "edges":
            for (a, b), line in sorted(graph.items()):
                print(f"{a}:{line} -> {b}")
            continue
        for component in circles(graph):
            print("import circle: " + loop_through(component, graph))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
