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

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/milter"
	"github.com/msakit/msakit/submission"
)

// shutdownGrace is how long a shutdown waits for the MTA's connections.
const shutdownGrace = 30 * time.Second

// run is the whole program: parse args, start the milter, print where it
// listens to stdout, serve until ctx is done, shut down. Logs go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if o.logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(h)
	srv, err := newServer(o, logger, time.Now, rand.Reader)
	if err != nil {
		return err
	}
	ln, err := listen(o.network, o.address)
	if err != nil {
		return err
	}
	where := "inet:" + ln.Addr().String()
	if o.network == "unix" {
		where = "unix:" + o.address
	}
	fmt.Fprintf(stdout, "msakit-milter: listening on %s (Postfix: smtpd_milters = %s)\n", where, where)
	logger.LogAttrs(ctx, slog.LevelInfo, "listening", slog.String("addr", where), slog.String("hostname", o.hostname))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
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
func listen(network, address string) (net.Listener, error) {
	if network == "unix" {
		if fi, err := os.Lstat(address); err == nil && fi.Mode()&fs.ModeSocket != 0 {
			_ = os.Remove(address)
		}
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("-listen: %w", err)
	}
	return ln, nil
}

// newServer builds msakit's agent and the milter server from the options;
// it opens nothing.
func newServer(o *options, logger *slog.Logger, now func() time.Time, random io.Reader) (*milter.Server, error) {
	hostname, err := envelope.ParseDomain(o.hostname)
	if err != nil {
		return nil, fmt.Errorf("-hostname %q: %w", o.hostname, err)
	}
	domain, err := envelope.ParseDomain(o.domain)
	if err != nil {
		return nil, fmt.Errorf("-domain %q: %w", o.domain, err)
	}
	dir := &directory{domain: domain, own: map[string]envelope.Mailbox{}}
	senders := auth.NewSenders("+")
	for _, u := range o.users {
		key, err := auth.NormalizeUsername(u.name)
		if err != nil {
			return nil, fmt.Errorf("-user %s: %w", u.name, err)
		}
		own, ok := dir.defaultAddress(u.name)
		for _, a := range u.addresses {
			if m, err := envelope.ParseMailbox(a); err == nil {
				own, ok = m, true
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("-user %s: no address: give one after the name", u.name)
		}
		dir.own[key] = own
		if len(u.addresses) > 0 {
			if err := senders.Allow(u.name, u.addresses...); err != nil {
				return nil, fmt.Errorf("-user %s: %w", u.name, err)
			}
		}
	}
	cfg := submission.Config{
		Hostname:      hostname,
		Senders:       senders,
		Trusted:       o.trusted,
		MaxSize:       o.maxSize,
		MaxRecipients: o.maxRecipients,
		Logger:        logger,
		Now:           now,
		Random:        random,
	}
	if o.expandSingleLevel {
		cfg.Expand = domain
	}
	if len(o.dkim) > 0 {
		if cfg.Signer, err = newSigner(o.dkim); err != nil {
			return nil, err
		}
	}
	return milter.New(milter.Config{Submission: cfg, Identify: dir.identify, Daemons: o.daemons, Logger: logger})
}

// directory knows each login's own address: the -user flags, else the
// login itself when it is an address, else login@domain.
type directory struct {
	domain envelope.Domain
	own    map[string]envelope.Mailbox // by auth.NormalizeUsername
}

// identify is milter.Config.Identify: it sets the identity's Address
// (RFC 6409, Section 6.1).
func (d *directory) identify(_ context.Context, id auth.Identity) (auth.Identity, error) {
	if key, err := auth.NormalizeUsername(id.User()); err == nil {
		if m, ok := d.own[key]; ok {
			id.Address = m
			return id, nil
		}
	}
	if m, ok := d.defaultAddress(id.User()); ok {
		id.Address = m
	}
	return id, nil
}

// defaultAddress is name when it is an address, else name@domain.
func (d *directory) defaultAddress(name string) (envelope.Mailbox, bool) {
	if m, err := envelope.ParseMailbox(name); err == nil {
		return m, true
	}
	m, err := envelope.NewMailbox(name, d.domain)
	return m, err == nil
}

// newSigner is examples/dkim with the -dkim keys. Besides RFC 6376, Section
// 5.4.1's fields it signs Message-ID and Sender, both of which msakit may
// add.
func newSigner(specs []dkimSpec) (*dkim.Signer, error) {
	var keys []dkim.Key
	for _, k := range specs {
		d, err := envelope.ParseDomain(k.domain)
		if err != nil {
			return nil, fmt.Errorf("-dkim %s: %w", k.domain, err)
		}
		pem, err := os.ReadFile(k.keyFile)
		if err != nil {
			return nil, fmt.Errorf("-dkim %s: %w", k.domain, err)
		}
		key, err := dkim.ParsePrivateKey(pem)
		if err != nil {
			return nil, fmt.Errorf("-dkim %s: %s: %w", k.domain, k.keyFile, err)
		}
		keys = append(keys, dkim.Key{Domain: d, Selector: k.selector, Signer: key})
	}
	return dkim.New(dkim.Config{Keys: keys, Fields: []string{"Message-ID", "Sender"}})
}
