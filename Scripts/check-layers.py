#!/usr/bin/env python3
"""Checks that the engine's folders depend only downwards, in the order README.md's Layout section states.

Reads the line of README.md that starts with "Folder order" (folder names in backquotes, bottom first), finds the
top-level types each folder of Sources/LSMKV declares, and reports every file that names a type of a folder above
its own. Exits 1 when there is such a use, or when a folder is missing from the stated order.

Usage: Scripts/check-layers.py [REPO_ROOT]
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
engine = os.path.join(root, "Sources", "LSMKV")

order_line = next(
    (line for line in open(os.path.join(root, "README.md"), encoding="utf-8") if line.startswith("Folder order")),
    None,
)
if order_line is None:
    sys.exit("check-layers: README.md has no 'Folder order' line")
order = re.findall(r"`([A-Za-z]+)`", order_line)
rank = {name: i for i, name in enumerate(order)}

declaration = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|final|indirect)\s+)*"
    r"(?:struct|class|enum|protocol|typealias|actor)\s+([A-Z]\w*)",
    re.M,
)
sources = {}
for directory, _, names in os.walk(engine):
    for name in names:
        if name.endswith(".swift"):
            path = os.path.join(directory, name)
            sources[path] = open(path, encoding="utf-8").read()


def folder(path):
    parts = os.path.relpath(path, engine).split(os.sep)
    return parts[0] if len(parts) > 1 else None


problems = []
owner = {}
for path, text in sources.items():
    f = folder(path)
    if f is None:
        problems.append(f"{os.path.relpath(path, root)}: engine files live in a folder of the stated order")
        continue
    if f not in rank:
        problems.append(f"{f}/: folder missing from README.md's folder order")
        continue
    for match in declaration.finditer(text):
        owner.setdefault(match.group(1), f)

for path, text in sorted(sources.items()):
    f = folder(path)
    if f not in rank:
        continue
    code = re.sub(r"//.*", "", text)
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)
    for name in sorted(set(re.findall(r"\b[A-Z]\w*\b", code))):
        other = owner.get(name)
        if other is not None and other in rank and rank[other] > rank[f]:
            problems.append(f"{os.path.relpath(path, root)}: uses {name} from {other}/, which is above {f}/")

for problem in problems:
    print(problem)
print(f"check-layers: {len(order)} folders, {len(sources)} files, {len(problems)} upward uses or problems")
sys.exit(1 if problems else 0)
