package policy

import (
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
)

// Recipient is one recipient of a transaction: one that has been accepted,
// or the one a RCPT policy is checking (RFC 5321, Section 4.1.1.3).
type Recipient struct {
	// Path is the forward-path, possibly rewritten by an [RcptRewriter].
	Path envelope.Path
	// Original is the argument as received, for trace and logs.
	Original string
	// Options are the RCPT TO parameters.
	Options RcptOptions
}

// Transaction is the state of one mail transaction, from MAIL FROM to the end
// of DATA (RFC 5321, Section 3.3). It belongs to one session and is not safe
// for concurrent use.
//
// Recipients holds only accepted recipients: a RCPT policy sees the
// recipients accepted so far, and the one being checked arrives separately
// (so [MaxRecipients] counts accepted ones, RFC 5321, Section 4.5.3.1.8).
type Transaction struct {
	// ID is the submission id, used in Received and trace records.
	ID string
	// From is the reverse-path, possibly rewritten by a [MailRewriter].
	From envelope.Path
	// OriginalFrom is the MAIL FROM argument as received.
	OriginalFrom string
	// MailOptions are the MAIL FROM parameters.
	MailOptions MailOptions
	// Recipients are the accepted recipients, in order.
	Recipients []Recipient
	// Start is when MAIL FROM was accepted.
	Start time.Time

	// values is the state slot of Value and SetValue.
	values []keyValue

	// parsed memoizes header.ParseAddressList by field value during the
	// DATA stage, so the built-in policies parse each address field once.
	parsed map[string]parsedList
	// fields memoizes the same by field for the first maxFieldMemo
	// address fields, so that a policy that visits the header's fields
	// finds the result without unfolding the value again; a short slice
	// costs less than a map for the handful of address fields of a
	// message.
	fields []fieldMemo
}

// maxFieldMemo bounds tx.fields, which is searched linearly; further
// fields are still memoized by value.
const maxFieldMemo = 16

// fieldMemo is one entry of tx.fields.
type fieldMemo struct {
	key fieldKey
	parsedList
}

// fieldKey identifies a header field by its bytes: the fields of a header
// never share their first octet, and a new or replaced field has bytes of
// its own. The memo keeps those bytes alive, so they are not reused.
type fieldKey struct {
	p *byte
	n int
}

type parsedList struct {
	addrs []header.Address
	err   error
	blank bool // the value is CFWS only (fields only)
}

// maxParsedCache bounds the memo; a header has at most
// header.DefaultMaxFields fields, so this is never reached by one message.
const maxParsedCache = 1024

// Addresses returns header.ParseAddressList(value) (RFC 5322, Section 3.4),
// memoized in tx so that the DATA policies of one chain parse each address
// field once. The returned slice is shared: callers must not modify it (copy
// it first). A nil tx parses without memo.
func (tx *Transaction) Addresses(value string) ([]header.Address, error) {
	if tx == nil {
		return header.ParseAddressList(value)
	}
	if r, ok := tx.parsed[value]; ok {
		return r.addrs, r.err
	}
	addrs, err := header.ParseAddressList(value)
	if tx.parsed == nil {
		tx.parsed = make(map[string]parsedList, 8)
	}
	if len(tx.parsed) < maxParsedCache {
		tx.parsed[value] = parsedList{addrs: addrs, err: err}
	}
	return addrs, err
}

// fieldAddresses returns tx.Addresses(f.Value()), memoized by field so
// that the value is unfolded once, and whether the value is blank: nothing
// but white space, folds and comments (header.IsCFWS; RFC 5322, Section
// 3.6.3 allows "Bcc:" and "Bcc: (comment)"). Only a value that does not
// parse can be blank, so IsCFWS runs only then.
func (tx *Transaction) fieldAddresses(f header.Field) (addrs []header.Address, blank bool, err error) {
	raw := f.Raw()
	if tx == nil || len(raw) == 0 {
		v := f.Value()
		addrs, err = tx.Addresses(v)
		return addrs, err != nil && header.IsCFWS(v), err
	}
	k := fieldKey{&raw[0], len(raw)}
	for i := range tx.fields {
		if r := &tx.fields[i]; r.key == k {
			return r.addrs, r.blank, r.err
		}
	}
	v := f.Value()
	addrs, err = tx.Addresses(v)
	blank = err != nil && header.IsCFWS(v)
	if tx.fields == nil {
		tx.fields = make([]fieldMemo, 0, 8)
	}
	if len(tx.fields) < maxFieldMemo {
		tx.fields = append(tx.fields, fieldMemo{k, parsedList{addrs, err, blank}})
	}
	return addrs, blank, err
}

// SMTPUTF8 reports whether the transaction uses SMTPUTF8 (RFC 6531, Section
// 3.4), so non-ASCII addresses and header fields (RFC 6532) are allowed.
func (tx *Transaction) SMTPUTF8() bool { return tx.MailOptions.SMTPUTF8 }
