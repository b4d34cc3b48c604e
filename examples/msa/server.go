package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/submission"
)

// shutdownGrace is how long a shutdown waits for transactions in flight.
const shutdownGrace = 30 * time.Second

// run is the whole program: parse args, start the MSA, print the banner to
// stdout, serve until ctx is done, shut down gracefully. Logs go to stderr.
// "dkim-keygen" as the first argument runs that command instead.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == keygenCommand {
		return keygen(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.relayUser != "" && o.relayPasswordFile == "" {
		o.relayPassword = os.Getenv(relayPasswordEnv) // not a flag: it would show in ps
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if o.logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	m, err := newMSA(o, slog.New(h), time.Now, rand.Reader)
	if err != nil {
		return err
	}
	if err := m.start(); err != nil {
		return err
	}
	m.banner(stdout)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return m.shutdown(sctx)
}

// msa is one running server: the msakit agent, the go-smtp servers that
// share its adapter backend, and the spool or relay.
type msa struct {
	opts    *options
	logger  *slog.Logger
	agent   *submission.Agent
	backend *gosmtp.Backend
	tls     *tls.Config
	cert    tls.Certificate
	selfSig bool

	demoUser     string // set when no -user was given
	demoPassword string
	demoAddress  string

	redis *redis.Client // the limits' Redis client, nil without -redis

	servers   []*smtp.Server
	listeners []net.Listener
	addr      string // STARTTLS listener's address, "" when off
	tlsAddr   string // implicit TLS listener's address, "" when off
	wg        sync.WaitGroup
}

// newMSA builds everything but opens no socket.
func newMSA(o *options, logger *slog.Logger, now func() time.Time, random io.Reader) (_ *msa, err error) {
	m := &msa{opts: o, logger: logger}
	defer func() {
		if err != nil && m.redis != nil {
			_ = m.redis.Close()
		}
	}()
	hostname, err := envelope.ParseDomain(o.hostname)
	if err != nil {
		return nil, fmt.Errorf("-hostname %q: %w", o.hostname, err)
	}
	domain, err := envelope.ParseDomain(o.domain)
	if err != nil {
		return nil, fmt.Errorf("-domain %q: %w", o.domain, err)
	}

	users := auth.NewUsers()
	senders := auth.NewSenders("+")
	specs := o.users
	if len(specs) == 0 {
		pw, err := randomPassword(random)
		if err != nil {
			return nil, err
		}
		specs = []userSpec{{name: "demo", password: pw}}
		m.demoUser, m.demoPassword = "demo", pw
	}
	for _, u := range specs {
		addrs := u.addresses
		if len(addrs) == 0 {
			addrs = []string{u.name + "@" + domain.ASCII()}
		}
		// The user's own address: the first full address, else NAME@DOMAIN.
		own := u.name + "@" + domain.ASCII()
		for _, a := range addrs {
			if !strings.HasPrefix(a, "@") {
				own = a
				break
			}
		}
		mb, err := envelope.ParseMailbox(own)
		if err != nil {
			return nil, fmt.Errorf("-user %s: address %q: %w", u.name, own, err)
		}
		if err := users.Add(u.name, u.password, mb); err != nil {
			return nil, fmt.Errorf("-user %s: %w", u.name, err)
		}
		if err := senders.Allow(u.name, addrs...); err != nil {
			return nil, fmt.Errorf("-user %s: %w", u.name, err)
		}
		if m.demoUser == u.name {
			m.demoAddress = mb.String()
		}
	}

	cfg := submission.Config{
		Hostname:      hostname,
		LocalDomains:  []envelope.Domain{domain}, // -domain may be a private one ("example.lan")
		Authenticator: users,
		Senders:       senders,
		Trusted:       o.trusted,
		MaxSize:       o.maxSize,
		MaxRecipients: o.maxRecipients,
		Chunking:      true, // go-smtp implements BDAT and always offers CHUNKING
		Logger:        logger,
		Now:           now,
		Random:        random,
	}
	if o.expandSingleLevel {
		cfg.Expand = domain
	}
	if cfg.Limits, m.redis, err = o.limits.limitStore(logger); err != nil {
		return nil, err
	}
	if sg, err := o.dkim.signer(logger); err != nil {
		return nil, err
	} else if sg != nil {
		cfg.Signer = sg
	}

	var d gosmtp.Deliverer
	sp, err := newSpool(o.spool, now, random, logger)
	if err != nil {
		return nil, err
	}
	d = sp
	if o.relay != "" {
		if d, err = newRelay(o, hostname.ASCII(), logger); err != nil {
			return nil, err
		}
	}
	// "submission accepted" is logged once the spool or the upstream has
	// the message, not when msakit has read it.
	accepted := newAcceptLog(d, logger)
	cfg.Trace = accepted
	m.agent, err = submission.New(cfg)
	if err != nil {
		return nil, err
	}
	m.backend = gosmtp.NewBackend(m.agent, accepted, logger)

	if o.tlsCert != "" {
		m.cert, err = tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("loading -tls-cert/-tls-key: %w", err)
		}
	} else {
		m.cert, err = selfSigned(hostname.ASCII(), now(), random)
		if err != nil {
			return nil, err
		}
		m.selfSig = true
	}
	m.tls = &tls.Config{Certificates: []tls.Certificate{m.cert}, MinVersion: tls.VersionTLS12}
	return m, nil
}

