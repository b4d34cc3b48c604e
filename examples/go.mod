module github.com/msakit/msakit/examples

go 1.26
