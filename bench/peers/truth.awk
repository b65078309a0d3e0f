# The lab's truth (docs/lab.md) and the scoring of a peer's results.
# Input: unique "ip proto port" lines of ports reported open.
# Variables: cidr (A.B.C.D/N), plo, phi (port range), plist (a comma list of ports instead, or empty), proto (tcp|udp).
# Output: "found expected false_positives"
function ip2n(s,  a) { split(s, a, "."); return ((a[1]*256 + a[2])*256 + a[3])*256 + a[4] }
function isopen(n, pr, p,   o3, o4) {
    if (n < ip2n("198.18.0.0") || n > ip2n("198.18.255.255")) return 0
    o3 = int(n / 256) % 256; o4 = n % 256
    if (pr == "tcp") {
        if (!(p == 22 || p == 25 || p == 80 || p == 443 || p == 3306 || p == 8080 || p == 31337)) return 0
        if (o3 == 0 && o4 >= 128 && (p == 22 || p == 443)) return 0
        if (o3 == 3 && p != 80) return 0
        return 1
    }
    if (pr == "udp") {
        if (!(p == 53 || p == 161)) return 0
        if (o3 == 0 && o4 >= 128 && p == 161) return 0
        if (o3 == 3 && p != 53) return 0
        return 1
    }
    return 0
}
function inlist(p,   i, n, a) { n = split(plist, a, ","); for (i = 1; i <= n; i++) if (a[i] + 0 == p) return 1; return 0 }
BEGIN {
    split(cidr, c, "/"); lo = ip2n(c[1]); size = 2 ^ (32 - c[2]); lo = lo - lo % size; hi = lo + size - 1
    # expected: enumerate the ports the truth can have open only (others are never open)
    nop = split("22 25 80 443 3306 8080 31337 53 161", cand, " ")
    expected = 0
    for (i = 1; i <= nop; i++) {
        p = cand[i] + 0
        if (p < plo || p > phi || (plist != "" && !inlist(p))) continue
        for (n = lo; n <= hi; n++) expected += isopen(n, proto, p)
    }
}
{
    n = ip2n($1)
    if ($2 == proto && $3 >= plo && $3 <= phi && n >= lo && n <= hi && isopen(n, $2, $3 + 0)) found++
    else fp++
}
END { printf "%d %d %d\n", found, expected, fp }
