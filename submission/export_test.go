package submission

// The errors Downgrade wraps, for the tests of package submission_test,
// which tell its refusals apart. Outside the package, [ReplyFor] is how a
// refusal (554 5.6.3) is told from an I/O error (internal).
var (
	ErrDowngradeHeader   = errDowngradeHeader
	ErrDowngradeEncoding = errDowngradeEncoding
	ErrDowngradeLimit    = errDowngradeLimit
)
