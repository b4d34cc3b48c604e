package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// postfixServer is a private Postfix instance: its own config_directory,
// queue and data directories under dir, an smtpd on a free loopback port,
// nothing shared with a system Postfix.
type postfixServer struct {
	etc  string
	host string
	root int // the master process
}

// postfixMain is main.cf. Every message is held in the queue (HOLD), so it
// is fsynced before 250 as msa's spool is and no delivery runs during the
// measurement. Loopback is trusted, as msa's -trusted 127.0.0.0/8.
const postfixMain = `compatibility_level = 3.6
queue_directory = {{dir}}/queue
data_directory = {{dir}}/data
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
maillog_file = {{dir}}/maillog
maillog_file_prefixes = {{dir}}
alias_maps =
alias_database =
`

// postfixMaster is master.cf: the smtpd on the chosen port and the services
// a queue needs, none chrooted (the queue directory holds no chroot files).
const postfixMaster = `{{addr}} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`

// startPostfix writes a private configuration under dir and starts Postfix
// with it. It needs root (Postfix's master runs as root) and Debian's postfix
// package.
func startPostfix(ctx context.Context, dir string) (*postfixServer, error) {
	if _, err := exec.LookPath("postfix"); err != nil {
		return nil, fmt.Errorf("postfix is not installed (Debian: apt-get install postfix): %w", err)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("a private Postfix instance needs root")
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	// The postfix user must reach the queue below dir (MkdirTemp made it 0700).
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	etc := filepath.Join(dir, "etc")
	for _, d := range []string{etc, filepath.Join(dir, "queue"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// master takes its lock in data_directory as the mail_owner.
	if err := chownPostfix(filepath.Join(dir, "data")); err != nil {
		return nil, err
	}
	r := strings.NewReplacer("{{dir}}", dir, "{{addr}}", addr)
	if err := os.WriteFile(filepath.Join(etc, "main.cf"), []byte(r.Replace(postfixMain)), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(etc, "master.cf"), []byte(r.Replace(postfixMaster)), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.CommandContext(ctx, "postfix", "-c", etc, "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("postfix start: %w\n%s", err, out)
	}
	s := &postfixServer{etc: etc, host: addr}
	if err := waitListening(ctx, addr); err != nil {
		s.stop()
		return nil, fmt.Errorf("postfix did not listen on %s: %w", addr, err)
	}
	pidFile := filepath.Join(dir, "queue", "pid", "master.pid")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			if s.root, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("postfix master pid: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// chownPostfix gives path to the postfix user.
func chownPostfix(path string) error {
	u, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("no postfix user: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	return os.Chown(path, uid, -1)
}

func (s *postfixServer) addr() string { return s.host }
func (s *postfixServer) pid() int     { return s.root }

// stop stops the instance and waits for its master to exit.
func (s *postfixServer) stop() error {
	out, err := exec.Command("postfix", "-c", s.etc, "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("postfix stop: %w\n%s", err, out)
	}
	for range 100 {
		if s.root == 0 {
			return nil
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", s.root)); err != nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("postfix master %d still running", s.root)
}
