// The batched Linux send path: one call from managed code hands a whole FrameBatch (frames at a fixed
// stride in one pinned buffer) to an AF_PACKET socket. Crossing the boundary once per batch, and the
// kernel once per batch with sendmmsg, is what zmap's send-linux.c does; per-frame pcap_inject costs a
// syscall and a managed->native transition per frame (reference here: 613k pps sendto vs 842k pps
// sendmmsg(64), /work/shared/reference/txbench.c).
//
// Contract: every entry point checks its arguments and returns 0 / a count, or -errno; nothing here
// prints, exits or allocates after rawscan_tx_open. Not thread-safe: one rawscan_tx per send thread.
//
// Build: cc -O2 -Wall -Wextra -shared -fPIC -o librawscan_native.so rawscan_tx.c (done by RawScan.Core.csproj)
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAWSCAN_EXPORT __attribute__((visibility("default")))

// Flags for rawscan_tx_open; keep in step with RawscanNative.cs.
#define RAWSCAN_TX_QDISC_BYPASS 1 // PACKET_QDISC_BYPASS: straight to the driver, no qdisc
#define RAWSCAN_TX_RING 2         // PACKET_TX_RING (TPACKET_V2): copy into a mapped ring, one send() to flush

#define RAWSCAN_TX_ABI 1
#define RAWSCAN_TX_MAX_BATCH 1024
#define RAWSCAN_TX_MIN_FRAME 14   // an Ethernet header
#define RAWSCAN_TX_MAX_FRAME 1514 // an untagged Ethernet frame without FCS; no jumbo frames from a scanner
#define RAWSCAN_TX_MAX_STRIDE 65536
// A full queue (ENOBUFS, EAGAIN) is waited out with poll(POLLOUT, 1 ms) this many times in a row
// without progress before the send gives up: about a second, far longer than any transient burst.
#define RAWSCAN_TX_RETRIES 1000

// TX ring geometry: 1024 slots of 256 bytes (4 blocks of 64 KiB), one full batch. 256-byte slots hold
// a probe (the tpacket2 header takes 32, leaving RING_MAX_FRAME) and measured 1.11M pps against
// 0.74M pps with 2048-byte slots that each hold a full Ethernet frame (veth, batch 64): the kernel
// touches 8x fewer pages. Longer frames are refused in ring mode (-EMSGSIZE); use sendmmsg for them.
#define RING_FRAME_SIZE 256
#define RING_BLOCK_SIZE (1 << 16)
#define RING_BLOCK_NR 4
#define RING_DATA_OFF (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define RING_MAX_FRAME ((int)(RING_FRAME_SIZE - RING_DATA_OFF))

typedef struct rawscan_tx
{
    int fd;
    int ifindex;
    int flags;
    struct mmsghdr msgs[RAWSCAN_TX_MAX_BATCH];
    struct iovec iov[RAWSCAN_TX_MAX_BATCH];
    uint8_t *ring;
    size_t ring_len;
    unsigned ring_frames;
    unsigned ring_next;
} rawscan_tx;

