package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// groupCommit makes spooled messages durable in groups (issue 15): one
// sync covers every message whose files were written while the previous
// sync ran, and a message's client gets 250 only after the sync that
// covers it.
//
// A message is durable once its two files' data and their renames into
// the spool are on disk, in that order: the data first, so that a crash
// never leaves a committed <id>.json beside an <id>.eml whose octets were
// lost. The committer therefore runs one loop, each turn taking every
// message that waits:
//
//  1. one sync, which makes durable the data of the messages just taken
//     and the renames of the turn before;
//  2. the messages of the turn before get their answer (250);
//  3. the messages just taken are renamed into the spool, .eml then .json.
//
// In steady state each turn costs one sync for all the messages it
// takes; a message waits for two. The sync is syncfs(2) on Linux, which
// flushes the whole file system the spool is on (so the spool is best on
// a file system of its own); elsewhere, an fsync of each file taken and
// one of the directory.
//
// The committer's goroutine runs while there is work and ends when there
// is none, so a spool needs no Close.
type groupCommit struct {
	dir    string
	syncFS func(*os.File) error // syncFS, or a test's
	syncs  atomic.Int64         // syncs made, for tests and figures

	mu      sync.Mutex
	queue   []*commitReq // written, waiting for the next turn
	running bool         // the goroutine runs
}

// commitReq is one message for the committer.
type commitReq struct {
	tmpEML, tmpJSON string // temporary files, written, not synced
	final           string // spool path without extension
	done            chan error
	renamed         bool
}

// commit makes r's files durable under their final names and returns nil,
// or removes them and returns why it could not.
func (c *groupCommit) commit(r *commitReq) error {
	r.done = make(chan error, 1)
	c.mu.Lock()
	c.queue = append(c.queue, r)
	if !c.running {
		c.running = true
		go c.run()
	}
	c.mu.Unlock()
	return <-r.done
}

// run is the committer's loop; see groupCommit.
func (c *groupCommit) run() {
	var renamed []*commitReq // renamed in the turn before: their renames await a sync
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		if len(batch) == 0 && len(renamed) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		err := c.sync(batch)
		for _, r := range renamed {
			r.finish(err)
		}
		renamed = renamed[:0]
		for _, r := range batch {
			if err != nil {
				r.finish(err)
				continue
			}
			if err := r.rename(); err != nil {
				r.finish(err)
				continue
			}
			renamed = append(renamed, r)
		}
	}
}

// sync makes durable the data of batch's files and every rename made so
// far in the spool.
func (c *groupCommit) sync(batch []*commitReq) error {
	d, err := os.Open(c.dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	c.syncs.Add(1)
	if err := c.syncFS(d); !errors.Is(err, errNoSyncFS) {
		if err != nil {
			return fmt.Errorf("spool: syncfs %s: %w", c.dir, err)
		}
		return nil
	}
	for _, r := range batch {
		for _, p := range []string{r.tmpEML, r.tmpJSON} {
			if err := syncFile(p); err != nil {
				return err
			}
		}
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", c.dir, err)
	}
	return nil
}

// rename moves r's files to their final names, .eml first: <id>.json is
// the commit marker.
func (r *commitReq) rename() error {
	if err := os.Rename(r.tmpEML, r.final+".eml"); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	r.renamed = true
	if err := os.Rename(r.tmpJSON, r.final+".json"); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// finish answers r: with err, its files are removed (the client gets a
// 4xx and sends again).
func (r *commitReq) finish(err error) {
	if err != nil {
		_ = os.Remove(r.tmpJSON)
		_ = os.Remove(r.tmpEML)
		if r.renamed {
			_ = os.Remove(r.final + ".json")
			_ = os.Remove(r.final + ".eml")
		}
	}
	r.done <- err
}

// syncFile fsyncs the file at path.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", path, err)
	}
	return nil
}

// errNoSyncFS is syncFS's answer where the system has no syncfs(2).
var errNoSyncFS = errors.New("spool: no syncfs on this system")
