package milter

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/postfix"
	"github.com/msakit/msakit/examples/internal/realclient"
)

// postfixSetup is a private Postfix (examples/internal/postfix) configured
// with README.md's main.cf and master.cf lines, SASL from a private Cyrus
// sasldb, and two submission services on free loopback ports: one with
// msakit's milter, one without. Mail is relayed to a sink, or held.
type postfixSetup struct {
	pf       *postfix.Instance
	with     string // submission service with the milter
	without  string // the same service without it
	sink     *sink
	password string
}

// postfixUser is the SASL login: Cyrus's user@realm form, which is also
// the user's address, as with Dovecot's usual logins.
const postfixUser = "alice@example.org"

// postfixMain is the part of main.cf that README.md leaves to the site:
// the instance, TLS and SASL. message_drop_headers keeps Bcc so that msakit,
// not Postfix, is seen removing it.
const postfixMain = `compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.org
mydomain = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
relayhost = [127.0.0.1]:{{sink}}
smtp_tls_security_level = none
smtpd_tls_cert_file = {{dir}}/cert.pem
smtpd_tls_key_file = {{dir}}/key.pem
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {{dir}}/etc/sasl
message_drop_headers = content-length, return-path
alias_maps =
alias_database =
biff = no
`

// startPostfix starts a sink and a private Postfix whose submission
// service uses the milter at milterAddr; hold keeps accepted mail in
// Postfix's hold queue instead of relaying it (for benchmarks: no delivery
// competes for the CPU). logs is the milter's log, shown when the test
// fails. Everything stops with the test.
func startPostfix(tb testing.TB, hold bool, milterAddr string, logs fmt.Stringer) *postfixSetup {
	tb.Helper()
	if os.Geteuid() != 0 {
		realclient.Missing(tb, "a private Postfix instance needs root", "")
	}
	realclient.Need(tb, "postfix", "postfix")
	saslpasswd2 := realclient.Need(tb, "saslpasswd2", "sasl2-bin")
	if m, _ := filepath.Glob("/usr/lib/*/sasl2/libplain.so*"); len(m) == 0 {
		realclient.Missing(tb, "Cyrus SASL's PLAIN plugin not found", "libsasl2-modules")
	}
	ctx := context.Background()
	s := &postfixSetup{sink: &sink{}, password: "pf-s3cret"}
	sinkAddr := serveOn(tb, s.sink.server().Serve, func() error { return nil })

	dir := tb.TempDir()
	// The postfix user must reach dir; TempDir's parent is the test's own.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := postfix.MakeCert(ctx, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "mx.example.org"); err != nil {
		tb.Fatal(err)
	}
	db := filepath.Join(dir, "sasldb2")
	user, realm, _ := strings.Cut(postfixUser, "@")
	cmd := exec.CommandContext(ctx, saslpasswd2, "-f", db, "-c", "-p", "-u", realm, user)
	cmd.Stdin = strings.NewReader(s.password)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("saslpasswd2: %v\n%s", err, out)
	}
	if err := postfix.ChownPostfix(db); err != nil {
		tb.Fatal(err)
	}

	var err error
	if s.with, err = postfix.FreePort(); err != nil {
		tb.Fatal(err)
	}
	if s.without, err = postfix.FreePort(); err != nil {
		tb.Fatal(err)
	}
	_, sinkPort, _ := net.SplitHostPort(sinkAddr)
	service := readmeBlock(tb, "`master.cf` —")
	service = strings.ReplaceAll(service, "inet:127.0.0.1:8891", "inet:"+milterAddr)
	if hold {
		service += "  -o smtpd_recipient_restrictions=check_client_access,static:HOLD,permit_sasl_authenticated,reject\n"
	}
	withSvc := onPort(tb, service, s.with)
	withoutSvc := onPort(tb, dropLine(service, "smtpd_milters="), s.without)
	s.pf, err = postfix.Start(ctx, dir, postfix.Config{
		Main:   strings.ReplaceAll(postfixMain, "{{sink}}", sinkPort) + readmeBlock(tb, "`main.cf` —"),
		Master: postfix.Master + withSvc + withoutSvc,
		Files: map[string]string{
			"sasl/smtpd.conf": "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: {{dir}}/sasldb2\n",
		},
		Listen: []string{s.with, s.without},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.pf.Stop(); err != nil {
			tb.Errorf("stopping Postfix: %v", err)
		}
		if left := s.pf.Processes(); len(left) > 0 {
			tb.Errorf("Postfix processes left: %v", left)
		}
		if tb.Failed() {
			tb.Logf("Postfix log:\n%s\nmsakit log:\n%s", s.pf.Log(), logs)
		}
	})
	return s
}

