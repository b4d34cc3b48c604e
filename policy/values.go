package policy

import "reflect"

// keyValue is one entry of a transaction's state slot.
type keyValue struct {
	key, value any
}

// Value returns the value a policy stored under key in this transaction with
// [Transaction.SetValue], or nil. It is how a third-party policy keeps state
// from one stage to a later one of the same transaction (a lookup made at
// MAIL and used at RCPT, a count across recipients), as context.Context
// carries request-scoped values (RFC 5321, Section 3.3: a transaction runs
// from MAIL to the end of DATA). A new transaction starts empty.
func (tx *Transaction) Value(key any) any {
	if tx.first.key == key {
		return tx.first.value
	}
	for i := range tx.values {
		if tx.values[i].key == key {
			return tx.values[i].value
		}
	}
	return nil
}

// SetValue stores v under key for the rest of the transaction; a nil v
// removes the key. key must be comparable and should be of an unexported
// type of the policy's own package, as context keys are, so that no other
// package can read or overwrite it:
//
//	type quotaKey struct{}
//	tx.SetValue(quotaKey{}, remaining)
//
// A Transaction belongs to one session: SetValue is not safe for
// concurrent use. It panics if key is nil or not comparable, a programming
// error like context.WithValue's.
func (tx *Transaction) SetValue(key, v any) {
	if key == nil || !reflect.TypeOf(key).Comparable() {
		panic("policy: Transaction.SetValue key is nil or not comparable")
	}
	if tx.first.key == key {
		if v == nil {
			tx.first = keyValue{}
		} else {
			tx.first.value = v
		}
		return
	}
	for i := range tx.values {
		if tx.values[i].key == key {
			if v == nil {
				tx.values = append(tx.values[:i], tx.values[i+1:]...)
				return
			}
			tx.values[i].value = v
			return
		}
	}
	switch {
	case v == nil:
	case tx.first.key == nil:
		tx.first = keyValue{key, v}
	default:
		tx.values = append(tx.values, keyValue{key, v})
	}
}
