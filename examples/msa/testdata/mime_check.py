#!/usr/bin/env python3
"""Checks a message converted to 7-bit against the one that was sent.

Usage: mime_check.py SENT RECEIVED

Python's email package reads both files. RECEIVED must be 7-bit with lines
of at most 998 octets and parse without a defect; the two must have the
same leaves (message/rfc822 bodies are walked into) with the same content
types, and every leaf of RECEIVED must decode to the octets of the same
leaf of SENT. Prints one JSON object: the leaves of RECEIVED with their
Content-Transfer-Encoding, or the first problem ("error"), and exits 1 on a
problem.
"""
import email
import email.parser
import email.policy
import json
import sys


def leaves(msg):
    for part in msg.walk():
        if part.is_multipart():
            continue
        yield part


def fail(why):
    print(json.dumps({"error": why}))
    sys.exit(1)


def main():
    sent_raw = open(sys.argv[1], "rb").read()
    got_raw = open(sys.argv[2], "rb").read()
    if any(b >= 0x80 for b in got_raw):
        fail("received message has octets above 127")
    for line in got_raw.split(b"\r\n"):
        if len(line) > 998:
            fail("received message has a line of %d octets" % len(line))
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    sent = list(leaves(parser.parsebytes(sent_raw)))
    got_msg = parser.parsebytes(got_raw)
    got = list(leaves(got_msg))
    for part in got_msg.walk():
        if part.defects:
            fail("defects in %s: %r" % (part.get_content_type(), part.defects))
    if len(sent) != len(got):
        fail("%d leaves sent, %d received" % (len(sent), len(got)))
    out = []
    for i, (s, g) in enumerate(zip(sent, got)):
        if s.get_content_type() != g.get_content_type():
            fail("leaf %d: %s sent, %s received" % (i, s.get_content_type(), g.get_content_type()))
        want = s.get_payload(decode=True)
        have = g.get_payload(decode=True)
        if want != have:
            fail("leaf %d (%s) decodes to %r, sent %r" % (i, g.get_content_type(), have, want))
        out.append({"type": g.get_content_type(), "cte": g.get("Content-Transfer-Encoding", ""), "octets": len(have)})
    print(json.dumps({"leaves": out}))


if __name__ == "__main__":
    main()
