using RawScan.Targets;

namespace RawScan.Lab.Internal;

/// <summary>How one real daemon is run: its program, its arguments, what it serves and what says it is ready.</summary>
/// <param name="Name">The name its pid, log and errors go by (the program's, or an instance's: redis-server-12345).</param>
/// <param name="Package">The Debian package that has its program.</param>
/// <param name="Argv">The command, program first, as an absolute path.</param>
/// <param name="UdpPorts">The UDP ports it must have bound to be ready.</param>
/// <param name="TcpPorts">The TCP ports it must listen on to be ready.</param>
/// <param name="ReadyLine">A line its log shows once it answers (beyond being bound), or null if bound is ready.</param>
/// <param name="Setup">A shell script run (sh -e) in its private /run before it starts: a host key, a certificate, a database to initialise.</param>
/// <param name="Optional">If it cannot start, the lab comes up without it and says so.</param>
/// <remarks><see cref="ReadyGreeting"/>: a TCP port whose greeting must hold this text before the daemon counts as ready.</remarks>
internal sealed record RealDaemon(string Name, string Package, IReadOnlyList<string> Argv,
    IReadOnlyList<ushort> UdpPorts, IReadOnlyList<ushort> TcpPorts, string? ReadyLine = null, string? Setup = null, bool Optional = false)
{
    public string Program => Argv[0];

    public (ushort Port, string Expect)? ReadyGreeting { get; init; }

    /// <summary>"udp 53", "tcp 22, 31337", "udp 11211, tcp 11211": for errors and status.</summary>
    public string Ports => string.Join(", ", new[] { ("udp", UdpPorts), ("tcp", TcpPorts) }
        .Where(x => x.Item2.Count > 0).Select(x => $"{x.Item1} {string.Join(", ", x.Item2)}"));

    public RealDaemon(RealService s, IReadOnlyList<string> argv, string? readyLine = null)
        : this(s.Daemon, s.Package, argv, [s.Port], [], readyLine)
    {
    }
}

/// <summary>
/// The real-services host's daemons: for each, a config file of its own generated into the lab's
/// state directory, and a command line that keeps it in the foreground (so the pid started is the
/// daemon's, and <c>lab down</c> stops it by that pid) with its pid, state and runtime files in
/// that directory. No config of the host's /etc is read where the daemon lets us name another, and
/// none is ever written.
/// </summary>
internal static partial class RealDaemons
{
    /// <summary>
    /// Each daemon starts through this, as <c>sh -c SCRIPT rawscan-real DIR LOG PROGRAM ARGS...</c>
    /// under <c>ip netns exec</c>, which has already given it a mount namespace of its own with the
    /// host's mounts as slaves (nothing mounted here reaches the host). It sends its output to LOG,
    /// then puts a fresh tmpfs over /run with the lab's DIR bound back at the same path, and execs the
    /// daemon: rpcbind (/run/rpcbind.sock, /run/rpcbind.lock) and avahi-daemon (/run/avahi-daemon/pid,
    /// refusing to start if a pid is there) have runtime paths compiled in, which would otherwise
    /// meet the host's own daemons and other labs', and outlive the lab. The tmpfs dies with the last
    /// process of that mount namespace. mount -n: /run/mount/utab is the host's, and is not ours to write.
    /// A daemon's <see cref="RealDaemon.Setup"/> comes in RAWSCAN_SETUP and runs there, after /run is
    /// private (sshd's /run/sshd is made there) and before the exec, so it runs beside the other
    /// daemons' setups rather than before them all, and the pid is still the daemon's.
    /// </summary>
    public const string Wrapper = """
        d=$1 log=$2
        shift 2
        exec >>"$log" 2>&1 </dev/null
        rel=${d#/run/}
        mount -n -t tmpfs -o mode=0755,size=8m rawscan-real "$d/run" &&
            mkdir -p "$d/run/$rel" &&
            mount -n --bind "$d" "$d/run/$rel" &&
            mount -n --move "$d/run" /run || { echo "rawscan lab: could not give $1 a private /run"; exit 1; }
        if [ -n "${RAWSCAN_SETUP-}" ]; then
            sh -ec "$RAWSCAN_SETUP" || { echo "rawscan lab: setting up $1 failed"; exit 1; }
        fi
        unset RAWSCAN_SETUP
        exec "$@"
        """;

    /// <summary>
    /// The daemons of <paramref name="spec"/>'s real host, UDP then TCP, their config files written
    /// into <paramref name="dir"/>. A TCP port served by a UDP entry's daemon (memcached's 11211) is
    /// added to that daemon's ports rather than given a daemon of its own.
    /// </summary>
    /// <exception cref="LabException">The spec names a daemon this lab does not know how to run.</exception>
    public static IReadOnlyList<RealDaemon> Prepare(LabSpec spec, string dir)
    {
        if (!dir.StartsWith("/run/", StringComparison.Ordinal))
            throw new LabException($"the real services' state directory must be under /run (the private /run they run with keeps it there): {dir}");
        Directory.CreateDirectory(Path.Combine(dir, "run"));
        var udp = spec.RealServices.Select(s => Daemon(spec, s, dir)).ToList();
        for (int i = 0; i < udp.Count; i++)
        {
            var alsoTcp = spec.RealTcpServices.Where(t => t.InstanceName == udp[i].Name).Select(t => t.Port).ToList();
            if (alsoTcp.Count > 0) udp[i] = udp[i] with { TcpPorts = alsoTcp };
        }
        return [.. udp, .. TcpDaemons(spec, dir, udp.Select(d => d.Name).ToHashSet())];
    }

