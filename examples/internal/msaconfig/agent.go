package msaconfig

import (
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/msakit/msakit/submission"
)

// AgentConfig is the submission.Config of the settings, the same for
// either program: the address profile (hostname, local domains, TLD
// check, expansion, partial domains), the users' sender and recipient
// rules (RFC 6409, Sections 6.1 and 6.2), trusted networks, size and
// recipient limits, AddSender, Bcc removal, AddMissingFrom,
// AllowPostmaster, the stage timeout, rewriting, rate limits with their
// store, and the DKIM signer. The program adds what is its own
// (examples/msa: the Authenticator, Chunking, the Observer and the Trace
// sink). closer, when not nil, is the Redis client of the limits, to close
// once the sessions have ended.
func (l *Loaded) AgentConfig(users *Users, logger *slog.Logger, now func() time.Time, random io.Reader) (cfg submission.Config, closer io.Closer, err error) {
	cfg = l.addressProfile()
	cfg.Senders = users
	cfg.AllowRecipient = users.AllowRecipient
	cfg.Trusted = prefixes(l.Trusted)
	cfg.MaxSize = l.MaxSize
	cfg.MaxRecipients = l.MaxRecipients
	cfg.AddSender = l.AddSender
	cfg.DisableRemoveBcc = l.KeepBcc
	cfg.StageTimeout = l.StageTimeout.d
	cfg.AddMissingFrom = l.AddMissingFrom
	cfg.AllowPostmaster = l.AllowPostmaster
	cfg.Logger = logger
	cfg.Now = now
	cfg.Random = random
	if cfg.Rewrite, err = l.rewriteRules(); err != nil {
		return cfg, nil, err
	}
	if sg, err := l.dkimSigner(logger); err != nil {
		return cfg, nil, err
	} else if sg != nil {
		cfg.Signer = sg
	}
	limits, rc, err := l.limitStore(logger)
	if err != nil {
		return cfg, nil, err
	}
	cfg.Limits = limits
	if rc != nil {
		closer = rc
	}
	return cfg, closer, nil
}

func prefixes(ps []Prefix) []netip.Prefix {
	out := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		out[i] = p.p
	}
	return out
}
