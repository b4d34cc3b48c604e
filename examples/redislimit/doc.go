// Package redislimit keeps msakit's sending limits and AUTH-failure counts
// ([submission.Limits]) in Redis, so that MSA replicas behind a load
// balancer enforce one limit together: a [submission.LimitStore] on
// github.com/redis/go-redis/v9.
//
// Each [Store.Add] is one round trip: a Lua script, run atomically by the
// server, reads the key's count, refuses or adds, and starts the window
// with PEXPIRE when the key had no count, so concurrent MSAs in different
// processes can never go over a limit together, and every key expires with
// its window (nothing to clean up). The script is sent once and then run
// by its SHA-1 (EVALSHA, falling back to EVAL after a Redis restart or
// SCRIPT FLUSH). A Redis Cluster works too: each call touches one key.
//
// # When Redis is down
//
// Add returns the error; it never panics and never retries a call whose
// outcome is unknown (a retried script could count an event twice). The
// msakit Agent logs the failure at Error and, as the operator chose in
// [submission.Limits].FailOpen, either lets the command through uncounted
// (fail open) or refuses it with a temporary 451 4.3.0, 454 4.7.0 at AUTH
// (fail closed, the default). Either way nothing a client was told 250 for
// is lost: a refusal comes before the 250. Give the client short timeouts
// (see [NewClient]) so that a dead Redis costs a command a second at most,
// not the client library's defaults.
package redislimit
