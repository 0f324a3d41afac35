package main

import (
	"github.com/ecotax/ecotax/calc"
)

// exitFor is the exit status of an operation's error: the caller's
// mistake (invalid, not found) is exitInput, anything else exitInternal.
func exitFor(err error) int {
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindNotFound) {
		return exitInput
	}
	return exitInternal
}
