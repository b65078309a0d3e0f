#!/usr/bin/env bash
# deploy/slurm/shard.sbatch run for real on this one machine, against the built-in lab:
# a private single-node Slurm (munged, slurmctld, slurmd, all under a temp dir), a lab, a 4-task job
# array scanning 198.18.0.0/16 x 80,443 inside it with one seed, `rawscan merge` over the shards,
# and the merged result checked against the lab's truth and nmap.dtd. Prints one line; exits 0 only
# if the merge is exact. Everything it started is stopped by PID and the lab taken down, whatever
# happens; a second run right after works the same.
#
#   sudo deploy/slurm/lab-demo.sh
#
# Needs root (namespaces, raw packets, Slurm's daemons), and slurm-wlm, munge, libxml2-utils, nmap
# installed (./run-scan.sh's set-up installs them; this script installs nothing). It reads no
# system-wide Slurm or munge config and needs no systemd or running munge service.
#
#   RAWSCAN       the rawscan program (default: the published one under src/RawScan.Cli/.../publish/)
#   DEMO_TIMEOUT  seconds the job array may take before the demo gives up (default 120)
#   DEMO_RATE     packets per second of each shard (default 25000: four at once on a 2-core machine
#                 that is also the lab's target)
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
RAWSCAN=${RAWSCAN:-$repo/src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan}
SBATCH_SCRIPT=$repo/deploy/slurm/shard.sbatch
SHARDS=4 TARGETS=198.18.0.0/16 PORTS=80,443 NODE=demo
TIMEOUT=${DEMO_TIMEOUT:-120}
RATE=${DEMO_RATE:-25000}
SEED=$(( (RANDOM << 15 | RANDOM) + 1 ))
NMAP_DTD=/usr/share/nmap/nmap.dtd

