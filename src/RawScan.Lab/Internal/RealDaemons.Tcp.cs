using System.Globalization;
using RawScan.Targets;

namespace RawScan.Lab.Internal;

/// <summary>
/// The real host's TCP daemons (<see cref="LabSpec.RealTcpServices"/>): each in the foreground, bound
/// to the real host's address only, with its config, keys, pid, logs, sockets and data in the lab's
/// state directory. What has to exist before one starts (a host key, a certificate, a database) is
/// made by its <see cref="RealDaemon.Setup"/>, in its own private /run, beside the others.
/// </summary>
internal static partial class RealDaemons
{
    /// <summary>Where Debian's PostgreSQL keeps its programs, newest major version first; null if none is installed.</summary>
    internal static string? PostgresBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "postgres")) && File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            : null;

    private static IEnumerable<(string Daemon, string Package, string Program, bool Optional)> TcpPrograms(LabSpec spec)
    {
        foreach (var g in spec.RealTcpServices.GroupBy(t => t.Daemon))
        {
            var t = g.First();
            if (spec.RealServices.Any(u => u.Daemon == t.Daemon)) continue;
            foreach (var program in TcpProgramsOf(t.Daemon)) yield return (t.Daemon, t.Package, program, t.Optional);
        }
    }

    /// <summary>The programs a TCP daemon runs or is set up with.</summary>
    private static string[] TcpProgramsOf(string daemon) => daemon switch
    {
        "sshd" => ["/usr/sbin/sshd", "/usr/bin/ssh-keygen"],
        "nginx" => ["/usr/sbin/nginx", "/usr/bin/openssl"],
        "vsftpd" => ["/usr/sbin/vsftpd"],
        "exim4" => ["/usr/sbin/exim4"],
        "dovecot" => ["/usr/sbin/dovecot", "/usr/lib/dovecot/pop3-login", "/usr/lib/dovecot/imap-login"],
        "rsync" => ["/usr/bin/rsync"],
        "telnetd" => ["/usr/sbin/telnetd", "/usr/bin/socat"],
        "mariadbd" => ["/usr/sbin/mariadbd"],
        "postgres" => [PostgresBin() is string bin ? Path.Combine(bin, "postgres") : "/usr/lib/postgresql/VERSION/bin/postgres"],
        "redis-server" => ["/usr/bin/redis-server"],
        _ => throw new LabException($"the lab does not know how to run {daemon} (tcp)"),
    };

    private static IEnumerable<RealDaemon> TcpDaemons(LabSpec spec, string dir, HashSet<string> already)
    {
        foreach (var g in spec.RealTcpServices.GroupBy(t => t.InstanceName))
        {
            if (already.Contains(g.Key)) continue;
            yield return TcpDaemon(spec, g.First(), [.. g.Select(t => t.Port)], [.. g.Where(t => t.Tls).Select(t => t.Port)], dir);
        }
    }

    private static RealDaemon TcpDaemon(LabSpec spec, RealTcpService t, ushort[] ports, ushort[] tlsPorts, string dir)
    {
        string host = Ipv4.Format(spec.RealHost);
        string Conf(string file, string text) => WriteConfig(dir, file, text);
        string Dir(string name) => MakeDirectory(dir, name);
        string P(ushort port) => port.ToString(CultureInfo.InvariantCulture);
        RealDaemon Make(string[] argv, string? setup = null) =>
            new(t.InstanceName, t.Package, argv, [], ports, Setup: setup, Optional: t.Optional);

        switch (t.Daemon)
        {
            // OpenSSH on every port of its entries (22 and the trojan's 31337). Its host key is made
            // once per lab, ed25519 (a few milliseconds); /run/sshd, its privilege-separation
            // directory, is compiled in and made in the private /run.
            case "sshd":
            {
                string key = Path.Combine(Dir("ssh"), "ssh_host_ed25519_key");
                return Make(["/usr/sbin/sshd", "-D", "-e", "-f", Conf("ssh/sshd_config", $"""
                    # rawscan lab: SSH on the real-services host
                    {string.Join("\n", ports.Select(p => "Port " + P(p)))}
                    ListenAddress {host}
                    HostKey {key}
                    PidFile {dir}/ssh/sshd.pid
                    UsePAM no
                    PermitRootLogin no
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    AuthorizedKeysFile none
                    PrintMotd no
                    UseDNS no

                    """)], $"mkdir -p /run/sshd; [ -f {key} ] || ssh-keygen -q -t ed25519 -N '' -C rawscan-lab -f {key}");
            }

            // nginx, master in the foreground (daemon off) with one worker; HTTP on the plain ports,
            // HTTPS on the TLS ones with a self-signed certificate for CN=rawscan-lab made once per lab
            // (RSA 2048: what every client takes). server_tokens on: the Server header has the version.
            // -e: the error log nginx opens before it has read its config.
            case "nginx":
            {
                string n = Dir("nginx"), html = Dir("nginx/html");
                File.WriteAllText(Path.Combine(html, "index.html"), "<html><body><h1>rawscan lab real-services host</h1></body></html>\n");
                string listens = string.Join("\n", ports.Select(p => $"        listen {host}:{P(p)}{(tlsPorts.Contains(p) ? " ssl" : "")};"));
                string conf = Conf("nginx/nginx.conf", $$"""
                    # rawscan lab: HTTP and HTTPS on the real-services host
                    user root;
                    worker_processes 1;
                    daemon off;
                    pid {{n}}/nginx.pid;
                    error_log {{n}}/error.log;
                    events { worker_connections 256; }
                    http {
                        server_tokens on;
                        access_log off;
                        default_type text/html;
                        client_body_temp_path {{n}}/body;
                        proxy_temp_path {{n}}/proxy;
                        fastcgi_temp_path {{n}}/fastcgi;
                        uwsgi_temp_path {{n}}/uwsgi;
                        scgi_temp_path {{n}}/scgi;
                        server {
                    {{listens}}
                            server_name realhost;
                            ssl_certificate {{n}}/lab.crt;
                            ssl_certificate_key {{n}}/lab.key;
                            root {{html}};
                        }
                    }

                    """);
                return Make(["/usr/sbin/nginx", "-e", Path.Combine(n, "error.log"), "-p", n, "-c", conf],
                    $"[ -f {n}/lab.crt ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=rawscan-lab -keyout {n}/lab.key -out {n}/lab.crt 2>/dev/null");
            }

            // vsftpd, standalone (listen=YES) in the foreground (background=NO); anonymous only, read only.
            case "vsftpd":
            {
                string v = Dir("vsftpd");
                return Make(["/usr/sbin/vsftpd", Conf("vsftpd/vsftpd.conf", $"""
                    listen=YES
                    listen_ipv6=NO
                    listen_address={host}
                    listen_port={P(ports[0])}
                    background=NO
                    anonymous_enable=YES
                    anon_root={v}/anon
                    local_enable=NO
                    write_enable=NO
                    secure_chroot_dir={v}/empty
                    xferlog_enable=NO
                    vsftpd_log_file={v}/vsftpd.log
                    syslog_enable=NO
                    connect_from_port_20=NO
                    seccomp_sandbox=NO
                    pam_service_name=vsftpd

                    """)], $"mkdir -p {v}/empty {v}/anon; chmod 555 {v}/anon");
            }

            // Exim in the foreground (-bdf) with its own config (-C: as root, Exim keeps its
            // privilege); no reverse lookup and no ident query, so the greeting comes at once; no
            // STARTTLS offered (no certificate); every recipient refused. The config must be root's
            // and not writable by others, or Exim refuses it; its directory (logs, pid) and spool are
            // the exim user's, as Debian's are: as root with a -C config, it still could not open its
            // log in a directory of root's (measured: "Permission denied: euid=0").
            case "exim4":
            {
                string e = Dir("exim");
                return Make(["/usr/sbin/exim4", "-bdf", "-C", Conf("exim/exim.conf", $"""
                    # rawscan lab: SMTP on the real-services host
                    primary_hostname = realhost.lab.rawscan.test
                    daemon_smtp_ports = {string.Join(" : ", ports.Select(P))}
                    local_interfaces = {host}
                    spool_directory = {e}/spool
                    log_file_path = {e}/%slog
                    pid_file_path = {e}/exim.pid
                    host_lookup =
                    rfc1413_hosts =
                    rfc1413_query_timeout = 0s
                    tls_advertise_hosts =
                    smtp_banner = $smtp_active_hostname ESMTP Exim $version_number $tod_full
                    acl_smtp_rcpt = acl_check_rcpt
                    begin acl
                    acl_check_rcpt:
                      deny message = relay not permitted

                    """)], $"mkdir -p {e}/spool; chown Debian-exim:Debian-exim {e} {e}/spool");
            }

            // Dovecot in the foreground (-F), POP3 and IMAP without TLS, each listener on its ports;
            // its runtime (base_dir) and state directories in the lab. Nobody can log in.
            case "dovecot":
            {
                string d = Dir("dovecot");
                var pop3 = spec.RealTcpServices.Where(x => x.Daemon == "dovecot" && x.Service == "pop3").Select(x => x.Port).ToList();
                var imap = spec.RealTcpServices.Where(x => x.Daemon == "dovecot" && x.Service == "imap").Select(x => x.Port).ToList();
                static string Listeners(string name, List<ushort> list) =>
                    string.Join("\n", list.Select((p, i) => $"  inet_listener {name}{(i == 0 ? "" : "-" + p.ToString(CultureInfo.InvariantCulture))} {{\n    port = {p.ToString(CultureInfo.InvariantCulture)}\n  }}"));
                return Make(["/usr/sbin/dovecot", "-F", "-c", Conf("dovecot/dovecot.conf", $$"""
                    # rawscan lab: POP3 and IMAP on the real-services host
                    protocols = imap pop3
                    listen = {{host}}
                    base_dir = {{d}}/base
                    state_dir = {{d}}/state
                    instance_name = rawscan-lab-{{spec.Name}}
                    log_path = /dev/stderr
                    ssl = no
                    disable_plaintext_auth = no
                    auth_mechanisms = plain
                    mail_location = maildir:/nonexistent
                    passdb {
                      driver = static
                      args = password=rawscan-lab-unused
                    }
                    userdb {
                      driver = static
                      args = uid=nobody gid=nogroup home=/nonexistent
                    }
                    # Login processes started beforehand and kept (dovecot's high-performance mode): a login
                    # process started per connection must first reach the auth process, and on a busy
                    # machine greets "* OK Waiting for authentication process to respond" meanwhile.
                    service imap-login {
                    {{Listeners("imap", imap)}}
                      inet_listener imaps {
                        port = 0
                      }
                      service_count = 0
                      process_min_avail = 1
                    }
                    service pop3-login {
                    {{Listeners("pop3", pop3)}}
                      inet_listener pop3s {
                        port = 0
                      }
                      service_count = 0
                      process_min_avail = 1
                    }

                    """)], $"mkdir -p {d}/base {d}/state") with
                {
                    // Listening is not ready: until its auth process answers, IMAP greets "* OK Waiting for authentication process".
                    ReadyGreeting = imap.Count > 0 ? (imap[0], "[CAPABILITY") : null,
                };
            }

            // rsync's daemon in the foreground, one read-only module.
            case "rsync":
            {
                string r = Dir("rsync");
                File.WriteAllText(Path.Combine(Dir("rsync/pub"), "hello.txt"), "rawscan lab\n");
                return Make(["/usr/bin/rsync", "--daemon", "--no-detach", "--address=" + host, "--port=" + P(ports[0]), "--config=" + Conf("rsync/rsyncd.conf", $"""
                    # rawscan lab: rsync on the real-services host
                    pid file = {r}/rsyncd.pid
                    lock file = {r}/rsyncd.lock
                    log file = {r}/rsyncd.log
                    use chroot = no
                    [pub]
                      path = {r}/pub
                      comment = RawScan lab files
                      read only = yes

                    """)]);
            }

            // inetutils' telnetd runs from inetd only (Debian's busybox has no telnetd applet): socat
            // listens and, per connection, a child execs telnetd with the TCP socket as its stdin
            // (nofork), as inetd would. It opens with its option negotiation (DO/WILL ...); the login
            // program is /bin/false. -h: no host name or OS in the banner.
            case "telnetd":
                return Make(["/usr/bin/socat", $"TCP4-LISTEN:{P(ports[0])},bind={host},reuseaddr,fork", "EXEC:/usr/sbin/telnetd -h -E /bin/false,nofork"]);

            // MariaDB in an empty data directory with skip-grant-tables: it starts in about 0.2 s
            // without mariadb-install-db (1.7 s) and greets every client with its real handshake
            // (with grant tables, a host with no account gets "Host ... is not allowed" instead).
            // Small InnoDB files; tmpdir, socket and pid in the lab.
            case "mariadbd":
            {
                string m = Dir("mariadb");
                return Make(["/usr/sbin/mariadbd", "--defaults-file=" + Conf("mariadb/my.cnf", $"""
                    # rawscan lab: MariaDB on the real-services host
                    [mariadbd]
                    datadir = {m}/data
                    tmpdir = {m}/tmp
                    socket = {m}/mariadb.sock
                    pid-file = {m}/mariadb.pid
                    log-error = {m}/error.log
                    bind-address = {host}
                    port = {P(ports[0])}
                    user = root
                    skip-name-resolve
                    skip-grant-tables
                    skip-log-bin
                    innodb-buffer-pool-size = 16M
                    innodb-log-file-size = 4M

                    """)], $"mkdir -p {m}/data {m}/tmp");
            }

            // PostgreSQL as the postgres user (it refuses root; setpriv execs in place, so the pid
            // is still the server's): initdb (--no-sync: about 0.5 s) into the lab, then the server
            // on the host's address, its socket in the lab, dynamic shared memory in its data
            // directory (mmap) rather than the host's /dev/shm.
            case "postgres":
            {
                string bin = PostgresBin() ?? "/usr/lib/postgresql/VERSION/bin";
                string pg = Path.Combine(dir, "postgresql");
                string[] asPostgres = ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"];
                return Make([.. asPostgres, Path.Combine(bin, "postgres"), "-D", pg + "/data", "-c", "listen_addresses=" + host, "-c", "port=" + P(ports[0]),
                    "-c", "unix_socket_directories=" + pg, "-c", "dynamic_shared_memory_type=mmap", "-c", "shared_buffers=8MB", "-c", "fsync=off"],
                    $"mkdir -p {pg}; chown postgres:postgres {pg}; {string.Join(' ', asPostgres)} {bin}/initdb -D {pg}/data -A trust -U postgres --no-sync --no-instructions -E UTF8 --locale=C.UTF-8 >/dev/null");
            }

            // Redis, one process per port (it listens on one): no persistence, logging to stdout.
            case "redis-server":
                return Make(["/usr/bin/redis-server", "--bind", host, "--port", P(ports[0]), "--protected-mode", "no", "--save", "", "--appendonly", "no",
                    "--dir", Dir("redis-" + P(ports[0])), "--daemonize", "no", "--supervised", "no", "--logfile", ""]);

            default:
                throw new LabException($"the lab does not know how to run {t.Daemon} (tcp {string.Join(", ", ports)})");
        }
    }
}
