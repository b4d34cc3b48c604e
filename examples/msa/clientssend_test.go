package main

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/msakit/msakit/examples/internal/extest"
)

// What real clients send (issue 10), through the example server and
// Python's smtplib: messages as EmailMessage.send_message serializes them,
// raw messages and commands exactly as written, with the reply code and
// enhanced code of each step.

// pythonPlan drives smtplib through plans read as a JSON list from stdin,
// one transaction each, in one session after STARTTLS (unverified: the
// certificate is self-signed) and AUTH PLAIN, with RSET between them:
//
//   - "email": {"headers": [[name, value], ...], "body": text} builds an
//     email.message.EmailMessage with set_content(body) and sends it with
//     send_message, which adds no BODY=8BITMIME for an ASCII envelope. The
//     output's "sent" holds, base64, the bytes send_message transmits: its
//     own serialization (BytesGenerator, CRLF, Bcc removed).
//   - otherwise "from", "mail_options", "rcpts" and "message" (base64,
//     optional) are sent as MAIL, RCPT and DATA commands, written as given
//     (UTF-8 with SMTPUTF8 among the options).
//
// Each step's reply goes to the output as [code, "enhanced text"]; the
// output is a JSON list, one result per plan.
const pythonPlan = `
import base64, copy, io, json, smtplib, ssl, sys
import email.generator, email.message
host, port, user, password = sys.argv[1:5]
plans = json.load(sys.stdin)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP(host, int(port), local_hostname="python.example.net", timeout=30)
s.starttls(context=ctx)
s.login(user, password)
def reply(code, text):
    return [code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)]
results = []
for plan in plans:
    out = {}
    results.append(out)
    if "email" in plan:
        m = email.message.EmailMessage()
        for k, v in plan["email"]["headers"]:
            m[k] = v
        m.set_content(plan["email"]["body"])
        c = copy.copy(m)
        del c["Bcc"]
        del c["Resent-Bcc"]
        with io.BytesIO() as b:
            email.generator.BytesGenerator(b).flatten(c, linesep="\r\n")
            out["sent"] = base64.b64encode(b.getvalue()).decode()
        try:
            s.send_message(m)
            out["data"] = [250, ""]
        except smtplib.SMTPSenderRefused as e:
            out["mail"] = reply(e.smtp_code, e.smtp_error)
        except smtplib.SMTPRecipientsRefused as e:
            out["rcpt"] = [reply(*v) for v in e.recipients.values()]
        except smtplib.SMTPDataError as e:
            out["data"] = reply(e.smtp_code, e.smtp_error)
    else:
        opts = plan.get("mail_options") or []
        s.command_encoding = "utf-8" if "SMTPUTF8" in opts else "ascii"
        out["mail"] = reply(*s.docmd("MAIL", "FROM:<%s>%s" % (plan["from"], "".join(" " + o for o in opts))))
        if out["mail"][0] == 250:
            out["rcpt"] = [reply(*s.docmd("RCPT", "TO:<%s>" % r)) for r in plan["rcpts"]]
            if plan.get("message") and any(r[0] == 250 for r in out["rcpt"]):
                try:
                    out["data"] = reply(*s.data(base64.b64decode(plan["message"])))
                except smtplib.SMTPDataError as e:
                    out["data"] = reply(e.smtp_code, e.smtp_error)
    s.rset()
s.quit()
print(json.dumps(results))
`

// plan is one transaction of pythonPlan.
type plan struct {
	Email       *emailPlan `json:"email,omitempty"`
	From        string     `json:"from,omitempty"`
	MailOptions []string   `json:"mail_options,omitempty"`
	Rcpts       []string   `json:"rcpts,omitempty"`
	Message     []byte     `json:"message,omitempty"` // base64 in JSON
}

