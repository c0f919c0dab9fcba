package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// group is the SO_REUSEPORT sockets of one listen address.
type group struct {
	conns []*net.UDPConn
	// readBuffer is the receive buffer the kernel reports (SO_RCVBUF,
	// which counts bookkeeping overhead and so is twice what was asked).
	readBuffer int
	// forced says SO_RCVBUFFORCE worked (CAP_NET_ADMIN): the size is not
	// capped by net.core.rmem_max.
	forced bool
	// bySource says the classic BPF program that picks the socket by the
	// datagram's source address is attached; without it the kernel
	// picks by a hash of the 4-tuple.
	bySource bool
}

// openGroup binds n sockets with SO_REUSEPORT to addr. A listen address
// another process already holds is refused before joining: a second
// process in the same reuseport group would silently take a share of
// the datagrams.
func openGroup(ctx context.Context, addr netip.AddrPort, n, readBuffer int) (*group, error) {
	network := "udp4"
	if addr.Addr().Is6() {
		network = "udp" // [::] is dual-stack; an IPv6 address binds IPv6 only
	}
	if addr.Port() != 0 {
		probe, err := net.ListenPacket(network, addr.String())
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w (another collector on this port?)", addr, err)
		}
		probe.Close()
	}
	g := &group{}
	var sockErr error
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		return errors.Join(c.Control(func(fd uintptr) {
			if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				sockErr = fmt.Errorf("SO_REUSEPORT: %w", err)
				return
			}
			if readBuffer <= 0 {
				return
			}
			// SO_RCVBUFFORCE ignores net.core.rmem_max but needs
			// CAP_NET_ADMIN; without it SO_RCVBUF is capped at rmem_max.
			// Host sysctls are the operator's, never changed here.
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, readBuffer) == nil {
				g.forced = true
			} else if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, readBuffer); err != nil {
				sockErr = fmt.Errorf("SO_RCVBUF: %w", err)
			}
		}), sockErr)
	}}
	for i := range n {
		pc, err := lc.ListenPacket(ctx, network, addr.String())
		if err != nil {
			g.close()
			return nil, fmt.Errorf("listen %s (socket %d of %d): %w", addr, i+1, n, err)
		}
		c := pc.(*net.UDPConn)
		g.conns = append(g.conns, c)
		if i == 0 {
			// With port 0 the kernel chose one: the others join it.
			addr = netip.AddrPortFrom(addr.Addr(), c.LocalAddr().(*net.UDPAddr).AddrPort().Port())
		}
	}
	if rc, err := g.conns[0].SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			g.readBuffer, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
			if n > 1 {
				g.bySource = attachBySource(int(fd), n) == nil
			}
		})
	}
	return g, nil
}

func (g *group) close() {
	for _, c := range g.conns {
		c.Close()
	}
}

// skfNetOff is SKF_NET_OFF: classic BPF loads at this offset read the
// network header instead of the (UDP payload) data.
const skfNetOff = 0xfff00000 // -0x100000

// bySourceProgram picks the socket of a reuseport group of n by the
// datagram's source address: a hash of the IPv4 address, or of the four
// words of the IPv6 one, modulo n. The kernel's own choice hashes the
// 4-tuple, so an exporter sending from several source ports (line cards,
// a restarted process) would spread over sockets, and a reader would get
// data whose template another reader learned; keyed by address alone,
// each exporter always reaches the same reader and decoder.
func bySourceProgram(n int) ([]bpf.RawInstruction, error) {
	return bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: skfNetOff, Size: 1},          // 0: version/IHL
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4}, // 1
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 2},
		bpf.LoadAbsolute{Off: skfNetOff + 12, Size: 4}, // 3: IPv4 source
		bpf.Jump{Skip: 10},
		bpf.LoadAbsolute{Off: skfNetOff + 8, Size: 4}, // 5: IPv6 source, word 1
		bpf.TAX{},
		bpf.LoadAbsolute{Off: skfNetOff + 12, Size: 4},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.TAX{},
		bpf.LoadAbsolute{Off: skfNetOff + 16, Size: 4},
		bpf.ALUOpX{Op: bpf.ALUOpXor},
		bpf.TAX{},
		bpf.LoadAbsolute{Off: skfNetOff + 20, Size: 4},
		bpf.ALUOpX{Op: bpf.ALUOpXor}, // 14
		// 15: mix, so that consecutive addresses spread evenly.
		bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: 0x9e3779b1},
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 16},
		bpf.ALUOpConstant{Op: bpf.ALUOpMod, Val: uint32(n)},
		bpf.RetA{},
	})
}

// sourceIndex is bySourceProgram in Go, for tests.
func sourceIndex(a netip.Addr, n int) int {
	b := a.AsSlice()
	var h uint32
	if len(b) == 4 {
		h = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	} else {
		for i := 0; i < 16; i += 4 {
			h ^= uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		}
	}
	return int((h * 0x9e3779b1 >> 16) % uint32(n))
}

func attachBySource(fd, n int) error {
	raw, err := bySourceProgram(n)
	if err != nil {
		return err
	}
	f := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		f[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// kernelDrops reads the datagrams the kernel dropped on c because its
// receive buffer was full (SO_MEMINFO, SK_MEMINFO_DROPS): per socket,
// with no /proc parsing.
func kernelDrops(c *net.UDPConn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var mem [unix.SK_MEMINFO_VARS]uint32
	var serr error
	err = rc.Control(func(fd uintptr) {
		l := uint32(unsafe.Sizeof(mem))
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&mem[0])), uintptr(unsafe.Pointer(&l)), 0)
		if e != 0 {
			serr = e
		}
	})
	if err = errors.Join(err, serr); err != nil {
		return 0, fmt.Errorf("SO_MEMINFO: %w", err)
	}
	return uint64(mem[unix.SK_MEMINFO_DROPS]), nil
}
