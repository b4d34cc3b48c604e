package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// errUsage reports a command line that could not be parsed; the program
// exits with status 2, as the flag package does.
var errUsage = errors.New("usage error")

// options is the parsed command line.
type options struct {
	network, address  string // from -listen
	hostname          string
	domain            string
	users             []userSpec
	trusted           []netip.Prefix
	daemons           []string
	dkim              []dkimSpec
	maxSize           int64
	maxRecipients     int
	expandSingleLevel bool
	logJSON           bool
}

// dkimSpec is one -dkim flag.
type dkimSpec struct {
	domain, selector, keyFile string
}

// userSpec is one -user flag.
type userSpec struct {
	name      string
	addresses []string // as given; empty = the default own address
}

// parseUser parses NAME[:ADDR,ADDR...]. The name ends at the last colon
// that is followed by an address list (every item holding an '@'), so a
// login may itself hold a colon.
func parseUser(s string) (userSpec, error) {
	u := userSpec{name: s}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		list := strings.Split(s[i+1:], ",")
		all := true
		for _, a := range list {
			all = all && strings.Contains(a, "@")
		}
		if all {
			u.name, u.addresses = s[:i], list
		}
	}
	if u.name == "" {
		return userSpec{}, fmt.Errorf("-user %q: want NAME[:ADDR,ADDR...]", s)
	}
	return u, nil
}

// parseListen parses -listen: unix:PATH, inet:HOST:PORT or HOST:PORT, the
// forms of Postfix's smtpd_milters.
func parseListen(s string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(s, "unix:"):
		network, address = "unix", strings.TrimPrefix(s, "unix:")
	case strings.HasPrefix(s, "inet:"):
		network, address = "tcp", strings.TrimPrefix(s, "inet:")
	default:
		network, address = "tcp", s
	}
	if address == "" || network == "tcp" && !strings.Contains(address, ":") {
		return "", "", fmt.Errorf("-listen %q: want HOST:PORT, inet:HOST:PORT or unix:PATH", s)
	}
	return network, address, nil
}

// parseFlags parses args. Errors and -h output go to stderr; the error
// returned then wraps errUsage (or is flag.ErrHelp).
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("msakit-milter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8891", "`ADDR` the MTA connects to: HOST:PORT, inet:HOST:PORT or unix:PATH")
	fs.StringVar(&o.hostname, "hostname", "localhost", "this MSA's host `NAME` (in the Message-IDs it adds)")
	fs.StringVar(&o.domain, "domain", "example.org", "local `DOMAIN`: default user addresses and single-level expansion")
	fs.Func("user", "`NAME[:ADDR,ADDR...]` a SASL login and the addresses it may send as (repeatable; @domain for a whole domain)", func(s string) error {
		u, err := parseUser(s)
		if err == nil {
			o.users = append(o.users, u)
		}
		return err
	})
	fs.Func("trusted", "`CIDR` of a network that may submit without AUTH (repeatable)", func(s string) error {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("-trusted %q: not a CIDR prefix (write 192.0.2.1/32 for one address)", s)
		}
		o.trusted = append(o.trusted, p.Masked())
		return nil
	})
	fs.Func("daemon", "check only the MTA service `NAME` ({daemon_name}; repeatable; default every connection)", func(s string) error {
		o.daemons = append(o.daemons, s)
		return nil
	})
	fs.Func("dkim", "`DOMAIN:SELECTOR:KEYFILE` sign mail from DOMAIN with this key (RFC 6376; repeatable)", func(s string) error {
		parts := strings.SplitN(s, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return fmt.Errorf("-dkim %q: want DOMAIN:SELECTOR:KEYFILE", s)
		}
		o.dkim = append(o.dkim, dkimSpec{domain: parts[0], selector: parts[1], keyFile: parts[2]})
		return nil
	})
	fs.Int64Var(&o.maxSize, "max-size", 0, "message size limit in `BYTES` (RFC 1870; 0 = msakit's default)")
	fs.IntVar(&o.maxRecipients, "max-recipients", 0, "recipients per message, `N` (0 = 100)")
	fs.BoolVar(&o.expandSingleLevel, "expand-single-level", false, "expand single-label domains with -domain (RFC 6409, Section 4.2)")
	fs.BoolVar(&o.logJSON, "log-json", false, "log JSON instead of text")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	fail := func(msg string) (*options, error) {
		fmt.Fprintln(stderr, "msakit-milter:", msg)
		return nil, fmt.Errorf("%w: %s", errUsage, msg)
	}
	if fs.NArg() > 0 {
		return fail(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	var err error
	if o.network, o.address, err = parseListen(*listen); err != nil {
		return fail(err.Error())
	}
	if o.maxSize < 0 || o.maxRecipients < 0 {
		return fail("-max-size and -max-recipients must not be negative")
	}
	return o, nil
}
