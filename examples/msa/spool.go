package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/policy"
)

// tmpPrefix starts the name of every file the spool has not committed; a
// spool reader skips them and the spool removes them at start.
const tmpPrefix = ".tmp-"

// spool writes accepted messages to a directory: DIR/<id>.eml holds exactly
// the bytes that would be relayed, DIR/<id>.json the envelope. Each file is
// written to a temporary name and renamed, the .eml first; the .json is the
// commit marker a reader should look for. The client gets 250 only once
// both files' data and their renames are on disk.
//
// How they get there is the spool's sync mode (-spool-sync). In group mode,
// the default, the files are written without fsync and a committer makes
// them durable in groups: one sync covers every message that finished
// while the previous one ran (groupCommit). In message mode each message
// is made durable on its own before the next may start committing: an
// fsync of each file, the renames, an fsync of the directory.
//
// With DKIM signing (-dkim-key), <id>.eml starts with the DKIM-Signature
// fields, whose body hash is known only once the body has streamed to the
// temporary file: the spool then writes a second temporary file, the
// signature followed by a copy of the first (in the kernel, with
// copy_file_range, where the file system allows), fsyncs that copy only and
// drops the first. Memory stays O(header) whatever the message size; the disk briefly
// holds the message twice, and nothing but temporary files exists before
// the renames.
type spool struct {
	dir    string
	mode   spoolSync
	now    func() time.Time
	random io.Reader
	logger *slog.Logger
	group  groupCommit // group mode

	mu      sync.Mutex      // serializes the choice of final names
	pending map[string]bool // ids chosen and not yet committed or given up (group mode)
}

var _ gosmtp.Deliverer = (*spool)(nil)

// newSpool creates dir when missing and removes what a crash left behind:
// temporary files, .eml files whose .json was never written and .json
// files whose .eml is missing (their client never got 250, so it will send
// again).
func newSpool(dir string, mode spoolSync, now func() time.Time, random io.Reader, logger *slog.Logger) (*spool, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		stale := strings.HasPrefix(name, tmpPrefix)
		if base, ok := strings.CutSuffix(name, ".eml"); ok && !stale {
			if _, err := os.Stat(filepath.Join(dir, base+".json")); errors.Is(err, os.ErrNotExist) {
				stale = true
			}
		}
		// The renames are made .eml first, but a file system may keep the
		// second and lose the first in a crash.
		if base, ok := strings.CutSuffix(name, ".json"); ok && !stale {
			if _, err := os.Stat(filepath.Join(dir, base+".eml")); errors.Is(err, os.ErrNotExist) {
				stale = true
			}
		}
		if stale && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("spool: removing stale %s: %w", name, err)
			}
			logger.LogAttrs(context.Background(), slog.LevelWarn, "removed stale spool file", slog.String("file", name))
		}
	}
	if err := checkWritable(dir); err != nil {
		return nil, err
	}
	return &spool{dir: dir, mode: mode, now: now, random: random, logger: logger,
		group: groupCommit{dir: dir, syncFS: syncFS}, pending: map[string]bool{}}, nil
}

// checkWritable writes, fsyncs and removes a temporary file in dir, so that
// a spool the server cannot write to stops it at start rather than failing
// every message with 451.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, tmpPrefix+"probe-*")
	if err != nil {
		return fmt.Errorf("spool %s is not writable: %w", dir, err)
	}
	_, err = f.Write([]byte("probe"))
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close(), os.Remove(f.Name()))
	if err != nil {
		return fmt.Errorf("spool %s is not writable: %w", dir, err)
	}
	return nil
}

// record is the <id>.json written beside each message.
type record struct {
	ID         string          `json:"id"`
	Received   time.Time       `json:"received"`
	From       string          `json:"from"` // reverse-path without brackets; "" for <>
	Recipients []string        `json:"recipients"`
	Identity   *identityRecord `json:"identity,omitempty"` // absent when not authenticated
	Client     clientRecord    `json:"client"`
	Size       int64           `json:"size"` // octets in <id>.eml
	SMTPUTF8   bool            `json:"smtputf8,omitempty"`
	Body       string          `json:"body,omitempty"`            // body type to relay with (RFC 6152): BODY=, or 8BITMIME for undeclared 8-bit data
	Undeclared bool            `json:"undeclared_8bit,omitempty"` // the client sent 8-bit data without BODY=8BITMIME (accepted as 8BITMIME)
	DSN        *dsnRecord      `json:"dsn,omitempty"`             // RFC 3461 parameters, when any was given
}

