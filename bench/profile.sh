#!/usr/bin/env bash
# Where a scan's CPU time goes, by thread and by kernel path: perf samples every CPU while RawScan
# scans a throwaway lab, then bench/profile/breakdown.py sorts each sample of the send and receive
# threads into one bucket (the scan's own code, sending, the lab target's TCP stack running inside
# our send call, the capture, RPS IPIs, page faults...).
#
#   sudo bench/profile.sh [SCAN ARGS...]      default: 198.18.0.0/20 -p 1-300 --rate max --wait 1
#
# Environment: NO_BUILD=1 (skip `dotnet build` and `dotnet publish`), RAWSCAN=PROGRAM (default the published native one), OUT=DIR (perf.data and the breakdown; default a new
# /tmp dir), FREQ (samples per second per CPU; default 2999).
# The scan runs inside the lab's scanner namespace; the lab is brought down on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/build.sh"      # RAWSCAN, bench_build
LAB=prof$$
OUT=${OUT:-$(mktemp -d /tmp/rawscan-profile.XXXXXX)}
FREQ=${FREQ:-2999}
ARGS=("$@"); [ ${#ARGS[@]} -gt 0 ] || ARGS=(198.18.0.0/20 -p 1-300 --rate max --wait 1)

die() { echo "profile.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (raw packets, network namespaces, perf -a)"
command -v perf >/dev/null || { apt-get install -y -qq linux-perf >/dev/null || die "cannot install linux-perf"; }
command -v python3 >/dev/null || die "missing python3"
bench_build
mkdir -p "$OUT"
trap '"$RAWSCAN" lab down --name "$LAB" >/dev/null 2>&1 || true' EXIT
"$RAWSCAN" lab up --name "$LAB" >/dev/null

# DOTNET_PerfMapEnabled: the JIT writes /tmp/perf-PID.map, so the scan's own code has names.
perf record -F "$FREQ" -a -g -o "$OUT/perf.data" -- \
  ip netns exec "rawscan-$LAB-scan" env DOTNET_PerfMapEnabled=1 "$RAWSCAN" scan "${ARGS[@]}" -oJ "$OUT/results.json" >"$OUT/report.txt" \
  2> >(grep '^rawscan:' >&2)
perf script -i "$OUT/perf.data" -F comm,tid,time,ip,sym 2>/dev/null | python3 "$HERE/profile/breakdown.py" | tee "$OUT/breakdown.txt"
echo "perf data and breakdown: $OUT"
