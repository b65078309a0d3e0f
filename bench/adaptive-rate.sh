#!/usr/bin/env bash
# Fixed rates and --rate auto behind the lab's bottlenecks (issue 15), in one throwaway lab.
#
#   sudo bench/adaptive-rate.sh
#
# For each condition (none, a policer at BOTTLENECK pps, a queue at BOTTLENECK pps: `rawscan lab
# bottleneck`, docs/lab.md#bottlenecks) and each rate of RATES, runs
#   rawscan scan 198.18.0.0/16 -p 80,443 --retries 2 --rate RATE -oJ FILE --lab LAB
# and prints one row: wall seconds (/usr/bin/time, the whole `rawscan scan --lab` process), open
# ports found of those the lab's truth has open (`rawscan lab verify`: 65,536 on 80 and 65,152 on
# 443, which is filtered on 198.18.0.128/25 and 198.18.3.0/24: 130,688 of the 131,072 pairs),
# false (reported, not in the truth: verify's problems beyond the missing), filtered (the
# summary's count: open pairs among them are probes or replies lost, not filters), probes sent
# (+ retransmitted, from the summary), the packets the bottleneck dropped (the policer's nft
# counter, the queue's tbf count) and the summary's lines that mention loss, rate or settled.
# A rate the build refuses (`auto` before issue 15) gets "n/a (not supported by this build)".
#
# Environment: RATES (default "max 200000 100000 40000 20000 auto"), BOTTLENECK (default 50000),
#   QUEUE_PPS (the queue's rate; default BOTTLENECK: on a two-core machine a 50,000/s queue may never
#   fill, as a --rate max scan through it sent only ~40k/s; 20000 fills it, docs/lab.md#bottlenecks),
#   CONDITIONS (default "none policer queue"), REPEAT=N (runs per row; the median by wall is
#   shown; default 1), NO_BUILD=1 (skip `dotnet build` and `dotnet publish`), RAWSCAN=PROGRAM (default the published native one), OUT=DIR (outputs and results.tsv; default
#   a new /tmp dir).
#
# Every scan runs inside the lab (--lab), whose scanner namespace has no route but to the lab's
# target; only the lab's namespaces are touched, and the lab is brought down on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/build.sh"      # RAWSCAN, bench_build
RATES=${RATES:-max 200000 100000 40000 20000 auto}
BOTTLENECK=${BOTTLENECK:-50000}
QUEUE_PPS=${QUEUE_PPS:-$BOTTLENECK}
CONDITIONS=${CONDITIONS:-none policer queue}
REPEAT=${REPEAT:-1}
TARGETS=198.18.0.0/16
PORTS=80,443
LAB=arate$$
TGT_NS=rawscan-$LAB-target

die() { echo "adaptive-rate.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (raw packets, network namespaces)"
[ -x /usr/bin/time ] || die "missing /usr/bin/time; install it with: apt-get install time"
command -v nft >/dev/null || die "missing nft; install it with: apt-get install nftables"
command -v tc >/dev/null || die "missing tc; install it with: apt-get install iproute2"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a whole number, at least 1 (got '$REPEAT')"
[[ $BOTTLENECK =~ ^[1-9][0-9]*$ ]] || die "BOTTLENECK must be a whole number of packets/s (got '$BOTTLENECK')"
[[ $QUEUE_PPS =~ ^[1-9][0-9]*$ ]] || die "QUEUE_PPS must be a whole number of packets/s (got '$QUEUE_PPS')"
for c in $CONDITIONS; do case $c in none|policer|queue) ;; *) die "unknown condition '$c' (none policer queue)";; esac; done
bench_build

OUT=${OUT:-$(mktemp -d /tmp/rawscan-adaptive.XXXXXX)}
mkdir -p "$OUT"
TSV=$OUT/results.tsv
printf 'condition\trate\trun\twall_s\tfound\texpected\tfalse\tfiltered\tsent\tretransmitted\tbneck_dropped\tsummary\n' > "$TSV"

cleanup() { "$RAWSCAN" lab down --name "$LAB" >/dev/null 2>&1 || true; }
trap cleanup EXIT
log "lab up $LAB"
"$RAWSCAN" lab up --name "$LAB" >/dev/null || die "lab up failed"

# What the bottleneck has dropped so far: the policer's drop counter, or the queue's tbf count.
bneck_dropped() {
  case $1 in
    policer) ip netns exec "$TGT_NS" nft list table netdev rawscan_bottleneck | sed -nE 's/.*limit rate over .* counter packets ([0-9]+) .*/\1/p' ;;
    queue) ip netns exec "$TGT_NS" tc -s qdisc show dev bneck0 | awk '/^qdisc tbf/ { getline; for (i = 1; i < NF; i++) if ($i == "(dropped") { sub(",", "", $(i + 1)); print $(i + 1) } }' ;;
    *) echo 0 ;;
  esac
}

