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
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/examples/internal/msaconfig"
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
	cfg, err := msaconfig.Configure(program, args, stdout, stderr)
	if cfg == nil || err != nil {
		return err // or -version, done
	}
	l := &loaded{Loaded: cfg}
	if l.RelayUser != "" && l.RelayPasswordFile == "" {
		l.relayPassword = os.Getenv(relayPasswordEnv) // not a flag nor a key: it would show in ps or in the file
	}
	m, err := newMSA(l, msaconfig.NewLogger(l.Settings, stderr), time.Now, rand.Reader)
	if err != nil {
		return err
	}
	if err := m.start(); err != nil {
		return err
	}
	m.banner(stdout)
	msaconfig.WaitSignals(ctx, func(ctx context.Context) {
		_ = m.reload(ctx) // logged; the configuration in force stays
	})
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	return m.shutdown(sctx)
}

// msa is one running server: the msakit agent, the go-smtp servers that
// share its adapter backend, and the spool or relay.
type msa struct {
	cfg      *loaded
	logger   *slog.Logger
	hostname envelope.Domain
	users    *msaconfig.Users
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

	redis io.Closer // the limits' Redis client, nil without redis

	servers   []*smtp.Server
	listeners []net.Listener
	addr      string // STARTTLS listener's address, "" when off
	tlsAddr   string // implicit TLS listener's address, "" when off
	wg        sync.WaitGroup
}

// newMSA builds everything but opens no socket.
func newMSA(l *loaded, logger *slog.Logger, now func() time.Time, random io.Reader) (_ *msa, err error) {
	m := &msa{cfg: l, logger: logger, hostname: l.Host}
	defer func() {
		if err != nil && m.redis != nil {
			_ = m.redis.Close()
		}
	}()
	l.LogStart(logger)
	if l.Dir.Len() == 0 {
		pw, err := randomPassword(random)
		if err != nil {
			return nil, err
		}
		m.demoUser, m.demoPassword = "demo", pw
		if err := l.SetDemoUser(m.demoUser, pw); err != nil {
			return nil, err
		}
		addr, _ := l.Dir.Address(m.demoUser)
		m.demoAddress = addr.String()
	}
	m.users = msaconfig.NewUsers(l.Dir)

	cfg, closer, err := l.AgentConfig(m.users, logger, now, random)
	if err != nil {
		return nil, err
	}
	m.redis = closer
	cfg.Authenticator = m.users
	cfg.Chunking = true // go-smtp implements BDAT: offer CHUNKING and BINARYMIME
	if l.Metrics != "" {
		m.metrics = newMetrics()
		cfg.Observer = m.metrics
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
		CommandTimeout: m.cfg.CommandTimeout.Duration(),
		DataTimeout:    m.cfg.DataTimeout.Duration(),
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
	if name := m.cfg.FileName(); name != "" {
		fmt.Fprintf(w, "  config: %s (SIGHUP reloads the users)\n", name)
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
	fmt.Fprintf(w, "  %s\n", m.cfg.LimitsBanner())
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
