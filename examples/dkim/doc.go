// Package dkim signs submitted messages with DKIM (RFC 6376) on
// github.com/emersion/go-msgauth: a [Signer] is msakit's
// [submission.Signer], set as submission.Config.Signer, so every accepted
// message leaves the MSA signed by the domain of its author (RFC 6409,
// Section 8.5).
//
// What it signs with:
//
//   - rsa-sha256 (RFC 6376, Section 3.3.2; keys of 1024 to 4096 bits, RFC
//     8301, Section 3.2) and ed25519-sha256 (RFC 8463, Section 3), one
//     DKIM-Signature field per key. A domain may have several keys (RFC
//     6376, Section 4 allows several signatures): an RSA and an Ed25519
//     key side by side, since many verifiers still check RSA only, or two
//     selectors during a key rollover.
//   - relaxed/relaxed canonicalization (RFC 6376, Section 3.4.2 and 3.4.4),
//     which survives the re-folding and white-space changes of relays.
//   - the signing domain (d=) chosen from the message's authors that the
//     submitter may send as ([submission.SignRequest].Authors, From first):
//     the first whose domain has a key. No key for any of them means no
//     signature, not an error.
//   - the header fields of RFC 6376, Section 5.4.1's list (From, Reply-To,
//     Subject, Date, To, Cc, Resent-Date, Resent-From, Resent-To,
//     Resent-Cc, In-Reply-To, References, List-Id, List-Help,
//     List-Unsubscribe, List-Subscribe, List-Post, List-Owner, List-Archive)
//     plus those the operator lists in Config.Fields, each as many times as
//     it occurs; From once more than it occurs, so that a From added later
//     breaks the signature (RFC 6376, Section 5.4.2 and 8.15).
//
// The body is never buffered: go-msgauth's dkim.Signer is an
// io.WriteCloser over the whole message, so [Signer.Sign] writes the final
// header into it at once and the [submission.BodySigner] it returns writes
// each body chunk as msakit streams it. Memory is O(header) per message
// and key; go-msgauth runs one goroutine per key and message, which ends
// when the message does.
//
// Keys: [GenerateKey] makes one, [MarshalPrivateKey] writes it as PKCS #8
// PEM, [ParsePrivateKey] reads PKCS #8 or PKCS #1 PEM and the base64 Ed25519
// seed that dkimpy's dknewkey writes, and [Record] is the DNS TXT record to
// publish at <selector>._domainkey.<domain> (RFC 6376, Section 3.6.1 and
// 3.6.2.1; RFC 8463, Section 4).
//
// # Divergences
//
//   - The t= timestamp comes from go-msgauth, which reads time.Now itself:
//     it cannot be injected as msakit's clocks can.
//   - The signing domain must be the author's domain exactly: a key for
//     example.org does not sign mail from alice@mail.example.org, although
//     RFC 6376 would allow any d= and DMARC's relaxed alignment (RFC 7489,
//     Section 3.1.1) would accept the parent. List every domain that needs
//     a signature.
//   - Config.Fields may not name Received, Return-Path or DKIM-Signature:
//     RFC 6376, Section 5.4.1 says to exclude fields changed or added in
//     transit and that DKIM-Signature is handled on its own; New refuses
//     them rather than produce signatures that break on the way.
//   - l= (body length) and z= (copied header fields) are never used (RFC
//     6376, Section 8.2 on l=).
package dkim
