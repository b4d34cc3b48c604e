module github.com/msakit/msakit

go 1.26.0

require (
	github.com/emersion/go-message v0.18.2
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0
)
