#!/usr/bin/env bash
# RawScan beside masscan, zmap and nmap on the same work, in one throwaway lab.
#
#   sudo bench/peers.sh [WORK...]        WORK: 16x80 20x1000 host 16xudp53 6x80 6xudp53 (default: all)
#   (6x80: 2001:db8:1::/112 x 80, 6xudp53: 2001:db8:1::100/120 x UDP 53: the lab's IPv6 side; RawScan, masscan and nmap -6)
#   16xban: 198.18.0.0/16 x TCP 22,80 with banners (RawScan --banners beside masscan --banners; not in the default set):
#   the note column says how many open ports came with a banner
#
# Environment: REPEAT=N (runs per tool and work, the median by probes/s is shown; default 1),
#   NO_BUILD=1 (skip `dotnet build` and `dotnet publish`), RAWSCAN=PROGRAM (default the published native one), MASSCAN_RATE (200000), ZMAP_RATE (100000),
#   NMAP_MIN_RATE (100000), OUT=DIR (where outputs and results.tsv go; default a new /tmp dir),
#   BASE=PATH (another build's rawscan, run as "rawscan-base" right after each RawScan run: paired
#   before/after runs of a change), TOOLS="rawscan rawscan-base masscan zmap nmap" (which tools run;
#   default all, rawscan-base only with BASE).
#
# Every scanner runs inside the lab's scanner namespace (ip netns exec rawscan-NAME-scan) and
# targets 198.18.0.0/16 addresses only; the lab is brought down on exit, whatever happens.
#
# How each figure is taken, the same way for every tool:
#   probes     = probe packets on the wire: TCP SYNs (or UDP datagrams) counted by an nftables
#                netdev egress chain on scan0 in the scanner namespace (retransmissions included,
#                masscan's RSTs excluded)
#   wire       = every packet scan0 sent during the run (same chain: probes, RSTs, ARP...)
#   probes/s   = probes / send window; the send window runs from the last 5 ms sample before
#                scan0's tx_packets first grew by >= 20 packets in 5 ms (4k pps) to the last 5 ms
#                sample in which it did (bench/peers/txwindow.pl). Start-up, the tool's cooldown
#                or wait, and masscan's hang after its last probe are all outside it.
#   found/exp  = distinct (ip, proto, port) reported open that the lab's truth has open / all the
#                truth's open pairs in the work (bench/peers/truth.awk); fp = reported open, not open
#   wall, cpu (user+sys), maxrss: /usr/bin/time -f of the tool's process
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/build.sh"      # RAWSCAN, bench_build
REPEAT=${REPEAT:-1}
wants() { [[ " ${TOOLS:-rawscan rawscan-base masscan zmap nmap} " == *" $1 "* ]]; }
MASSCAN_RATE=${MASSCAN_RATE:-200000}
ZMAP_RATE=${ZMAP_RATE:-100000}
NMAP_MIN_RATE=${NMAP_MIN_RATE:-100000}
SPORTS_LO=61000 SPORTS_HI=65535    # the lab's scanner namespace drops inbound tcp/udp to these: no kernel RSTs
MASSCAN_SPORTS=61440-62463         # masscan wants a power-of-two range (1024 ports) inside it
LAB=peers$$
SCAN_NS=rawscan-$LAB-scan
TGT_NS=rawscan-$LAB-target
WORKS=("$@"); [ ${#WORKS[@]} -gt 0 ] || WORKS=(16x80 20x1000 host 16xudp53 6x80 6xudp53)

die() { echo "peers.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }

# ---------------------------------------------------------------- checks and set-up
[ "$(id -u)" = 0 ] || die "needs root (raw packets, network namespaces)"
missing=()
for t in masscan zmap nmap; do
  if wants $t && ! command -v $t >/dev/null; then missing+=($t); fi
done
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}; install them with: apt-get install masscan zmap nmap"
[ -x /usr/bin/time ] || die "missing /usr/bin/time; install it with: apt-get install time"
command -v nft >/dev/null || die "missing nft; install it with: apt-get install nftables"
command -v perl >/dev/null || die "missing perl"
for w in "${WORKS[@]}"; do
  case $w in 16x80|20x1000|host|16xudp53|6x80|6xudp53|16xban) ;; *) die "unknown work '$w' (16x80 20x1000 host 16xudp53 6x80 6xudp53 16xban)";; esac
done
bench_build

OUT=${OUT:-$(mktemp -d /tmp/rawscan-peers.XXXXXX)}
mkdir -p "$OUT"
TSV=$OUT/results.tsv
printf 'tool\twork\trun\tprobes\twindow_s\tpps\twire\tfound\texpected\tfp\twall_s\tcpu_s\tmaxrss_mb\town_pps\tnote\n' > "$TSV"

