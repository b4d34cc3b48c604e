package submission

import (
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// addressMemo memoizes header.ParseAddressList during the DATA stage of one
// transaction, so that the built-in DATA policies (check-header,
// enforce-sender, qualify-domains, rewrite-addresses, add-sender) and the
// signer's authors parse each address field once between them. It lives
// in the transaction's state slot (policy.Transaction.SetValue) under
// addressMemoKey, the slot any third-party policy uses too; Session.Mail
// puts it there, allocated with the transaction.
type addressMemo struct {
	// fields memoizes by field for the first maxFieldMemo address fields,
	// so that a policy that visits the header's fields finds the result
	// without unfolding the value again; a short slice costs less than a
	// map for the handful of address fields of a message. It starts in
	// inline.
	fields []fieldMemo
	inline [4]fieldMemo // From, To, Cc and one more without allocating
}

// addressMemoKey is the state slot key of the addressMemo.
type addressMemoKey struct{}

// maxFieldMemo bounds addressMemo.fields, which is searched linearly;
// further fields are parsed each time they are asked for.
const maxFieldMemo = 16

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
	blank bool // the value is CFWS only
}

// init makes m an empty memo in tx's state slot.
func (m *addressMemo) init(tx *policy.Transaction) {
	m.fields = m.inline[:0]
	tx.SetValue(addressMemoKey{}, m)
}

// memoOf returns tx's address memo, creating it on first use for a
// transaction that Session.Mail did not make; nil for a nil tx.
func memoOf(tx *policy.Transaction) *addressMemo {
	if tx == nil {
		return nil
	}
	if m, ok := tx.Value(addressMemoKey{}).(*addressMemo); ok {
		return m
	}
	m := &addressMemo{}
	m.init(tx)
	return m
}

// fieldAddresses returns header.ParseAddressList(f.Value()) (RFC 5322,
// Section 3.4), memoized in tx by field so that the value is unfolded and
// parsed once, and whether the value is blank: nothing but white space,
// folds and comments (header.IsCFWS; RFC 5322, Section 3.6.3 allows "Bcc:"
// and "Bcc: (comment)"). Only a value that does not parse can be blank, so
// IsCFWS runs only then. The returned slice is shared: callers must not
// modify it (copy it first). A nil tx parses without memo.
func fieldAddresses(tx *policy.Transaction, f header.Field) (addrs []header.Address, blank bool, err error) {
	m := memoOf(tx)
	raw := f.Raw()
	var k fieldKey
	if m != nil && len(raw) > 0 {
		k = fieldKey{&raw[0], len(raw)}
		for i := range m.fields {
			if r := &m.fields[i]; r.key == k {
				return r.addrs, r.blank, r.err
			}
		}
	}
	v := f.Value()
	addrs, err = header.ParseAddressList(v)
	blank = err != nil && header.IsCFWS(v)
	if k.p != nil && len(m.fields) < maxFieldMemo {
		m.fields = append(m.fields, fieldMemo{k, parsedList{addrs, err, blank}})
	}
	return addrs, blank, err
}
