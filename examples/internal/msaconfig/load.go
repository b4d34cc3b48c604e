package msaconfig

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Loaded is the configuration in force: the file's settings (when -config
// was given) with the command line's flags over them, and where each value
// came from, to name it in errors.
type Loaded struct {
	*Settings
	// Host is this server's name: the hostname setting, or the machine's
	// name when it is fully qualified, else localhost.
	Host envelope.Domain
	// HostnameWarning says why the machine's name was not used as Host;
	// "" when it was, or hostname was set.
	HostnameWarning string
	// Dir is the users of the settings.
	Dir *Directory
	// Ignored are the file's keys this program does not use (the other
	// program's), in the order of the file.
	Ignored []string

	cl   *CommandLine
	file *configFile // nil without -config
}

// FileName is the config file's name, "" without -config.
func (l *Loaded) FileName() string {
	if l.file == nil {
		return ""
	}
	return l.file.name
}

// Configure is what a program does with its command line: it parses args
// and loads the configuration they name. -h prints the usage to stderr and
// returns [flag.ErrHelp]; -version prints the version to stdout and
// returns nil and no error: the program has nothing more to do.
func Configure(p *Program, args []string, stdout, stderr io.Writer) (*Loaded, error) {
	cl, err := ParseArgs(p, args)
	if errors.Is(err, flag.ErrHelp) {
		p.PrintUsage(stderr)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if cl.Version {
		fmt.Fprintln(stdout, Version(p.Name))
		return nil, nil
	}
	return cl.Load()
}

// Load reads the config file of the command line, if any, applies the
// flags over it, and checks what the types alone cannot, the users'
// addresses with the address checks the MSA will run. It is run at start
// and again on SIGHUP.
func (cl *CommandLine) Load() (*Loaded, error) {
	l := &Loaded{cl: cl}
	if cl.ConfigFile != "" {
		c, f, err := loadConfig(cl.ConfigFile)
		if err != nil {
			return nil, err
		}
		l.Settings, l.file = c, f
		l.Ignored = f.ignored(cl.program)
	} else {
		d := Defaults()
		l.Settings = &d
	}
	if err := cl.apply(l.Settings); err != nil {
		return nil, err
	}
	if err := l.check(); err != nil {
		return nil, err
	}
	if cl.program.Check != nil {
		if err := cl.program.Check(l); err != nil {
			return nil, err
		}
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
		return nil, l.ErrorAt("rewrite", strings.TrimPrefix(err.Error(), "submission: "))
	}
	if l.Dir, err = l.newDirectory(); err != nil {
		return nil, err
	}
	if err := l.checkAddresses(probe); err != nil {
		return nil, err
	}
	return l, nil
}

// check refuses the values that cannot be right, for either program.
func (l *Loaded) check() error {
	if l.RedisPrefix == "" {
		return l.ErrorAt("redis-prefix", "must not be empty")
	}
	// Every number is 0 or more (the flags refuse a negative one as they
	// parse it; the file's integers are checked here).
	v := reflect.ValueOf(l.Settings).Elem()
	for _, s := range allSettings() {
		if f := v.FieldByIndex(s.index); f.CanInt() && f.Int() < 0 {
			return l.ErrorAt(s.fileKey, "must not be negative")
		}
	}
	if s := l.SubaddressSeparator; len(s) > 1 || strings.ContainsAny(s, "@\" \t\\") || (s != "" && !envelope.IsDotString("a"+s+"a")) {
		return l.ErrorAt("subaddress-separator", fmt.Sprintf("%q is not one character a local part may hold (such as + or -), nor empty", s))
	}
	return nil
}

// ErrorAt is an error about the setting at key path key: "-FLAG: msg" (a
// usage error) when a flag gave it or there is no file, else
// "FILE:LINE:COL: KEY: msg".
func (l *Loaded) ErrorAt(key, msg string) error {
	top, _, _ := strings.Cut(key, ".")
	top, _, _ = strings.Cut(top, "[")
	s, known := l.cl.program.settingFor(key)
	if known && l.cl.gave(s) || l.file == nil {
		if known {
			top = s.name
		}
		return Usagef("-%s: %s", top, msg)
	}
	return l.file.errorAt(key, msg)
}

// settingFor is the program's setting whose file key is key or encloses
// it ("user" for "user[0].name").
func (p *Program) settingFor(key string) (setting, bool) {
	for _, s := range p.settings() {
		if k, ok := strings.CutPrefix(key, s.fileKey); ok && (k == "" || k[0] == '.' || k[0] == '[') {
			return s, true
		}
	}
	return setting{}, false
}

// resolveHostname sets Host: the hostname setting, or the machine's name
// when it is a domain name of two labels or more (RFC 5321, Section 4.1.3
// wants this host's FQDN in the greeting), else localhost with a warning
// for the log.
func (l *Loaded) resolveHostname(machine func() (string, error)) {
	l.Host = l.Hostname.d
	if !l.Host.IsZero() {
		return
	}
	name, err := machine()
	if err == nil {
		var d envelope.Domain
		if d, err = parseMultiLabel(name); err == nil {
			l.Host = d
			return
		}
	}
	l.HostnameWarning = fmt.Sprintf("the machine's name is not usable as this server's name (%v); using localhost: set hostname", err)
	l.Host = envelope.MustParseDomain("localhost")
}

// addressProfile is the part of the agent's Config that judges envelope
// addresses by themselves (RFC 6409, Section 4.2).
func (l *Loaded) addressProfile() submission.Config {
	c := submission.Config{
		Hostname:        l.Host,
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
func (l *Loaded) checkAddresses(a *submission.Agent) error {
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
			return l.ErrorAt(key, fmt.Sprintf("%q would be refused: %s", addr, msg))
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
		if u, ok := l.Dir.users[u.Name.s]; ok {
			if err := check(key+".name", u.address.String()); err != nil {
				return err
			}
		}
	}
	for _, s := range l.flagUsers() {
		if u, ok := l.Dir.users[s.name]; ok {
			if _, err := a.CheckAddress(submission.StageMail, "<"+u.address.String()+">", true); err != nil {
				return Usagef("-user %s: %q would be refused", s.name, u.address.String())
			}
		}
	}
	return nil
}

// rewriteRules converts the [rewrite] table; an error names the key.
func (l *Loaded) rewriteRules() (submission.RewriteRules, error) {
	r := l.Rewrite
	out := submission.RewriteRules{LocalParts: r.LocalParts, Header: r.Header}
	if len(r.Domains) > 0 {
		out.Domains = make(map[envelope.Domain]envelope.Domain, len(r.Domains))
		for from, to := range r.Domains {
			d, err := parseName(from)
			if err != nil {
				return out, l.ErrorAt("rewrite.domains."+from, err.Error())
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
				return out, l.ErrorAt("rewrite.addresses."+a, err.Error())
			}
			out.Addresses[m] = lp
		}
	}
	return out, nil
}
