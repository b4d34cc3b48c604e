package submission

import (
	"encoding/base32"
	"fmt"
	"io"
)

// idBytes is the number of random octets in a submission id: 96 bits, so
// that ids do not collide across replicas and years of traffic.
const idBytes = 12

// idEncoding writes ids in lower-case base32 without padding: 20
// characters that are valid in the Received "id" clause (RFC 5321, Section
// 4.4: id is an atom) and in file names.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID reads idBytes from the agent's random source and returns the
// submission id (RFC 5321, Section 4.4 "id"; RFC 5068, Section 3.1 needs it
// to map to the identity, which the trace record does).
func (a *Agent) newID(buf *[idBytes]byte) (string, error) {
	_, err := io.ReadFull(a.random, buf[:])
	if err != nil {
		return "", fmt.Errorf("submission: reading random id: %w", err)
	}
	var out [20]byte
	idEncoding.Encode(out[:], buf[:])
	return string(out[:]), nil
}
