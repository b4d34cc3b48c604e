package main

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msakit/msakit/policy"
)

// groupSpool is a spool in group mode whose sync is hook.
func groupSpool(t *testing.T, hook func(*os.File) error) *spool {
	t.Helper()
	sp, err := newSpool(t.TempDir(), syncGroup, time.Now, rand.Reader, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sp.group.syncFS = hook
	return sp
}

// TestGroupCommit: messages delivered at once are committed whole, under
// distinct names although their transactions share an id, with fewer
// syncs than messages: one sync covers every message that finished while
// the previous one ran.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	for _, fallback := range []bool{false, true} {
		name := "syncfs"
		if fallback {
			name = "fsync-each-file"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sp := groupSpool(t, func(d *os.File) error {
				time.Sleep(2 * time.Millisecond) // a disk: messages arrive while it syncs
				if fallback {
					return errNoSyncFS // as where syncfs(2) is missing
				}
				return syncFS(d)
			})
			const n = 40
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() { errs <- sp.Deliver(t.Context(), fakeMessage(t, strings.NewReader(testMessage))) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Deliver: %v", err)
				}
			}
			msgs := readSpool(t, sp.dir)
			if len(msgs) != n {
				t.Fatalf("spool holds %d messages, want %d", len(msgs), n)
			}
			for _, m := range msgs {
				if string(m.eml) != testMessage || m.rec.Size != int64(len(testMessage)) {
					t.Errorf("%s: %d octets, record %d", m.id, len(m.eml), m.rec.Size)
				}
			}
			syncs := sp.group.syncs.Load()
			if syncs >= n {
				t.Errorf("%d syncs for %d messages delivered at once, want fewer", syncs, n)
			}
			t.Logf("%d messages, %d syncs", n, syncs)
		})
	}
}

// TestGroupCommitAcksAfterSync: the message's data is synced before its
// files get their final names, and Deliver returns (the client's 250) only
// after a sync that began once they had them; until then the files are
// renamed but Deliver waits.
func TestGroupCommitAcksAfterSync(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var renamedEarly atomic.Bool
	started, release := make(chan struct{}), make(chan struct{})
	var sp *spool
	sp = groupSpool(t, func(d *os.File) error {
		switch calls.Add(1) {
		case 1: // the sync of the data
			if _, err := os.Stat(filepath.Join(sp.dir, "ack1.json")); err == nil {
				renamedEarly.Store(true)
			}
		case 2: // the sync after the renames
			close(started)
			<-release
		}
		return syncFS(d)
	})
	done := make(chan error, 1)
	m := fakeMessage(t, strings.NewReader(testMessage))
	m.Transaction = &policy.Transaction{ID: "ack1", From: m.Transaction.From, Recipients: m.Transaction.Recipients}
	go func() { done <- sp.Deliver(t.Context(), m) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("Deliver returned (%v) with no sync after the renames", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no second sync")
	}
	if _, err := os.Stat(filepath.Join(sp.dir, "ack1.json")); err != nil {
		t.Errorf("the second sync began before the renames: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Deliver returned (%v) before the sync that covers the renames", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if renamedEarly.Load() {
		t.Error("the files had their final names before the sync of their data")
	}
	if n := len(readSpool(t, sp.dir)); n != 1 {
		t.Errorf("spool holds %d messages, want 1", n)
	}
}

// TestGroupCommitSyncFails: when the sync of the data or the one of the
// renames fails, Deliver fails with an internal error (the client gets
// 451 and sends again) and nothing of the message stays in the spool.
func TestGroupCommitSyncFails(t *testing.T) {
	t.Parallel()
	failing := errors.New("disk on fire")
	for _, failAt := range []int32{1, 2} {
		var calls atomic.Int32
		sp := groupSpool(t, func(d *os.File) error {
			if calls.Add(1) == failAt {
				return failing
			}
			return syncFS(d)
		})
		err := sp.Deliver(t.Context(), fakeMessage(t, strings.NewReader(testMessage)))
		if !errors.Is(err, failing) {
			t.Errorf("sync %d fails: Deliver = %v, want the sync's error", failAt, err)
		}
		if _, ok := errors.AsType[*policy.Reply](err); ok {
			t.Errorf("sync %d fails: Deliver returned a reply, want an internal error: %v", failAt, err)
		}
		if entries, _ := os.ReadDir(sp.dir); len(entries) != 0 {
			t.Errorf("sync %d fails: the spool holds %d files, want 0", failAt, len(entries))
		}
		// The next message is committed: a failure is not sticky.
		if err := sp.Deliver(t.Context(), fakeMessage(t, strings.NewReader(testMessage))); err != nil {
			t.Errorf("after a failed sync: %v", err)
		}
	}
}