    /// <summary>
    /// Every program the real host runs or sets up with, by absolute path, with the Debian package
    /// that has it and whether its daemon is optional: checked before anything is built.
    /// </summary>
    public static IEnumerable<(string Daemon, string Package, string Program, bool Optional)> Programs(LabSpec spec) =>
        spec.RealServices.Select(s => (s.Daemon, s.Package, ProgramOf(s.Daemon), false)).Concat(TcpPrograms(spec));

    private static string ProgramOf(string daemon) => daemon switch
    {
        "socat" => "/usr/bin/socat",
        "memcached" => "/usr/bin/memcached",
        _ => "/usr/sbin/" + daemon,
    };

    /// <summary>Writes a daemon's config file under the lab's state (its folder made first); its path.</summary>
    private static string WriteConfig(string dir, string file, string text)
    {
        string path = Path.Combine(dir, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A folder of a daemon's own under the lab's state; its path.</summary>
    private static string MakeDirectory(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static RealDaemon Daemon(LabSpec spec, RealService s, string dir)
    {
        string host = Ipv4.Format(spec.RealHost);
        string lan = RangeText.Format(spec.RealLan);
        string port = s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string program = ProgramOf(s.Daemon);
        string Conf(string file, string text) => WriteConfig(dir, file, text);
        string Dir(string name) => MakeDirectory(dir, name);

        return s.Daemon switch
        {
            // Echo (RFC 862) over UDP: a child per datagram (fork), each sending back what it read
            // (PIPE). -T 1 ends a child that has had nothing for a second: without it, a zero-length
            // datagram, which socat takes for end of input, wedges the child that got it for good.
            "socat" => new(s, [program, "-T", "1", $"UDP4-RECVFROM:{port},bind={host},fork", "PIPE"]),

            // A caching forwarder with no upstream, authoritative for one name; everything else it
            // answers itself (REFUSED or NXDOMAIN), as an isolated home router's would.
            "dnsmasq" => new(s, [program, "--keep-in-foreground", "--log-facility=-", "--conf-file=" + Conf("dnsmasq.conf", $"""
                # rawscan lab: DNS on the real-services host
                port={port}
                listen-address={host}
                bind-interfaces
                no-resolv
                no-hosts
                no-poll
                user=root
                group=root
                pid-file={dir}/dnsmasq.pid
                address=/realhost.lab.rawscan.test/{host}

                """)]),

            // tftpd-hpa takes its settings as arguments only. Its answers come from a new port (the
            // transfer's own TID, RFC 1350), so no scanner sees them as from port 69.
            "in.tftpd" => new(s, [program, "--foreground", "--address", $"{host}:{port}", "--secure", "--user", "root",
                "--pidfile", Path.Combine(dir, "tftpd.pid"), WithFile(Dir("tftp"), "hello.txt", "rawscan lab\n")]),

            // rpcbind takes arguments only; -h is the UDP address it binds (it adds loopback itself).
            "rpcbind" => new(s, [program, "-f", "-h", host]),

            // An NTP server of its own local clock (stratum 8) for the lab; -x: never touch the
            // system clock, which is the host's (time is not namespaced). No command port or socket.
            "chronyd" => new(s, [program, "-d", "-x", "-u", "root", "-f", Conf("chrony.conf", $"""
                # rawscan lab: NTP on the real-services host
                port {port}
                bindaddress {host}
                cmdport 0
                bindcmdaddress /
                local stratum 8
                allow {lan}
                pidfile {dir}/chronyd.pid
                driftfile {dir}/chrony.drift

                """)]),

            // Samba's NetBIOS name server, every directory redirected into the lab. One NetBIOS alias
            // makes its node status reply 247 bytes from the start; a master browser's is 229, but
            // that comes only after an election, which may or may not fall inside a test.
            "nmbd" => new(s, [program, "--foreground", "--debug-stdout", "--no-process-group", "--configfile=" + Conf("smb.conf", $"""
                # rawscan lab: NetBIOS name service on the real-services host
                [global]
                   workgroup = RAWSCANLAB
                   netbios name = REALHOST
                   netbios aliases = FILES
                   server string = RawScan lab real services
                   interfaces = {spec.RealInterface}
                   bind interfaces only = yes
                   local master = yes
                   preferred master = yes
                   os level = 65
                   lock directory = {Dir("samba/lock")}
                   state directory = {Dir("samba/state")}
                   cache directory = {Dir("samba/cache")}
                   private dir = {Dir("samba/private")}
                   pid directory = {Dir("samba/pid")}
                   ncalrpc dir = {Dir("samba/ncalrpc")}
                   nmbd:socket dir = {Dir("samba/nmbd")}
                   log file = {Dir("samba/log")}/log.%m
                   logging = file
                   load printers = no
                   disable spoolss = yes

                """)]),

            // net-snmp, v2c community public for the lab. -C: no default config files (the host's
            // /etc/snmp); -m "": no MIBs (Debian ships none, and loading them only warns).
            "snmpd" => new(s, ["/usr/bin/env", "SNMP_PERSISTENT_DIR=" + Dir("snmp"), program, "-f", "-Lo", "-C", "-m", "",
                "-p", Path.Combine(dir, "snmpd.pid"), "-c", Conf("snmpd.conf", $"""
                # rawscan lab: SNMP on the real-services host
                agentAddress udp:{host}:{port}
                rocommunity public {lan}
                sysName realhost
                sysLocation RawScan lab, real-services host
                sysContact nobody@lab.rawscan.test

                """)]),

            // A UPnP IGD's SSDP responder. It wants an external interface: loopback stands in (it
            // says port forwarding is impossible there, which is true of the lab and harmless to
            // SSDP). NAT-PMP off; HTTP on 5000 for the description its answers point to.
            "miniupnpd" => new(s, [program, "-d", "-P", Path.Combine(dir, "miniupnpd.pid"), "-f", Conf("miniupnpd.conf", $"""
                # rawscan lab: SSDP (UPnP IGD) on the real-services host
                ext_ifname=lo
                listening_ip={spec.RealInterface}
                port=5000
                enable_natpmp=no
                enable_upnp=yes
                secure_mode=yes
                uuid=2d2a6b9e-7f3c-4a47-9d1e-52617753636e
                friendly_name=RawScan lab real-services host
                allow 1024-65535 {lan} 1024-65535
                deny 0-65535 0.0.0.0/0 0-65535

                """)]),

            // A SIP server whose request route is the head of Debian's stock kamailio.cfg
            // (Max-Forwards, then sanity), then OPTIONS to itself answered, REGISTER refused, the rest 404.
            // -DD: the main process stays in the foreground; -Y: its runtime files in the lab.
            "kamailio" => new(s, [program, "-DD", "-E", "-m", "32", "-M", "4", "-P", Path.Combine(dir, "kamailio.pid"),
                "-Y", Dir("kamailio"), "-w", Dir("kamailio"), "-f", Conf("kamailio.cfg", $$"""
                #!KAMAILIO
                # rawscan lab: SIP on the real-services host
                debug=2
                log_stderror=yes
                fork=yes
                children=2
                disable_tcp=yes
                auto_aliases=no
                alias="{{host}}"
                listen=udp:{{host}}:{{port}}

                loadmodule "kex.so"
                loadmodule "tm.so"
                loadmodule "sl.so"
                loadmodule "pv.so"
                loadmodule "maxfwd.so"
                loadmodule "sanity.so"
                loadmodule "siputils.so"
                loadmodule "textops.so"
                loadmodule "xlog.so"

                request_route {
                	if (!mf_process_maxfwd_header("10")) {
                		sl_send_reply("483", "Too Many Hops");
                		exit;
                	}
                	if (!sanity_check("17895", "7")) {
                		exit;
                	}
                	if (is_method("OPTIONS") && uri == myself) {
                		options_reply();
                		exit;
                	}
                	if (is_method("REGISTER")) {
                		sl_send_reply("403", "Registration not allowed here");
                		exit;
                	}
                	sl_send_reply("404", "Not here");
                	exit;
                }

                """)]),

            // mDNS responder without D-Bus. It answers once it has probed its host name, which it
            // says: until then a unicast query may get nothing.
            "avahi-daemon" => new(s, [program, "--no-drop-root", "--no-chroot", "--no-rlimits", "-f", Conf("avahi-daemon.conf", $"""
                # rawscan lab: mDNS on the real-services host
                [server]
                host-name=realhost
                domain-name=local
                use-ipv4=yes
                use-ipv6=no
                allow-interfaces={spec.RealInterface}
                enable-dbus=no
                ratelimit-interval-usec=1000000
                ratelimit-burst=1000

                [wide-area]
                enable-wide-area=no

                [publish]
                publish-workstation=yes
                publish-hinfo=yes

                [reflector]
                enable-reflector=no

                """)], readyLine: "Server startup complete"),

            // memcached's UDP protocol is off by default since 1.5.6; -U turns it on. Arguments only.
            "memcached" => new(s, [program, "-u", "root", "-l", host, "-p", port, "-U", port, "-m", "16", "-c", "64"]),

            _ => throw new LabException($"the lab does not know how to run {s.Daemon} (udp {s.Port})"),
        };
    }

    private static string WithFile(string dir, string name, string text)
    {
        File.WriteAllText(Path.Combine(dir, name), text);
        return dir;
    }
}
