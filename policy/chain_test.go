package policy_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// recorder joins every stage as check and rewrite (when the flags say so),
// appending "name:stage" to log, and returns err from checks and rewrites.
type recorder struct {
	name     string
	log      *[]string
	checkErr error
	cancel   context.CancelFunc // called during the check, when set
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) note(s string) {
	*r.log = append(*r.log, r.name+":"+s)
	if r.cancel != nil {
		r.cancel()
	}
}
func (r *recorder) CheckMail(context.Context, *policy.Conn, *policy.Transaction) error {
	r.note("check-mail")
	return r.checkErr
}
func (r *recorder) CheckRcpt(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
	r.note("check-rcpt")
	return r.checkErr
}
func (r *recorder) CheckData(context.Context, *policy.Conn, *policy.Transaction, *header.Header) error {
	r.note("check-data")
	return r.checkErr
}

// rewriter only rewrites.
type rewriter struct {
	name string
	log  *[]string
	err  error
}

func (r *rewriter) Name() string { return r.name }
func (r *rewriter) RewriteMail(context.Context, *policy.Conn, *policy.Transaction) error {
	*r.log = append(*r.log, r.name+":rewrite-mail")
	return r.err
}
func (r *rewriter) RewriteRcpt(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
	*r.log = append(*r.log, r.name+":rewrite-rcpt")
	return r.err
}
func (r *rewriter) RewriteData(context.Context, *policy.Conn, *policy.Transaction, *header.Header) error {
	*r.log = append(*r.log, r.name+":rewrite-data")
	return r.err
}

var (
	_ policy.MailPolicy   = (*recorder)(nil)
	_ policy.RcptPolicy   = (*recorder)(nil)
	_ policy.DataPolicy   = (*recorder)(nil)
	_ policy.MailRewriter = (*rewriter)(nil)
	_ policy.RcptRewriter = (*rewriter)(nil)
	_ policy.DataRewriter = (*rewriter)(nil)
)

// nameOnly joins no stage.
type nameOnly struct{}

func (nameOnly) Name() string { return "name-only" }

func TestChain_ChecksBeforeRewrites(t *testing.T) {
	t.Parallel()
	var log []string
	// Declared interleaved: rewriter first, then checks.
	c := mustChain(t, "c",
		&rewriter{name: "rw1", log: &log},
		&recorder{name: "a", log: &log},
		&rewriter{name: "rw2", log: &log},
		&recorder{name: "b", log: &log},
	)
	ctx := t.Context()
	conn, txn := authedConn(t), tx(t, "<alice@example.org>")
	if err := c.Mail(ctx, conn, txn); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(ctx, conn, txn, rcpt(t, "<bob@example.net>")); err != nil {
		t.Fatal(err)
	}
	if err := c.Data(ctx, conn, txn, &header.Header{}); err != nil {
		t.Fatal(err)
	}
	wantLog := []string{
		"a:check-mail", "b:check-mail", "rw1:rewrite-mail", "rw2:rewrite-mail",
		"a:check-rcpt", "b:check-rcpt", "rw1:rewrite-rcpt", "rw2:rewrite-rcpt",
		"a:check-data", "b:check-data", "rw1:rewrite-data", "rw2:rewrite-data",
	}
	if !slices.Equal(log, wantLog) {
		t.Errorf("order:\n got %v\nwant %v", log, wantLog)
	}
}

func TestChain_FirstRejectionStops(t *testing.T) {
	t.Parallel()
	var log []string
	c := mustChain(t, "c",
		&recorder{name: "a", log: &log},
		&recorder{name: "deny", log: &log, checkErr: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}},
		&recorder{name: "never", log: &log},
		&rewriter{name: "rw", log: &log},
	)
	err := c.Mail(t.Context(), authedConn(t), tx(t, "<alice@example.org>"))
	checkReply(t, "Mail", err, want{550, "5.7.1"})
	var r *policy.Reply
	if errors.As(err, &r) && r.Policy != "deny" {
		t.Errorf("Reply.Policy = %q, want %q", r.Policy, "deny")
	}
	if !slices.Equal(log, []string{"a:check-mail", "deny:check-mail"}) {
		t.Errorf("log = %v: later checks or rewrites ran after a rejection", log)
	}
}

