#!/usr/bin/env python3
"""Checks a published Functions app folder: host.json and functions.metadata at its root, and functions.metadata
listing every [Function(...)] declared in Billing.Functions' source (nameof(X) or "X"). With --zip OUT, zips the
folder's contents (no wrapping folder, as zip deploy expects) once the check passes.
Usage: check-package.py PUBLISH_DIR [--zip OUT.zip]"""
import json, pathlib, re, sys, zipfile

package = pathlib.Path(sys.argv[1])
zip_to = pathlib.Path(sys.argv[3]) if len(sys.argv) == 4 and sys.argv[2] == "--zip" else None
root = pathlib.Path(__file__).resolve().parent.parent
problems = []
for name in ("host.json", "functions.metadata", "Billing.Functions.dll"):
    if not (package / name).is_file():
        problems.append(f"{name} is missing from the package root {package}")
declared = set()
for source in (root / "Billing.Functions").rglob("*.cs"):
    if "/obj/" in str(source) or "/bin/" in str(source):
        continue
    for match in re.finditer(r'\[Function\((?:nameof\((\w+)\)|"([^"]+)")\)\]', source.read_text(encoding="utf-8")):
        declared.add(match.group(1) or match.group(2))
listed = set()
if (package / "functions.metadata").is_file():
    listed = {f["name"] for f in json.loads((package / "functions.metadata").read_text(encoding="utf-8"))}
if not declared:
    problems.append("no [Function(...)] found in Billing.Functions")
for name in sorted(declared - listed):
    problems.append(f"function {name} is declared in the source but not in functions.metadata")
for name in sorted(listed - declared):
    problems.append(f"functions.metadata lists {name}, which the source does not declare")
if problems:
    print("package check failed:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
if zip_to:
    with zipfile.ZipFile(zip_to, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(package).as_posix())
print(f"package ok: host.json, functions.metadata with {len(listed)} functions ({', '.join(sorted(listed))})")
