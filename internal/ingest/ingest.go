// Package ingest receives flow datagrams: UDP listeners for NetFlow/IPFIX
// and sFlow, each with several SO_REUSEPORT sockets read in batches
// (recvmmsg), one reader and decoder per socket, per-exporter counters and
// kernel drop counts exposed as Prometheus metrics, templates saved
// across restarts, and Replay, which re-sends a capture's datagrams to a
// collector.
//
// Design notes:
//
//   - Templates are per exporter, and each socket has its own decoder, so
//     one exporter's datagrams must always reach the same socket. Linux's
//     own reuseport choice hashes the 4-tuple: stable while the group is
//     unchanged, but an exporter sending from several source ports
//     (several line cards or processes, or after a restart) would be
//     spread over sockets. A classic BPF program attached with
//     SO_ATTACH_REUSEPORT_CBPF therefore picks the socket from the source
//     address alone (ListenerStatus.BySource says whether it is attached;
//     without it the kernel hash applies).
//   - Batched reads use golang.org/x/net's ReadBatch, which is recvmmsg on
//     Linux and stays in the runtime poller, so closing the socket ends a
//     blocked read. It allocates the source address per datagram, which
//     is small next to decoding 20-30 flows.
//   - Kernel drops are read per socket with getsockopt(SO_MEMINFO)
//     (SK_MEMINFO_DROPS), not parsed from /proc/net/udp.
//   - Receive buffers are forced with SO_RCVBUFFORCE when seawall has
//     CAP_NET_ADMIN, else set with SO_RCVBUF (capped by
//     net.core.rmem_max); host sysctls are never changed.
package ingest