func TestChain_ReplyPolicyNameCopied(t *testing.T) {
	t.Parallel()
	shared := &policy.Reply{Code: 530, Enhanced: "5.7.0", Text: "Authentication required"} // a value a policy might return every time
	var log []string
	c := mustChain(t, "c", &recorder{name: "p1", log: &log, checkErr: shared})
	err := c.Mail(t.Context(), &policy.Conn{}, tx(t, "<a@example.org>"))
	var r *policy.Reply
	if !errors.As(err, &r) || r.Policy != "p1" {
		t.Fatalf("err = %v, want reply from p1", err)
	}
	if shared.Policy != "" {
		t.Error("the chain mutated the member's *Reply")
	}
	// A name the member set itself is kept.
	named := &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no", Policy: "inner"}
	c2 := mustChain(t, "c2", &recorder{name: "p2", log: &log, checkErr: named})
	err = c2.Mail(t.Context(), &policy.Conn{}, tx(t, "<a@example.org>"))
	if !errors.As(err, &r) || r.Policy != "inner" {
		t.Errorf("Policy = %q, want the member's own %q", r.Policy, "inner")
	}
}

func TestChain_InternalErrorWrapped(t *testing.T) {
	t.Parallel()
	boom := errors.New("directory unreachable")
	var log []string
	c := mustChain(t, "c", &recorder{name: "dir", log: &log, checkErr: boom})
	err := c.Mail(t.Context(), authedConn(t), tx(t, "<alice@example.org>"))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapping %v", err, boom)
	}
	var pe *policy.Error
	if !errors.As(err, &pe) || pe.Policy != "dir" {
		t.Errorf("err = %#v, want *policy.Error from dir", err)
	}
	var r *policy.Reply
	if errors.As(err, &r) {
		t.Error("an internal error became a reply")
	}
}

