#!/usr/bin/env python3
"""Reads `perf script -F comm,tid,time,ip,sym` (call graphs) and prints where the samples went:
first the share of every thread (idle CPU is 'swapper'), then, for RawScan's send and receive
threads, each sample put in one bucket: by the leaf-most context on its stack (softirq, page
fault, system call, or our own code), then by the first listed function found on the stack."""
import collections
import sys

def samples(lines):
    head, stack = None, []
    for line in lines:
        line = line.rstrip('\n')
        if not line.strip():
            if head is not None:
                yield head, stack
            head, stack = None, []
        elif head is None:
            head = line.split()[0]                       # comm (thread name, truncated to 15)
        else:
            parts = line.split(None, 1)
            stack.append((parts[0], parts[1] if len(parts) > 1 else ''))
    if head is not None:
        yield head, stack

def has(stack, name):
    return any(name in sym for _, sym in stack)

# A sample belongs to the leaf-most of these contexts on its stack (a softirq can run on top of a
# page fault or a system call, and then it is the softirq that the time went to)...
CONTEXTS = [("handle_softirqs", "softirq"), ("exc_page_fault", "fault"), ("do_syscall_64", "syscall")]

# ... and within it to the first bucket whose function is anywhere on the stack.
BUCKETS = {
    "user": [("our code (user space)", None)],
    "softirq": [
        ("softirq: RPS IPI to the other CPU", "net_rps_send_ipi"),
        ("softirq: lab target's TCP (tcp_v4_rcv)", "tcp_v4_rcv"),
        ("softirq: lab target's UDP (udp_rcv)", "udp_rcv"),
        ("softirq: capture (tpacket_rcv)", "tpacket_rcv"),
        ("softirq: nftables", "nft_do_chain"),
        ("softirq: other (backlog, IP input...)", None),
    ],
    "fault": [("page faults (and their TLB shootdowns)", None)],
    "syscall": [
        ("send: frames to taps (dev_queue_xmit_nit)", "dev_queue_xmit_nit"),
        ("send: veth_xmit", "veth_xmit"),
        ("send: other (sendmmsg, skb, copy)", "sendmmsg"),
        ("poll / waiting", "poll"),
        ("system calls, other", None),
    ],
    "kernel": [("kernel, other", None)],
}
ORDER = [name for group in BUCKETS.values() for name, _ in group]

def bucket(stack):
    if not stack:
        return "kernel, other"
    if not stack[0][0].startswith('ffffffff'):
        return "our code (user space)"
    context = "kernel"
    for _, sym in stack:                                 # leaf first
        hit = next((c for marker, c in CONTEXTS if marker in sym), None)
        if hit:
            context = hit
            break
    for name, marker in BUCKETS[context]:
        if marker is None or has(stack, marker):
            return name
    return "kernel, other"

def main():
    by_thread = collections.Counter()
    per = {'rawscan-tx': collections.Counter(), 'rawscan-rx': collections.Counter()}
    for comm, stack in samples(sys.stdin):
        by_thread[comm] += 1
        if comm in per:
            per[comm][bucket(stack)] += 1
    total = sum(by_thread.values())
    if total == 0:
        sys.exit("no samples")
    print(f"{total} samples on all CPUs")
    for comm, n in by_thread.most_common(8):
        print(f"  {comm:20s} {n / total:6.1%}")
    for comm, buckets in per.items():
        n = sum(buckets.values())
        if not n:
            continue
        print(f"\n{comm}: {n} samples")
        for name in ORDER:
            if buckets[name]:
                print(f"  {name:44s} {buckets[name] / n:6.1%}")

if __name__ == '__main__':
    main()
