# Verifies every DKIM-Signature of the message on standard input with
# dkimpy (Debian's python3-dkim), the outside verifier of the tests in
# examples/dkim and examples/msa. The only thing supplied from outside is the
# DNS: argv[1] is a JSON object mapping "<selector>._domainkey.<domain>" to
# the TXT record to return; dkimpy itself parses the record, canonicalizes,
# hashes and checks the signature.
#
# Output: one line per signature, topmost first:
#   <index> ok d=<domain> s=<selector> a=<algorithm>
#   <index> fail <reason>
import json
import sys

import dkim

records = json.loads(sys.argv[1])


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode("ascii")
    rec = records.get(name.rstrip(".").lower())
    return rec.encode("ascii") if rec is not None else None


msg = sys.stdin.buffer.read()
d = dkim.DKIM(msg)
n = sum(1 for name, _ in d.headers if name.lower() == b"dkim-signature")
if n == 0:
    print("no DKIM-Signature field")
for i in range(n):
    try:
        ok = d.verify(idx=i, dnsfunc=dnsfunc)
        reason = "signature did not verify"
    except dkim.DKIMException as e:
        ok, reason = False, "%s: %s" % (type(e).__name__, e)
    if ok:
        f = d.signature_fields
        print("%d ok d=%s s=%s a=%s" % (i, f[b"d"].decode(), f[b"s"].decode(), f[b"a"].decode()))
    else:
        print("%d fail %s" % (i, reason))