// milterCommand is examples/msakit-milter running as its own process
// from a config file, as an operator runs it.
type milterCommand struct {
	addr    string               // where it listens
	logs    *extest.LockedBuffer // its standard error
	records dkimtest.Records     // its DKIM key's DNS record
}

// milterConfig is the command's config file: alice (her SASL login is her
// address) may send as it and, to see Postfix apply CHGFROM, DELRCPT and
// ADDRCPT, as old.example.org, which becomes example.org; single-label
// recipients are expanded; mail from example.org is signed.
const milterConfig = `hostname = "msa.example.org"
domain = "example.org"
expand-single-level = true
dkim-key = ["example.org:milter:{{key}}"]

[[user]]
name = "` + postfixUser + `"
addresses = ["@old.example.org"]

[rewrite]
domains = { "old.example.org" = "example.org" }

[milter]
listen = "127.0.0.1:0"
`

// startCommand builds examples/msakit-milter and runs it with milterConfig
// and a new Ed25519 key (selector "milter"). At the end of the test it is
// stopped with SIGTERM and must exit with status 0.
func startCommand(tb testing.TB) *milterCommand {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go command on PATH to build examples/msakit-milter")
	}
	dir := tb.TempDir()
	bin := filepath.Join(dir, "msakit-milter")
	if out, err := exec.CommandContext(context.Background(), gobin, "build", "-o", bin, "../msakit-milter").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	key, err := dkim.GenerateKey("ed25519", rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	pem, err := dkim.MarshalPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := dkim.Record(key)
	if err != nil {
		tb.Fatal(err)
	}
	m := &milterCommand{logs: &extest.LockedBuffer{}, records: dkimtest.Records{}}
	m.records.Add("milter", "example.org", rec)
	keyFile, conf := filepath.Join(dir, "milter.pem"), filepath.Join(dir, "msakit.toml")
	if err := os.WriteFile(keyFile, pem, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte(strings.ReplaceAll(milterConfig, "{{key}}", keyFile)), 0o600); err != nil {
		tb.Fatal(err)
	}

	cmd := exec.Command(bin, "-config", conf)
	cmd.Stderr = m.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("msakit-milter: %v\n%s", err, m.logs)
			}
		case <-time.After(40 * time.Second):
			_ = cmd.Process.Kill()
			tb.Errorf("msakit-milter did not stop after SIGTERM\n%s", m.logs)
		}
	})
	sc := bufio.NewScanner(stdout)
	for m.addr == "" && sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "listening on inet:"); ok {
			m.addr, _, _ = strings.Cut(rest, " ")
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if m.addr == "" {
		tb.Fatalf("msakit-milter printed no address:\n%s", m.logs)
	}
	return m
}

// loginAddress is Identify for logins that are addresses.
func loginAddress(_ context.Context, id auth.Identity) (auth.Identity, error) {
	if m, err := envelope.ParseMailbox(id.User()); err == nil {
		id.Address = m
	}
	return id, nil
}

// readmeBlock returns the first indented block after the line of
// README.md's Postfix section that holds marker, unindented.
func readmeBlock(tb testing.TB, marker string) string {
	tb.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		tb.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "## Postfix")
	var out strings.Builder
	found, in := false, false
	for line := range strings.Lines(section) {
		switch {
		case !found:
			found = strings.Contains(line, marker)
		case strings.HasPrefix(line, "    "):
			in = true
			out.WriteString(strings.TrimPrefix(line, "    "))
		case in:
			return out.String()
		}
	}
	tb.Fatalf("README.md has no block after %q", marker)
	return ""
}

// onPort moves README.md's submission service to addr, unchrooted (the
// private instance has no chroot files).
func onPort(tb testing.TB, service, addr string) string {
	tb.Helper()
	re := regexp.MustCompile(`^submission\s+inet\s+n\s+-\s+y\s+-\s+-\s+smtpd\n`)
	if !re.MatchString(service) {
		tb.Fatalf("README.md's master.cf block does not start with the submission service:\n%s", service)
	}
	return re.ReplaceAllString(service, addr+" inet n - n - - smtpd\n")
}

func dropLine(text, containing string) string {
	var out strings.Builder
	for line := range strings.Lines(text) {
		if !strings.Contains(line, containing) {
			out.WriteString(line)
		}
	}
	return out.String()
}

// serveOn runs serve on a free loopback port until the test ends.
func serveOn(tb testing.TB, serve func(net.Listener) error, stop func() error) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = serve(ln); close(done) }()
	tb.Cleanup(func() { _ = stop(); _ = ln.Close(); <-done })
	return ln.Addr().String()
}

