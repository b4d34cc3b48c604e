package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/msaconfig"
	"github.com/msakit/msakit/examples/internal/redistest"
	"github.com/msakit/msakit/submission"
)

// TestLimitFlags: the limit flags reach the Agent's Config; a bad one is
// refused at start with one line naming it.
func TestLimitFlags(t *testing.T) {
	t.Parallel()
	l, err := configure([]string{"-limit-messages", "100/1h", "-limit-recipients", "500/1h", "-limits-fail-open"})
	if err != nil {
		t.Fatal(err)
	}
	want := submission.Limits{
		Messages:            submission.Limit{Max: 100, Per: time.Hour},
		Recipients:          submission.Limit{Max: 500, Per: time.Hour},
		AuthFailuresPerIP:   submission.Limit{Max: 10, Per: 15 * time.Minute},
		AuthFailuresPerUser: submission.Limit{Max: 30, Per: 15 * time.Minute},
		FailOpen:            true,
	}
	if got := l.Limits(); got != want {
		t.Errorf("limits = %+v, want %+v", got, want)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-limit-messages", "100"}, `-limit-messages: "100": want N/DURATION such as 100/1h, or 0 for no limit`},
		{[]string{"-limit-recipients", "lots/1h"}, `-limit-recipients: "lots/1h": count "lots": want a whole number of at least 1`},
		{[]string{"-limit-auth-failures", "10/forever"}, `-limit-auth-failures: "10/forever": duration "forever": want a positive duration such as 1h or 15m`},
		{[]string{"-limit-auth-failures-per-user", "-3/1h"}, `-limit-auth-failures-per-user: "-3/1h": count "-3": want a whole number of at least 1`},
		{[]string{"-redis-prefix", ""}, `-redis-prefix: must not be empty`},
	} {
		if _, err := configure(bad.args); !errors.Is(err, msaconfig.ErrUsage) || err.Error() != bad.want {
			t.Errorf("configure(%q) = %v, want the usage error %s", bad.args, err, bad.want)
		}
	}
	l, err = configure([]string{"-redis", "redis://:hunter2@127.0.0.1:6390/1", "-listen", "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if s := l.LimitsBanner(); strings.Contains(s, "hunter2") || !strings.Contains(s, "Redis 127.0.0.1:6390 (fail closed)") {
		t.Errorf("banner line %q: want the Redis address without its password", s)
	}
}

// msaProc is examples/msa running as its own process.
type msaProc struct {
	cmd   *exec.Cmd
	addr  string // STARTTLS listener
	spool string
	log   string // its standard error
	done  chan error
}

// buildMSA builds this program into a temporary directory.
func buildMSA(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build examples/msa")
	}
	bin := filepath.Join(t.TempDir(), "msa")
	if out, err := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProc starts bin on a free loopback port with alice and bob as users
// and a fresh spool. At the end of the test it is stopped with SIGTERM; it
// must exit with status 0 and must not have panicked.
func startProc(t *testing.T, bin string, extra ...string) *msaProc {
	t.Helper()
	dir := t.TempDir()
	p := &msaProc{spool: filepath.Join(dir, "spool"), log: filepath.Join(dir, "stderr"), done: make(chan error, 1)}
	args := append([]string{
		"-listen", "127.0.0.1:0",
		"-hostname", "msa.example.org",
		"-spool", p.spool,
		"-user", testUser + ":" + testPassword + ":" + testFrom,
		"-user", "bob:b0b-pass:bob@example.org",
	}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	stderr, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	p.cmd.Stderr = stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	banner := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "submission (STARTTLS): "); ok {
				banner <- a
			}
		}
		close(banner)
	}()
	select {
	case p.addr = <-banner:
	case <-time.After(30 * time.Second):
	}
	if p.addr == "" {
		t.Fatalf("examples/msa did not start:\n%s", p.stderr())
	}
	return p
}

func (p *msaProc) stderr() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// stop ends the process with SIGTERM and checks how it ended.
func (p *msaProc) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("examples/msa exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Error("examples/msa ignored SIGTERM for 20 s")
	}
	if log := p.stderr(); strings.Contains(log, "panic") || strings.Contains(log, "goroutine ") {
		t.Errorf("examples/msa panicked:\n%s", log)
	}
}

