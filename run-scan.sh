#!/usr/bin/env bash
# RawScan's front door on a Debian machine with the .NET SDK. Needs root (raw sockets, namespaces).
#
#   ./run-scan.sh            install what is missing, build, bring the lab up, scan it, print the report,
#                            check it against the lab's truth, take the lab down
#   ./run-scan.sh test       the same set-up, then the whole test suite (what .ci/run runs)
#   ./run-scan.sh ARGS...    the same set-up, then `rawscan ARGS...`; a scan always runs inside the
#                            built-in lab (--lab rawscan is added unless you name a lab yourself)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

# The program: published natively (Native AOT, linux-x64) by build() below.
BIN=src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan
# clang and zlib1g-dev: Native AOT's compiler links the program with them.
PACKAGES=(clang zlib1g-dev libpcap0.8 iproute2 ethtool nftables tcpdump tshark procps util-linux netbase nmap ndiff libxml2-utils xsltproc python3-libnmap chromium)
# The daemons of the lab's real-services host (rawscan lab up --real-services; docs/lab.md), which
# the tests scan beside nmap. Only their programs are used, inside the lab, with the lab's configs.
PACKAGES+=(socat dnsmasq-base tftpd-hpa rpcbind chrony samba snmpd miniupnpd-nftables kamailio avahi-daemon memcached)
# ...and its TCP daemons (docs/lab.md): sshd, nginx (HTTPS with a certificate openssl makes), vsftpd,
# exim, dovecot, redis, rsync, inetutils' telnetd (socat runs it as inetd would), mariadb, postgresql;
# curl is the tests' HTTP client for them.
PACKAGES+=(curl openssh-server nginx openssl vsftpd exim4-daemon-light dovecot-pop3d dovecot-imapd redis-server rsync inetutils-telnetd mariadb-server postgresql)
# The IPv6 lab's witnesses (LabIpv6Tests): ping -6 and dig, beside nmap -6 and socat.
PACKAGES+=(iputils-ping bind9-dnsutils)
# deploy/slurm/lab-demo.sh's private single-node Slurm (DeploySlurmDemoTests): munged, slurmctld,
# slurmd and the clients, run with its own config and key, never as the machine's services.
# slurmctld and slurmd are named too (slurm-wlm brings them) so that their units are disabled.
PACKAGES+=(slurm-wlm munge slurmctld slurmd)

say() { printf '%s\n' "run-scan: $*" >&2; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        say "needs root (raw packets, network namespaces): run it with sudo"
        exit 1
    fi
}

# Packages whose scripts start services (dnsmasq's, samba's, snmpd...) must not start them on this
# host: the lab runs its own copies in a namespace. While apt-get runs, a policy-rc.d answering 101
# ("forbidden") stops invoke-rc.d and deb-systemd-invoke from starting anything; one that was there
# before (Debian's container images ship one) is put back exactly as it was.
POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=
forbid_service_starts() {
    if [ -e "$POLICY" ]; then
        POLICY_SAVED=$(mktemp)
        cp -p "$POLICY" "$POLICY_SAVED"
    fi
    printf '#!/bin/sh\n# run-scan.sh: no service starts while it installs packages\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
}
allow_service_starts() {
    if [ -n "$POLICY_SAVED" ]; then
        cp -p "$POLICY_SAVED" "$POLICY" && rm -f "$POLICY_SAVED"
        POLICY_SAVED=
    else
        rm -f "$POLICY"
    fi
}

# Nor at the next boot: the systemd units and init scripts of the packages just installed are
# disabled (on a machine that did not boot systemd this only removes the links their install made).
disable_units() {
    local p f
    for p in "$@"; do
        for f in $(dpkg-query -L "$p" 2>/dev/null | grep -E '^((/usr)?/lib/systemd/system/[^/@]+\.(service|socket)|/etc/init\.d/[^/]+)$' || true); do
            case "$f" in
                /etc/init.d/*) update-rc.d "${f##*/}" disable >/dev/null 2>&1 || true ;;
                *) systemctl disable --quiet "${f##*/}" >/dev/null 2>&1 || true ;;
            esac
        done
    done
}

# Install only what is missing; apt-get update only when something is.
install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        forbid_service_starts
        trap allow_service_starts EXIT
        trap 'exit 130' INT TERM
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        allow_service_starts
        trap - EXIT INT TERM
        disable_units "${missing[@]}"
    fi
    command -v dotnet >/dev/null || { say "the .NET SDK (dotnet) is not on PATH"; exit 1; }
}

build() {
    say "building"
    local log
    log=$(mktemp)
    # The solution (tests, benchmarks), then the program as users run it: native, no .NET runtime.
    if ! { dotnet build RawScan.sln -c Release -nologo && dotnet publish src/RawScan.Cli -c Release -r linux-x64 -nologo; } >"$log" 2>&1; then
        grep -E "error|Error" "$log" >&2 || cat "$log" >&2
        rm -f "$log"
        say "build failed"
        exit 1
    fi
    rm -f "$log"
}

demo() {
    lab=demo
    out=$(mktemp -d)  # globals: the EXIT trap runs after demo has returned
    # IPv4 and IPv6 in one scan: a /28 and a host of the IPv4 side, four assigned IPv6 addresses (docs/lab.md)
    local targets="198.18.0.120-198.18.0.135,198.18.3.7,2001:db8:1::100-2001:db8:1::103" ports="T:1-1024,3306,8080,31337,U:53,123,161,500"
    trap '"$BIN" lab down --name "$lab" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
    "$BIN" lab down --name "$lab" >/dev/null 2>&1 || true
    "$BIN" lab up --name "$lab"
    say "scanning $targets ports $ports inside lab '$lab'"
    "$BIN" scan --lab "$lab" $targets -p "$ports" --banners -oJ "$out/results.jsonl"
    "$BIN" lab verify --name "$lab" --results "$out/results.jsonl" $targets -p "$ports"
}

run_tests() {
    # dotnet test's own summary is not a line CI reads; restate it as "N passed, N failed".
    local log rc=0
    log=$(mktemp)
    # The tests run the published native program (tests/RawScan.Tests/Support/Cli.cs).
    RAWSCAN_BIN="$PWD/$BIN" dotnet test RawScan.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" || rc=$?
    # CI shows the end of this output: restate each failed test with its message there.
    awk '/^  Failed / { n = 25; print "FAILED:" substr($0, 9); next } n > 0 && /^  (Passed|Skipped) / { n = 0 } n-- > 0' "$log" | tail -n 150
    awk '/^Total tests:/ { t = 1 }
         t && $1 == "Passed:" { p += $2 } t && $1 == "Failed:" { f += $2 } t && $1 == "Skipped:" { s += $2 }
         END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (p + f == 0) exit 1 }' "$log" || rc=1
    rm -f "$log"
    return $rc
}

need_root
install_missing
build
case "${1:-}" in
    "") demo ;;
    test) run_tests ;;
    scan)
        shift
        for a in "$@"; do [ "$a" = --lab ] && exec "$BIN" scan "$@"; done
        exec "$BIN" scan --lab rawscan "$@"
        ;;
    *) exec "$BIN" "$@" ;;
esac
