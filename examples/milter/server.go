package milter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/submission"
)

// Config configures a [Server].
type Config struct {
	// Submission configures the [submission.Agent] that checks every
	// submission (RFC 6409); its Hostname is required. New builds the
	// Agent with DisableReceived set: the MTA has written the Received
	// field (RFC 5321, Section 4.4), and one hop adds one.
	Submission submission.Config

	// Identify completes the identity the MTA authenticated (RFC 4954)
	// before msakit checks MAIL FROM, From and Sender against it (RFC
	// 6409, Sections 6.1 and 6.3). It gets the identity of the macros
	// ({auth_authen}, {auth_type}) and returns it with
	// Address set to the user's own address, typically from the same
	// user table the MTA's SASL uses. An error refuses MAIL: a
	// *policy.Reply as it is, anything else as 451 4.3.0. nil keeps the
	// identity without an Address, so the user may send only as the
	// addresses its Config.Senders rules list.
	Identify func(ctx context.Context, id auth.Identity) (auth.Identity, error)

	// Daemons, when not empty, names the MTA services msakit checks, by
	// the {daemon_name} macro (Postfix: milter_macro_daemon_name, by
	// default $myhostname; Sendmail: the Name= of DAEMON_OPTIONS). A
	// connection to any other service is accepted at once and never seen
	// again, so one milter can sit on port 25 and 587 while only
	// submission is held to RFC 6409. Empty checks every connection.
	Daemons []string

	// Logger receives the adapter's own records: one "milter: accepted"
	// at Info per message, with msakit's submission id (the trace
	// record's) and the MTA's queue id, and internal errors. msakit logs
	// through its Config.Logger. nil discards them.
	Logger *slog.Logger
}

// Server serves an [submission.Agent] to MTAs over the Sendmail milter
// protocol, version 6. It is safe for concurrent use; each MTA connection
// is served on its own goroutine.
type Server struct {
	agent    *submission.Agent
	identify func(context.Context, auth.Identity) (auth.Identity, error)
	daemons  []string
	log      *slog.Logger
	srv      *gomilter.Server
}

// The milter actions msakit needs: header insert, change and delete
// (SMFIF_ADDHDRS, SMFIF_CHGHDRS), a new reverse-path (SMFIF_CHGFROM) and
// recipients replaced (SMFIF_DELRCPT, SMFIF_ADDRCPT_PAR).
const needActions = gomilter.OptAddHeader | gomilter.OptChangeHeader | gomilter.OptChangeFrom |
	gomilter.OptRemoveRcpt | gomilter.OptAddRcptWithArgs

// The protocol options msakit asks for when the MTA offers them: header
// values with their leading space, no unknown-command events, and no reply
// where msakit always goes on (HELO, each header field, end of header, each
// body chunk): a refusal of the message is given at its end, which is when
// the MTA answers the client anyway, and every reply saved is a round trip
// between the MTA and the milter. Not SMFIP_NR_DATA: without a reply to the
// DATA event Postfix 3.7 stalls about 40 ms per message (its next small
// write waits for a delayed ACK), measured with BenchmarkPostfix.
const wantProtocol = gomilter.OptHeaderLeadingSpace | gomilter.OptNoUnknown | gomilter.OptNoHeloReply |
	gomilter.OptNoHeaderReply | gomilter.OptNoEOHReply | gomilter.OptNoBodyReply

// New returns a Server for cfg. It fails when [submission.New] fails for
// cfg.Submission.
func New(cfg Config) (*Server, error) {
	sc := cfg.Submission
	sc.DisableReceived = true
	agent, err := submission.New(sc)
	if err != nil {
		return nil, fmt.Errorf("milter: %w", err)
	}
	s := &Server{agent: agent, identify: cfg.Identify, log: cfg.Logger}
	if len(cfg.Daemons) > 0 {
		s.daemons = append([]string(nil), cfg.Daemons...)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	opts := []gomilter.Option{
		gomilter.WithDynamicMilter(func(uint32, gomilter.OptAction, gomilter.OptProtocol, gomilter.DataSize) gomilter.Milter {
			ctx, end := context.WithCancel(context.Background())
			return &session{srv: s, ctx: ctx, end: end}
		}),
		gomilter.WithActions(needActions),
		gomilter.WithProtocols(wantProtocol),
		gomilter.WithNegotiationCallback(negotiate),
	}
	for _, r := range macroRequests() {
		opts = append(opts, gomilter.WithMacroRequest(r.stage, r.macros))
	}
	s.srv = gomilter.NewServer(opts...)
	return s, nil
}

// negotiate settles the SMFIC_OPTNEG exchange: protocol version 6 (Postfix
// 2.6, Sendmail 8.14 and later), the actions msakit needs (it refuses an
// MTA that lacks one, which then applies its default action, Postfix's
// milter_default_action), the protocol options msakit wants that the MTA
// offers, and the largest body chunk the MTA offers.
func negotiate(mtaVersion, _ uint32, mtaActions, _ gomilter.OptAction, mtaProtocol, _ gomilter.OptProtocol, offered gomilter.DataSize) (uint32, gomilter.OptAction, gomilter.OptProtocol, gomilter.DataSize, error) {
	if mtaVersion < 6 {
		return 0, 0, 0, 0, fmt.Errorf("milter: the MTA speaks milter protocol version %d; msakit needs 6", mtaVersion)
	}
	if mtaActions&needActions != needActions {
		return 0, 0, 0, 0, fmt.Errorf("milter: the MTA offers actions %v; msakit needs %v", mtaActions, needActions)
	}
	actions := needActions | mtaActions&gomilter.OptSetMacros
	return 6, actions, wantProtocol & mtaProtocol, offered, nil
}

// Serve accepts MTA connections on ln until [Server.Shutdown] or
// [Server.Close], then returns nil; any other error ends it.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, gomilter.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits until the MTA has closed
// the ones open (Postfix holds one per SMTP connection) or ctx is done, when
// it closes them and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close closes the listeners and every connection at once.
func (s *Server) Close() error { return s.srv.Close() }