// dsnRecord keeps the RFC 3461 parameters for whoever sends notifications.
type dsnRecord struct {
	Return     string    `json:"ret,omitempty"`
	EnvelopeID string    `json:"envid,omitempty"`
	Recipients []dsnRcpt `json:"recipients"` // in the order of record.Recipients
}

type dsnRcpt struct {
	Notify []string `json:"notify,omitempty"`
	ORCPT  string   `json:"orcpt,omitempty"`
}

type identityRecord struct {
	User             string    `json:"user"`
	AuthenticationID string    `json:"authentication_id"`
	AuthorizationID  string    `json:"authorization_id,omitempty"`
	Mechanism        string    `json:"mechanism"`
	At               time.Time `json:"at"`
}

type clientRecord struct {
	Address string `json:"address"`
	Helo    string `json:"helo"`
	TLS     string `json:"tls,omitempty"` // "TLS 1.3"; absent without TLS
	Trusted bool   `json:"trusted,omitempty"`
}

// pathString is a path without angle brackets, "" for the null path, in
// the canonical form of [envelope.Path.String].
func pathString(p envelope.Path) string { return envelopeString(p, !p.IsASCII()) }

func newRecord(id string, m *gosmtp.Message, size int64, at time.Time) *record {
	tx := m.Transaction
	r := &record{
		ID:         id,
		Received:   at.UTC(),
		From:       pathString(tx.From),
		Recipients: make([]string, 0, len(tx.Recipients)),
		Client: clientRecord{
			Helo:    m.Conn.Helo,
			Trusted: m.Conn.Trusted,
		},
		Size:       size,
		SMTPUTF8:   tx.MailOptions.SMTPUTF8,
		Body:       string(tx.BodyType()),
		Undeclared: tx.Undeclared8Bit,
	}
	if m.Conn.RemoteAddr.IsValid() {
		r.Client.Address = m.Conn.RemoteAddr.String()
	}
	if m.Conn.TLS != nil {
		r.Client.TLS = tls.VersionName(m.Conn.TLS.Version)
	}
	dsn := &dsnRecord{Return: tx.MailOptions.Return, EnvelopeID: tx.MailOptions.EnvelopeID}
	given := dsn.Return != "" || dsn.EnvelopeID != ""
	for _, rc := range tx.Recipients {
		r.Recipients = append(r.Recipients, pathString(rc.Path))
		dsn.Recipients = append(dsn.Recipients, dsnRcpt{Notify: rc.Options.Notify, ORCPT: rc.Options.OriginalRecipient})
		given = given || len(rc.Options.Notify) > 0 || rc.Options.OriginalRecipient != ""
	}
	if given {
		r.DSN = dsn
	}
	if id := m.Conn.Identity; !id.IsZero() {
		r.Identity = &identityRecord{
			User:             id.User(),
			AuthenticationID: id.AuthenticationID,
			AuthorizationID:  id.AuthorizationID,
			Mechanism:        id.Mechanism,
			At:               id.At.UTC(),
		}
	}
	return r
}

// Deliver implements gosmtp.Deliverer.
func (s *spool) Deliver(ctx context.Context, m *gosmtp.Message) error {
	// With a signature, known only once the body has been read, the file
	// is copied behind it (prepend), and only the copy needs an fsync. In
	// group mode the committer syncs.
	each := s.mode == syncEachMessage
	var sig []byte
	eml, size, err := s.writeTemp(".eml", func(w io.Writer) (bool, error) {
		_, err := io.Copy(w, m.Body)
		sig = m.Signature()
		return each && len(sig) == 0, err
	})
	if err != nil {
		// msakit refused the body (its *policy.Reply), or the disk failed:
		// nothing stays behind.
		return err
	}
	if len(sig) > 0 {
		signed, n, err := s.prepend(eml, sig, each)
		_ = os.Remove(eml)
		if err != nil {
			return err
		}
		eml, size = signed, n
	}
	if !each {
		return s.commitGroup(ctx, m, eml, size)
	}
	committed := false
	defer func() {
		if !committed {
			_ = os.Remove(eml)
		}
	}()

	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.uniqueID(m.Transaction)
	if err != nil {
		return err
	}
	rec := newRecord(id, m, size, s.now())
	js, _, err := s.writeTemp(".json", func(w io.Writer) (bool, error) {
		return true, encodeRecord(w, rec)
	})
	if err != nil {
		return err
	}
	defer func() {
		if !committed {
			_ = os.Remove(js)
		}
	}()
	final := filepath.Join(s.dir, id)
	if err := os.Rename(eml, final+".eml"); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(js, final+".json"); err != nil {
		_ = os.Remove(final + ".eml")
		return fmt.Errorf("spool: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		_ = os.Remove(final + ".json")
		_ = os.Remove(final + ".eml")
		return err
	}
	committed = true
	s.logSpooled(ctx, rec)
	return nil
}

// commitGroup commits the message whose .eml was written to the temporary
// file eml through the group committer.
func (s *spool) commitGroup(ctx context.Context, m *gosmtp.Message, eml string, size int64) error {
	s.mu.Lock()
	id, err := s.uniqueID(m.Transaction)
	if err == nil {
		s.pending[id] = true
	}
	s.mu.Unlock()
	if err != nil {
		_ = os.Remove(eml)
		return err
	}
	defer func() {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
	}()
	rec := newRecord(id, m, size, s.now())
	js, _, err := s.writeTemp(".json", func(w io.Writer) (bool, error) {
		return false, encodeRecord(w, rec)
	})
	if err != nil {
		_ = os.Remove(eml)
		return err
	}
	if err := s.group.commit(&commitReq{tmpEML: eml, tmpJSON: js, final: filepath.Join(s.dir, id)}); err != nil {
		return err
	}
	s.logSpooled(ctx, rec)
	return nil
}

// encodeRecord writes rec as <id>.json holds it.
func encodeRecord(w io.Writer, rec *record) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rec)
}

