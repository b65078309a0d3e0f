#!/usr/bin/env bash
# How exactly --rate is held: scans in a lab at several rates while tcpdump, in the target namespace,
# timestamps every SYN that arrives. The achieved rate is (SYNs - 1) / (last - first), measured by the
# receiving side, not by RawScan's own counters. Root; builds nothing (run ./run-scan.sh once first).
#   bench/rate-accuracy.sh [SEND_PATH]      SEND_PATH: auto (default), native or pcap
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
BIN=${RAWSCAN:-src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan}
PATH_ARG=${1:-auto}
LAB=rate$$
work=$(mktemp -d)
trap '"$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$BIN" lab up --name "$LAB" >/dev/null

# rate  targets           ports   (about 5 s of sending each; 1 pps sends 10 probes)
cases=(
  "1      198.18.0.0/31    80,443,8080,1,2"
  "1000   198.18.0.0/22    1-5"
  "10000  198.18.0.0/16    80"
  "100000 198.18.0.0/16    1-8"
)
printf '%-8s %-9s %9s %12s %9s\n' "asked" "path" "SYNs" "achieved" "error"
for c in "${cases[@]}"; do
    set -- $c
    rate=$1 targets=$2 ports=$3
    ip netns exec "rawscan-$LAB-target" tcpdump -i tgt0 -nn --immediate-mode -U -B 65536 -w "$work/cap.pcap" \
        "tcp[tcpflags] == tcp-syn and dst net 198.18.0.0/16" 2>"$work/tcpdump.err" &
    tcpdump_pid=$!
    until grep -q "listening on" "$work/tcpdump.err"; do sleep 0.1; done
    ip netns exec "rawscan-$LAB-scan" "$BIN" scan "$targets" -p "$ports" --rate "$rate" --wait 0.5 \
        --send-path "$PATH_ARG" --seed 1 >/dev/null 2>"$work/scan.err"
    sleep 0.5
    kill -INT $tcpdump_pid; wait $tcpdump_pid 2>/dev/null || true
    sendpath=$(grep -o '([a-z-]*)' "$work/scan.err" | head -1 | tr -d '()')
    tcpdump -r "$work/cap.pcap" -nn -tt 2>/dev/null | awk -v asked="$rate" -v p="$sendpath" '
        NR == 1 { first = $1 } { last = $1; n++ }
        END { r = (n - 1) / (last - first); printf "%-8s %-9s %9d %12.1f %+8.2f%%\n", asked, p, n, r, (r - asked) / asked * 100 }'
    grep -h "dropped by kernel" "$work/tcpdump.err" | grep -v "^0 " | sed 's/^/  tcpdump: /' || true
done
