#!/usr/bin/env bash
# Size of every Lambda `bootstrap` a build produced, and of its deployment zip
# (deflate, as SAM packages it). Reads `<dir>/<name>/bootstrap`: by default
# `sam build`'s artifacts (.aws-sam/build/<LogicalId>/bootstrap), or the
# folder given as $1 (e.g. target/lambda after `cargo lambda build`). Prints a
# Markdown table; fails if a binary is over the budget (MAX_MB, default 8) or
# not built for the expected architecture (ARCH, default arm64, as the template
# declares), or if there is none at all, or not EXPECT of them when set.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-.aws-sam/build}"
max_mb="${MAX_MB:-8}"
arch="${ARCH:-arm64}"
[ -d "$dir" ] || { echo "no $dir: run sam build (or cargo lambda build --release --arm64) first" >&2; exit 1; }
python3 - "$dir" "$max_mb" "$arch" "${EXPECT:-}" <<'PY'
import io, os, sys, zipfile
root, max_mb, expected, expect_count = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
over, wrong, count = [], [], 0
print("| binary | arch | stripped MB | zip MB |")
print("| --- | --- | ---: | ---: |")
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "bootstrap")
    if not os.path.isfile(path):
        continue
    count += 1
    with open(path, "rb") as f:
        data = f.read()
    machine = int.from_bytes(data[18:20], "little") if data[:4] == b"\x7fELF" else None
    arch = {0xB7: "arm64", 0x3E: "x86_64"}.get(machine, "not an ELF executable" if machine is None else hex(machine))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("bootstrap"), data, compress_type=zipfile.ZIP_DEFLATED)
    size, zipped = len(data) / 1e6, len(buf.getvalue()) / 1e6
    print(f"| {name} | {arch} | {size:.2f} | {zipped:.2f} |")
    if size > max_mb:
        over.append(name)
    if arch != expected:
        wrong.append(f"{name} ({arch})")
problems = []
if count == 0:
    problems.append(f"no */bootstrap under {root}")
if expect_count and count != int(expect_count):
    problems.append(f"{count} functions built, {expect_count} expected")
if over:
    problems.append(f"over the {max_mb} MB budget: {', '.join(over)}")
if wrong:
    problems.append(f"not {expected}: {', '.join(wrong)}")
if problems:
    sys.exit("; ".join(problems))
print(f"\n{count} functions, all {expected}, all under {max_mb} MB")
PY
