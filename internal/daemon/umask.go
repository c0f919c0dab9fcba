package daemon

import "syscall"

// umask sets the process umask and returns the old one; the socket must
// never exist, even for an instant, with wider permissions.
func umask(m int) int { return syscall.Umask(m) }