// logSpooled logs a committed message.
func (s *spool) logSpooled(ctx context.Context, rec *record) {
	s.logger.LogAttrs(ctx, slog.LevelInfo, "spooled",
		slog.String("id", rec.ID), slog.String("from", rec.From), slog.Any("rcpt", rec.Recipients), slog.Int64("size", rec.Size))
}

// writeTemp writes a temporary file in the spool with fill, fsyncs it
// when fill says so (every file that is renamed into the spool is), and
// closes it. On error the file is gone.
func (s *spool) writeTemp(ext string, fill func(io.Writer) (sync bool, err error)) (string, int64, error) {
	f, err := os.CreateTemp(s.dir, tmpPrefix+"*"+ext)
	if err != nil {
		return "", 0, fmt.Errorf("spool: %w", err)
	}
	path := f.Name()
	fail := func(err error) (string, int64, error) {
		_ = f.Close()
		_ = os.Remove(path)
		return "", 0, err
	}
	cw := &countWriter{w: f}
	sync, err := fill(cw)
	if err != nil {
		return fail(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			return fail(fmt.Errorf("spool: %w", err))
		}
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return "", 0, fmt.Errorf("spool: %w", err)
	}
	return path, cw.n, nil
}

// prepend writes a new temporary .eml holding sig and then the contents of
// the temporary file path, fsynced when sync is set, and returns its name
// and size. path is left for the caller to remove.
func (s *spool) prepend(path string, sig []byte, sync bool) (string, int64, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("spool: %w", err)
	}
	defer src.Close()
	return s.writeTemp(".eml", func(w io.Writer) (bool, error) {
		if _, err := w.Write(sig); err != nil {
			return false, err
		}
		_, err := io.Copy(w, src)
		return sync, err
	})
}

// uniqueID returns a file name base for tx: msakit's transaction id (the one
// in the Received field) when it is a safe file name, else a random one,
// never one already in the spool or chosen for a message the committer
// has yet to commit. The caller holds s.mu.
func (s *spool) uniqueID(tx *policy.Transaction) (string, error) {
	id := safeID(tx.ID)
	for i := 0; ; i++ {
		if id == "" || i > 0 {
			var b [8]byte
			if _, err := io.ReadFull(s.random, b[:]); err != nil {
				return "", fmt.Errorf("spool: random id: %w", err)
			}
			if id == "" {
				id = hex.EncodeToString(b[:])
			} else {
				id = safeID(tx.ID) + "-" + hex.EncodeToString(b[:4])
			}
		}
		_, errEML := os.Lstat(filepath.Join(s.dir, id+".eml"))
		_, errJSON := os.Lstat(filepath.Join(s.dir, id+".json"))
		if errors.Is(errEML, os.ErrNotExist) && errors.Is(errJSON, os.ErrNotExist) && !s.pending[id] {
			return id, nil
		}
		if i > 8 {
			return "", errors.New("spool: no free id")
		}
	}
}

// safeID keeps id when it is a plain file name: letters, digits, '.', '-',
// '_', not starting with '.', at most 128 octets.
func safeID(id string) string {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return ""
		}
	}
	return id
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", dir, err)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadFrom lets io.Copy reach the spool file's own ReadFrom, which copies
// from another file in the kernel (copy_file_range on Linux).
func (c *countWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(c.w, r)
	c.n += n
	return n, err
}
