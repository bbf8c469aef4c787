#!/usr/bin/env bash
# Size of every arm64 `bootstrap` that `cargo lambda build --release --arm64`
# produced (target/lambda/<bin>/bootstrap), and of its deployment zip (deflate,
# as SAM packages it). Prints a Markdown table; fails if a binary is over the
# budget (MAX_MB, default 8).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${CARGO_TARGET_DIR:-target}/lambda"
max_mb="${MAX_MB:-8}"
[ -d "$dir" ] || { echo "no $dir: run cargo lambda build --release --arm64 first" >&2; exit 1; }
python3 - "$dir" "$max_mb" <<'PY'
import io, os, sys, zipfile
root, max_mb = sys.argv[1], float(sys.argv[2])
over = []
print("| binary | arch | stripped MB | zip MB |")
print("| --- | --- | ---: | ---: |")
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "bootstrap")
    if not os.path.isfile(path):
        continue
    with open(path, "rb") as f:
        data = f.read()
    machine = int.from_bytes(data[18:20], "little")
    arch = {0xB7: "arm64", 0x3E: "x86_64"}.get(machine, hex(machine))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("bootstrap"), data, compress_type=zipfile.ZIP_DEFLATED)
    size, zipped = len(data) / 1e6, len(buf.getvalue()) / 1e6
    print(f"| {name} | {arch} | {size:.2f} | {zipped:.2f} |")
    if size > max_mb:
        over.append(name)
if over:
    sys.exit(f"over the {max_mb} MB budget: {', '.join(over)}")
PY