run_one() {   # condition rate run
  local cond=$1 rate=$2 run=$3 base=$OUT/$1-$2-$3 rc=0
  local before; before=$(bneck_dropped "$cond")
  /usr/bin/time -o "$base.time" -f '%e' "$RAWSCAN" scan --lab "$LAB" "$TARGETS" -p "$PORTS" --retries 2 --rate "$rate" \
    -oJ "$base.json" > "$base.stdout" 2> "$base.stderr" || rc=$?
  local after; after=$(bneck_dropped "$cond")
  local wall; wall=$(grep -E '^[0-9.]+$' "$base.time" | tail -1)
  if [ "$rc" = 2 ]; then
    printf '%s\t%s\t%s\t%s\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a (not supported by this build): %s\n' "$cond" "$rate" "$run" "$wall" \
      "$(head -1 "$base.stderr")" >> "$TSV"
    return
  fi
  [ "$rc" = 0 ] || log "$cond $rate run $run: rawscan exited $rc: $(tail -1 "$base.stderr")"
  local verify found expected problems missing false open_lines filtered sent retx summary
  verify=$("$RAWSCAN" lab verify --name "$LAB" --results "$base.json" "$TARGETS" -p "$PORTS" 2>&1 | head -1 || true)
  found=$(sed -nE 's/.*: ([0-9]+) of ([0-9]+) open ports found.*/\1/p' <<< "$verify")
  expected=$(sed -nE 's/.*: ([0-9]+) of ([0-9]+) open ports found.*/\2/p' <<< "$verify")
  problems=$(sed -nE 's/.*, ([0-9]+) problems$/\1/p' <<< "$verify"); problems=${problems:-0}
  missing=$(( ${expected:-0} - ${found:-0} ))
  false=$(( problems - missing ))
  open_lines=$(grep -c '"state":"open"' "$base.json" || true)
  [ "$open_lines" = "${found:-}" ] || [ "$false" -gt 0 ] || log "$cond $rate run $run: $open_lines open lines, verify found ${found:-?}"
  filtered=$(sed -nE 's/.* ([0-9]+) filtered;.*/\1/p' "$base.stderr" | tail -1)
  sent=$(sed -nE 's/^rawscan: ([0-9]+)\/[0-9]+ probes sent.*/\1/p' "$base.stderr" | tail -1)
  retx=$(sed -nE 's/.*probes sent \(\+([0-9]+) retransmitted\).*/\1/p' "$base.stderr" | tail -1)
  summary=$(grep -i 'loss\|rate\|settled' "$base.stderr" | grep -v '^rawscan: [0-9]*/[0-9]* probes sent' | tail -3 | sed 's/^rawscan: //' | paste -sd '|' - || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cond" "$rate" "$run" "$wall" "${found:-?}" "${expected:-?}" "$false" \
    "${filtered:-?}" "${sent:-?}" "${retx:-?}" "$(( ${after:-0} - ${before:-0} ))" "${summary:--}" >> "$TSV"
}

for cond in $CONDITIONS; do
  case $cond in
    none) "$RAWSCAN" lab bottleneck off --name "$LAB" >/dev/null ;;
    policer) "$RAWSCAN" lab bottleneck "$BOTTLENECK" --name "$LAB" >/dev/null ;;
    queue) "$RAWSCAN" lab bottleneck "$QUEUE_PPS" --queue --name "$LAB" >/dev/null ;;
  esac
  for rate in $RATES; do
    for run in $(seq 1 "$REPEAT"); do
      log "$cond, --rate $rate, run $run of $REPEAT"
      run_one "$cond" "$rate" "$run"
    done
  done
done

# The table: per condition and rate, the run with the median wall time.
label() { case $1 in none) echo "none" ;; policer) echo "policer $BOTTLENECK" ;; queue) echo "queue $QUEUE_PPS" ;; esac; }
printf '\n%-14s %-7s %7s %16s %6s %9s %16s %9s  %s\n' condition rate wall_s "found/expected" false filtered "sent (+retx)" bneck_drop "summary (loss, rate, settled)"
for cond in $CONDITIONS; do
  for rate in $RATES; do
    awk -F'\t' -v c="$cond" -v r="$rate" 'NR > 1 && $1 == c && $2 == r' "$TSV" | sort -t$'\t' -k4,4g > "$OUT/rows"
    n=$(wc -l < "$OUT/rows"); [ "$n" -gt 0 ] || continue
    IFS=$'\t' read -r _ _ _ wall found expected false filtered sent retx dropped summary < <(sed -n "$(( (n + 1) / 2 ))p" "$OUT/rows")
    if [ "$found" = n/a ]; then
      printf '%-14s %-7s %7s %s\n' "$(label "$cond")" "$rate" "-" "n/a (not supported by this build)"
    else
      printf '%-14s %-7s %7s %16s %6s %9s %16s %9s  %s\n' "$(label "$cond")" "$rate" "$wall" "$found/$expected" "$false" "$filtered" \
        "$sent (+$retx)" "$dropped" "$summary"
    fi
  done
done
echo
echo "runs: $TSV (median of $REPEAT by wall; stdout, stderr, -oJ of each run beside it)"