// spooledIDs returns the Message-IDs of the messages in p's spool, each
// with its recipient count.
func (p *msaProc) spooledIDs(t *testing.T) map[string]int {
	t.Helper()
	if _, err := os.Stat(p.spool); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ids := map[string]int{}
	re := regexp.MustCompile(`(?m)^Message-ID: (<[^>]+>)\r$`)
	for _, m := range readSpool(t, p.spool) {
		match := re.FindSubmatch(m.eml)
		if match == nil {
			t.Fatalf("spooled %s has no Message-ID", m.id)
		}
		ids[string(match[1])] = len(m.rec.Recipients)
	}
	return ids
}

// limitMessage is a message from alice with the given Message-ID.
func limitMessage(id string) string {
	return "From: Alice <alice@example.org>\r\n" +
		"To: Bob <bob@example.net>\r\n" +
		"Subject: limits\r\n" +
		"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
		"Message-ID: " + id + "\r\n" +
		"\r\n" +
		"Hello.\r\n"
}

// runPythonJSON runs a Python script with args and decodes the JSON it
// prints into v.
func runPythonJSON(t *testing.T, py, script string, v any, args ...string) {
	t.Helper()
	out, errOut, err := runProgram(t, nil, py, append([]string{"-c", script}, args...)...)
	if err != nil {
		t.Fatalf("python3: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("python3 output %q: %v", out, err)
	}
}

// pythonLimitClient sends messages from several threads at once, each to
// the two servers in turn, with smtplib, and prints one JSON record per
// message: server, Message-ID, the stage that refused it ("" when
// accepted) and the reply.
const pythonLimitClient = `
import json, smtplib, ssl, sys, threading
servers = sys.argv[1].split(",")
user, password, threads, each = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
lock = threading.Lock()
out = []
def message(mid):
    return ("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: limits\r\n"
            "Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nMessage-ID: %s\r\n\r\nHello.\r\n" % mid).encode()
def worker(n):
    conns = {}
    for i in range(each):
        srv = servers[(n + i) % len(servers)]
        if srv not in conns:
            host, port = srv.rsplit(":", 1)
            s = smtplib.SMTP(host, int(port), local_hostname="python.example.net", timeout=30)
            s.starttls(context=ctx)
            s.login(user, password)
            conns[srv] = s
        s = conns[srv]
        mid = "<py-%d-%d@example.org>" % (n, i)
        rec = {"server": srv, "id": mid, "stage": "", "code": 250, "reply": ""}
        try:
            s.sendmail("alice@example.org", ["bob@example.net"], message(mid))
        except smtplib.SMTPSenderRefused as e:
            rec.update(stage="mail", code=e.smtp_code, reply=e.smtp_error.decode())
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = list(e.recipients.values())[0]
            rec.update(stage="rcpt", code=code, reply=msg.decode())
        except smtplib.SMTPDataError as e:
            rec.update(stage="data", code=e.smtp_code, reply=e.smtp_error.decode())
        with lock:
            out.append(rec)
    for s in conns.values():
        s.quit()
ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(out))
`

// TestSharedLimit_Messages: two MSA processes share one Redis; Python
// smtplib clients submit concurrently to both; exactly the limit is
// accepted in all (not per process), every refusal is 451 4.7.1 with the
// time left, and the spools hold exactly the messages that got 250.
func TestSharedLimit_Messages(t *testing.T) {
	t.Parallel()
	py := needProgram(t, "python3")
	rdb := redistest.Start(t)
	bin := buildMSA(t)
	const limit = 10
	flags := []string{"-redis", rdb.Addr, "-limit-messages", fmt.Sprintf("%d/1h", limit)}
	procs := []*msaProc{startProc(t, bin, flags...), startProc(t, bin, flags...)}
	var recs []struct {
		Server, ID, Stage, Reply string
		Code                     int
	}
	runPythonJSON(t, py, pythonLimitClient, &recs, procs[0].addr+","+procs[1].addr, testUser, testPassword, "6", "5")
	accepted := map[string]map[string]bool{}
	for _, r := range recs {
		switch {
		case r.Code == 250:
			if accepted[r.Server] == nil {
				accepted[r.Server] = map[string]bool{}
			}
			accepted[r.Server][r.ID] = true
		case r.Code != 451 || !strings.HasPrefix(r.Reply, "4.7.1 ") || !strings.Contains(r.Reply, "try again in"):
			t.Errorf("%s refused at %s with %d %q, want 451 4.7.1 with the time left", r.ID, r.Stage, r.Code, r.Reply)
		}
	}
	total := 0
	for _, p := range procs {
		total += len(accepted[p.addr])
		spooled := p.spooledIDs(t)
		if len(spooled) != len(accepted[p.addr]) {
			t.Errorf("%s: %d messages got 250, %d are in its spool", p.addr, len(accepted[p.addr]), len(spooled))
		}
		for id := range accepted[p.addr] {
			if _, ok := spooled[id]; !ok {
				t.Errorf("%s: %s got 250 but is not in the spool", p.addr, id)
			}
		}
	}
	if len(recs) != 30 || total != limit {
		t.Fatalf("%d of %d concurrent messages accepted over two processes (%d + %d), want exactly %d",
			total, len(recs), len(accepted[procs[0].addr]), len(accepted[procs[1].addr]), limit)
	}
}

// TestSharedLimit_Recipients: two MSA processes share one Redis; Go
// clients submit concurrently to both, three recipients a message;
// exactly the limit of recipients is accepted in all, each refused RCPT is
// 452 4.5.3, recipients of a transaction that was reset count for nothing,
// and swaks, a real client, then sees the refusal.
func TestSharedLimit_Recipients(t *testing.T) {
	t.Parallel()
	swaks := needProgram(t, "swaks")
	rdb := redistest.Start(t)
	bin := buildMSA(t)
	const limit = 25
	flags := []string{"-redis", rdb.Addr, "-limit-recipients", fmt.Sprintf("%d/1h", limit)}
	procs := []*msaProc{startProc(t, bin, flags...), startProc(t, bin, flags...)}

	// A transaction that is reset gives its recipients back.
	c, err := dialLogin(procs[0].addr, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(testFrom, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := c.Rcpt(fmt.Sprintf("reset%d@example.net", i), nil); err != nil {
			t.Fatalf("RCPT before RSET: %v", err)
		}
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acceptedRcpts := map[string]int{}
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			conns := map[string]*smtp.Client{}
			defer func() {
				for _, c := range conns {
					_ = c.Close()
				}
			}()
			for i := range 3 {
				p := procs[(g+i)%2]
				c := conns[p.addr]
				if c == nil {
					var err error
					if c, err = dialLogin(p.addr, "127.0.0.1"); err != nil {
						t.Error(err)
						return
					}
					conns[p.addr] = c
				}
				n, err := sendRcpts(c, fmt.Sprintf("<go-%d-%d@example.org>", g, i), 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acceptedRcpts[p.addr] += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	total := 0
	for _, p := range procs {
		spooled := 0
		for _, n := range p.spooledIDs(t) {
			spooled += n
		}
		if spooled != acceptedRcpts[p.addr] {
			t.Errorf("%s: %d recipients got 250, the spool holds %d", p.addr, acceptedRcpts[p.addr], spooled)
		}
		total += acceptedRcpts[p.addr]
	}
	if total != limit {
		t.Fatalf("%d of 90 recipients accepted over two processes (%d + %d), want exactly %d",
			total, acceptedRcpts[procs[0].addr], acceptedRcpts[procs[1].addr], limit)
	}

	out, errOut, err := runProgram(t, nil, swaks, "--server", procs[1].addr, "--tls",
		"--auth", "PLAIN", "--auth-user", testUser, "--auth-password", testPassword,
		"--from", testFrom, "--to", testRcpt, "--helo", "swaks.example.net")
	if err == nil {
		t.Fatalf("swaks succeeded over the limit:\n%s", out)
	}
	// swaks marks a refusal "<~*" under TLS.
	if !regexp.MustCompile(`(?m)^<~\* 452 4\.5\.3 Sending limit of 25 recipients per 1h reached, try again in (1h|59m)$`).MatchString(out) {
		t.Errorf("swaks did not see 452 4.5.3 with the time left:\n%s\n%s", out, errOut)
	}
}

// dialLogin connects from the local address src (127.0.0.x: every
// loopback address is the machine's own), starts TLS and logs in as alice.
func dialLogin(addr, src string) (*smtp.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c, err := smtp.NewClientStartTLS(nc, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("connecting to %s from %s: %w", addr, src, err)
	}
	if err := c.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("AUTH on %s from %s: %w", addr, src, err)
	}
	return c, nil
}

// sendRcpts sends one message to n recipients and returns how many RCPTs
// were accepted. A RCPT refused with 452 4.5.3 and the time left (the
// recipient limit) is skipped; any other refusal resets the transaction
// and is returned; a transaction with no recipient accepted is reset.
func sendRcpts(c *smtp.Client, id string, n int) (int, error) {
	if err := c.Mail(testFrom, nil); err != nil {
		return 0, fmt.Errorf("MAIL: %w", err)
	}
	ok := 0
	for i := range n {
		err := c.Rcpt(fmt.Sprintf("r%d@example.net", i), nil)
		if err == nil {
			ok++
			continue
		}
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 452 || se.EnhancedCode != (smtp.EnhancedCode{4, 5, 3}) || !strings.Contains(se.Message, "try again in") {
			return 0, errors.Join(fmt.Errorf("RCPT: %w", err), c.Reset())
		}
	}
	if ok == 0 {
		return 0, c.Reset()
	}
	w, err := c.Data()
	if err != nil {
		return 0, fmt.Errorf("DATA: %w", err)
	}
	if _, err := io.WriteString(w, limitMessage(id)); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("end of data: %w", err)
	}
	return ok, nil
}

// attempt is the outcome of one message a sender tried.
type attempt struct {
	id  string
	err error // nil: 250 at the end of data
}

// sender sends messages on one connection until stop is closed, one
// recipient each, and reports every outcome.
func sender(addr, name string, stop <-chan struct{}, out chan<- attempt) error {
	c, err := dialLogin(addr, "127.0.0.1")
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return c.Quit()
		default:
		}
		id := fmt.Sprintf("<%s-%d@example.org>", name, i)
		_, err := sendRcpts(c, id, 1)
		var se *smtp.SMTPError
		if err != nil && !errors.As(err, &se) {
			return fmt.Errorf("%s: %w", id, err) // the connection broke
		}
		out <- attempt{id: id, err: err}
		if err != nil {
			time.Sleep(10 * time.Millisecond) // a client pauses after a 4xx
		}
	}
}

// TestSharedLimit_RedisKilled: two MSA processes count in one Redis, one
// failing closed (the default) and one failing open; Redis is killed while
// clients submit to both, then started again. Failing closed refuses with
// 451 4.3.0 during the outage, failing open accepts; both log the failure
// at Error, neither panics or drops a connection, failing closed accepts
// again once Redis is back, and each spool holds exactly the messages that
// got 250.
func TestSharedLimit_RedisKilled(t *testing.T) {
	t.Parallel()
	rdb := redistest.Start(t)
	bin := buildMSA(t)
	flags := []string{"-redis", rdb.Addr, "-limit-messages", "100000/1h", "-limit-recipients", "100000/1h"}
	closed := startProc(t, bin, flags...)
	open := startProc(t, bin, append(flags, "-limits-fail-open")...)

	stop := make(chan struct{})
	results := map[*msaProc]chan attempt{closed: make(chan attempt, 1<<14), open: make(chan attempt, 1<<14)}
	var wg sync.WaitGroup
	for _, p := range []*msaProc{closed, open} {
		for i := range 2 {
			wg.Go(func() {
				if err := sender(p.addr, fmt.Sprintf("%s-%d", filepath.Base(filepath.Dir(p.spool)), i), stop, results[p]); err != nil {
					t.Errorf("sender on %s: %v", p.addr, err)
				}
			})
		}
	}
	// Probes: connections logged in before the outage, for a message
	// sent when Redis is known to be down, and again when it is back.
	probes := map[*msaProc]*smtp.Client{}
	for _, p := range []*msaProc{closed, open} {
		c, err := dialLogin(p.addr, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		probes[p] = c
	}
	probe := func(p *msaProc, id string) error {
		_, err := sendRcpts(probes[p], id, 1)
		results[p] <- attempt{id: id, err: err}
		return err
	}
	time.Sleep(300 * time.Millisecond) // the senders are under way
	rdb.Kill()
	time.Sleep(300 * time.Millisecond) // the senders meet the outage
	if err := probe(closed, "<probe-closed-down@example.org>"); !isReply(err, 451, "4.3.0") {
		t.Errorf("failing closed with Redis down: %v, want 451 4.3.0", err)
	}
	if err := probe(open, "<probe-open-down@example.org>"); err != nil {
		t.Errorf("failing open with Redis down: %v, want 250", err)
	}
	// AUTH is throttled through Redis too: failing closed refuses it with
	// 454 4.7.0, failing open checks the password.
	if _, err := dialLogin(closed.addr, "127.0.0.1"); !isReply(err, 454, "4.7.0") {
		t.Errorf("AUTH failing closed with Redis down: %v, want 454 4.7.0", err)
	}
	if c, err := dialLogin(open.addr, "127.0.0.1"); err != nil {
		t.Errorf("AUTH failing open with Redis down: %v", err)
	} else {
		_ = c.Close()
	}
	rdb.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		err := probe(closed, fmt.Sprintf("<probe-closed-up-%d@example.org>", i))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("failing closed after Redis came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	for _, p := range []*msaProc{closed, open} {
		close(results[p])
		accepted, refused := map[string]bool{}, 0
		for a := range results[p] {
			switch {
			case a.err == nil:
				accepted[a.id] = true
			case p == closed && isReply(a.err, 451, "4.3.0"):
				refused++
			default:
				t.Errorf("%s: %s refused with %v", p.addr, a.id, a.err)
			}
		}
		spooled := p.spooledIDs(t)
		for id := range accepted {
			if _, ok := spooled[id]; !ok {
				t.Errorf("%s: %s got 250 and is not in the spool", p.addr, id)
			}
		}
		for id := range spooled {
			if !accepted[id] {
				t.Errorf("%s: %s is in the spool without having got 250", p.addr, id)
			}
		}
		t.Logf("%s: %d accepted, %d refused with 451 4.3.0", p.addr, len(accepted), refused)
		if p == closed && refused == 0 {
			t.Errorf("%s failed closed but refused nothing", p.addr)
		}
	}
	for p, want := range map[*msaProc]string{closed: `level=ERROR msg="limit store failed, failing closed"`, open: `level=ERROR msg="limit store failed, failing open"`} {
		log := p.stderr()
		if !strings.Contains(log, want) || !strings.Contains(log, "redislimit") {
			t.Errorf("%s did not log the Redis failure at Error (%s):\n%s", p.addr, want, log)
		}
		// One outage, not one record per refused command (6,408 in 0.6 s
		// before): a record when it starts, maybe one more if Redis
		// flaps while it restarts, and one when it answers again.
		n := strings.Count(log, "level=ERROR")
		t.Logf("%s: %d Error records, %d log lines in all", p.addr, n, strings.Count(log, "\n"))
		if n > 4 {
			t.Errorf("%s logged %d Error records for one Redis outage, want at most 4", p.addr, n)
		}
		if !strings.Contains(log, `level=WARN msg="limit store answers again"`) {
			t.Errorf("%s did not log that Redis answers again", p.addr)
		}
	}
}

// isReply reports whether err is an SMTP reply with code and enhanced code.
func isReply(err error, code int, enh string) bool {
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != code {
		return false
	}
	e := se.EnhancedCode
	return fmt.Sprintf("%d.%d.%d", e[0], e[1], e[2]) == enh
}

// pythonBruteForce guesses passwords with smtplib: conns connections from
// one address, each trying up to tries wrong passwords, connections going
// to the servers in turn; then the right password from another address,
// and from the guessing one. It prints what each step got as JSON: the
// reply code, or "closed" when the server had closed the connection.
const pythonBruteForce = `
import json, smtplib, ssl, sys
servers = sys.argv[1].split(",")
user, password, attacker, other = sys.argv[2:6]
conns, tries = int(sys.argv[6]), int(sys.argv[7])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def connect(srv, src):
    host, port = srv.rsplit(":", 1)
    s = smtplib.SMTP(host, int(port), local_hostname="python.example.net", timeout=30, source_address=(src, 0))
    s.starttls(context=ctx)
    s.ehlo()
    return s
def auth(s, pw):
    s.user, s.password = user, pw
    try:
        return [s.auth("PLAIN", s.auth_plain)[0], ""]
    except smtplib.SMTPAuthenticationError as e:
        return [e.smtp_code, e.smtp_error.decode()]
    except smtplib.SMTPServerDisconnected:
        return ["closed", ""]
out = {"guesses": []}
for n in range(conns):
    s = connect(servers[n % len(servers)], attacker)
    for i in range(tries):
        r = auth(s, "wrong-%d-%d" % (n, i))
        out["guesses"].append([n] + r)
        if r[0] == "closed":
            break
    s.close()
s = connect(servers[1 % len(servers)], other)
out["other"] = auth(s, password)
if out["other"][0] == 235:
    s.sendmail("alice@example.org", ["bob@example.net"],
        b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: hi\r\nDate: Mon, 23 Nov 2026 19:00:00 +0000\r\nMessage-ID: <bf@example.org>\r\n\r\nHi.\r\n")
    out["sent"] = True
s.quit()
s = connect(servers[0], attacker)
out["attacker_right"] = auth(s, password)
s.close()
print(json.dumps(out))
`

// TestAuthBruteForce: 50 wrong passwords over 5 connections from
// 127.0.0.2, to two MSA processes sharing one Redis, with the default
// throttle (10 failures per address per 15 minutes): exactly 10 are
// checked (535 5.7.8), the rest get 454 4.7.0 until the third refusal on a
// connection, 421 4.7.0, after which the server has closed it; so the
// 50th guess is never made. The right password from 127.0.0.3 works and
// sends a message; from 127.0.0.2 it is throttled too.
func TestAuthBruteForce(t *testing.T) {
	t.Parallel()
	py := needProgram(t, "python3")
	rdb := redistest.Start(t)
	bin := buildMSA(t)
	procs := []*msaProc{startProc(t, bin, "-redis", rdb.Addr), startProc(t, bin, "-redis", rdb.Addr)}
	var got struct {
		Guesses       [][]any
		Other         []any
		Sent          bool
		AttackerRight []any `json:"attacker_right"`
	}
	runPythonJSON(t, py, pythonBruteForce, &got, procs[0].addr+","+procs[1].addr,
		testUser, testPassword, "127.0.0.2", "127.0.0.3", "5", "10")
	checked, made := 0, 0
	last := map[float64]any{} // connection -> what its previous guess got
	for _, g := range got.Guesses {
		n, code, text := g[0].(float64), g[1], g[2].(string)
		switch {
		case code == "closed":
			if last[n] != 421.0 {
				t.Errorf("connection %v closed after %v, want only after 421", n, last[n])
			}
		case code == 535.0:
			checked++
			made++
		case code == 454.0 && strings.HasPrefix(text, "4.7.0 ") && strings.Contains(text, "try again in"):
			made++
		case code == 421.0 && strings.HasPrefix(text, "4.7.0 "):
			made++
		default:
			t.Errorf("connection %v: guess got %v %q", n, code, text)
		}
		last[n] = code
	}
	if checked != 10 || made >= 50 {
		t.Errorf("%d guesses reached a server, %d of them checked (535); want exactly 10 checked and fewer than 50 made:\n%v", made, checked, got.Guesses)
	}
	if got.Other[0] != 235.0 || !got.Sent {
		t.Errorf("right password from another address: %v (sent %v), want 235 and the message sent", got.Other, got.Sent)
	}
	if got.AttackerRight[0] != 454.0 {
		t.Errorf("right password from the guessing address: %v, want 454 (not checked)", got.AttackerRight)
	}
	if n := len(procs[1].spooledIDs(t)); n != 1 {
		t.Errorf("%d messages spooled, want the one sent after logging in", n)
	}
}
