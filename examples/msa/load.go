package main

import (
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// loaded is the configuration in force: the file's settings (when -config
// was given) with the command line's flags over them, and where each value
// came from, to name it in errors.
type loaded struct {
	*config
	cl       *commandLine
	file     *configFile     // nil without -config
	hostname envelope.Domain // hostname, or the machine's name
	// hostnameWarning says why the machine's name was not used.
	hostnameWarning string
	dir             *directory // the users of config
	relayPassword   string     // from $MSA_RELAY_PASSWORD
}

// load reads the config file of the command line, if any, applies the
// flags over it, and checks what the types alone cannot, the users'
// addresses with the address checks the MSA will run. It is run at start
// and again on SIGHUP.
func (cl *commandLine) load() (*loaded, error) {
	l := &loaded{cl: cl}
	if cl.configFile != "" {
		c, f, err := loadConfig(cl.configFile)
		if err != nil {
			return nil, err
		}
		l.config, l.file = c, f
	} else {
		d := defaultConfig()
		l.config = &d
	}
	if err := cl.apply(l.config); err != nil {
		return nil, err
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	l.resolveHostname(cl.machine)
	rw, err := l.rewriteRules()
	if err != nil {
		return nil, err
	}
	// The address checks of the profile, configured as the MSA's, alone:
	// an error is the [rewrite] table's.
	profile := l.addressProfile()
	profile.Rewrite = rw
	probe, err := submission.New(profile)
	if err != nil {
		return nil, l.errorAt("rewrite", strings.TrimPrefix(err.Error(), "submission: "))
	}
	if l.dir, err = newDirectory(l.config, l.file); err != nil {
		return nil, err
	}
	if err := l.checkAddresses(probe); err != nil {
		return nil, err
	}
	return l, nil
}

// check refuses the combinations of values that cannot be right.
func (l *loaded) check() error {
	switch {
	case l.Listen == "" && l.ListenTLS == "":
		return l.errorAt("listen", "no listener: listen and listen-tls are both empty")
	case l.TLSCert != "" && l.TLSKey == "":
		return l.errorAt("tls-cert", "given without tls-key")
	case l.TLSKey != "" && l.TLSCert == "":
		return l.errorAt("tls-key", "given without tls-cert")
	case l.RedisPrefix == "":
		return l.errorAt("redis-prefix", "must not be empty")
	}
	// Every number is 0 or more (the flags refuse a negative one as they
	// parse it; the file's integers are checked here).
	v := reflect.ValueOf(l.config).Elem()
	for _, s := range settings() {
		if f := v.Field(s.index); f.CanInt() && f.Int() < 0 {
			return l.errorAt(s.fileKey, "must not be negative")
		}
	}
	if s := l.SubaddressSeparator; len(s) > 1 || strings.ContainsAny(s, "@\" \t\\") || (s != "" && !envelope.IsDotString("a"+s+"a")) {
		return l.errorAt("subaddress-separator", fmt.Sprintf("%q is not one character a local part may hold (such as + or -), nor empty", s))
	}
	if l.Relay == "" {
		for _, k := range []struct{ key, v string }{{"relay-tls", l.RelayTLS}, {"relay-ca", l.RelayCA}, {"relay-user", l.RelayUser}, {"relay-password-file", l.RelayPasswordFile}} {
			if k.v != "" {
				return l.errorAt(k.key, "relay-tls, relay-ca, relay-user and relay-password-file need relay")
			}
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(l.Relay); err != nil {
		return l.errorAt("relay", fmt.Sprintf("%q: want HOST:PORT", l.Relay))
	}
	if _, err := parseRelayTLS(l.RelayTLS, l.Relay); err != nil {
		return l.errorAt("relay-tls", err.Error())
	}
	return nil
}

// errorAt is an error about the setting at key path key: "-KEY: msg" (a
// usage error) when a flag gave it or there is no file, else
// "FILE:LINE:COL: KEY: msg".
func (l *loaded) errorAt(key, msg string) error {
	top, _, _ := strings.Cut(key, ".")
	top, _, _ = strings.Cut(top, "[")
	if l.cl != nil && l.cl.gave(top) || l.file == nil {
		return usagef("-%s: %s", top, msg)
	}
	return l.file.errorAt(key, msg)
}

// gave reports whether the command line set the setting whose file key is
// key.
func (cl *commandLine) gave(key string) bool {
	for _, g := range cl.given {
		if g.name == key {
			for _, s := range settings() {
				if s.name == key && s.fileKey == key {
					return true
				}
			}
		}
	}
	return false
}

// resolveHostname sets l.hostname: the hostname setting, or the machine's
// name when it is a domain name of two labels or more (RFC 5321, Section
// 4.1.3 wants this host's FQDN in the greeting), else localhost with a
// warning for the log.
func (l *loaded) resolveHostname(machine func() (string, error)) {
	l.hostname = l.Hostname.d
	if !l.hostname.IsZero() {
		return
	}
	name, err := machine()
	if err == nil {
		var d envelope.Domain
		if d, err = parseMultiLabel(name); err == nil {
			l.hostname = d
			return
		}
	}
	l.hostnameWarning = fmt.Sprintf("the machine's name is not usable as this server's name (%v); using localhost: set hostname", err)
	l.hostname = envelope.MustParseDomain("localhost")
}

// addressProfile is the part of the agent's Config that judges envelope
// addresses by themselves (RFC 6409, Section 4.2).
func (l *loaded) addressProfile() submission.Config {
	c := submission.Config{
		Hostname:        l.hostname,
		LocalDomains:    []envelope.Domain{l.Domain.d}, // domain may be a private one ("example.lan")
		DisableTLDCheck: l.DisableTLDCheck,
	}
	for _, d := range l.LocalDomain {
		c.LocalDomains = append(c.LocalDomains, d.d)
	}
	if l.ExpandSingleLevel {
		c.Expand = l.Domain.d
	}
	if len(l.PartialDomain) > 0 {
		ds := make([]envelope.Domain, len(l.PartialDomain))
		for i, d := range l.PartialDomain {
			ds[i] = d.d
		}
		c.Partial = submission.PartialUnder(ds...)
	}
	return c
}

// checkAddresses refuses a user address (own, sender or recipient
// pattern) that the agent a would refuse in MAIL FROM: one that is not
// fully qualified under a delegated or local top-level domain (RFC 6409,
// Section 4.2). A user who could never send as its own address is a
// mistake better found at start.
func (l *loaded) checkAddresses(a *submission.Agent) error {
	check := func(key, addr string) error {
		probe := addr
		if strings.HasPrefix(addr, "@") {
			probe = "postmaster" + addr
		}
		if _, err := a.CheckAddress(submission.StageMail, "<"+probe+">", true); err != nil {
			msg := err.Error()
			if r, ok := err.(*policy.Reply); ok {
				msg = r.Text
			}
			return l.errorAt(key, fmt.Sprintf("%q would be refused: %s", addr, msg))
		}
		return nil
	}
	for i, u := range l.Users {
		key := "user[" + strconv.Itoa(i) + "]"
		for j, p := range u.Addresses {
			if err := check(key+".addresses["+strconv.Itoa(j)+"]", p.s); err != nil {
				return err
			}
		}
		for j, p := range u.Recipients {
			if err := check(key+".recipients["+strconv.Itoa(j)+"]", p.s); err != nil {
				return err
			}
		}
		if u, ok := l.dir.users[u.Name.s]; ok {
			if err := check(key+".name", u.address.String()); err != nil {
				return err
			}
		}
	}
	for _, s := range l.FlagUsers {
		if u, ok := l.dir.users[s.name]; ok {
			if _, err := a.CheckAddress(submission.StageMail, "<"+u.address.String()+">", true); err != nil {
				return usagef("-user %s: %q would be refused", s.name, u.address.String())
			}
		}
	}
	return nil
}

// rewriteRules converts the [rewrite] table; an error names the key.
func (l *loaded) rewriteRules() (submission.RewriteRules, error) {
	r := l.Rewrite
	out := submission.RewriteRules{LocalParts: r.LocalParts, Header: r.Header}
	if len(r.Domains) > 0 {
		out.Domains = make(map[envelope.Domain]envelope.Domain, len(r.Domains))
		for from, to := range r.Domains {
			d, err := parseName(from)
			if err != nil {
				return out, l.errorAt("rewrite.domains."+from, err.Error())
			}
			out.Domains[d] = to.d
		}
	}
	for _, d := range r.StripSubdomains {
		out.StripSubdomains = append(out.StripSubdomains, d.d)
	}
	if len(r.Addresses) > 0 {
		out.Addresses = make(map[envelope.Mailbox]string, len(r.Addresses))
		for a, lp := range r.Addresses {
			m, err := parseAddress(a)
			if err != nil {
				return out, l.errorAt("rewrite.addresses."+a, err.Error())
			}
			out.Addresses[m] = lp
		}
	}
	return out, nil
}
