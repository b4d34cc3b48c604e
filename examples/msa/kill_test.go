package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/examples/internal/extest"
)

// childEnv, when set, makes the test binary run the program with the
// arguments it holds (one per line) instead of the tests: the server that
// TestSpoolKill9 kills.
const childEnv = "MSAKIT_MSA_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := run(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "msa:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is the program running in another process.
type child struct {
	cmd  *exec.Cmd
	addr string
	logs *extest.LockedBuffer
	done chan struct{}
}

// startChild runs the program on spool with a DKIM key, alice and the
// extra arguments, and waits for its banner.
func startChild(t *testing.T, spool, keyFlag string, extra ...string) *child {
	t.Helper()
	args := []string{"-listen", "127.0.0.1:0", "-hostname", "msa.example.org", "-spool", spool,
		"-user", testUser + ":" + testPassword + ":" + testFrom, "-dkim-key", keyFlag}
	args = append(args, extra...)
	c := &child{logs: &extest.LockedBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\n"))
	c.cmd.Stderr = c.logs
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.kill(t) })
	banner := bufio.NewScanner(out)
	for banner.Scan() {
		if a, ok := strings.CutPrefix(strings.TrimSpace(banner.Text()), "submission (STARTTLS): "); ok {
			c.addr = a
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if c.addr == "" {
		t.Fatalf("the child printed no address; its log:\n%s", c.logs)
	}
	return c
}

// kill sends SIGKILL and waits for the process to end.
func (c *child) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not die")
	}
}

// TestSpoolKill9 kills the signing server with SIGKILL while it receives a
// message (mid-body, and at random moments after the end of data, when it
// signs, copies the signature in front, fsyncs and renames) and restarts it
// on the same spool, in each -spool-sync mode. Every time: a message whose
// client got 250 is in the spool; every committed message is whole (its
// size as recorded, its DKIM signature valid, so the body is intact);
// nothing else is left once the restarted server has cleaned up.
func TestSpoolKill9(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"message", "group"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			testSpoolKill9(t, "-spool-sync", mode)
		})
	}
}

func testSpoolKill9(t *testing.T, extra ...string) {
	key := makeKey(t, "ed2026", "ed25519")
	recs := dkimtest.Records{}
	recs.Add(key.selector, "example.org", key.record)
	spool := t.TempDir()
	body := strings.Repeat("a line of the message body, long enough to take a while\r\n", 2<<20/58)
	msg := "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: kill -9\r\n\r\n" + body
	acked := 0
	for round := range 5 {
		c := startChild(t, spool, key.flag, extra...)
		cl := dialChild(t, c.addr)
		// A message sent whole, then one the server is killed under:
		// mid-body in round 0, after the end of data in the others.
		if err := send(cl, testFrom, []string{testRcpt}, testMessage); err != nil {
			t.Fatalf("round %d: first message: %v\n%s", round, err, c.logs)
		}
		acked++
		if err := cl.Mail(testFrom, nil); err != nil {
			t.Fatal(err)
		}
		if err := cl.Rcpt(testRcpt, nil); err != nil {
			t.Fatal(err)
		}
		w, err := cl.Data()
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			if _, err := io.WriteString(w, msg[:len(msg)/2]); err != nil {
				t.Fatal(err)
			}
			c.kill(t)
		} else {
			if _, err := io.WriteString(w, msg); err != nil {
				t.Fatal(err)
			}
			closed := make(chan error, 1)
			go func() { closed <- w.Close() }()
			time.Sleep(time.Duration(rand.IntN(50*round)) * time.Millisecond) // later and later: receiving, signing, copying, committing, after 250
			c.kill(t)
			if err := <-closed; err == nil {
				acked++ // 250 before the kill: it must be in the spool
			}
		}
		_ = cl.Close()

		// Committed messages are whole, before any clean-up.
		var left []string
		if entries, err := os.ReadDir(spool); err == nil {
			for _, e := range entries {
				left = append(left, e.Name())
			}
		}
		t.Logf("round %d: killed; %d acknowledged; spool: %q", round, acked, left)
		committed := checkCommitted(t, spool, recs)
		if committed < acked {
			t.Fatalf("round %d: %d messages committed, but %d got 250", round, committed, acked)
		}
		acked = committed // one the client did not hear about may be there too
		// The restarted server removes what the crash left; then the spool
		// holds committed messages only (readSpool fails on anything else).
		r := startChild(t, spool, key.flag, extra...)
		if n := len(readSpool(t, spool)); n != committed {
			t.Errorf("round %d: %d messages after the restart, want %d", round, n, committed)
		}
		r.kill(t)
	}
}