WAKER_PID=
cleanup() {
  [ -n "$WAKER_PID" ] && kill "$WAKER_PID" 2>/dev/null || true
  "$RAWSCAN" lab down --name "$LAB" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "lab up --name $LAB (results in $OUT)"
"$RAWSCAN" lab up --name "$LAB" >/dev/null
GW_MAC=$(ip netns exec "$TGT_NS" cat /sys/class/net/tgt0/address)
ip netns exec "$SCAN_NS" nft -f - <<'EOF'
table netdev peersbench {
  counter c_all {}
  counter c_syn {}
  counter c_udp {}
  chain eg {
    type filter hook egress device "scan0" priority 0; policy accept;
    counter name "c_all"
    tcp flags & (syn|ack|rst) == syn counter name "c_syn"
    meta l4proto udp counter name "c_udp"
  }
}
EOF
: > "$OUT/empty.blocklist"
# A DNS standard query (ID 0x5253, RD, one question: version.bind CH TXT) for zmap's udp module.
printf '\x52\x53\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04bind\x00\x00\x10\x00\x03' > "$OUT/dns.bin"

# ---------------------------------------------------------------- works
# work -> targets, proto, port range
work_targets() { case $1 in 16x80|16xudp53|16xban) echo 198.18.0.0/16;; 20x1000) echo 198.18.0.0/20;; host) echo 198.18.0.1/32;;
                  6x80) echo 2001:db8:1::/112;; 6xudp53) echo 2001:db8:1::100/120;; esac; }
work_proto()   { case $1 in 16xudp53|6xudp53) echo udp;; *) echo tcp;; esac; }
work_ports()   { case $1 in 16xban) echo 22,80;; 16x80|6x80) echo 80;; 20x1000) echo 1-1000;; host) echo 1-65535;; 16xudp53|6xudp53) echo 53;; esac; }
work_v6()      { case $1 in 6x*) return 0;; *) return 1;; esac; }
work_banners() { [ "$1" = 16xban ]; }
# open ports reported with a banner: RawScan's JSON lines with a non-empty "banner", masscan's -oL banner lines
banners_rawscan() { grep -c '"banner":"[^"]' "$1" || true; }
banners_masscan() { awk '$1 == "banner" { print $4, $3 }' "$1" | sort -u | wc -l; }
# IPv6 works are all open in the lab's truth (docs/lab.md: no IPv6 drop rule touches ::/112 port 80 or
# UDP 53 on ::100/120): score them by count, as truth.awk scores IPv4's by the truth's rules.
truth6() { awk -v pre="2001:db8:1:" -v proto="$2" -v port="$3" -v expected="$1" '
  { if (index($1, pre) == 1 && $2 == proto && $3 == port) found++; else fp++ }
  END { printf "%d %d %d\n", found, expected, fp }'; }
work_expected6() { case $1 in 6x80) echo 65536;; 6xudp53) echo 256;; esac; }

counter() { ip netns exec "$SCAN_NS" nft list counter netdev peersbench "$1" | awk '/packets/ { print $2 }'; }

# measure TOOL WORK RUN RESULTS_TO_PAIRS_FN OUTFILE CMD... : run CMD in the scanner namespace and append one TSV line
measure() {
  local tool=$1 work=$2 run=$3 conv=$4 outfile=$5; shift 5
  local base=$OUT/$tool.$work.$run proto; proto=$(work_proto "$work")
  ip netns exec "$SCAN_NS" nft reset counters table netdev peersbench >/dev/null
  ip netns exec "$SCAN_NS" perl "$HERE/peers/txwindow.pl" /sys/class/net/scan0/statistics/tx_packets 20 \
    > "$base.sampler" 2> "$base.window" &
  local sampler=$!
  until grep -q ready "$base.sampler" 2>/dev/null; do sleep 0.05; done
  log "$tool $work run $run: $*"
  local rc=0
  /usr/bin/time -o "$base.time" -f '%e %U %S %M' ip netns exec "$SCAN_NS" "$@" > "$base.stdout" 2> "$base.stderr" || rc=$?
  sleep 0.1; kill -TERM "$sampler"; wait "$sampler" || true
  [ $rc = 0 ] || log "  exit status $rc (see $base.stderr)"
  local probes wire
  if [ "$proto" = udp ]; then probes=$(counter c_udp); else probes=$(counter c_syn); fi
  wire=$(counter c_all)
  local score
  if work_v6 "$work"; then score=$($conv "$outfile" "$proto" | sort -u | truth6 "$(work_expected6 "$work")" "$proto" "$PLO")
  else score=$($conv "$outfile" "$proto" | sort -u | awk -v cidr="$(work_targets "$work")" \
      -v plo="${PLO}" -v phi="${PHI}" -v plist="${PLIST:-}" -v proto="$proto" -f "$HERE/peers/truth.awk"); fi
  local own_pps=-
  if [ "${tool%-base}" = rawscan ]; then
    own_pps=$(sed -n 's/.*probes sent.* (\([0-9.]*\) pps).*/\1/p' "$base.stderr" | head -1); own_pps=${own_pps:--}
  fi
  local note=${NOTE:-}; [ $rc = 0 ] || note="exit $rc; $note"
  if work_banners "$work"; then note="${note:+$note; }banners $(banners_${tool%-base} "$outfile")"; fi
  read -r start end < "$base.window"
  read -r wall user sys rss < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$base.time" | tail -1)
  read -r found expected fp <<< "$score"
  awk -v t="$tool" -v w="$work" -v r="$run" -v p="$probes" -v s="$start" -v e="$end" -v wi="$wire" \
      -v f="$found" -v x="$expected" -v fp="$fp" -v wall="$wall" -v u="$user" -v sy="$sys" -v rss="$rss" \
      -v own="$own_pps" -v note="$note" 'BEGIN {
        win = e - s; pps = win > 0 ? p / win : 0
        printf "%s\t%s\t%s\t%d\t%.3f\t%.0f\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.0f\t%s\t%s\n",
          t, w, r, p, win, pps, wi, f, x, fp, wall, u + sy, rss / 1024, own, note }' >> "$TSV"
  tail -1 "$TSV" | awk -F'\t' '{ printf "  probes %s in %s s = %s pps, wire %s, found %s/%s, fp %s, wall %s s\n", $4, $5, $6, $7, $8, $9, $10, $11 }' >&2
}

