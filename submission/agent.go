package submission

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// Agent is a Message Submission Agent (RFC 6409): the configured policy
// chain plus everything shared by the sessions it creates (logger, clock,
// random source, log rate limit, limit store, trace sink). It has no
// network code: a server creates one [Session] per connection with
// [Agent.NewSession] and calls it from its command handlers.
//
// An Agent is immutable after [New] and safe for concurrent use by many
// sessions.
type Agent struct {
	cfg   Config
	chain *policy.Chain
	// addressChain holds the profile's address checks, for CheckAddress.
	addressChain *policy.Chain
	log          logger
	now          func() time.Time
	random       io.Reader // crypto/rand, or Config.Random behind a lock
	maxSize      int64     // < 0: no limit
	headerOpts   header.ReadOptions
	trace        TraceSink
	obs          Observer // nil: none
	omit         map[string]bool
	limits       LimitStore           // Config.Limits.Store or an in-process one; nil without limits
	storeOutage  *outage              // the failures of limits, as logged
	stageTimeout time.Duration        // Config.StageTimeout with its default; < 0: none
	timed        [numTimedStages]bool // the stages that run callbacks, and get a deadline
}

// lockedReader serialises reads from a source that may not be safe for
// concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// New builds an Agent from cfg, the MSA of RFC 6409, Section 3.1.
// cfg.Hostname is required. The policy chain is the RFC 6409 profile that
// cfg configures (see the package documentation) followed by cfg.Policies,
// all in one [policy.Chain]. New fails when Hostname is zero, when
// DisableExtensions names AUTH, when Config.Limits holds a negative Max or
// a Max without a positive Per, when a Rewrite rule cannot be right (see
// [RewriteRules]), or when the chain cannot be built (a policy that joins
// no stage, a duplicate policy name).
func New(cfg Config) (*Agent, error) {
	if cfg.Hostname.IsZero() {
		return nil, errors.New("submission: Config.Hostname is required")
	}
	// Copy what the caller could still change through shared backing
	// arrays, so that the Agent is immutable as documented.
	cfg.Trusted = slices.Clone(cfg.Trusted)
	cfg.Policies = slices.Clone(cfg.Policies)
	cfg.DisableExtensions = slices.Clone(cfg.DisableExtensions)
	cfg.LocalDomains = slices.Clone(cfg.LocalDomains)
	a := &Agent{cfg: cfg, omit: make(map[string]bool), storeOutage: &outage{}}
	for _, k := range cfg.DisableExtensions {
		k = strings.ToUpper(strings.TrimSpace(k))
		if k == "AUTH" {
			return nil, errors.New("submission: AUTH cannot be omitted: RFC 6409, Section 7 requires it")
		}
		a.omit[k] = true
	}
	a.stageTimeout = cfg.StageTimeout
	if a.stageTimeout == 0 {
		a.stageTimeout = defaultStageTimeout
	}
	a.timed = callbackStages(&cfg)
	a.now = cfg.Now
	if a.now == nil {
		a.now = time.Now
	}
	if cfg.Random == nil {
		a.random = rand.Reader // safe for concurrent use: no lock needed
	} else {
		a.random = &lockedReader{r: cfg.Random}
	}
	l := cfg.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	rate, burst := cfg.ClientLogRate, cfg.ClientLogBurst
	if rate == 0 {
		rate = defaultClientLogRate
	}
	if burst == 0 {
		burst = defaultClientLogBurst
	}
	if burst < 0 {
		rate = -1 // no limit, as a negative rate
	}
	a.log = logger{l: l, client: newTokenBucket(rate, burst, a.now), now: a.now, repeats: &repeatedErrors{}}
	a.maxSize = cfg.MaxSize
	if a.maxSize == 0 {
		a.maxSize = defaultMaxSize
	}
	a.headerOpts = cfg.Header
	if a.maxSize > 0 {
		hmax := a.headerOpts.MaxSize
		if hmax == 0 {
			hmax = header.DefaultMaxSize
		}
		if hmax < 0 || int64(hmax) > a.maxSize {
			hmax = int(min(a.maxSize, int64(^uint(0)>>1)))
		}
		a.headerOpts.MaxSize = hmax
	}
	if err := cfg.Limits.check(); err != nil {
		return nil, err
	}
	if cfg.Limits.on() {
		a.limits = cfg.Limits.Store
		if a.limits == nil {
			a.limits = &MemoryLimitStore{Now: a.now}
		}
	}
	a.trace = cfg.Trace
	a.obs = cfg.Observer
	if a.trace == nil {
		a.trace = LogTraceSink(l)
	}
	ps, err := a.profile()
	if err != nil {
		return nil, err
	}
	if a.addressChain, err = policy.NewChain("address", addressPolicies(ps)...); err != nil {
		return nil, fmt.Errorf("submission: building the address checks: %w", err)
	}
	chain, err := policy.NewChain("submission", append(ps, cfg.Policies...)...)
	if err != nil {
		return nil, fmt.Errorf("submission: building the policy chain: %w", err)
	}
	a.chain = chain
	return a, nil
}