# The one line on standard output; details of a failure go to standard error.
fail() { printf 'slurm lab demo: FAILED: %s\n' "$*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, raw packets, Slurm's daemons): run it with sudo"
case "$RAWSCAN" in /*) ;; *) fail "RAWSCAN must be an absolute path: Slurm's jobs run elsewhere (it is '$RAWSCAN')" ;; esac
[ -x "$RAWSCAN" ] || fail "no rawscan program at $RAWSCAN (build it, or set RAWSCAN)"
for p in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo xmllint ip ss setsid timeout; do
    command -v "$p" >/dev/null || fail "$p is missing: ./run-scan.sh's set-up installs slurm-wlm, munge and libxml2-utils"
done
[ -f "$NMAP_DTD" ] || fail "$NMAP_DTD is missing (Debian's nmap installs it)"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || fail "DEMO_TIMEOUT must be a whole number of seconds"

# --- everything this run makes lives here, and is removed at the end ------------------------------
# munged wants every directory above its socket searchable by all: 0711, not mktemp's 0700.
tmp=$(mktemp -d /tmp/rawscan-slurm.XXXXXX)
chmod 711 "$tmp"
mkdir -p "$tmp"/{munge,state,spool,log,out}
lab="sl$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"   # unique, within LabSpec's 16 characters
munged_pid= ctld_pid= slurmd_pid= job= lab_up=

# The processes whose working directory is in this run's temp dir: the job's slurmstepd and what it
# runs (each task runs in $tmp/out). slurmstepd detaches from slurmd, so they are not our children,
# and init reaps them when they end (here, seconds later): PIDs seen while the job ran are kept in
# `seen`, and the clean-up waits for them to be gone.
in_tmp() {
    find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$tmp" -o -lname "$tmp/*" \) 2>/dev/null | cut -d/ -f3 || true
}
seen=()

# Stop PIDs: TERM, GRACE tenths of a second to go, then KILL; our children are reaped, the others
# (reparented to init) waited for until their /proc entry is gone.
stop() {
    local grace=$1 pid t
    shift
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for ((t = 0; t < grace; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        for ((t = 0; t < 50; t++)); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    done
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Stop what this run started, each step bounded in time: the job first, while slurmctld and slurmd
# can still end it (each task's slurmstepd removes its socket from the spool when it ends), so that
# none outlives slurmd; whatever still runs in the temp dir, and what ended there but init has not
# reaped yet; the daemons by PID, newest first; the lab; the temp dir.
cleanup() {
    local rc=$? pid until
    trap - EXIT INT TERM
    if [ -n "$job" ] && alive "$ctld_pid" && alive "$slurmd_pid"; then
        timeout 3 scancel "$job" >/dev/null 2>&1 || true
        until=$((SECONDS + 10))
        while ((SECONDS < until)) && { [ -n "$(timeout 3 squeue -h -j "$job" 2>/dev/null)" ] || compgen -G "$tmp/spool/${NODE}_*" >/dev/null; }; do
            sleep 0.1
        done
    fi
    # shellcheck disable=SC2046  # one PID a word
    stop 30 $(in_tmp)
    until=$((SECONDS + 10))
    for pid in "${seen[@]}"; do
        while ((SECONDS < until)) && [ -e "/proc/$pid" ]; do sleep 0.1; done
    done
    for pid in "$slurmd_pid" "$ctld_pid" "$munged_pid"; do [ -n "$pid" ] && stop 100 "$pid"; done
    [ -n "$lab_up" ] && "$RAWSCAN" lab down --name "$lab" >/dev/null 2>&1 || true
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'printf "slurm lab demo: FAILED: interrupted\n"; exit 130' INT TERM

# Show the end of a log on standard error (the temp dir will be gone).
show() { [ -f "$1" ] && { printf -- '--- %s\n' "${1#"$tmp"/}"; tail -n 15 "$1"; } >&2 || true; }

# Two TCP ports nothing listens on, for slurmctld and slurmd (not Slurm's 6817/6818, which a real
# installation may hold).
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        [ "$p" != "${1:-}" ] && [ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return; }
    done
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")

# --- munged with its own key, socket, pid and log ---------------------------------------------------
mungekey --create --keyfile="$tmp/munge/munge.key" 2>"$tmp/log/mungekey.log" || { show "$tmp/log/mungekey.log"; fail "mungekey could not make a key"; }
sock=$tmp/munge/munge.socket
# Each daemon runs in the temp dir (a subshell that execs it, so $! is the daemon): the slurmstepd
# that slurmd starts per task inherits that working directory, which is how in_tmp finds them. And
# in a session of its own (setsid, which execs in place here: the subshell leads no process group),
# so a signal to our process group (Ctrl-C, timeout) reaches only this script, whose clean-up then
# stops everything in order: a slurmd killed before its jobs leaves their slurmstepd waiting for it.
(cd "$tmp" && exec setsid munged -F --key-file="$tmp/munge/munge.key" --socket="$sock" --pid-file="$tmp/munge/munged.pid" \
    --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munged.seed") >"$tmp/log/munged.out" 2>&1 &
munged_pid=$!

# --- slurmctld and slurmd with a config of their own --------------------------------------------------
host=$(hostname -s)
conf=$tmp/slurm.conf
: >"$tmp/plugstack.conf"
cat >"$conf" <<EOF
# written by deploy/slurm/lab-demo.sh for one run; nothing here is read from /etc/slurm
ClusterName=rawscandemo
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
PlugStackConfig=$tmp/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MailProg=/bin/true
NodeName=$NODE NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=demo Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
export SLURM_CONF=$conf   # sbatch, squeue, scontrol... read this one

for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { show "$tmp/log/munged.out"; fail "munged did not start"; }
(cd "$tmp" && exec setsid slurmctld -D -f "$conf") >"$tmp/log/slurmctld.out" 2>&1 &
ctld_pid=$!
(cd "$tmp" && exec setsid slurmd -D -f "$conf" -N "$NODE") >"$tmp/log/slurmd.out" 2>&1 &
slurmd_pid=$!

# --- the lab, while Slurm starts ---------------------------------------------------------------------
"$RAWSCAN" lab up --name "$lab" >"$tmp/log/lab-up.log" 2>&1 || { show "$tmp/log/lab-up.log"; fail "rawscan lab up --name $lab failed"; }
lab_up=1

# The node is ready when slurmctld has it idle (slurmd registered).
for ((i = 0; i < 200; i++)); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
done
[ "$state" = idle ] || { show "$tmp/log/slurmctld.log"; show "$tmp/log/slurmd.log"; fail "the Slurm node did not come up within 20 s (state '${state:-none}')"; }

# --- the job array ---------------------------------------------------------------------------------------
# sbatch passes this environment on; the job's shell runs from Slurm's spool, so the program goes by
# absolute path, and it runs as root (the submitter), which --lab needs.
export RAWSCAN SCAN_TARGETS=$TARGETS SCAN_PORTS=$PORTS SCAN_SEED=$SEED SCAN_OUT_DIR=$tmp/out
export SCAN_ARGS="--lab $lab --rate $RATE --show closed,filtered"
unset SCAN_SHARDS
started=$SECONDS
job=$(sbatch --parsable --array=1-$SHARDS --chdir="$tmp/out" --output="$tmp/out/slurm-%a.out" \
    "$SBATCH_SCRIPT" 2>"$tmp/log/sbatch.log") || { show "$tmp/log/sbatch.log"; fail "sbatch refused the job array"; }
job=${job%%;*}

while [ -n "$(timeout 5 squeue -h -j "$job" 2>/dev/null)" ]; do
    if ((SECONDS - started >= TIMEOUT)); then
        squeue -j "$job" >&2 || true
        for ((i = 1; i <= SHARDS; i++)); do show "$tmp/out/slurm-$i.out"; done
        fail "job array $job still running after ${TIMEOUT} s (DEMO_TIMEOUT): cancelled"
    fi
    # shellcheck disable=SC2207  # one PID a word
    seen+=($(in_tmp))
    sleep 0.2
done
seen+=($(in_tmp))

# Every task must have completed with exit code 0.
scontrol -o show job "$job" >"$tmp/log/job.txt" 2>&1 || true
tasks=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' "$tmp/log/job.txt" || true)
bad=$(grep -v 'JobState=COMPLETED .*ExitCode=0:0' "$tmp/log/job.txt" |
    sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p' || true)
if [ -n "$bad" ] || [ "$tasks" != "$SHARDS" ]; then
    while read -r i _ _; do show "$tmp/out/slurm-$i.out"; done <<<"$bad"
    fail "the job array did not complete cleanly: $(if [ -n "$bad" ]; then awk '{ printf "%stask %s %s (exit %s)", (NR > 1 ? ", " : ""), $1, $2, $3 }' <<<"$bad"; else echo "$tasks of $SHARDS tasks completed"; fi)"
fi

# --- merge, check against the lab's truth and nmap.dtd ------------------------------------------------
shard_files=()
for ((i = 1; i <= SHARDS; i++)); do
    [ -s "$tmp/out/shard-$i.json" ] || fail "shard $i wrote no results ($tmp/out/shard-$i.json)"
    shard_files+=("$tmp/out/shard-$i.json")
done
merged=$tmp/out/merged.json merged_xml=$tmp/out/merged.xml
"$RAWSCAN" merge "${shard_files[@]}" -oJ "$merged" -oX "$merged_xml" >/dev/null 2>"$tmp/log/merge.log" ||
    { show "$tmp/log/merge.log"; fail "rawscan merge failed"; }
"$RAWSCAN" lab verify --name "$lab" --results "$merged" "$TARGETS" -p "$PORTS" >"$tmp/log/verify.log" 2>&1 ||
    { cat "$tmp/log/verify.log" >&2; fail "the merged result does not match the lab's truth: $(head -n 1 "$tmp/log/verify.log")"; }
xmllint --noout --dtdvalid "$NMAP_DTD" "$merged_xml" 2>"$tmp/log/xmllint.log" ||
    { show "$tmp/log/xmllint.log"; fail "the merged XML is not valid against $NMAP_DTD"; }
# One JSON line per (address, protocol, port): every port of the space, shown closed and filtered too.
results=$(grep -c '"port"' "$merged" || true)
expected=$((65536 * 2))   # the /16's addresses x two ports
[ "$results" = "$expected" ] || fail "$results results merged, not the $expected of $TARGETS x $PORTS"

echo "slurm lab demo: $SHARDS shards (seed $SEED), $results results merged, exact against the lab's truth"
