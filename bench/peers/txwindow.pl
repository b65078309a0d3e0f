#!/usr/bin/perl
# Sample a tx_packets counter every 5 ms until SIGTERM/SIGINT, then print
# "START END" (seconds since the epoch): START is the sample before the first
# 5 ms interval that sent at least THRESH packets, END the last such interval.
# Usage (inside the scanner namespace): txwindow.pl /sys/class/net/scan0/statistics/tx_packets [THRESH]
use strict; use warnings; use Time::HiRes qw(time sleep);
my ($file, $thresh) = (@ARGV, 20);
sub rd { open(my $f, '<', $file) or die "$file: $!"; my $v = <$f>; close $f; chomp $v; return $v; }
my ($prev, $tprev) = (rd(), time);
my ($start, $end) = (0, 0);
my $stop = 0; $SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
$| = 1; print "ready\n";
while (!$stop) {
    sleep 0.005;
    my ($v, $t) = (rd(), time);
    if ($v - $prev >= $thresh) { $start ||= $tprev; $end = $t; }
    ($prev, $tprev) = ($v, $t);
}
printf STDERR "%.6f %.6f\n", $start, $end;