func TestChain_ContextCanceled(t *testing.T) {
	t.Parallel()
	var log []string
	ctx, cancel := context.WithCancel(t.Context())
	c := mustChain(t, "c",
		&recorder{name: "a", log: &log, cancel: cancel},
		&recorder{name: "b", log: &log},
	)
	err := c.Mail(ctx, authedConn(t), tx(t, "<alice@example.org>"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !slices.Equal(log, []string{"a:check-mail"}) {
		t.Errorf("log = %v: a policy ran after cancellation", log)
	}
	var r *policy.Reply
	if errors.As(err, &r) {
		t.Error("a context error became a reply; submission maps it to 451 4.3.0")
	}
	// Rule 2: the member that returned after ctx was done ran past it, and
	// the error names it, also when it returned nil as the last member.
	if pe, ok := errors.AsType[*policy.Error](err); !ok || pe.Policy != "a" {
		t.Errorf("err = %v, want a *policy.Error naming a", err)
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	last := mustChain(t, "last", &recorder{name: "a", log: &log, cancel: cancel2})
	if err := last.Mail(ctx2, authedConn(t), tx(t, "<alice@example.org>")); !errors.Is(err, context.Canceled) {
		t.Errorf("the last member returned nil after ctx ended: err = %v, want context.Canceled", err)
	}
	// Already canceled: nothing runs at any stage.
	log = nil
	for _, run := range []func() error{
		func() error { return c.Rcpt(ctx, authedConn(t), tx(t, "<>"), rcpt(t, "<b@example.net>")) },
		func() error { return c.Data(ctx, authedConn(t), tx(t, "<>"), &header.Header{}) },
	} {
		if err := run(); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
	if len(log) != 0 {
		t.Errorf("log = %v, want nothing run", log)
	}
}

func TestChain_Nested(t *testing.T) {
	t.Parallel()
	var log []string
	inner := mustChain(t, "inner",
		&recorder{name: "i1", log: &log},
		&rewriter{name: "irw", log: &log},
	)
	outer := mustChain(t, "outer",
		&recorder{name: "o1", log: &log},
		inner,
		&rewriter{name: "orw", log: &log},
		&recorder{name: "o2", log: &log},
	)
	if err := outer.Mail(t.Context(), authedConn(t), tx(t, "<alice@example.org>")); err != nil {
		t.Fatal(err)
	}
	wantLog := []string{"o1:check-mail", "i1:check-mail", "o2:check-mail", "irw:rewrite-mail", "orw:rewrite-mail"}
	if !slices.Equal(log, wantLog) {
		t.Errorf("nested order:\n got %v\nwant %v", log, wantLog)
	}

	// A rejection inside the nested chain names the inner member.
	log = nil
	deny := mustChain(t, "deny-chain", &recorder{name: "deep", log: &log, checkErr: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}})
	outer2 := mustChain(t, "outer2", deny, &recorder{name: "after", log: &log})
	err := outer2.Rcpt(t.Context(), authedConn(t), tx(t, "<alice@example.org>"), rcpt(t, "<x@example.net>"))
	checkReply(t, "Rcpt", err, want{550, "5.7.1"})
	var r *policy.Reply
	if errors.As(err, &r) && r.Policy != "deep" {
		t.Errorf("Policy = %q, want %q", r.Policy, "deep")
	}
	if slices.Contains(log, "after:check-rcpt") {
		t.Error("outer check ran after the nested rejection")
	}

	// Flattened: an inner rewrite runs among the outer rewrites, after
	// every outer check, even when the inner chain is declared first.
	log = nil
	first := mustChain(t, "first", &rewriter{name: "frw", log: &log})
	outer3 := mustChain(t, "outer3", first, &recorder{name: "later-check", log: &log})
	if err := outer3.Mail(t.Context(), authedConn(t), tx(t, "<alice@example.org>")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"later-check:check-mail", "frw:rewrite-mail"}; !slices.Equal(log, want) {
		t.Errorf("flattened order:\n got %v\nwant %v", log, want)
	}
}

// TestFuncs: each non-nil function of a Funcs joins its stage, in the
// chain's order rules; a nil one does not.
func TestFuncs(t *testing.T) {
	t.Parallel()
	var log []string
	note := func(s string) { log = append(log, s) }
	f := policy.Funcs{
		PolicyName:  "funcs",
		CheckMail:   func(context.Context, *policy.Conn, *policy.Transaction) error { note("check-mail"); return nil },
		RewriteMail: func(context.Context, *policy.Conn, *policy.Transaction) error { note("rewrite-mail"); return nil },
		CheckRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
			note("check-rcpt")
			return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}
		},
		RewriteRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
			note("rewrite-rcpt")
			return nil
		},
		RewriteData: func(context.Context, *policy.Conn, *policy.Transaction, *header.Header) error {
			note("rewrite-data")
			return nil
		},
	}
	c := mustChain(t, "c", &recorder{name: "r", log: &log}, f)
	conn, txn := authedConn(t), tx(t, "<alice@example.org>")
	if err := c.Mail(t.Context(), conn, txn); err != nil {
		t.Fatal(err)
	}
	err := c.Rcpt(t.Context(), conn, txn, rcpt(t, "<bob@example.net>"))
	checkReply(t, "Rcpt", err, want{550, "5.7.1"})
	if r, ok := errors.AsType[*policy.Reply](err); !ok || r.Policy != "funcs" {
		t.Errorf("Rcpt = %v, want a reply from funcs", err)
	}
	if err := c.Data(t.Context(), conn, txn, &header.Header{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"r:check-mail", "check-mail", "rewrite-mail",
		"r:check-rcpt", "check-rcpt",
		"r:check-data", "rewrite-data",
	}
	if !slices.Equal(log, want) {
		t.Errorf("log:\n got %v\nwant %v", log, want)
	}
	// A pointer works as well; a Funcs without functions joins no stage.
	if _, err := policy.NewChain("p", &f); err != nil {
		t.Errorf("NewChain(&Funcs): %v", err)
	}
}

// TestTransactionValue: the state slot keeps values per key for the
// transaction, as context keys do; nil removes.
func TestTransactionValue(t *testing.T) {
	t.Parallel()
	type keyA struct{}
	type keyB struct{}
	txn := &policy.Transaction{}
	if v := txn.Value(keyA{}); v != nil {
		t.Fatalf("empty Value = %v", v)
	}
	txn.SetValue(keyA{}, 1)
	txn.SetValue(keyB{}, "b")
	txn.SetValue(keyA{}, 2)
	if a, b := txn.Value(keyA{}), txn.Value(keyB{}); a != 2 || b != "b" {
		t.Errorf("Value = %v, %v; want 2, b", a, b)
	}
	if v := txn.Value(struct{}{}); v != nil {
		t.Errorf("a key of another type found %v", v)
	}
	txn.SetValue(keyA{}, nil)
	if a, b := txn.Value(keyA{}), txn.Value(keyB{}); a != nil || b != "b" {
		t.Errorf("after removing keyA: %v, %v", a, b)
	}
	// The first entry is held apart from the others: a key that comes
	// after a removal, and a third one, are found as well.
	type keyC struct{}
	txn.SetValue(keyC{}, 3)
	txn.SetValue(keyA{}, 4)
	if a, b, c := txn.Value(keyA{}), txn.Value(keyB{}), txn.Value(keyC{}); a != 4 || b != "b" || c != 3 {
		t.Errorf("Value = %v, %v, %v; want 4, b, 3", a, b, c)
	}
	txn.SetValue(keyB{}, nil)
	txn.SetValue(keyC{}, nil)
	if a, b, c := txn.Value(keyA{}), txn.Value(keyB{}), txn.Value(keyC{}); a != 4 || b != nil || c != nil {
		t.Errorf("after removing keyB and keyC: %v, %v, %v", a, b, c)
	}
	if v := (&policy.Transaction{}).Value(keyB{}); v != nil {
		t.Errorf("a new transaction sees %v", v)
	}
	for _, bad := range []any{nil, []byte("x")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetValue(%v) did not panic", bad)
				}
			}()
			txn.SetValue(bad, 1)
		}()
	}
}

