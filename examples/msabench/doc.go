// Command msabench measures a whole submission server: it starts
// examples/msa (or a private Postfix instance, to compare), drives it with N
// concurrent SMTP sessions, and reports messages per second, CPU seconds per
// 1000 messages and peak resident memory.
//
//	go run ./examples/msabench -target msa -sessions 1,16,64 -messages 2000
//	go run ./examples/msabench -target msa -mode auth     # STARTTLS + AUTH PLAIN, like real clients
//	go run ./examples/msabench -target msa,postfix -rounds 5 -sessions 16,64   # paired; needs root and Debian's postfix
//	go run ./examples/msabench -target msa,msa-message,postfix -rounds 5 -sessions 1,16,64
//
// The target msa-message is examples/msa with -spool-sync message (each
// message made durable on its own: an fsync of each spool file and of the
// directory), beside msa's default group commit; -msa-args adds arguments
// to both. With several targets, the first is compared with each other one,
// paired by round.
//
// Each session keeps one connection open and sends messages one transaction
// at a time (MAIL, RCPT, DATA), as Postfix's smtp-source does with -s N. In
// mode "plain" the server trusts loopback (no TLS, no AUTH: msa's -trusted,
// Postfix's mynetworks); in mode "auth" every session does STARTTLS and AUTH
// PLAIN before its first message (msa only: the Postfix instance has no SASL).
//
// Both servers make each message durable before their 250: msa syncs its
// spool files (in groups, or one message at a time with msa-message),
// Postfix fsyncs its queue file and holds the message (an access
// rule answers HOLD, so no delivery competes for the CPU). CPU time is the
// server's user plus system time from /proc, its reaped children included
// (Postfix's smtpd and cleanup processes); peak RSS is the high-water mark
// (VmHWM) of the server's processes, summed for Postfix.
//
// The figures and how they were taken are in examples/BENCHMARKS.md.
package main
