#!/usr/bin/env bash
# Peak memory and start-up of the published program, in a throwaway lab (issue 16's goals):
#   /16 x 80 at --rate max, -oJ          peak RSS <= 64 MB, all 65,536 found, 0 kernel drops
#   one host x one port                  peak RSS <= 32 MB (the scan itself, and the --lab run around it)
#   dry run of 2^32 probes (cut short)   peak RSS < 100 MB, no more than a one-probe dry run's
#   one host x one port, start to exit   median of RUNS (5) wall <= 0.2 s, the open port found every time
# Each figure is /usr/bin/time's (%M: the largest RSS of the process and of the children it waited for,
# so a --lab run's figure covers the scan it starts). Root; builds nothing (run ./run-scan.sh first).
#
#   sudo bench/memory.sh
# Environment: RAWSCAN=PROGRAM (default the published one), BASE=PROGRAM (another build, run right
#   after each run of RAWSCAN: paired before/after figures), RUNS=N (start-up runs, default 5),
#   DRY_SECONDS=S (how long the 2^32 dry run sends before its SIGINT, default 5; it would take ~6 min whole),
#   BANNERS=1 (also the /16 x 22,80 --banners sweep: its peak RSS and banners, reported, not judged).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
BIN=$(readlink -f "${RAWSCAN:-src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan}")
RUNS=${RUNS:-5}
DRY_SECONDS=${DRY_SECONDS:-5}
LAB=mem$$
NS=rawscan-$LAB-scan
work=$(mktemp -d)
[ "$(id -u)" = 0 ] || { echo "memory.sh: needs root (network namespaces)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "memory.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "memory.sh: no $BIN: build and publish it (./run-scan.sh)" >&2; exit 1; }
trap '"$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$BIN" lab up --name "$LAB" >/dev/null
cd "$work"                                    # scans keep their place (paused.rawscan) here

tools=(rawscan); [ -n "${BASE:-}" ] && tools+=(base)
bin_of() { if [ "$1" = base ]; then readlink -f "$BASE"; else echo "$BIN"; fi; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run LABEL CMD...: /usr/bin/time's wall and peak RSS of CMD into $work/LABEL.time, its stderr into $work/LABEL.err
run() {
    local label=$1; shift
    /usr/bin/time -o "$work/$label.time" -f "%e %M" "$@" >"$work/$label.out" 2>"$work/$label.err" || true
}
# the last line: /usr/bin/time writes "Command exited with non-zero status N" before it for a failed or interrupted run
wall() { tail -1 "$work/$1.time" | awk '{ print $1 }'; }
rss() { tail -1 "$work/$1.time" | awk '{ print $2 }'; }
drops() { grep -o '[0-9]* dropped by the kernel' "$work/$1.err" | awk '{ print $1 }'; }

printf '%-8s %-44s %9s %8s  %s\n' build work "peak MB" "wall s" result
for t in "${tools[@]}"; do
    b=$(bin_of "$t")
    run "$t.16" "$b" scan --lab "$LAB" 198.18.0.0/16 -p 80 --rate max -oJ "$work/$t.16.json"
    printf '%-8s %-44s %9s %8s  %s\n' "$t" "--lab L 198.18.0.0/16 -p 80 --rate max -oJ" "$(mb "$(rss "$t.16")")" "$(wall "$t.16")" \
        "$(wc -l <"$work/$t.16.json") of 65536 open, $(drops "$t.16") kernel drops"
done
for t in "${tools[@]}"; do
    b=$(bin_of "$t")
    run "$t.1c" ip netns exec "$NS" "$b" scan 198.18.0.1 -p 80
    run "$t.1p" "$b" scan --lab "$LAB" 198.18.0.1 -p 80
    printf '%-8s %-44s %9s %8s  %s\n' "$t" "198.18.0.1 -p 80 (ip netns exec: the scan)" "$(mb "$(rss "$t.1c")")" "$(wall "$t.1c")" "$(grep -c '80/tcp open' "$work/$t.1c.out") open"
    printf '%-8s %-44s %9s %8s  %s\n' "$t" "--lab L 198.18.0.1 -p 80 (parent and scan)" "$(mb "$(rss "$t.1p")")" "$(wall "$t.1p")" "$(grep -c '80/tcp open' "$work/$t.1p.out") open"
done
for t in "${tools[@]}"; do
    b=$(bin_of "$t")
    run "$t.d1" "$b" scan 198.18.0.1 -p 1 --dry-run --rate max
    run "$t.dbig" timeout -s INT "$DRY_SECONDS" "$b" scan 0.0.0.0/0 -p 1 --no-builtin-exclude --dry-run --rate max --resume-file "$work/$t.dry.rawscan"
    sent=$(grep -o '^rawscan: [0-9]*/[0-9]* probes sent' "$work/$t.dbig.err" | awk '{ split($2, n, "/"); print n[1] " of " n[2] }')
    printf '%-8s %-44s %9s %8s  %s\n' "$t" "--dry-run 198.18.0.1 -p 1" "$(mb "$(rss "$t.d1")")" "$(wall "$t.d1")" "1 probe"
    printf '%-8s %-44s %9s %8s  %s\n' "$t" "--dry-run 0.0.0.0/0 -p 1 (SIGINT after ${DRY_SECONDS} s)" "$(mb "$(rss "$t.dbig")")" "$(wall "$t.dbig")" "$sent sent"
done

# Start-up: one host x one port in the lab, start to exit, interleaved with the other build if any.
for i in $(seq 1 "$RUNS"); do
    for t in "${tools[@]}"; do
        b=$(bin_of "$t")
        run "$t.s$i" "$b" scan --lab "$LAB" 198.18.0.1 -p 80
        run "$t.c$i" ip netns exec "$NS" "$b" scan 198.18.0.1 -p 80
    done
done
for t in "${tools[@]}"; do
    for kind in s c; do
        found=0; walls=()
        for i in $(seq 1 "$RUNS"); do
            walls+=("$(wall "$t.$kind$i")")
            found=$((found + $(grep -c '80/tcp open' "$work/$t.$kind$i.out" || true)))
        done
        label=$([ $kind = s ] && echo "--lab L 198.18.0.1 -p 80" || echo "198.18.0.1 -p 80 (ip netns exec)")
        printf '%-8s %-44s %9s %8s  %s\n' "$t" "start-up: $label" "" "$(printf '%s\n' "${walls[@]}" | median)" \
            "median of $RUNS (${walls[*]}); found in $found of $RUNS"
    done
done

if [ "${BANNERS:-}" = 1 ]; then
    for t in "${tools[@]}"; do
        b=$(bin_of "$t")
        run "$t.ban" "$b" scan --lab "$LAB" 198.18.0.0/16 -p 22,80 --banners --rate max -oJ "$work/$t.ban.json"
        printf '%-8s %-44s %9s %8s  %s\n' "$t" "--lab L 198.18.0.0/16 -p 22,80 --banners" "$(mb "$(rss "$t.ban")")" "$(wall "$t.ban")" \
            "$(grep -c '"banner"' "$work/$t.ban.json") of 130688 with a banner, $(drops "$t.ban") kernel drops"
    done
fi