static int fail(int rc, char *err, int errlen, const char *fmt, ...)
{
    if (err && errlen > 0)
    {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, (size_t)errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

RAWSCAN_EXPORT int rawscan_tx_abi_version(void) { return RAWSCAN_TX_ABI; }

RAWSCAN_EXPORT int rawscan_tx_max_batch(void) { return RAWSCAN_TX_MAX_BATCH; }

RAWSCAN_EXPORT void rawscan_tx_close(rawscan_tx *tx)
{
    if (!tx) return;
    if (tx->ring) munmap(tx->ring, tx->ring_len);
    if (tx->fd >= 0) close(tx->fd);
    free(tx);
}

static int setup_ring(rawscan_tx *tx, char *err, int errlen)
{
    int v = TPACKET_V2;
    if (setsockopt(tx->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
        return fail(-errno, err, errlen, "PACKET_VERSION TPACKET_V2: %s", strerror(errno));
    struct tpacket_req req = {
        .tp_block_size = RING_BLOCK_SIZE,
        .tp_block_nr = RING_BLOCK_NR,
        .tp_frame_size = RING_FRAME_SIZE,
        .tp_frame_nr = RING_BLOCK_SIZE / RING_FRAME_SIZE * RING_BLOCK_NR,
    };
    if (setsockopt(tx->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0)
        return fail(-errno, err, errlen, "PACKET_TX_RING: %s", strerror(errno));
    tx->ring_len = (size_t)req.tp_block_size * req.tp_block_nr;
    void *ring = mmap(NULL, tx->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, tx->fd, 0);
    if (ring == MAP_FAILED)
        return fail(-errno, err, errlen, "mmap of the TX ring: %s", strerror(errno));
    tx->ring = ring;
    tx->ring_frames = req.tp_frame_nr;
    return 0;
}

RAWSCAN_EXPORT int rawscan_tx_open(const char *ifname, int flags, rawscan_tx **out, char *err, int errlen)
{
    if (err && errlen > 0) err[0] = 0;
    if (!out) return fail(-EINVAL, err, errlen, "out is null");
    *out = NULL;
    if (!ifname) return fail(-EINVAL, err, errlen, "interface name is null");
    size_t n = strlen(ifname);
    if (n == 0 || n >= IFNAMSIZ) return fail(-EINVAL, err, errlen, "bad interface name '%s'", ifname);
    if (flags & ~(RAWSCAN_TX_QDISC_BYPASS | RAWSCAN_TX_RING))
        return fail(-EINVAL, err, errlen, "unknown flags 0x%x", flags);

    rawscan_tx *tx = calloc(1, sizeof *tx);
    if (!tx) return fail(-ENOMEM, err, errlen, "out of memory");
    tx->flags = flags;
    int rc;

    // Protocol 0: this socket only sends, so the kernel never queues received frames on it.
    tx->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (tx->fd < 0) { rc = fail(-errno, err, errlen, "AF_PACKET socket: %s", strerror(errno)); goto bad; }

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, n);
    if (ioctl(tx->fd, SIOCGIFINDEX, &ifr) < 0)
    {
        rc = fail(-errno, err, errlen, "interface %s: %s", ifname, strerror(errno));
        goto bad;
    }
    tx->ifindex = ifr.ifr_ifindex;

    if (flags & RAWSCAN_TX_QDISC_BYPASS)
    {
        int one = 1;
        if (setsockopt(tx->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
        {
            rc = fail(-errno, err, errlen, "PACKET_QDISC_BYPASS: %s", strerror(errno));
            goto bad;
        }
    }
    // A deep send buffer rides out bursts instead of returning ENOBUFS; FORCE needs CAP_NET_ADMIN,
    // which a raw socket's owner has, the plain option is the fallback (capped by wmem_max).
    int sndbuf = 4 << 20;
    if (setsockopt(tx->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
        setsockopt(tx->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

    if ((flags & RAWSCAN_TX_RING) && (rc = setup_ring(tx, err, errlen)) < 0) goto bad;

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = tx->ifindex;
    sll.sll_protocol = 0;
    if (bind(tx->fd, (struct sockaddr *)&sll, sizeof sll) < 0)
    {
        rc = fail(-errno, err, errlen, "bind to %s: %s", ifname, strerror(errno));
        goto bad;
    }

    // Each message is one frame, one iovec; send only fills in iov_base/iov_len.
    for (int i = 0; i < RAWSCAN_TX_MAX_BATCH; i++)
    {
        tx->msgs[i].msg_hdr.msg_iov = &tx->iov[i];
        tx->msgs[i].msg_hdr.msg_iovlen = 1;
    }
    *out = tx;
    return 0;

bad:
    rawscan_tx_close(tx);
    return rc;
}

// Waits for the socket to take more: the device queue or the socket's send buffer is full.
// Returns 0 to retry, or -errno when retries are used up.
static int wait_writable(rawscan_tx *tx, int err, int *retries)
{
    if (err == EINTR) return 0;
    if (err != ENOBUFS && err != EAGAIN) return -err;
    if (++*retries > RAWSCAN_TX_RETRIES) return -err;
    struct pollfd p = {.fd = tx->fd, .events = POLLOUT};
    if (poll(&p, 1, 1) <= 0) sched_yield();
    return 0;
}

static int send_mmsg(rawscan_tx *tx, const uint8_t *frames, int stride, const int32_t *lengths, int count)
{
    for (int i = 0; i < count; i++)
    {
        tx->iov[i].iov_base = (void *)(frames + (size_t)i * (size_t)stride);
        tx->iov[i].iov_len = (size_t)lengths[i];
    }
    int sent = 0, retries = 0;
    // sendmmsg may stop early (a full queue part way, a signal): go on from where it stopped.
    while (sent < count)
    {
        int r = sendmmsg(tx->fd, tx->msgs + sent, (unsigned)(count - sent), 0);
        if (r > 0) { sent += r; retries = 0; continue; }
        int e = r == 0 ? EAGAIN : errno;
        int rc = wait_writable(tx, e, &retries);
        if (rc < 0) return sent > 0 ? sent : rc;
    }
    return sent;
}

static int flush_ring(rawscan_tx *tx, int *retries)
{
    for (;;)
    {
        if (send(tx->fd, NULL, 0, 0) >= 0) return 0;
        int rc = wait_writable(tx, errno, retries);
        if (rc < 0) return rc;
    }
}

static int send_ring(rawscan_tx *tx, const uint8_t *frames, int stride, const int32_t *lengths, int count)
{
    int queued = 0, retries = 0;
    for (int i = 0; i < count; i++)
    {
        struct tpacket2_hdr *h = (void *)(tx->ring + (size_t)tx->ring_next * RING_FRAME_SIZE);
        while (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
        {
            if (h->tp_status == TP_STATUS_WRONG_FORMAT) return -EINVAL;
            // The slot is still queued or in flight: flush what we have and wait for the kernel.
            int rc = flush_ring(tx, &retries);
            if (rc < 0) return i > 0 ? i : rc;
            if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
            {
                struct pollfd p = {.fd = tx->fd, .events = POLLOUT};
                poll(&p, 1, 1);
                if (++retries > RAWSCAN_TX_RETRIES) return i > 0 ? i : -ENOBUFS;
            }
        }
        memcpy((uint8_t *)h + RING_DATA_OFF, frames + (size_t)i * (size_t)stride, (size_t)lengths[i]);
        h->tp_len = (uint32_t)lengths[i];
        __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        tx->ring_next = (tx->ring_next + 1) % tx->ring_frames;
        queued++;
    }
    int rc = flush_ring(tx, &retries);
    return rc < 0 ? rc : queued;
}

RAWSCAN_EXPORT int rawscan_tx_send(rawscan_tx *tx, const uint8_t *frames, int stride, const int32_t *lengths, int count)
{
    if (!tx) return -EBADF;
    if (count == 0) return 0;
    if (count < 0 || count > RAWSCAN_TX_MAX_BATCH) return -EINVAL;
    if (!frames || !lengths) return -EFAULT;
    if (stride < RAWSCAN_TX_MIN_FRAME || stride > RAWSCAN_TX_MAX_STRIDE) return -EINVAL;
    for (int i = 0; i < count; i++)
    {
        int len = lengths[i];
        if (len < RAWSCAN_TX_MIN_FRAME || len > stride || len > RAWSCAN_TX_MAX_FRAME) return -EMSGSIZE;
        if ((tx->flags & RAWSCAN_TX_RING) && len > RING_MAX_FRAME) return -EMSGSIZE;
    }
    return (tx->flags & RAWSCAN_TX_RING) ? send_ring(tx, frames, stride, lengths, count)
                                         : send_mmsg(tx, frames, stride, lengths, count);
}
