package submission

import (
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// addressMemo memoizes header.ParseAddressList during the DATA stage of one
// transaction, so that the built-in DATA policies (CheckHeader,
// EnforceSender, QualifyDomains, RewriteAddresses, AddSender) parse each
// address field once between them. It lives in the transaction's state slot
// (policy.Transaction.SetValue) under addressMemoKey, the slot any
// third-party policy uses too.
type addressMemo struct {
	// parsed memoizes by field value.
	parsed map[string]parsedList
	// fields memoizes by field for the first maxFieldMemo address fields,
	// so that a policy that visits the header's fields finds the result
	// without unfolding the value again; a short slice costs less than a
	// map for the handful of address fields of a message.
	fields []fieldMemo
}

// addressMemoKey is the state slot key of the addressMemo.
type addressMemoKey struct{}

// maxFieldMemo bounds addressMemo.fields, which is searched linearly;
// further fields are still memoized by value.
const maxFieldMemo = 16

// maxParsedCache bounds addressMemo.parsed; a header has at most
// header.DefaultMaxFields fields, so this is never reached by one message.
const maxParsedCache = 1024

// fieldMemo is one entry of addressMemo.fields.
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

// memoOf returns tx's address memo, creating it on first use; nil for a nil
// tx.
func memoOf(tx *policy.Transaction) *addressMemo {
	if tx == nil {
		return nil
	}
	if m, ok := tx.Value(addressMemoKey{}).(*addressMemo); ok {
		return m
	}
	m := &addressMemo{}
	tx.SetValue(addressMemoKey{}, m)
	return m
}

// addresses returns header.ParseAddressList(value) (RFC 5322, Section 3.4),
// memoized in tx. The returned slice is shared: callers must not modify it
// (copy it first). A nil tx parses without memo.
func addresses(tx *policy.Transaction, value string) ([]header.Address, error) {
	return memoOf(tx).addresses(value)
}

func (m *addressMemo) addresses(value string) ([]header.Address, error) {
	if m == nil {
		return header.ParseAddressList(value)
	}
	if r, ok := m.parsed[value]; ok {
		return r.addrs, r.err
	}
	addrs, err := header.ParseAddressList(value)
	if m.parsed == nil {
		m.parsed = make(map[string]parsedList, 8)
	}
	if len(m.parsed) < maxParsedCache {
		m.parsed[value] = parsedList{addrs: addrs, err: err}
	}
	return addrs, err
}

// fieldAddresses returns addresses(tx, f.Value()), memoized by field so
// that the value is unfolded once, and whether the value is blank: nothing
// but white space, folds and comments (header.IsCFWS; RFC 5322, Section
// 3.6.3 allows "Bcc:" and "Bcc: (comment)"). Only a value that does not
// parse can be blank, so IsCFWS runs only then.
func fieldAddresses(tx *policy.Transaction, f header.Field) (addrs []header.Address, blank bool, err error) {
	m := memoOf(tx)
	raw := f.Raw()
	if m == nil || len(raw) == 0 {
		v := f.Value()
		addrs, err = m.addresses(v)
		return addrs, err != nil && header.IsCFWS(v), err
	}
	k := fieldKey{&raw[0], len(raw)}
	for i := range m.fields {
		if r := &m.fields[i]; r.key == k {
			return r.addrs, r.blank, r.err
		}
	}
	v := f.Value()
	addrs, err = m.addresses(v)
	blank = err != nil && header.IsCFWS(v)
	if m.fields == nil {
		m.fields = make([]fieldMemo, 0, 8)
	}
	if len(m.fields) < maxFieldMemo {
		m.fields = append(m.fields, fieldMemo{k, parsedList{addrs, err, blank}})
	}
	return addrs, blank, err
}
