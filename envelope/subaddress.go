package envelope

import "strings"

// SplitSubaddress splits a local part at the first occurrence of the
// separator sep into a base and a tag, as in "user+tag" with sep "+"
// (subaddressing, RFC 5233, Section 1; RFC 5321, Section 2.4 leaves the
// meaning of local parts to the receiving domain). It is used to decide
// whether "user+tag" belongs to the owner of "user".
//
// ok is true only when sep is not empty, occurs in localPart, and the base
// before it is not empty; then localPart == base + sep + tag, and tag may be
// empty ("user+"). Otherwise base is localPart and tag is "". The local part
// is taken as decoded ([Mailbox.LocalPart]) and compared octet for octet.
func SplitSubaddress(localPart, sep string) (base, tag string, ok bool) {
	if sep == "" {
		return localPart, "", false
	}
	base, tag, ok = strings.Cut(localPart, sep)
	if !ok || base == "" {
		return localPart, "", false
	}
	return base, tag, true
}