// randomPassword returns 26 characters of base32 (A-Z, 2-7): 128 bits, safe
// to paste into a shell command line.
func randomPassword(random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("generating the demo password: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
}

func (m *msa) newServer() *smtp.Server {
	s := smtp.NewServer(m.backend)
	m.backend.Configure(s)
	s.Domain = m.opts.hostname
	return s
}

// listener serves l through the adapter's guard, which runs STARTTLS and
// enforces the timeouts (RFC 5321, Section 4.5.3.2).
func (m *msa) listener(l net.Listener, starttls *tls.Config) net.Listener {
	return m.backend.Listener(l, gosmtp.ListenOptions{
		STARTTLS:       starttls,
		CommandTimeout: m.opts.commandTimeout,
		DataTimeout:    m.opts.dataTimeout,
	})
}

// start opens the listeners and serves in the background.
func (m *msa) start() error {
	if m.opts.listen != "" {
		l, err := net.Listen("tcp", m.opts.listen)
		if err != nil {
			return fmt.Errorf("-listen: %w", err)
		}
		m.addr = l.Addr().String()
		m.serve(m.newServer(), m.listener(l, m.tls))
	}
	if m.opts.listenTLS != "" {
		l, err := tls.Listen("tcp", m.opts.listenTLS, m.tls)
		if err != nil {
			m.closeAll()
			return fmt.Errorf("-listen-tls: %w", err)
		}
		m.tlsAddr = l.Addr().String()
		m.serve(m.newServer(), m.listener(l, nil))
	}
	m.logger.LogAttrs(context.Background(), slog.LevelInfo, "listening",
		slog.String("starttls", m.addr), slog.String("implicit_tls", m.tlsAddr), slog.String("hostname", m.opts.hostname))
	return nil
}

func (m *msa) serve(s *smtp.Server, l net.Listener) {
	m.servers = append(m.servers, s)
	m.listeners = append(m.listeners, l)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := s.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
			m.logger.LogAttrs(context.Background(), slog.LevelError, "serve", slog.Any("err", err))
		}
	}()
}

func (m *msa) closeAll() {
	for _, l := range m.listeners {
		_ = l.Close() // see shutdown
	}
	for _, s := range m.servers {
		_ = s.Close()
	}
	m.wg.Wait()
}

// shutdown stops the listeners, closes idle connections, and waits until
// the transactions in flight have ended or ctx is done; then it closes
// what is left.
func (m *msa) shutdown(ctx context.Context) error {
	m.logger.LogAttrs(ctx, slog.LevelInfo, "shutting down")
	// Close the listeners ourselves: go-smtp's Serve registers its listener
	// from its own goroutine, so a Shutdown that comes first would miss it
	// and Serve would block in Accept for ever.
	for _, l := range m.listeners {
		_ = l.Close()
	}
	m.backend.Drain()
	var wg sync.WaitGroup
	errs := make([]error, len(m.servers))
	for i, s := range m.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Shutdown(ctx)
			if errors.Is(errs[i], net.ErrClosed) {
				errs[i] = nil // we closed the listener first
			}
		}()
	}
	wg.Wait()
	err := errors.Join(errs...)
	if err != nil {
		m.logger.LogAttrs(context.Background(), slog.LevelWarn, "shutdown grace period over, closing connections", slog.Any("err", err))
		for _, s := range m.servers {
			_ = s.Close()
		}
	}
	m.wg.Wait()
	if m.redis != nil {
		_ = m.redis.Close() // the sessions that used it have ended
	}
	m.logger.LogAttrs(context.Background(), slog.LevelInfo, "stopped")
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// banner prints how to use the running server.
func (m *msa) banner(w io.Writer) {
	fmt.Fprintf(w, "msakit example MSA %s\n", m.opts.hostname)
	if m.addr != "" {
		fmt.Fprintf(w, "  submission (STARTTLS): %s\n", m.addr)
	}
	if m.tlsAddr != "" {
		fmt.Fprintf(w, "  submission (implicit TLS): %s\n", m.tlsAddr)
	}
	if m.opts.relay != "" {
		fmt.Fprintf(w, "  relaying accepted messages to %s\n", m.opts.relay)
	} else {
		fmt.Fprintf(w, "  spool: %s\n", m.opts.spool)
	}
	if m.selfSig {
		fmt.Fprintf(w, "  self-signed certificate, SHA-256 %s\n", fingerprint(m.cert))
	}
	fmt.Fprintf(w, "  %s\n", m.opts.limits)
	defer fmt.Fprintf(w, "ready; stop with Ctrl-C (SIGINT) or SIGTERM\n")
	if m.demoUser == "" {
		return
	}
	fmt.Fprintf(w, "  demo user: %s  password: %s  address: %s\n", m.demoUser, m.demoPassword, m.demoAddress)
	server, tlsFlag := m.addr, "--tls"
	if server == "" {
		server, tlsFlag = m.tlsAddr, "--tls-on-connect"
	}
	fmt.Fprintf(w, "send a test message:\n")
	fmt.Fprintf(w, "  swaks --server %s %s --auth PLAIN --auth-user %s --auth-password %s --from %s --to %s\n",
		server, tlsFlag, m.demoUser, m.demoPassword, m.demoAddress, m.demoAddress)
}
