package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address from and returns
// the first reply line.
func dialFrom(t *testing.T, from, addr string, implicitTLS bool) (net.Conn, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if implicitTLS {
		c = tls.Client(c, &tls.Config{InsecureSkipVerify: true})
	}
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the greeting from %s: %v", from, err)
	}
	return c, line
}

// wantRefused checks a 421 4.7.0 and that the server closed the
// connection after it.
func wantRefused(t *testing.T, c net.Conn, line, what string) {
	t.Helper()
	if !strings.HasPrefix(line, "421 4.7.0 ") {
		t.Fatalf("%s: %q, want 421 4.7.0", what, line)
	}
	if rest, err := io.ReadAll(c); len(rest) != 0 || err != nil && !strings.Contains(err.Error(), "reset") {
		t.Errorf("%s: after the 421 read %q, %v; want the connection closed", what, rest, err)
	}
}

// Connections over max-connections-per-ip or max-connections get 421
// 4.7.0 and are closed; the limits count both listeners together and give
// a connection's place back when it ends.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	m, _ := startMSA(t, "-listen-tls", "127.0.0.1:0", "-max-connections", "3", "-max-connections-per-ip", "2")
	a1, g := dialFrom(t, "127.0.0.1", m.addr, false)
	if !strings.HasPrefix(g, "220 ") {
		t.Fatalf("first connection: %q", g)
	}
	if _, g := dialFrom(t, "127.0.0.1", m.tlsAddr, true); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("second connection, implicit TLS: %q", g)
	}
	c, g := dialFrom(t, "127.0.0.1", m.addr, false)
	wantRefused(t, c, g, "third connection from 127.0.0.1")
	c, g = dialFrom(t, "127.0.0.1", m.tlsAddr, true)
	wantRefused(t, c, g, "third connection from 127.0.0.1, implicit TLS")
	if _, g := dialFrom(t, "127.0.0.2", m.addr, false); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("a connection from 127.0.0.2: %q", g)
	}
	c, g = dialFrom(t, "127.0.0.3", m.addr, false)
	wantRefused(t, c, g, "fourth connection in all")

	a1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, g := dialFrom(t, "127.0.0.1", m.addr, false)
		if strings.HasPrefix(g, "220 ") {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a closed connection's place is not given back: %q", g)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConnectionLimitDefaults(t *testing.T) {
	t.Parallel()
	l, err := configure(nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.MaxConnections != 1000 || l.MaxConnectionsPerIP != 50 || l.MaxErrors != 20 {
		t.Errorf("max-connections %d, max-connections-per-ip %d, max-errors %d; want 1000, 50, 20", l.MaxConnections, l.MaxConnectionsPerIP, l.MaxErrors)
	}
}

// -max-errors reaches the guard: the third command after two refusals
// gets 421 4.7.0 (examples/gosmtp counts; 0 turns it off).
func TestMaxErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max  string
		want string
	}{{"2", "421 4.7.0"}, {"0", "250 2.0.0"}} {
		m, _ := startMSA(t, "-trusted", "127.0.0.0/8", "-max-errors", tc.max)
		_, tp := rawSession(t, m.addr)
		for range 2 {
			if err := tp.PrintfLine("MAIL FROM:<alice@example.con>"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := tp.ReadResponse(554); err != nil {
				t.Fatal(err)
			}
		}
		if err := tp.PrintfLine("NOOP"); err != nil {
			t.Fatal(err)
		}
		if line, err := tp.ReadLine(); err != nil || !strings.HasPrefix(line, tc.want+" ") {
			t.Errorf("-max-errors %s: NOOP after two refusals: %q, %v; want %s", tc.max, line, err, tc.want)
		}
	}
}

// TestConnectionLimitKey: max-connections-per-ip counts an IPv4 client by
// its address and an IPv6 client by its /64, which one host may hold
// whole; an IPv4-mapped IPv6 address is the IPv4 client.
func TestConnectionLimitKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.1:1025":               "192.0.2.1/32",
		"[::ffff:192.0.2.1]:1025":      "192.0.2.1/32",
		"[2001:db8::1]:1025":           "2001:db8::/64",
		"[2001:db8::ffff:0:7]:40000":   "2001:db8::/64",
		"[2001:db8:0:1:2:3:4:5]:40000": "2001:db8:0:1::/64",
	} {
		if got := clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort(in))); got.String() != want {
			t.Errorf("clientKey(%s) = %v, want %s", in, got, want)
		}
	}
	c := newConnLimiter(0, 1, slog.New(slog.DiscardHandler))
	first := clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[2001:db8::1]:1025")))
	same := clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[2001:db8::2]:1025")))
	other := clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort("[2001:db8:0:1::1]:1025")))
	if !c.acquire(first) || c.acquire(same) || !c.acquire(other) {
		t.Errorf("with 1 connection per client: a second address of one /64 is let in, or another /64 is not")
	}
	c.release(first)
	if !c.acquire(same) {
		t.Errorf("after the /64's connection closed, its next one is refused")
	}
}
