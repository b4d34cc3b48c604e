package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/msakit/msakit/examples/internal/postfix"
)

// msaServer is examples/msa, built once into dir and started there.
type msaServer struct {
	cmd  *exec.Cmd
	host string
}

// buildMSA builds examples/msa into dir and returns the program's path.
func buildMSA(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "msa")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/msakit/msakit/examples/msa")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build examples/msa: %w\n%s", err, out)
	}
	return bin, nil
}

// startMSA starts the program bin (buildMSA) on a free loopback port with
// its spool in dir; trusted lets loopback submit without AUTH.
func startMSA(ctx context.Context, bin, dir string, trusted bool, extra []string) (*msaServer, error) {
	addr, err := postfix.FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"-listen", addr,
		"-hostname", "msa.example.org",
		"-domain", "example.org",
		"-spool", filepath.Join(dir, "spool"),
		"-user", benchUser + ":" + benchPassword + ":" + benchFrom,
		// Every session comes from loopback: msa's per-address connection
		// limit would refuse the 64 sessions of a run with 421 (Postfix's
		// smtpd_client_connection_count_limit is off too).
		"-max-connections", "0",
		"-max-connections-per-ip", "0",
	}
	if trusted {
		args = append(args, "-trusted", "127.0.0.0/8")
	}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	log, err := os.Create(filepath.Join(dir, "msa.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &msaServer{cmd: cmd, host: addr}
	if err := postfix.WaitListening(ctx, addr); err != nil {
		s.stop()
		out, _ := os.ReadFile(filepath.Join(dir, "msa.log"))
		return nil, fmt.Errorf("examples/msa did not start: %w\n%s", err, out)
	}
	return s, nil
}

func (s *msaServer) addr() string { return s.host }
func (s *msaServer) pid() int     { return s.cmd.Process.Pid }

// stop sends SIGTERM, as an operator would, and kills after 10 s.
func (s *msaServer) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.Join(errors.New("examples/msa ignored SIGTERM for 10 s"), <-done)
	}
}
