package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/msakit/msakit/examples/internal/msaconfig"
	"github.com/msakit/msakit/examples/milter"
)

// program is msakit-milter for the shared settings
// (examples/internal/msaconfig): it sits behind an MTA.
var program = &msaconfig.Program{
	Name:  "msakit-milter",
	Role:  msaconfig.RoleMilter,
	Usage: "Usage: msakit-milter [-config FILE] [flags]   msakit's RFC 6409 policy as a Postfix or Sendmail milter\n\n",
}

// shutdownGrace is how long a shutdown waits for the MTA's connections.
const shutdownGrace = 30 * time.Second

// run is the whole program: parse args, start the milter, print where it
// listens to stdout, serve until ctx is done (reloading the users on
// SIGHUP), shut down. Logs go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	l, err := msaconfig.Configure(program, args, stdout, stderr)
	if l == nil || err != nil {
		return err // or -version, done
	}
	logger := msaconfig.NewLogger(l.Settings, stderr)
	l.LogStart(logger)
	users := msaconfig.NewUsers(l.Dir)
	srv, closer, err := newServer(l, users, logger, time.Now, rand.Reader)
	if err != nil {
		return err
	}
	if closer != nil {
		defer closer.Close() // after the shutdown: the sessions used it
	}
	addr := l.Milter.Listen
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	where := "inet:" + ln.Addr().String()
	if addr.Network() == "unix" {
		where = "unix:" + addr.Address()
	}
	fmt.Fprintf(stdout, "msakit-milter: listening on %s (Postfix: smtpd_milters = %s)\n", where, where)
	if name := l.FileName(); name != "" {
		fmt.Fprintf(stdout, "msakit-milter: config %s (SIGHUP reloads the users)\n", name)
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "listening", slog.String("addr", where), slog.String("hostname", l.Host.ASCII()))

	serving, stopped := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ln)
		stopped()
	}()
	msaconfig.WaitSignals(serving, func(ctx context.Context) {
		_ = l.Reload(ctx, users, logger, nil) // logged; the users in force stay
	})
	stopped()
	select {
	case err := <-served: // Serve failed
		return err
	default:
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	_ = ln.Close() // in case Serve had not registered it yet
	return errors.Join(err, <-served)
}

// listen opens the listener. A unix socket left behind by an earlier run
// is removed first; Close removes the new one.
func listen(a msaconfig.MilterAddress) (net.Listener, error) {
	if a.Network() == "unix" {
		if fi, err := os.Lstat(a.Address()); err == nil && fi.Mode()&fs.ModeSocket != 0 {
			_ = os.Remove(a.Address())
		}
	}
	ln, err := net.Listen(a.Network(), a.Address())
	if err != nil {
		return nil, fmt.Errorf("listening for the MTA: %w", err)
	}
	return ln, nil
}

// newServer builds msakit's agent from the settings and the milter server
// around it; it opens nothing but the Redis client of the limits, returned
// for closing (nil without redis).
func newServer(l *msaconfig.Loaded, users *msaconfig.Users, logger *slog.Logger, now func() time.Time, random io.Reader) (*milter.Server, io.Closer, error) {
	cfg, closer, err := l.AgentConfig(users, logger, now, random)
	if err != nil {
		return nil, nil, err
	}
	srv, err := milter.New(milter.Config{Submission: cfg, Identify: users.Identify, Daemons: l.Milter.Daemons(), Logger: logger})
	if err != nil {
		if closer != nil {
			_ = closer.Close()
		}
		return nil, nil, err
	}
	return srv, closer, nil
}