// checkCommitted checks every message of spool that has its .json: the .eml
// has the recorded size and a valid DKIM signature. It returns how many.
func checkCommitted(t *testing.T, spool string, recs dkimtest.Records) int {
	t.Helper()
	entries, err := os.ReadDir(spool)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		n++
		eml, err := os.ReadFile(spool + "/" + id + ".eml")
		if err != nil {
			t.Errorf("%s committed without its .eml: %v", id, err)
			continue
		}
		var rec record
		js, err := os.ReadFile(spool + "/" + e.Name())
		if err == nil {
			err = json.Unmarshal(js, &rec)
		}
		if err != nil || rec.Size != int64(len(eml)) {
			t.Errorf("%s: record size %d, .eml %d octets (%v)", id, rec.Size, len(eml), err)
		}
		res, err := dkimtest.GoMsgauth(eml, recs)
		if err != nil || len(res) != 1 || !res[0].OK {
			t.Errorf("%s.eml (%d octets): signature %+v, %v", id, len(eml), res, err)
		}
	}
	return n
}

// dialChild logs in as alice over STARTTLS.
func dialChild(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", testUser, testPassword)); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	return c
}

// TestSpoolKill9GroupCommit kills the server with SIGKILL while eight
// clients submit small messages as fast as it takes them, so that groups
// of messages are between their files, their renames and the syncs that
// cover them, and restarts it on the same spool, three times. Every message
// whose client got 250 is in the spool, whole and validly signed; nothing
// but committed messages is left once the restarted server has cleaned up.
func TestSpoolKill9GroupCommit(t *testing.T) {
	t.Parallel()
	key := makeKey(t, "ed2027", "ed25519")
	recs := dkimtest.Records{}
	recs.Add(key.selector, "example.org", key.record)
	spool := t.TempDir()
	var mu sync.Mutex
	acked := map[string]bool{} // Subject of every message that got 250
	for round := range 3 {
		c := startChild(t, spool, key.flag, "-spool-sync", "group")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for k := range 8 {
			wg.Go(func() {
				cl, err := smtp.DialStartTLS(c.addr, &tls.Config{InsecureSkipVerify: true})
				if err != nil {
					return
				}
				defer cl.Close()
				if cl.Auth(sasl.NewPlainClient("", testUser, testPassword)) != nil {
					return
				}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					subject := fmt.Sprintf("group %d-%d-%d", round, k, i)
					msg := "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: " + subject + "\r\n\r\nbody\r\n"
					if send(cl, testFrom, []string{testRcpt}, msg) != nil {
						return // killed
					}
					mu.Lock()
					acked[subject] = true
					mu.Unlock()
				}
			})
		}
		// Kill once the clients are well under way, at a random moment.
		mu.Lock()
		before := len(acked)
		mu.Unlock()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= before+20 {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(100)) * time.Millisecond)
		c.kill(t)
		close(stop)
		wg.Wait()

		committed := checkCommitted(t, spool, recs)
		subjects := map[string]bool{}
		for _, m := range committedMessages(t, spool) {
			if _, rest, ok := strings.Cut(string(m), "\r\nSubject: "); ok {
				s, _, _ := strings.Cut(rest, "\r\n")
				subjects[s] = true
			}
		}
		mu.Lock()
		for s := range acked {
			if !subjects[s] {
				t.Errorf("round %d: %q got 250 but is not in the spool", round, s)
			}
		}
		t.Logf("round %d: killed; %d acknowledged so far, %d committed", round, len(acked), committed)
		mu.Unlock()
		r := startChild(t, spool, key.flag, "-spool-sync", "group")
		if n := len(readSpool(t, spool)); n != committed {
			t.Errorf("round %d: %d messages after the restart, want %d", round, n, committed)
		}
		r.kill(t)
	}
}

// committedMessages returns the <id>.eml of every committed message of
// spool.
func committedMessages(t *testing.T, spool string) [][]byte {
	t.Helper()
	entries, err := os.ReadDir(spool)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if b, err := os.ReadFile(spool + "/" + id + ".eml"); err == nil {
			out = append(out, b)
		}
	}
	return out
}
