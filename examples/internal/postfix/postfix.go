// Package postfix runs a private Postfix instance for tests and benchmarks:
// its own config_directory, queue_directory and data_directory under one
// directory, nothing shared with a system Postfix. It needs root (Postfix's
// master runs as root and its daemons as the postfix user) and Debian's
// postfix package.
package postfix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Master is a master.cf for a private instance: the services a queue
// needs, none chrooted (the instance has no chroot files). Append the
// smtpd services.
const Master = `pickup    unix  n - n 60 1 pickup
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

// Config is what a private instance runs with. In Main, Master and Files,
// "{{dir}}" stands for the instance directory.
type Config struct {
	// Main is main.cf. Start prepends queue_directory, data_directory,
	// maillog_file and maillog_file_prefixes under the instance directory.
	Main string
	// Master is master.cf, usually Master plus the smtpd services.
	Master string
	// Files are more files for the config directory, by relative path,
	// such as "sasl/smtpd.conf" (Debian's Cyrus SASL looks there).
	Files map[string]string
	// Listen are the addresses Start waits for until they accept
	// connections.
	Listen []string
}

// Instance is a running private Postfix.
type Instance struct {
	dir, etc string
	master   int
}

// Start writes c under dir and starts Postfix with it. dir must exist;
// the postfix user must reach it, so Start makes it 0755.
func Start(ctx context.Context, dir string, c Config) (*Instance, error) {
	if _, err := exec.LookPath("postfix"); err != nil {
		return nil, fmt.Errorf("postfix is not installed (Debian: apt-get install postfix): %w", err)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("a private Postfix instance needs root")
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	i := &Instance{dir: dir, etc: filepath.Join(dir, "etc")}
	for _, d := range []string{i.etc, filepath.Join(dir, "queue"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// master takes its lock in data_directory as the mail_owner.
	if err := ChownPostfix(filepath.Join(dir, "data")); err != nil {
		return nil, err
	}
	r := strings.NewReplacer("{{dir}}", dir)
	files := map[string]string{
		"main.cf": "queue_directory = {{dir}}/queue\ndata_directory = {{dir}}/data\n" +
			"maillog_file = {{dir}}/maillog\nmaillog_file_prefixes = {{dir}}\n" + c.Main,
		"master.cf": c.Master,
	}
	for name, text := range c.Files {
		files[name] = text
	}
	for name, text := range files {
		p := filepath.Join(i.etc, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(r.Replace(text)), 0o644); err != nil {
			return nil, err
		}
	}
	if out, err := exec.CommandContext(ctx, "postfix", "-c", i.etc, "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("postfix start: %w\n%s%s", err, out, i.Log())
	}
	for _, a := range c.Listen {
		if err := WaitListening(ctx, a); err != nil {
			return nil, errors.Join(fmt.Errorf("postfix did not listen on %s: %w\n%s", a, err, i.Log()), i.Stop())
		}
	}
	pidFile := filepath.Join(dir, "queue", "pid", "master.pid")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			if i.master, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return i, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.Join(fmt.Errorf("postfix master pid: %w", err), i.Stop())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PID returns the master process, the root of the instance's processes.
func (i *Instance) PID() int { return i.master }

// Etc returns the config directory, for postconf -c and postcat -c.
func (i *Instance) Etc() string { return i.etc }

// Log returns the instance's log (maillog_file), "" when there is none.
func (i *Instance) Log() string {
	b, _ := os.ReadFile(filepath.Join(i.dir, "maillog"))
	return string(b)
}

// Stop stops the instance and waits until none of its processes is left:
// every process that has this instance's MAIL_CONFIG in its environment
// (postfix start sets it, and master passes it on to its daemons).
func (i *Instance) Stop() error {
	out, err := exec.Command("postfix", "-c", i.etc, "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("postfix stop: %w\n%s", err, out)
	}
	var left []int
	for range 100 {
		if left = i.Processes(); len(left) == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("postfix processes %v still running after stop", left)
}

// Processes lists the live processes of the instance, by the
// MAIL_CONFIG=config-directory entry of their environment.
func (i *Instance) Processes() []int {
	mark := []byte("MAIL_CONFIG=" + i.etc + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil || !bytes.Contains(append(env, 0), mark) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ChownPostfix gives path to the postfix user.
func ChownPostfix(path string) error {
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

// MakeCert writes a self-signed certificate for name and its key as PEM
// files, for smtpd_tls_cert_file and smtpd_tls_key_file. It runs openssl,
// which Debian's postfix depends on (through ssl-cert).
func MakeCert(ctx context.Context, certFile, keyFile, name string) error {
	out, err := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "ec",
		"-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
		"-subj", "/CN="+name, "-keyout", keyFile, "-out", certFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("openssl req: %w\n%s", err, out)
	}
	return nil
}

// FreePort returns a loopback address with a port that was free a moment
// ago.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// WaitListening waits up to 20 s until addr accepts connections.
func WaitListening(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
