#!/usr/bin/env python3
"""Banner load on the lab's greeting ports: connect to COUNT addresses from FIRST on each PORT,
read the SSH line (22) or send a request and read the answer (80), then reset the connection
(SO_LINGER 0, as a banner grabber does), CONCURRENCY at a time. Prints connections/s and failures.

    ip netns exec rawscan-NAME-scan python3 bench/tcp-banner-load.py 198.18.0.0 65536 22,80 1000
"""
import asyncio, ipaddress, socket, struct, sys, time

async def one(addr, port, stats):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(addr, port), 5)
    except Exception as e:
        stats["connect_failed"] += 1
        return
    try:
        if port == 80:
            w.write(b"GET / HTTP/1.1\r\nHost: " + addr.encode() + b"\r\n\r\n")
            data = await asyncio.wait_for(r.read(4096), 5)
            ok = data.startswith(b"HTTP/1.1 200 OK") and b"Server: rawscan-lab/1.0" in data
        else:
            data = await asyncio.wait_for(r.readline(), 5)
            ok = data == b"SSH-2.0-RawScanLab_1.0\r\n"
        stats["ok" if ok else "bad_answer"] += 1
    except Exception:
        stats["read_failed"] += 1
    finally:
        s = w.get_extra_info("socket")
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        w.close()

async def main(first, count, ports, concurrency):
    base = int(ipaddress.IPv4Address(first))
    stats = {"ok": 0, "bad_answer": 0, "connect_failed": 0, "read_failed": 0}
    sem = asyncio.Semaphore(concurrency)
    async def guarded(a, p):
        async with sem:
            await one(a, p, stats)
    jobs = [(str(ipaddress.IPv4Address(base + i)), p) for i in range(count) for p in ports]
    t0 = time.monotonic()
    tasks = set()
    for a, p in jobs:
        await sem.acquire(); sem.release()
        t = asyncio.ensure_future(guarded(a, p)); tasks.add(t); t.add_done_callback(tasks.discard)
        if len(tasks) >= concurrency * 2:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*tasks)
    dt = time.monotonic() - t0
    print(f"{len(jobs)} connections in {dt:.2f} s: {len(jobs)/dt:.0f}/s; {stats}")

if __name__ == "__main__":
    first, count, ports, conc = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3].split(",")], int(sys.argv[4])
    asyncio.run(main(first, count, ports, conc))