skip() { printf '%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n' "$1" "$2" "$3" >> "$TSV"; log "$1 $2: skipped ($3)"; }

# ---------------------------------------------------------------- output converters: FILE PROTO -> "ip proto port" lines
conv_rawscan() { sed -n 's/.*"ip":"\([0-9a-f.:]*\)","proto":"\([a-z]*\)","port":\([0-9]*\),"state":"open".*/\1 \2 \3/p' "$1"; }
conv_masscan() { awk '$1 == "open" { print $4, $2, $3 }' "$1"; }
conv_zmap()    { awk -F, -v pr="$2" 'NR > 1 && $1 != "" { print $1, pr, $2 }' "$1"; }
conv_nmap()    { awk '/^Host: .*Ports:/ { ip = $2; sub(/.*Ports: /, ""); n = split($0, a, /, /)
                   for (i = 1; i <= n; i++) { split(a[i], f, "/"); if (f[2] == "open") print ip, f[3], f[1] } }' "$1"; }

# ---------------------------------------------------------------- tools
run_rawscan() { # WORK RUN [TOOL BINARY]
  local w=$1 r=$2 tool=${3:-rawscan} bin=${4:-$RAWSCAN} u=(); [ "$(work_proto "$w")" = udp ] && u=(-sU)
  local f=$OUT/$tool.$1.$2.json; work_banners "$w" && u+=(--banners)
  NOTE= measure "$tool" "$w" "$r" conv_rawscan "$f" \
    "$bin" scan "$(work_targets "$w")" -p "$(work_ports "$w")" "${u[@]}" --rate max --retries 1 --wait 1 -oJ "$f"
}


run_masscan() { # WORK RUN
  local w=$1 r=$2 f=$OUT/masscan.$1.$2.txt p a=(--adapter-ip 198.19.0.2); p=$(work_ports "$w")
  [ "$(work_proto "$w")" = udp ] && p=U:$p
  work_v6 "$w" && a=(--adapter-ip 198.19.0.2 --source-ip 2001:db8:ff::2)
  work_banners "$w" && a+=(--banners)
  NOTE="rate $MASSCAN_RATE" measure masscan "$w" "$r" conv_masscan "$f" \
    timeout 900 masscan "$(work_targets "$w")" -p "$p" --rate "$MASSCAN_RATE" --wait 2 \
      --router-mac "$GW_MAC" --adapter scan0 "${a[@]}" --source-port "$MASSCAN_SPORTS" -oL "$f"
}

run_zmap() { # WORK RUN PROBES_PER_TARGET
  local w=$1 r=$2 n=$3 f=$OUT/zmap-P$3.$1.$2.csv m=()
  case $w in
    20x1000|host)
      local v; v=$(zmap --version | awk '{ print $2 }')
      if [ "${v%%.*}" -lt 4 ]; then   # zmap >= 4 takes port ranges in -p
        skip "zmap-P$n" "$w" "zmap $v scans one port per run (port ranges need zmap >= 4)"; return; fi ;;
  esac
  if [ "$(work_proto "$w")" = udp ]; then
    if zmap --list-probe-modules | grep -qx dns; then m=(-M dns)
    else m=(-M udp --probe-args="file:$OUT/dns.bin"); fi
  fi
  NOTE="rate $ZMAP_RATE ${m[*]:-}" measure "zmap-P$n" "$w" "$r" conv_zmap "$f" \
    timeout 900 zmap "${m[@]}" -p "$(work_ports "$w")" -i scan0 -S 198.19.0.2 -G "$GW_MAC" \
      -s "$SPORTS_LO-$SPORTS_HI" -b "$OUT/empty.blocklist" -r "$ZMAP_RATE" -P "$n" -c 1 \
      -O csv -f saddr,sport -o "$f" "$(work_targets "$w")"
}