// sink is the next hop: an SMTP server that keeps what Postfix relays.
type sink struct {
	mu   sync.Mutex
	msgs []sunk
}

type sunk struct {
	from string
	to   []string
	data string
}

func (s *sink) server() *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.example.net" // not Postfix's myhostname, or it sees a loop
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	return srv
}

// wait returns the message whose header has "Subject: subject".
func (s *sink) wait(tb testing.TB, subject string) sunk {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, m := range s.msgs {
			if strings.Contains(m.data, "\r\nSubject: "+subject+"\r\n") {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("no message %q reached the sink", subject)
	return sunk{}
}

type sinkSession struct {
	s   *sink
	cur sunk
}

func (x *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	x.cur = sunk{from: from}
	return nil
}

func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.cur.to = append(x.cur.to, to)
	return nil
}

func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.data = string(b)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, x.cur)
	x.s.mu.Unlock()
	return nil
}

func (x *sinkSession) Reset()        {}
func (x *sinkSession) Logout() error { return nil }

// smtplibScript sends each case of a JSON file over its own connection
// with Python's smtplib (STARTTLS, then AUTH PLAIN when the case logs in)
// and prints each outcome: 250, or the refusal's code and text.
const smtplibScript = `
import base64, json, smtplib, ssl, sys
host, port, user, password, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
for name, c in json.load(open(path)).items():
    s = smtplib.SMTP(host, port, local_hostname="client.example.org", timeout=60)
    try:
        s.starttls(context=ctx)
        s.ehlo("client.example.org")
        if c["login"]:
            s.login(user, password)
        s.sendmail(c["from"], c["to"], base64.b64decode(c["data"]), mail_options=c.get("opts", []))
        out[name] = {"code": 250, "text": ""}
    except smtplib.SMTPSenderRefused as e:
        out[name] = {"code": e.smtp_code, "text": e.smtp_error.decode()}
    except smtplib.SMTPDataError as e:
        out[name] = {"code": e.smtp_code, "text": e.smtp_error.decode()}
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        out[name] = {"code": code, "text": text.decode()}
    finally:
        s.close()
print(json.dumps(out))
`

// smtplibCase is one transaction for smtplibScript.
type smtplibCase struct {
	Login bool     `json:"login"`
	From  string   `json:"from"`
	To    []string `json:"to"`
	Data  string   `json:"data"` // base64
	Opts  []string `json:"opts,omitempty"`
}

type smtplibResult struct {
	Code int    `json:"code"`
	Text string `json:"text"`
}

