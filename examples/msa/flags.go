package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/examples/gosmtp"
)

// errUsage reports a command line that could not be parsed; the program
// exits with status 2, as the flag package does.
var errUsage = errors.New("usage error")

// options is the parsed command line.
type options struct {
	listen            string
	listenTLS         string
	hostname          string
	domain            string
	users             []userSpec
	trusted           []netip.Prefix
	spool             string
	relay             string
	relayTLS          string // -relay-tls; "" for the default of the upstream
	relayCA           string
	relayUser         string
	relayPasswordFile string
	relayPassword     string // from -relay-password-file or $MSA_RELAY_PASSWORD, never from a flag
	tlsCert           string
	tlsKey            string
	maxSize           int64
	maxRecipients     int
	expandSingleLevel bool
	logJSON           bool
	commandTimeout    time.Duration
	dataTimeout       time.Duration
	limits            limitOptions
	dkim              dkimOptions
}

// userSpec is one -user flag.
type userSpec struct {
	name      string
	password  string
	addresses []string // as given; empty = NAME@DOMAIN
}

// parseUser parses NAME:PASSWORD[:ADDR,ADDR...]. The name ends at the first
// colon. The text after the last colon is the address list when every
// comma-separated item in it holds an '@'; otherwise everything after the
// name is the password, so a password may contain colons.
func parseUser(s string) (userSpec, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return userSpec{}, fmt.Errorf("-user %q: want NAME:PASSWORD[:ADDR,ADDR...]", s)
	}
	u := userSpec{name: name, password: rest}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		list := strings.Split(rest[i+1:], ",")
		all := true
		for _, a := range list {
			if !strings.Contains(a, "@") {
				all = false
				break
			}
		}
		if all {
			u.password = rest[:i]
			u.addresses = list
		}
	}
	if u.password == "" {
		return userSpec{}, fmt.Errorf("-user %q: empty password", s)
	}
	return u, nil
}

// parseTrusted parses a CIDR prefix, or a single address as a /32 or /128.
func parseTrusted(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("-trusted %q: not a CIDR prefix or an address", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// parseFlags parses args. Errors and -h output go to stderr; the error
// returned then wraps errUsage (or is flag.ErrHelp).
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("msa", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:1587", "STARTTLS submission `ADDR` (RFC 6409, RFC 3207); empty for none")
	fs.StringVar(&o.listenTLS, "listen-tls", "", "implicit TLS submission `ADDR` (RFC 8314); empty for none")
	fs.StringVar(&o.hostname, "hostname", "localhost", "this server's host `NAME` (greeting, Received, Message-ID)")
	fs.StringVar(&o.domain, "domain", "example.org", "local `DOMAIN`: default user addresses and single-level expansion")
	fs.Func("user", "`NAME:PASSWORD[:ADDR,ADDR...]` a user and the addresses it may send as (repeatable; @domain for a whole domain)", func(s string) error {
		u, err := parseUser(s)
		if err == nil {
			o.users = append(o.users, u)
		}
		return err
	})
	fs.Func("trusted", "`CIDR` of a network that may submit without AUTH (repeatable)", func(s string) error {
		p, err := parseTrusted(s)
		if err == nil {
			o.trusted = append(o.trusted, p)
		}
		return err
	})
	fs.StringVar(&o.spool, "spool", "./spool", "spool `DIR` for accepted messages")
	fs.StringVar(&o.relay, "relay", "", "forward accepted messages to this `HOST:PORT` instead of the spool")
	fs.StringVar(&o.relayTLS, "relay-tls", "", "STARTTLS to the relay: `MODE` required (verified certificate), opportunistic or none (default: required; opportunistic for a loopback relay)")
	fs.StringVar(&o.relayCA, "relay-ca", "", "PEM `FILE` of CA certificates to trust for the relay, beside the system's")
	fs.StringVar(&o.relayUser, "relay-user", "", "AUTH to the relay as `NAME`; the password comes from -relay-password-file or $"+relayPasswordEnv)
	fs.StringVar(&o.relayPasswordFile, "relay-password-file", "", "read the relay password from the first line of `FILE`")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate chain `FILE` (default: self-signed, generated at start)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key `FILE`")
	fs.Int64Var(&o.maxSize, "max-size", 0, "message size limit in `BYTES` (RFC 1870; 0 = msakit's default)")
	fs.IntVar(&o.maxRecipients, "max-recipients", 0, "recipients per message, `N` (0 = 100)")
	fs.BoolVar(&o.expandSingleLevel, "expand-single-level", false, "expand single-label domains with -domain (RFC 6409, Section 4.2)")
	fs.BoolVar(&o.logJSON, "log-json", false, "log JSON instead of text")
	fs.DurationVar(&o.commandTimeout, "command-timeout", gosmtp.DefaultCommandTimeout, "wait for each command line at most `DURATION` (RFC 5321, Section 4.5.3.2.7)")
	fs.DurationVar(&o.dataTimeout, "data-timeout", gosmtp.DefaultDataTimeout, "wait for each block of message data at most `DURATION` (RFC 5321, Section 4.5.3.2.5)")
	addLimitFlags(fs, &o.limits)
	o.dkim.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "msa: unexpected argument %q\n", fs.Arg(0))
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		fmt.Fprintln(stderr, "msa: -tls-cert and -tls-key go together")
		return nil, fmt.Errorf("%w: -tls-cert and -tls-key go together", errUsage)
	}
	if o.listen == "" && o.listenTLS == "" {
		fmt.Fprintln(stderr, "msa: -listen and -listen-tls are both empty")
		return nil, fmt.Errorf("%w: no listener", errUsage)
	}
	if o.commandTimeout <= 0 || o.dataTimeout <= 0 {
		fmt.Fprintln(stderr, "msa: -command-timeout and -data-timeout must be positive")
		return nil, fmt.Errorf("%w: timeout not positive", errUsage)
	}
	if o.relay == "" && (o.relayTLS != "" || o.relayCA != "" || o.relayUser != "" || o.relayPasswordFile != "") {
		fmt.Fprintln(stderr, "msa: -relay-tls, -relay-ca, -relay-user and -relay-password-file need -relay")
		return nil, fmt.Errorf("%w: relay options without -relay", errUsage)
	}
	if o.relay != "" {
		if _, err := parseRelayTLS(o.relayTLS, o.relay); err != nil {
			fmt.Fprintln(stderr, "msa:", err)
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		if _, _, err := net.SplitHostPort(o.relay); err != nil {
			fmt.Fprintf(stderr, "msa: -relay %q: want HOST:PORT\n", o.relay)
			return nil, fmt.Errorf("%w: -relay: %w", errUsage, err)
		}
	}
	if o.maxSize < 0 || o.maxRecipients < 0 {
		fmt.Fprintln(stderr, "msa: -max-size and -max-recipients must not be negative")
		return nil, fmt.Errorf("%w: negative limit", errUsage)
	}
	if err := o.limits.parseLimits(); err != nil {
		fmt.Fprintln(stderr, "msa:", err)
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return o, nil
}