type emailPlan struct {
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// planReply is one SMTP reply as pythonPlan reports it.
type planReply struct {
	code int
	text string // the reply text, beginning with the enhanced code
}

func (r *planReply) UnmarshalJSON(b []byte) error {
	var v []any
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 2 {
		return err
	}
	code, _ := v[0].(float64)
	r.code = int(code)
	r.text, _ = v[1].(string)
	return nil
}

// planResult is the output of pythonPlan for one plan.
type planResult struct {
	Sent []byte      `json:"sent"`
	Mail *planReply  `json:"mail"`
	Rcpt []planReply `json:"rcpt"`
	Data *planReply  `json:"data"`
}

// runPlans runs ps with smtplib in one session with the server at addr, as
// alice.
func runPlans(t *testing.T, addr string, ps ...plan) []planResult {
	t.Helper()
	py := needProgram(t, "python3")
	in, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	out, errOut, err := runProgram(t, in, py, "-c", pythonPlan, host, port, testUser, testPassword)
	if err != nil {
		t.Fatalf("python3 smtplib: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	var res []planResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != len(ps) {
		t.Fatalf("python3 output %q: %v", out, err)
	}
	return res
}

// runPlan runs one plan; see runPlans.
func runPlan(t *testing.T, addr string, p plan) planResult {
	t.Helper()
	return runPlans(t, addr, p)[0]
}

// wantPlanReply checks a reply's code and enhanced code; code 250 needs no
// enhanced code.
func wantPlanReply(t *testing.T, step string, got *planReply, code int, enh string) {
	t.Helper()
	switch {
	case got == nil:
		t.Errorf("%s: no reply, want %d %s", step, code, enh)
	case got.code != code || enh != "" && !strings.HasPrefix(got.text, enh+" "):
		t.Errorf("%s: %d %q, want %d %s", step, got.code, got.text, code, enh)
	}
}

// splitMessage returns the header block (with its empty line) and the body.
func splitMessage(t *testing.T, m []byte) (hdr, body []byte) {
	t.Helper()
	i := bytes.Index(m, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no end of header in %q", m)
	}
	return m[:i+4], m[i+4:]
}

// TestRealClientBccRemoved: a raw message with Bcc and Resent-Bcc, sent by
// smtplib's sendmail (send_message would strip them itself), is spooled
// without them and otherwise as sent (RFC 5322, Section 3.6.3; removal is
// the default).
func TestRealClientBccRemoved(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	msg := strings.Replace(testMessage, "To: Bob <bob@example.net>\r\n",
		"To: Bob <bob@example.net>\r\nBcc: Carol <carol@example.net>\r\n", 1)
	res := runPlan(t, m.addr, plan{From: testFrom, Rcpts: []string{testRcpt, "carol@example.net"}, Message: []byte(msg)})
	wantPlanReply(t, "MAIL", res.Mail, 250, "")
	wantPlanReply(t, "DATA", res.Data, 250, "")
	s := checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt, "carol@example.net"}, testUser)
	if bytes.Contains(s.eml, []byte("Bcc")) || bytes.Contains(s.eml, []byte("carol@")) {
		t.Errorf("spooled message still names the Bcc recipient:\n%s", s.eml)
	}
}

// TestRealClientUTF8Body: Python's EmailMessage with a UTF-8 body, sent by
// send_message, goes out as Content-Transfer-Encoding: 8bit without
// BODY=8BITMIME (RFC 6152, Section 3 forbids that; RFC 6409, Section 8 lets
// the MSA complete it). It is accepted, spooled byte for byte, and its
// .json envelope says the body is 8BITMIME and was not declared so.
func TestRealClientUTF8Body(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	res := runPlan(t, m.addr, plan{Email: &emailPlan{
		Headers: [][2]string{{"From", "Alice <alice@example.org>"}, {"To", "Bob <bob@example.net>"}, {"Subject", "Grüße aus Köln"}},
		Body:    "Grüße aus Köln,\n\nbis bald, Ålice\n",
	}})
	wantPlanReply(t, "send_message", res.Data, 250, "")
	hdr, body := splitMessage(t, res.Sent)
	if !bytes.Contains(hdr, []byte("Content-Transfer-Encoding: 8bit")) || !bytes.Contains(body, []byte("Grüße")) {
		t.Fatalf("smtplib did not send a raw 8-bit body, so this test tests nothing:\n%s", res.Sent)
	}
	s := checkSpooled(t, spool, string(res.Sent), testFrom, []string{testRcpt}, testUser)
	if _, got := splitMessage(t, s.eml); !bytes.Equal(got, body) {
		t.Errorf("spooled body differs from the body sent:\n got %q\nwant %q", got, body)
	}
	if s.rec.Body != "8BITMIME" || !s.rec.Undeclared {
		t.Errorf(".json: body %q, undeclared_8bit %v; want 8BITMIME, true", s.rec.Body, s.rec.Undeclared)
	}
}