// smtplib runs the cases against addr and returns their outcomes.
func (s *postfixSetup) smtplib(t *testing.T, addr string, cases map[string]smtplibCase) map[string]smtplibResult {
	t.Helper()
	python := realclient.Need(t, "python3", "python3")
	dir := t.TempDir()
	script, input := filepath.Join(dir, "send.py"), filepath.Join(dir, "cases.json")
	js, _ := json.Marshal(cases)
	if err := os.WriteFile(script, []byte(smtplibScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(input, js, 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, script, host, port, postfixUser, s.password, input).CombinedOutput()
	if err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	var res map[string]smtplibResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("smtplib output: %v\n%s", err, out)
	}
	return res
}

// TestPostfix runs msakit behind a real Postfix 3.7 as README.md configures
// it, driven by Python's smtplib over STARTTLS and AUTH PLAIN: refusals
// arrive with msakit's codes, changes land in the relayed message (header
// fields, a rewritten reverse-path and recipient, the DKIM signature), and
// everything else, the body above all, passes byte for byte.
func TestPostfix(t *testing.T) {
	t.Parallel()
	cmd := startCommand(t)
	s := startPostfix(t, false, cmd.addr, cmd.logs)
	body := "Hello Bob,\r\n.a line that starts with a dot\r\n..\r\n" + strings.Repeat("x", 990) + "\r\n\tindented\r\ntrailing space \r\n\r\n-- \r\nAlice\r\n"
	msg := func(subject string, fields ...string) string {
		return strings.Join(append([]string{"From: Alice <alice@example.org>", "To: Bob <bob@example.net>", "Subject: " + subject}, fields...), "\r\n") + "\r\n\r\n" + body
	}
	complete := msg("complete", "Date: Mon, 23 Nov 2026 19:58:00 +0000", "Message-ID: <complete@example.org>", "X-Folded: one\r\n two")
	bare := msg("no date, no id")
	withBcc := msg("bcc", "Date: Mon, 23 Nov 2026 19:58:00 +0000", "Bcc: carol@example.net", "Message-ID: <bcc@example.org>")
	rewritten := msg("rewritten", "Date: Mon, 23 Nov 2026 19:58:00 +0000", "Message-ID: <rw@example.org>")
	notOwned := strings.Replace(msg("not owned", "Date: Mon, 23 Nov 2026 19:58:00 +0000", "Message-ID: <x@example.org>"), "alice@example.org>", "bob@example.org>", 1)
	b64 := base64.StdEncoding.EncodeToString
	cases := map[string]smtplibCase{
		"unauthenticated": {From: "alice@example.org", To: []string{"bob@example.net"}, Data: b64([]byte(complete))},
		"mail not owned":  {Login: true, From: "bob@example.org", To: []string{"bob@example.net"}, Data: b64([]byte(complete))},
		"from not owned":  {Login: true, From: "alice@example.org", To: []string{"bob@example.net"}, Data: b64([]byte(notOwned))},
		"complete":        {Login: true, From: "alice@example.org", To: []string{"bob@example.net"}, Data: b64([]byte(complete)), Opts: []string{"BODY=8BITMIME"}},
		"no date, no id":  {Login: true, From: "alice@example.org", To: []string{"bob@example.net"}, Data: b64([]byte(bare))},
		"bcc":             {Login: true, From: "alice@example.org", To: []string{"bob@example.net", "carol@example.net"}, Data: b64([]byte(withBcc))},
		"rewritten":       {Login: true, From: "alice@old.example.org", To: []string{"bob@example.net", "dave@sales"}, Data: b64([]byte(rewritten))},
	}
	res := s.smtplib(t, s.with, cases)
	for name, want := range map[string]string{
		"unauthenticated": "530 5.7.0 ",
		"mail not owned":  "550 5.7.1 ",
		"from not owned":  "550 5.7.1 ",
		"complete":        "250 ",
		"no date, no id":  "250 ",
		"bcc":             "250 ",
		"rewritten":       "250 ",
	} {
		r := res[name]
		if got := fmt.Sprintf("%d %s", r.Code, r.Text); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q...", name, got, want)
		}
	}

	// complete: the message exactly as sent, under Postfix's Received.
	m, rest := s.relayed(t, "complete", cmd.records)
	if rest != complete {
		t.Errorf("relayed message differs from the one sent:\n%q\nwant\n%q", rest, complete)
	}
	if m.from != "alice@example.org" || strings.Join(m.to, ",") != "bob@example.net" {
		t.Errorf("envelope %s -> %v", m.from, m.to)
	}

	// no date, no id: both added right below Postfix's Received; the rest
	// as sent.
	_, rest = s.relayed(t, "no date, no id", cmd.records)
	added, sent, _ := strings.Cut(rest, "From: Alice")
	if sent = "From: Alice" + sent; sent != bare {
		t.Errorf("relayed message does not end with the one sent:\n%q", rest)
	}
	dateRE := regexp.MustCompile(`(?m)^Date: [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r$`)
	idRE := regexp.MustCompile(`(?m)^Message-ID: <[^@>]+@msa\.example\.org>\r$`)
	if !dateRE.MatchString(added) || !idRE.MatchString(added) || strings.Count(added, "\r\n") != 2 {
		t.Errorf("added fields:\n%q\nwant one Date and one Message-ID", added)
	}

	// bcc: the Bcc field gone, every other byte as sent; both recipients.
	m, rest = s.relayed(t, "bcc", cmd.records)
	if want := strings.Replace(withBcc, "Bcc: carol@example.net\r\n", "", 1); rest != want {
		t.Errorf("relayed message:\n%q\nwant\n%q", rest, want)
	}
	if strings.Join(m.to, ",") != "bob@example.net,carol@example.net" {
		t.Errorf("recipients %v", m.to)
	}

	// rewritten: the reverse-path rewritten (CHGFROM) and the single-label
	// recipient expanded (DELRCPT, ADDRCPT) by Postfix on msakit's word.
	m, rest = s.relayed(t, "rewritten", cmd.records)
	if rest != rewritten {
		t.Errorf("relayed message:\n%q\nwant\n%q", rest, rewritten)
	}
	slices.Sort(m.to)
	if m.from != "alice@example.org" || strings.Join(m.to, ",") != "bob@example.net,dave@sales.example.org" {
		t.Errorf("envelope %s -> %v, want alice@example.org -> bob@example.net, dave@sales.example.org", m.from, m.to)
	}

	// The relayed signatures verify with dkimpy too (last: without
	// python3-dkim it skips, unless MSAKIT_REAL_CLIENTS=1).
	for _, subject := range []string{"complete", "no date, no id", "bcc", "rewritten"} {
		msg := s.sink.wait(t, subject)
		if res := dkimtest.DKIMPy(t, []byte(msg.data), cmd.records); len(res) != 1 || !res[0].OK || res[0].Domain != "example.org" {
			t.Errorf("%s: dkimpy: %+v; want one valid signature by example.org", subject, res)
		}
	}

	// Four accepted messages, each logged with Postfix's queue id.
	if n := len(regexp.MustCompile(`msg="milter: accepted" id=\S+ queue_id=[0-9A-F]+ mta=mx\.example\.org`).FindAllString(cmd.logs.String(), -1)); n != 4 {
		t.Errorf("%d accepted records with Postfix's queue id, want 4:\n%s", n, cmd.logs)
	}
}

