package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/redis/go-redis/v9"

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
	cl, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stderr)
		return err
	}
	if err != nil {
		return err
	}
	if cl.version {
		fmt.Fprintln(stdout, version())
		return nil
	}
	l, err := cl.load()
	if err != nil {
		return err
	}
	if l.RelayUser != "" && l.RelayPasswordFile == "" {
		l.relayPassword = os.Getenv(relayPasswordEnv) // not a flag nor a key: it would show in ps or in the file
	}
	m, err := newMSA(l, newLogger(l.config, stderr), time.Now, rand.Reader)
	if err != nil {
		return err
	}
	if err := m.start(); err != nil {
		return err
	}
	m.banner(stdout)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case <-hup:
			_ = m.reload(ctx) // logged; the configuration in force stays
		case <-ctx.Done():
			done = true
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return m.shutdown(sctx)
}

// newLogger logs text, or JSON with log-json, at log-level and above.
func newLogger(c *config, w io.Writer) *slog.Logger {
	o := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// msa is one running server: the msakit agent, the go-smtp servers that
// share its adapter backend, and the spool or relay.
type msa struct {
	cfg      *loaded
	logger   *slog.Logger
	hostname envelope.Domain
	users    *users
	agent    *submission.Agent
	backend  *gosmtp.Backend
	tls      *tls.Config
	cert     tls.Certificate
	selfSig  bool
	certFile string // the self-signed certificate's file, "" if not kept

	metrics     *metrics     // nil without metrics
	metricsSrv  *http.Server // serving metrics once started
	metricsAddr string       // its address

	demoUser     string // set when no user was configured
	demoPassword string
	demoAddress  string

	redis *redis.Client // the limits' Redis client, nil without redis

	servers   []*smtp.Server
	listeners []net.Listener
	addr      string // STARTTLS listener's address, "" when off
	tlsAddr   string // implicit TLS listener's address, "" when off
	wg        sync.WaitGroup
}

const weakHashWarning = "password hash parameters below the customary minimum (argon2id m=19456 t=2, bcrypt cost 10); make a new one with msa hash-password"

// newMSA builds everything but opens no socket.
func newMSA(l *loaded, logger *slog.Logger, now func() time.Time, random io.Reader) (_ *msa, err error) {
	m := &msa{cfg: l, logger: logger, hostname: l.hostname}
	defer func() {
		if err != nil && m.redis != nil {
			_ = m.redis.Close()
		}
	}()
	if l.hostnameWarning != "" {
		logger.Warn(l.hostnameWarning)
	}
	dir := l.dir
	if len(dir.users) == 0 {
		pw, err := randomPassword(random)
		if err != nil {
			return nil, err
		}
		l.FlagUsers = []userSpec{{name: "demo", password: pw}}
		m.demoUser, m.demoPassword = "demo", pw
		if dir, err = newDirectory(l.config, l.file); err != nil {
			return nil, err
		}
	}
	for _, name := range dir.weak {
		logger.Warn(weakHashWarning, slog.String("user", name))
	}
	m.users = newUsers(dir)
	if m.demoUser != "" {
		m.demoAddress = dir.users[m.demoUser].address.String()
	}

	cfg := l.addressProfile()
	cfg.Authenticator = m.users
	cfg.Senders = m.users
	cfg.AllowRecipient = m.users.allowRecipient
	cfg.Trusted = prefixes(l.Trusted)
	cfg.MaxSize = l.MaxSize
	cfg.MaxRecipients = l.MaxRecipients
	cfg.AddSender = l.AddSender
	cfg.DisableRemoveBcc = l.KeepBcc
	cfg.StageTimeout = l.StageTimeout.d
	cfg.AddMissingFrom = l.AddMissingFrom
	cfg.AllowPostmaster = l.AllowPostmaster
	cfg.Chunking = true // go-smtp implements BDAT: offer CHUNKING and BINARYMIME
	cfg.Logger = logger
	cfg.Now = now
	cfg.Random = random
	if cfg.Rewrite, err = l.rewriteRules(); err != nil {
		return nil, err
	}
	if cfg.Limits, m.redis, err = l.limitStore(logger); err != nil {
		return nil, err
	}
	if l.Metrics != "" {
		m.metrics = newMetrics()
		cfg.Observer = m.metrics
	}
	if sg, err := l.dkimSigner(logger); err != nil {
		return nil, err
	} else if sg != nil {
		cfg.Signer = sg
	}

	var d gosmtp.Deliverer
	sp, err := newSpool(l.Spool, l.SpoolSync, now, random, logger)
	if err != nil {
		return nil, err
	}
	d = sp
	if l.Relay != "" {
		ro := &relayOptions{relay: l.Relay, relayTLS: l.RelayTLS, relayCA: l.RelayCA, relayUser: l.RelayUser,
			relayPasswordFile: l.RelayPasswordFile, relayPassword: l.relayPassword, spool: l.Spool}
		r, err := newRelay(ro, m.hostname.ASCII(), logger)
		if err != nil {
			return nil, err
		}
		r.signer = cfg.Signer // signs again what it converts to 7-bit
		if m.metrics != nil {
			r.observe = m.metrics.relayed
		}
		d = r
	}
	if m.metrics != nil {
		d = m.metrics.counted(d)
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
	if m.metrics != nil {
		m.metrics.sessionsOpen(m.backend)
	}

	if l.TLSCert != "" {
		m.cert, err = tls.LoadX509KeyPair(l.TLSCert, l.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("loading tls-cert and tls-key: %w", err)
		}
	} else {
		m.cert, m.certFile, err = keptSelfSigned(l.Spool, m.hostname.ASCII(), now(), random, logger)
		if err != nil {
			return nil, err
		}
		m.selfSig = true
	}
	m.tls = &tls.Config{Certificates: []tls.Certificate{m.cert}, MinVersion: tls.VersionTLS12}
	return m, nil
}

func prefixes(ps []prefix) []netip.Prefix {
	out := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		out[i] = p.p
	}
	return out
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
	s.Domain = m.hostname.ASCII()
	return s
}

// listener serves l through the adapter's guard, which runs STARTTLS and
// enforces the timeouts (RFC 5321, Section 4.5.3.2).
func (m *msa) listener(l net.Listener, starttls *tls.Config) net.Listener {
	maxErrors := m.cfg.MaxErrors
	if maxErrors == 0 {
		maxErrors = -1 // no limit
	}
	return m.backend.Listener(l, gosmtp.ListenOptions{
		STARTTLS:       starttls,
		CommandTimeout: m.cfg.CommandTimeout.d,
		DataTimeout:    m.cfg.DataTimeout.d,
		MaxErrors:      maxErrors,
	})
}

// start opens the listeners and serves in the background. Both share
// the connection limits.
func (m *msa) start() error {
	limits := newConnLimiter(m.cfg.MaxConnections, m.cfg.MaxConnectionsPerIP, m.logger)
	if m.cfg.Listen != "" {
		l, err := net.Listen("tcp", m.cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		m.addr = l.Addr().String()
		m.serve(m.newServer(), m.listener(limits.wrap(l, nil), m.tls))
	}
	if m.cfg.ListenTLS != "" {
		l, err := net.Listen("tcp", m.cfg.ListenTLS)
		if err != nil {
			m.closeAll()
			return fmt.Errorf("listen-tls: %w", err)
		}
		m.tlsAddr = l.Addr().String()
		m.serve(m.newServer(), m.listener(limits.wrap(l, m.tls), nil))
	}
	if m.metrics != nil {
		l, err := net.Listen("tcp", m.cfg.Metrics)
		if err != nil {
			m.closeAll()
			return fmt.Errorf("metrics: %w", err)
		}
		m.metricsAddr = l.Addr().String()
		m.metricsSrv = m.metrics.serve(l, m.logger)
	}
	m.logger.LogAttrs(context.Background(), slog.LevelInfo, "listening",
		slog.String("starttls", m.addr), slog.String("implicit_tls", m.tlsAddr), slog.String("hostname", m.hostname.ASCII()))
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
	if m.metricsSrv != nil {
		// After the sessions, so their last counts are served until then.
		mctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = m.metricsSrv.Shutdown(mctx)
		cancel()
	}
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
	fmt.Fprintf(w, "msakit example MSA %s\n", m.hostname.ASCII())
	if m.cfg.file != nil {
		fmt.Fprintf(w, "  config: %s (SIGHUP reloads the users)\n", m.cfg.file.name)
	}
	if m.addr != "" {
		fmt.Fprintf(w, "  submission (STARTTLS): %s\n", m.addr)
	}
	if m.tlsAddr != "" {
		fmt.Fprintf(w, "  submission (implicit TLS): %s\n", m.tlsAddr)
	}
	if m.cfg.Relay != "" {
		fmt.Fprintf(w, "  relaying accepted messages to %s\n", m.cfg.Relay)
	} else {
		fmt.Fprintf(w, "  spool: %s\n", m.cfg.Spool)
	}
	if m.selfSig {
		fmt.Fprintf(w, "  self-signed certificate, SHA-256 %s\n", fingerprint(m.cert))
		if m.certFile != "" {
			fmt.Fprintf(w, "  clients can trust it from %s (curl --cacert, swaks --tls-ca-path, msmtp tls_trust_file)\n", m.certFile)
		}
	}
	fmt.Fprintf(w, "  %s\n", m.cfg.limitsBanner())
	if m.metricsAddr != "" {
		fmt.Fprintf(w, "  metrics: http://%s/metrics\n", m.metricsAddr)
	}
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