// TestTransactionValueFirstAllocatesNothing: the first value a
// transaction holds (a pointer) costs no allocation, so a policy's state
// is free in the usual transaction (issue 15).
func TestTransactionValueFirstAllocatesNothing(t *testing.T) {
	type key struct{}
	v := new(int)
	if n := testing.AllocsPerRun(100, func() {
		var txn policy.Transaction
		txn.SetValue(key{}, v)
		if txn.Value(key{}) != v {
			t.Fatal("value lost")
		}
	}); n != 0 {
		t.Errorf("SetValue and Value: %v allocations, want 0", n)
	}
}

func TestNewChain_Errors(t *testing.T) {
	t.Parallel()
	var log []string
	var typedNil *recorder
	empty := mustChain(t, "empty")
	cases := []struct {
		name string
		ps   []policy.Policy
		want string // in the error
	}{
		{"nil policy", []policy.Policy{&recorder{name: "a", log: &log}, nil}, "nil policy"},
		{"typed nil", []policy.Policy{typedNil}, "nil policy"},
		{"no stage", []policy.Policy{nameOnly{}}, "joins no stage"},
		{"Funcs without functions", []policy.Policy{policy.Funcs{PolicyName: "f"}}, "joins no stage"},
		{"empty nested chain", []policy.Policy{empty}, "joins no stage"},
		{"duplicate", []policy.Policy{&recorder{name: "a", log: &log}, &rewriter{name: "b", log: &log}, &rewriter{name: "a", log: &log}}, "duplicate policy name"},
		{"duplicate func names", []policy.Policy{
			policy.Funcs{PolicyName: "x", CheckMail: func(context.Context, *policy.Conn, *policy.Transaction) error { return nil }},
			policy.Funcs{PolicyName: "x", CheckRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error { return nil }},
		}, "duplicate policy name"},
		{"empty name", []policy.Policy{&recorder{name: "", log: &log}}, "empty name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := policy.NewChain("c", tc.ps...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || c != nil {
				t.Errorf("NewChain = %v, %v; want nil and an error saying %q", c, err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "policy: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}