// relayed waits for the message with subject at the sink and checks its
// top: msakit's DKIM-Signature, then Postfix's Received and no other
// (msakit adds none); the signature verifies with go-msgauth. It returns
// the message and what follows that Received.
func (s *postfixSetup) relayed(t *testing.T, subject string, records dkimtest.Records) (sunk, string) {
	t.Helper()
	m := s.sink.wait(t, subject)
	sig, rest := splitFirstField(t, m.data)
	rcv, rest := splitFirstField(t, rest)
	if !strings.HasPrefix(sig, "DKIM-Signature: ") {
		t.Errorf("%s: first field is not msakit's DKIM-Signature:\n%s", subject, m.data)
	}
	if !strings.HasPrefix(rcv, "Received: from client.example.org") || !strings.Contains(rcv, "by mx.example.org (Postfix) with ESMTPSA id ") {
		t.Errorf("%s: second field is not Postfix's Received:\n%s", subject, m.data)
	}
	if n := strings.Count(m.data, "Received:"); n != 1 {
		t.Errorf("%s: %d Received fields:\n%s", subject, n, m.data)
	}
	res, err := dkimtest.GoMsgauth([]byte(m.data), records)
	if err != nil || len(res) != 1 || !res[0].OK || res[0].Domain != "example.org" {
		t.Errorf("%s: go-msgauth: %+v, %v; want one valid signature by example.org\n%s", subject, res, err, m.data)
	}
	return m, rest
}

// splitFirstField returns the first header field of msg and the rest.
func splitFirstField(tb testing.TB, msg string) (first, rest string) {
	tb.Helper()
	br := bufio.NewReader(strings.NewReader(msg))
	line, err := br.ReadString('\n')
	for err == nil {
		next, perr := br.Peek(1)
		if perr != nil || (next[0] != ' ' && next[0] != '\t') {
			break
		}
		var more string
		more, err = br.ReadString('\n')
		line += more
	}
	if err != nil {
		tb.Fatalf("no header field in %q", msg)
	}
	return line, msg[len(line):]
}

// BenchmarkPostfix is the cost of msakit's milter inside a real Postfix:
// the same submission service with and without smtpd_milters, each driven
// over one STARTTLS + AUTH PLAIN connection with go-smtp's client. Every
// iteration sends one message (a 1 KiB body) to each, in alternating order,
// so both see the same machine load; Postfix holds the messages, so no
// delivery runs meanwhile. ns/op is the pair; ns/msg-without and
// ns/msg-with are the two services, ns/msg-milter their difference.
// Allocations are this process's: the client's and msakit's.
func BenchmarkPostfix(b *testing.B) {
	logs := &extest.LockedBuffer{}
	cfg := agentConfig(b, &traceLog{}, logs)
	srv, err := New(Config{Submission: cfg, Identify: loginAddress, Logger: cfg.Logger})
	if err != nil {
		b.Fatal(err)
	}
	s := startPostfix(b, true, serveOn(b, srv.Serve, srv.Close), logs)
	msg := []byte(crlf(strings.Replace(testMessage, "bob@example.com", "bob@example.net", 1)) + strings.Repeat(strings.Repeat("z", 62)+"\r\n", 16))
	dial := func(addr string) *smtp.Client {
		c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		if err := c.Auth(sasl.NewPlainClient("", postfixUser, s.password)); err != nil {
			b.Fatal(err)
		}
		return c
	}
	send := func(c *smtp.Client) {
		if err := c.SendMail("alice@example.org", []string{"bob@example.net"}, bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
	without, with := dial(s.without), dial(s.with)
	paired(b, "without", func() { send(without) }, "with", func() { send(with) })
}
