package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// refusalTimeout bounds the TLS handshake and the write of the 421 to a
// connection over the limits; at most maxRefusing such writes run at once,
// beyond which a connection is closed without a reply.
const (
	refusalTimeout = 10 * time.Second
	maxRefusing    = 64
)

// tooManyConnections is the reply to a connection over the limits: 421
// (RFC 5321, Section 3.8: the service is not available to this client
// now), X.7.0 as for the other limits of a client (RFC 3463, Section 3.8).
const tooManyConnections = "421 4.7.0 Too many connections, try again later\r\n"

// connLimiter bounds the connections open at once, in total and per client
// address (an IPv6 client per /64, which one host may hold whole). The
// listeners it wraps share the counts. Safe for concurrent use.
type connLimiter struct {
	max, perIP int // 0 = no limit
	logger     *slog.Logger

	mu       sync.Mutex
	total    int
	byIP     map[netip.Prefix]int
	refusing int       // 421 writes running
	refused  int       // connections refused since the last log record
	logged   time.Time // when the last log record was written
}

func newConnLimiter(max, perIP int, logger *slog.Logger) *connLimiter {
	return &connLimiter{max: max, perIP: perIP, logger: logger, byIP: map[netip.Prefix]int{}}
}

// startRefusal counts a refused connection and reports whether a 421 may be
// written to it; it logs at most one record a second (RFC 6409, Section
// 5.2: logging must not become the attack).
func (c *connLimiter) startRefusal(remote net.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused++
	if now := time.Now(); now.Sub(c.logged) >= time.Second {
		c.logger.LogAttrs(context.Background(), slog.LevelWarn, "connections refused: too many connections",
			slog.String("remote", remote.String()), slog.Int("refused", c.refused),
			slog.Int("open", c.total), slog.Int("max", c.max), slog.Int("max_per_ip", c.perIP))
		c.logged, c.refused = now, 0
	}
	if c.refusing >= maxRefusing {
		return false
	}
	c.refusing++
	return true
}

func (c *connLimiter) endRefusal() {
	c.mu.Lock()
	c.refusing--
	c.mu.Unlock()
}

// clientKey is the address a connection counts under.
func clientKey(a net.Addr) netip.Prefix {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Prefix{}
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p
	}
	return netip.PrefixFrom(ip, 32)
}

// acquire counts a connection from key, or reports false when it would go
// over a limit.
func (c *connLimiter) acquire(key netip.Prefix) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max > 0 && c.total >= c.max || c.perIP > 0 && c.byIP[key] >= c.perIP {
		return false
	}
	c.total++
	c.byIP[key]++
	return true
}

func (c *connLimiter) release(key netip.Prefix) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.byIP[key]--; c.byIP[key] <= 0 {
		delete(c.byIP, key)
	}
}

// wrap returns l with the limits applied. For an implicit TLS listener
// pass its config: a refused client then gets its 421 over TLS, l being
// the TCP listener below.
func (c *connLimiter) wrap(l net.Listener, implicitTLS *tls.Config) net.Listener {
	return &limitListener{Listener: l, c: c, tls: implicitTLS}
}

type limitListener struct {
	net.Listener
	c   *connLimiter
	tls *tls.Config
}

// Accept returns the next connection within the limits; one over them gets
// 421 4.7.0 and is closed, on a goroutine of its own.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientKey(conn.RemoteAddr())
		if l.c.acquire(key) {
			var lc net.Conn = &limitConn{Conn: conn, release: sync.OnceFunc(func() { l.c.release(key) })}
			if l.tls != nil {
				lc = tls.Server(lc, l.tls)
			}
			return lc, nil
		}
		if !l.c.startRefusal(conn.RemoteAddr()) {
			_ = conn.Close()
			continue
		}
		go l.refuse(conn)
	}
}

// refuse tells a client over the limits and closes its connection.
func (l *limitListener) refuse(conn net.Conn) {
	defer l.c.endRefusal()
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(refusalTimeout))
	if l.tls != nil {
		conn = tls.Server(conn, l.tls)
	}
	_, _ = conn.Write([]byte(tooManyConnections))
}

// limitConn gives its count back when closed.
type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	c.release()
	return c.Conn.Close()
}