// TestRealClient8BitHeader: raw 8-bit octets in the header without SMTPUTF8
// stay refused, 554 5.6.1 (RFC 6532, Section 3): a header cannot be
// converted to 7 bits.
func TestRealClient8BitHeader(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	msg := strings.Replace(testMessage, "Subject: test from the msakit example MSA", "Subject: Grüße", 1)
	res := runPlan(t, m.addr, plan{From: testFrom, Rcpts: []string{testRcpt}, Message: []byte(msg)})
	wantPlanReply(t, "MAIL", res.Mail, 250, "")
	wantPlanReply(t, "DATA", res.Data, 554, "5.6.1")
	if msgs := readSpool(t, spool); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
}

// TestRealClientResent: a message bounced as mutt does it (a Resent- block
// prepended to someone else's message, RFC 5322, Section 3.6.6) is
// accepted when the block's Resent-From is the user's, with the original
// From untouched, and refused 550 5.7.1 when it names someone else.
func TestRealClientResent(t *testing.T) {
	t.Parallel()
	original := "From: Carol <carol@example.com>\r\n" +
		"To: alice@example.org\r\n" +
		"Subject: minutes\r\n" +
		"Date: Mon, 23 Nov 2026 17:59:00 +0000\r\n" +
		"Message-ID: <minutes@example.com>\r\n" +
		"\r\n" +
		"The minutes.\r\n"
	bounce := func(from string) []byte {
		return []byte("Resent-From: " + from + "\r\n" +
			"Resent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
			"Resent-To: " + testRcpt + "\r\n" +
			"Resent-Message-ID: <bounce@example.org>\r\n" + original)
	}
	m, spool := startMSA(t)
	res := runPlan(t, m.addr, plan{From: testFrom, Rcpts: []string{testRcpt}, Message: bounce("Alice <alice@example.org>")})
	wantPlanReply(t, "DATA (own Resent-From)", res.Data, 250, "")
	s := checkSpooled(t, spool, string(bounce("Alice <alice@example.org>")), testFrom, []string{testRcpt}, testUser)
	if !bytes.HasSuffix(s.eml, []byte(original)) {
		t.Errorf("the original message changed:\n%s", s.eml)
	}

	m2, spool2 := startMSA(t)
	res = runPlan(t, m2.addr, plan{From: testFrom, Rcpts: []string{testRcpt}, Message: bounce("CEO <ceo@example.org>")})
	wantPlanReply(t, "DATA (foreign Resent-From)", res.Data, 550, "5.7.1")
	if msgs := readSpool(t, spool2); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
}

// hungServer listens on a free loopback port, accepts connections and never
// answers, as a Redis that hangs does; it stops at the end of the test.
func hungServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

// TestRealClientStageDeadline: when the limit store (Redis) does not
// answer, MAIL gets 451 4.4.3 once -stage-timeout has passed, not a hang
// and never a 5xx (RFC 6409, Section 5.3; our outage), and the Error
// record names the limit store.
func TestRealClientStageDeadline(t *testing.T) {
	t.Parallel()
	var logs extest.LockedBuffer
	m, spool := startMSALog(t, &logs, "-redis", hungServer(t), "-limit-messages", "100/1h",
		"-limit-auth-failures", "0", "-limit-auth-failures-per-user", "0", "-stage-timeout", "300ms") // AUTH needs no store
	res := runPlan(t, m.addr, plan{From: testFrom, Rcpts: []string{testRcpt}, Message: []byte(testMessage)})
	wantPlanReply(t, "MAIL", res.Mail, 451, "4.4.3")
	if msgs := readSpool(t, spool); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "limit store did not return within the stage deadline") {
		t.Errorf("no Error record naming the limit store:\n%s", l)
	}
}

