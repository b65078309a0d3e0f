#!/usr/bin/env bash
# The transmit ceiling of each RawScan sink next to the reference (../shared/reference/txbench.c), on
# the same lab link in one run, so the ratio is not thrown off by a busier or quieter machine.
# Needs root and a Release build (dotnet build RawScan.sln -c Release).
#
#   bench/tx-ceiling.sh [SECONDS] [ROUNDS]     default 5 s per run, 1 round; with several rounds each
#                                              figure is the median, runs interleaved round by round
#
# Every frame is sent inside the lab's scanner namespace (no default route: both tools refuse to run
# where there is one), to 198.18.0.0/16 and a MAC no host has; the lab is taken down on exit.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

SECS=${1:-5}
ROUNDS=${2:-1}
LAB=txc
NS=rawscan-$LAB-scan
IFACE=scan0
DSTMAC=02:00:00:00:00:99
SRC=198.19.0.10
BATCH=64
RAWSCAN=${RAWSCAN:-src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan}
BENCH=bench/RawScan.Bench/bin/Release/net10.0/RawScan.Bench.dll
REF=../shared/reference/txbench.c

[ "$(id -u)" = 0 ] || { echo "tx-ceiling: needs root (network namespaces, raw sockets)" >&2; exit 1; }
for f in "$RAWSCAN" "$BENCH" "$REF"; do
    [ -e "$f" ] || { echo "tx-ceiling: $f not found (dotnet build RawScan.sln -c Release)" >&2; exit 1; }
done
[ -e "$(dirname "$BENCH")/librawscan_native.so" ] || { echo "tx-ceiling: librawscan_native.so was not built (is cc installed?)" >&2; exit 1; }

TMP=$(mktemp -d)
cleanup() { "$RAWSCAN" lab down --name "$LAB" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

cc -O2 -o "$TMP/txbench" "$REF"
"$RAWSCAN" lab up --name "$LAB" >/dev/null

# name | command (run inside the scanner namespace; its last line carries pps=N)
RUNS=(
    "txbench sendto|$TMP/txbench $IFACE $DSTMAC $SRC sendto $SECS $BATCH"
    "txbench sendmmsg $BATCH|$TMP/txbench $IFACE $DSTMAC $SRC sendmmsg $SECS $BATCH"
    "txbench txring|$TMP/txbench $IFACE $DSTMAC $SRC txring $SECS $BATCH"
    "rawscan native|dotnet $BENCH txceiling --iface $IFACE --sink native --seconds $SECS --batch $BATCH --src-ip $SRC --dst-mac $DSTMAC"
    "rawscan native bypass|dotnet $BENCH txceiling --iface $IFACE --sink native-bypass --seconds $SECS --batch $BATCH --src-ip $SRC --dst-mac $DSTMAC"
    "rawscan native txring|dotnet $BENCH txceiling --iface $IFACE --sink native-txring --seconds $SECS --batch $BATCH --src-ip $SRC --dst-mac $DSTMAC"
    "rawscan native txring bypass|dotnet $BENCH txceiling --iface $IFACE --sink native-txring-bypass --seconds $SECS --batch $BATCH --src-ip $SRC --dst-mac $DSTMAC"
    "rawscan pcap|dotnet $BENCH txceiling --iface $IFACE --sink pcap --seconds $SECS --batch $BATCH --src-ip $SRC --dst-mac $DSTMAC"
)

declare -A PPS
for ((r = 1; r <= ROUNDS; r++)); do
    for run in "${RUNS[@]}"; do
        name=${run%%|*}; cmd=${run#*|}
        # shellcheck disable=SC2086 # cmd is a word list built above
        out=$(ip netns exec "$NS" $cmd | tail -n 1)
        pps=$(sed -n 's/.*pps=\([0-9]*\).*/\1/p' <<<"$out")
        [ -n "$pps" ] || { echo "tx-ceiling: $name printed no rate: $out" >&2; exit 1; }
        PPS[$name]+="$pps "
        echo "round $r: $name: $pps pps" >&2
    done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

base=$(median "${PPS["txbench sendmmsg $BATCH"]}")
printf '\n%-30s %12s %18s\n' "sender ($SECS s, batch $BATCH)" "frames/s" "% of sendmmsg $BATCH"
for run in "${RUNS[@]}"; do
    name=${run%%|*}
    pps=$(median "${PPS[$name]}")
    printf '%-30s %12s %17.1f%%\n' "$name" "$pps" "$(awk -v a="$pps" -v b="$base" 'BEGIN {print 100 * a / b}')"
done
