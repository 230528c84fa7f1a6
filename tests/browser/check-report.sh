#!/usr/bin/env bash
# Renders report.html in a real browser (headless Chromium) and checks it:
# the page is not blank at desktop (1280 px) and phone (390 px) widths, the
# browser logged no console errors, and every chart's <svg> is in the DOM.
# It checks two pages: the report of a run and that of a small tornado
# sensitivity analysis.
#
# Usage: tests/browser/check-report.sh [SWAPSIM_BINARY]
#   default binary: target/release/swapsim (what `cargo test --release` builds)
#   SHOTS=DIR keeps the screenshots there (default /tmp/report-shots).
# Installs Debian's chromium if it is missing (needs root and a mirror).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${1:-target/release/swapsim}
bin=$(realpath "$bin")
shots=${SHOTS:-/tmp/report-shots}
started=$SECONDS

fail() { echo "check-report: FAIL: $*" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "== installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    browser=$(command -v chromium) || fail "chromium did not install"
fi
"$browser" --version || true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$shots"
# Flags that keep a headless browser off the network and quiet.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars)

render() { # url width height png log
    timeout 60 "$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" \
        --enable-logging=stderr --v=0 --window-size="$2,$3" --screenshot="$4" "$1" \
        >"$5" 2>&1 || fail "chromium failed to render $1 at width $2 (log: $(tail -5 "$5"))"
}

check_page() { # name output-directory; screenshots go to $shots/<name>-*.png
    local name=$1 out=$2 url charts in_dom f stem
    test -s "$out/report.html" || fail "no report.html in $out"
    charts=$(find "$out" -maxdepth 1 -name '*.svg' | wc -l)
    [ "$charts" -gt 0 ] || fail "$out holds no SVG charts"
    url="file://$out/report.html"

    echo "== $name: rendering at 1280 px and 390 px"
    render "$url" 1280 7000 "$shots/$name-desktop.png" "$work/$name-desktop.log"
    render "$url" 390 16000 "$shots/$name-phone.png" "$work/$name-phone.log"

    echo "== $name: console errors"
    if grep -hE 'Uncaught|ERROR:CONSOLE|CONSOLE\(.*\).*(Error|error)|Refused to' \
        "$work/$name-desktop.log" "$work/$name-phone.log"; then
        fail "the browser reported errors on the $name page (lines above)"
    fi

    echo "== $name: every chart in the DOM"
    timeout 60 "$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" \
        --dump-dom "$url" >"$work/$name-dom.html" 2>/dev/null || fail "chromium --dump-dom failed"
    in_dom=$(grep -o '<svg' "$work/$name-dom.html" | wc -l)
    [ "$in_dom" -eq "$charts" ] || fail "$name: $charts charts written but $in_dom <svg> elements in the DOM"
    for f in "$out"/*.svg; do
        stem=$(basename "$f" .svg)
        grep -q "id=\"chart-$stem\"" "$work/$name-dom.html" || fail "$name: chart $stem is missing from the DOM"
    done
}

out="$work/run"
echo "== swapsim run --trials 2000 --report"
"$bin" run --trials 2000 --report --quiet --out "$out"
check_page report "$out"

sens="$work/sens"
echo "== swapsim sensitivity --method tornado --inner-trials 300, then swapsim report"
"$bin" sensitivity --method tornado --inner-trials 300 --quiet --out "$sens"
"$bin" report --quiet "$sens"
check_page sensitivity "$sens"

echo "== screenshots are not blank"
python3 - "$shots/report-desktop.png" "$shots/report-phone.png" \
    "$shots/sensitivity-desktop.png" "$shots/sensitivity-phone.png" <<'PY'
# A pure-Python PNG decoder (8-bit RGB/RGBA, non-interlaced, as Chromium
# writes): counts distinct colours and the share of non-white pixels.
import struct, sys, zlib

def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = header
    assert depth == 8 and ctype in (2, 6) and interlace == 0, f"{path}: unsupported PNG {header}"
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, bpp, rows

ok = True
for path in sys.argv[1:]:
    w, h, bpp, rows = pixels(path)
    colours, ink = set(), 0
    for row in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            ink += px != b"\xff\xff\xff"
    sampled = len(rows[::4]) * len(range(0, w * bpp, bpp * 4))
    share = ink / sampled
    print(f"{path}: {w}x{h}, {len(colours)} distinct colours, {share:.1%} non-white")
    if len(colours) < 16 or share < 0.02:
        print(f"{path}: looks blank", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY
echo "check-report: ok ($((SECONDS - started)) s); screenshots in $shots"
