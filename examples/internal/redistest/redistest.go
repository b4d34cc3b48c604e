// Package redistest starts private redis-server instances for tests: each on
// a free loopback port, with no persistence and its working directory and
// log in the test's temporary directory, stopped when the test ends.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/realclient"
)

// startTimeout bounds the wait for a new server to answer PING.
const startTimeout = 10 * time.Second

// Server is one redis-server process.
type Server struct {
	// Addr is the server's loopback address, "127.0.0.1:PORT".
	Addr string

	t    testing.TB
	bin  string
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a redis-server for t and stops it in t.Cleanup. Without
// redis-server on the PATH it skips t, unless MSAKIT_REAL_CLIENTS=1 (CI),
// where it fails t.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := realclient.Need(t, "redis-server", "redis-server")
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	// A port picked free may be taken before redis binds it: try again.
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if err = s.run(port); err == nil {
			return s
		}
		t.Logf("redis-server on port %d: %v", port, err)
	}
	t.Fatalf("redis-server did not start:\n%s", s.output())
	return nil
}

// Kill stops the server at once (SIGKILL), as a crash would, and waits
// for the process to end. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the server again on the same address, with no data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	_, p, _ := net.SplitHostPort(s.Addr)
	port, _ := strconv.Atoi(p)
	deadline := time.Now().Add(startTimeout)
	for {
		err := s.run(port)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("restarting redis-server on %s: %v\n%s", s.Addr, err, s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// run starts redis-server on port and waits until it answers PING.
func (s *Server) run(port int) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done, s.Addr = cmd, done, addr
	s.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("redis-server exited at start")
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("no answer to PING within %v", startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// output is the server's log, for failure messages.
func (s *Server) output() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(b)
}

// ping sends PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
