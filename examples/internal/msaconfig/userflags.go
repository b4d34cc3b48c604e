package msaconfig

import (
	"errors"
	"fmt"
	"strings"
)

// The -user flags: examples/msa's carries a password in clear (the quick
// start; the config file holds hashes), msakit-milter's only the login
// and its addresses (the MTA checks passwords).

// userSpec is one -user flag, NAME:PASSWORD[:ADDR,ADDR...], a user with a
// password in clear for the quick start; the config file holds hashes.
type userSpec struct {
	name      string
	password  string
	addresses []string // as given; empty = NAME@DOMAIN
	err       error    // why the flag does not parse; see Set
}

// Set parses NAME:PASSWORD[:ADDR,ADDR...]. The name ends at the first
// colon. The text after the last colon is the address list when every
// comma-separated item in it holds an '@'; otherwise everything after the
// name is the password, so a password may contain colons.
//
// A value that does not parse is kept with its error, which the program
// reports at start: an error returned here would be printed by the flag
// package with the whole value, and the value may be a password.
func (u *userSpec) Set(s string) error {
	*u = parseUserSpec(s)
	return nil
}

func parseUserSpec(s string) userSpec {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return userSpec{err: errors.New("want NAME:PASSWORD[:ADDR,ADDR...]")}
	}
	v := userSpec{name: name, password: rest}
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
			v.password = rest[:i]
			v.addresses = list
		}
	}
	if v.password == "" {
		return userSpec{name: name, err: fmt.Errorf("user %q: empty password", name)}
	}
	return v
}

// String never shows the password.
func (u *userSpec) String() string {
	if u.name == "" {
		return ""
	}
	return u.name + ":***"
}

// loginSpec is msakit-milter's -user flag, NAME[:ADDR,ADDR...]: a login as
// the MTA reports it ({auth_authen}) and the addresses it may send as.
type loginSpec userSpec

// Set parses NAME[:ADDR,ADDR...]. The name ends at the last colon that is
// followed by an address list (every comma-separated item holding an '@'),
// so a login may itself hold a colon.
func (l *loginSpec) Set(s string) error {
	v := loginSpec{name: s}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		list := strings.Split(s[i+1:], ",")
		all := true
		for _, a := range list {
			all = all && strings.Contains(a, "@")
		}
		if all {
			v.name, v.addresses = s[:i], list
		}
	}
	if v.name == "" {
		return fmt.Errorf("%q: want NAME[:ADDR,ADDR...]", s)
	}
	*l = v
	return nil
}

func (l *loginSpec) String() string {
	if len(l.addresses) == 0 {
		return l.name
	}
	return l.name + ":" + strings.Join(l.addresses, ",")
}