// MaxSize returns the message size limit in octets, or -1 for none (RFC
// 1870; the SIZE keyword of [Agent.Extensions]).
func (a *Agent) MaxSize() int64 {
	if a.maxSize < 0 {
		return -1
	}
	return a.maxSize
}

// Mechanisms lists the SASL mechanisms to advertise on c after "AUTH" (RFC
// 4954, Section 3): none without a Config.Authenticator, and no cleartext
// password mechanism (PLAIN, LOGIN) before TLS (RFC 8314, Section 3; RFC
// 5068, Section 5). The slice is new on each call.
func (a *Agent) Mechanisms(c policy.Conn) []string {
	if a.cfg.Authenticator == nil {
		return nil
	}
	return auth.Mechanisms(connState(c), a.cfg.Authenticator)
}

// connState is what the auth mechanisms need of c. The TLS server name
// (SNI) becomes ConnState.Host, so an OAUTHBEARER "host" value naming
// another server is refused (RFC 7628, Section 3.2).
func connState(c policy.Conn) auth.ConnState {
	cs := auth.ConnState{TLS: c.TLS != nil}
	if c.TLS != nil {
		cs.VerifiedChains = c.TLS.VerifiedChains
		cs.Host = c.TLS.ServerName
	}
	return cs
}

// NewSession starts the session of one client connection. c carries what
// the server knows when the connection opens: at least RemoteAddr, and TLS
// for implicit TLS on port 465 (RFC 8314, Section 3.3). c.Identity is
// normally zero here: AUTH sets it through [Session.Authenticated].
//
// Trust is decided here, before any policy runs (RFC 6409, Sections 3.3
// and 4.3): the session is trusted when the server says so (c.Trusted, for
// a client it authorized itself: IPsec, a local socket) or when
// c.RemoteAddr is in Config.Trusted. Policies read [policy.Conn].Trusted and
// never set it; Config.AuthWindow is asked at each MAIL.
func (a *Agent) NewSession(c policy.Conn) *Session {
	s := &Session{a: a, conn: c, serverTrusted: c.Trusted, saslAuth: !c.Identity.IsZero()}
	s.conn.Trusted = s.trusted()
	return s
}

// trusted reports whether the session is independently authorized without
// an identity: the server said so, or the client's address is in one of
// Config.Trusted (RFC 6409, Section 3.3). IPv4-mapped IPv6 addresses
// (::ffff:192.0.2.1) match IPv4 prefixes.
func (s *Session) trusted() bool {
	if s.serverTrusted {
		return true
	}
	a := s.conn.RemoteAddr.Addr()
	if !a.IsValid() {
		return false
	}
	u := a.Unmap()
	for _, p := range s.a.cfg.Trusted {
		if p.Contains(u) || (u != a && p.Contains(a)) {
			return true
		}
	}
	return false
}