// TestRealClientLookAlikes: look-alike addresses (RFC 5890, Section
// 2.3.2.1; RFC 6532, Section 3.1), sent by smtplib with SMTPUTF8, are
// refused, not normalised: 501 5.1.7 in MAIL FROM, 501 5.1.3 in RCPT TO,
// 554 5.6.0 in From.
func TestRealClientLookAlikes(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-max-errors", "0") // 30 refusals in one session
	utf8 := []string{"SMTPUTF8", "BODY=8BITMIME"}
	addrs := []string{
		"alice@exa\u200bmple.org",    // zero-width space
		"alice@ｅｘａｍｐｌｅ.org",          // full-width letters
		"alice@example\u3002org",     // ideographic full stop
		"alice@exam\u00adple.org",    // soft hyphen
		"alice@\u212aexample.org",    // Kelvin sign
		"jose\u0301@example.org",     // not NFC
		"alice@example\u05d0.org",    // Latin and Hebrew in one label (Bidi rule)
		"\u202eecila@example.org",    // right-to-left override
		"alice@exa\u200dmple.org",    // zero-width joiner
		"alice@\U0001d41example.org", // mathematical bold e
	}
	var ps []plan
	for _, addr := range addrs {
		msg := strings.Replace(testMessage, "From: Alice <alice@example.org>", "From: Alice <"+addr+">", 1)
		ps = append(ps,
			plan{From: addr, MailOptions: utf8, Rcpts: []string{testRcpt}},
			plan{From: testFrom, MailOptions: utf8, Rcpts: []string{addr}},
			plan{From: testFrom, MailOptions: utf8, Rcpts: []string{testRcpt}, Message: []byte(msg)})
	}
	res := runPlans(t, m.addr, ps...)
	for i, addr := range addrs {
		mail, rcpt, from := res[3*i], res[3*i+1], res[3*i+2]
		wantPlanReply(t, "MAIL FROM:<"+addr+">", mail.Mail, 501, "5.1.7")
		if len(rcpt.Rcpt) != 1 {
			t.Fatalf("RCPT TO:<%s>: replies %v", addr, rcpt.Rcpt)
		}
		wantPlanReply(t, "RCPT TO:<"+addr+">", &rcpt.Rcpt[0], 501, "5.1.3")
		wantPlanReply(t, "From: <"+addr+">", from.Data, 554, "5.6.0")
	}
	if msgs := readSpool(t, spool); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
}

// TestRealClientTLD: a domain under no delegated top-level domain is not
// fully qualified (RFC 6409, Section 4.2): 554 5.1.2 at RCPT, with the
// text naming the TLD, 554 5.1.8 at MAIL, 554 5.6.0 in To; the special-use
// names are accepted.
func TestRealClientTLD(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t)
	msg := strings.Replace(testMessage, "To: Bob <bob@example.net>", "To: Carol <carol@example.con>", 1)
	res := runPlans(t, m.addr,
		plan{From: testFrom, Rcpts: []string{"carol@example.con", "dave@mail.example.test", "erin@printer.internal"}, Message: []byte(testMessage)},
		plan{From: "alice@example.cmo", Rcpts: []string{testRcpt}},
		plan{From: testFrom, Rcpts: []string{testRcpt}, Message: []byte(msg)})
	if len(res[0].Rcpt) != 3 {
		t.Fatalf("RCPT replies %v", res[0].Rcpt)
	}
	wantPlanReply(t, "RCPT TO:<carol@example.con>", &res[0].Rcpt[0], 554, "5.1.2")
	if !strings.Contains(res[0].Rcpt[0].text, `"con" is not a delegated top-level domain`) {
		t.Errorf("RCPT reply %q does not name the TLD", res[0].Rcpt[0].text)
	}
	wantPlanReply(t, "RCPT TO:<dave@mail.example.test>", &res[0].Rcpt[1], 250, "")
	wantPlanReply(t, "RCPT TO:<erin@printer.internal>", &res[0].Rcpt[2], 250, "")
	wantPlanReply(t, "DATA to the special-use names", res[0].Data, 250, "")
	wantPlanReply(t, "MAIL FROM:<alice@example.cmo>", res[1].Mail, 554, "5.1.8")
	wantPlanReply(t, "To: <carol@example.con>", res[2].Data, 554, "5.6.0")
	if msgs := readSpool(t, spool); len(msgs) != 1 {
		t.Errorf("spool holds %d messages, want the one to the special-use names", len(msgs))
	}
}
