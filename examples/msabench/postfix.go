package main

import (
	"context"
	"strings"

	"github.com/msakit/msakit/examples/internal/postfix"
)

// postfixServer is a private Postfix instance (examples/internal/postfix)
// with an smtpd on a free loopback port.
type postfixServer struct {
	*postfix.Instance
	host string
}

// postfixMain is main.cf. Every message is held in the queue (HOLD), so it
// is fsynced before 250 as msa's spool is and no delivery runs during the
// measurement. Loopback is trusted, as msa's -trusted 127.0.0.0/8.
const postfixMain = `compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.example.org
mydomain = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_client_access static:HOLD, permit_mynetworks, reject
smtpd_banner = $myhostname ESMTP
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
biff = no
alias_maps =
alias_database =
`

// startPostfix starts a private Postfix under dir. It needs root and
// Debian's postfix package.
func startPostfix(ctx context.Context, dir string) (*postfixServer, error) {
	addr, err := postfix.FreePort()
	if err != nil {
		return nil, err
	}
	i, err := postfix.Start(ctx, dir, postfix.Config{
		Main:   postfixMain,
		Master: postfix.Master + strings.ReplaceAll("{{addr}} inet n - n - - smtpd\n", "{{addr}}", addr),
		Listen: []string{addr},
	})
	if err != nil {
		return nil, err
	}
	return &postfixServer{Instance: i, host: addr}, nil
}

func (s *postfixServer) addr() string { return s.host }
func (s *postfixServer) pid() int     { return s.PID() }
func (s *postfixServer) stop() error  { return s.Stop() }
