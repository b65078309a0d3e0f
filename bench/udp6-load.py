#!/usr/bin/env python3
# A load for the IPv6 lab's target (docs/lab.md, IPv6): sends COUNT UDP datagrams over IPv6 as fast as one
# socket can, to PORT on addresses FIRST, FIRST+1, ... FIRST+SPAN-1 in turn; a DNS AAAA query for
# "lab.example" (dns) or 4 bytes (raw). It counts only what it sent: what the target received and answered
# is read from the target's counters (ip netns exec rawscan-NAME-target nstat -az) before and after.
#   ip netns exec rawscan-NAME-scan python3 bench/udp6-load.py 2001:db8:1::100 256 9999 100000 raw
# The first run after lab up loses most of its burst while the kernel resolves 2001:db8:ff::1 (Neighbor
# Discovery queues only a few packets): run it twice and count the second.
import ipaddress, socket, struct, sys, time
first, span, port, count, kind = ipaddress.IPv6Address(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
payload = (struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03lab\x07example\x00" + struct.pack(">HH", 28, 1)) if kind == "dns" else b"\x01\x02\x03\x04"
targets = [(str(first + i), port) for i in range(span)]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
start = time.monotonic()
sent = 0
for i in range(count):
    while True:
        try:
            s.sendto(payload, targets[i % span]); sent += 1; break
        except BlockingIOError:
            time.sleep(0.0001)
        except OSError as e:
            if e.errno in (105, 11): time.sleep(0.0001); continue   # ENOBUFS, EAGAIN
            raise
elapsed = time.monotonic() - start
print(f"sent {sent} in {elapsed:.2f} s: {sent / elapsed:,.0f}/s")