run_nmap() { # WORK RUN
  local w=$1 r=$2 f=$OUT/nmap.$1.$2.gnmap s=-sS six=(); [ "$(work_proto "$w")" = udp ] && s=-sU
  work_v6 "$w" && six=(-6)
  NOTE="min-rate $NMAP_MIN_RATE" measure nmap "$w" "$r" conv_nmap "$f" \
    timeout 1800 nmap "${six[@]}" "$s" -n -Pn -T5 --min-rate "$NMAP_MIN_RATE" --max-retries 1 -g "$SPORTS_LO" \
      -p "$(work_ports "$w")" "$(work_targets "$w")" -oG "$f"
}

# ---------------------------------------------------------------- run
# masscan waits for a packet after its last probe before it finishes, and so (at times) does this
# tree's RawScan: wake them with one UDP datagram every 0.5 s from the target side, to a port the
# scanner namespace drops (no reply, nothing on scan0's TX). It runs for every tool alike.
ip netns exec "$TGT_NS" bash -c 'while :; do echo wake > /dev/udp/198.19.0.2/65000 || true; sleep 0.5; done' &
WAKER_PID=$!
cd "$OUT"    # anything a tool leaves behind (masscan's paused.conf, rawscan's paused.rawscan) stays here
for w in "${WORKS[@]}"; do
  p=$(work_ports "$w"); PLO=${p%-*}; PHI=${p#*-}; PLIST=
  case $p in *,*) PLIST=$p; PLO=0; PHI=65535;; esac
  for ((r = 1; r <= REPEAT; r++)); do
    wants rawscan && run_rawscan "$w" "$r"
    [ -n "${BASE:-}" ] && wants rawscan-base && ! work_v6 "$w" && run_rawscan "$w" "$r" rawscan-base "$BASE"
    wants masscan && run_masscan "$w" "$r"
    [ "$w" = 16x80 ] && wants zmap && run_zmap "$w" "$r" 1
    wants zmap && ! work_v6 "$w" && run_zmap "$w" "$r" 2
    wants nmap && run_nmap "$w" "$r"
  done
done

# ---------------------------------------------------------------- table
# one row per tool and work: the run with the median probes/s; ratio = RawScan's probes/s / the tool's
echo
echo "probes/s = probe packets on scan0 (nft egress) / send window (scan0 tx_packets sampled every 5 ms); REPEAT=$REPEAT, median run shown"
awk -F'\t' '
  NR == 1 { next }
  { key = $1 SUBSEP $2; if (!(key in n)) order[++k] = key; n[key]++; row[key, n[key]] = $0; v[key, n[key]] = $6 + 0 }
  END {
    for (i = 1; i <= k; i++) {   # median run by pps
      key = order[i]; m = n[key]
      for (a = 1; a <= m; a++) idx[a] = a
      for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[key, idx[b]] < v[key, idx[a]]) { t = idx[a]; idx[a] = idx[b]; idx[b] = t }
      med[key] = row[key, idx[int((m + 1) / 2)]]
      split(med[key], f, "\t"); if (f[1] == "rawscan") rs[f[2]] = f[6] + 0
    }
    fmt = "%-8s  %-9s  %10s  %9s  %11s  %8s  %-15s  %6s  %7s  %7s  %8s  %10s  %s\n"
    printf fmt, "work", "tool", "probes", "probes/s", "wire pkts", "window s", "found/expected", "fp", "wall s", "cpu s", "maxrss MB", "RawScan x", "note"
    for (i = 1; i <= k; i++) {
      split(med[order[i]], f, "\t")
      if (f[3] == "-") { printf fmt, f[2], f[1], "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", f[15]; continue }
      ratio = (f[1] != "rawscan" && f[6] + 0 > 0 && (f[2] in rs)) ? sprintf("%.2f", rs[f[2]] / f[6]) : "-"
      note = f[15]; if (f[1] == "rawscan") note = "own summary: " f[14] " pps" (f[15] == "" ? "" : "; " f[15])
      printf fmt, f[2], f[1], f[4], f[6], f[7], f[5], f[8] "/" f[9], f[10], f[11], f[12], f[13], ratio, note
    }
  }' "$TSV" | tee "$OUT/table.txt"
echo "raw results: $TSV"
