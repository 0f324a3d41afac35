package main

import (
	"errors"

	"github.com/ecotax/ecotax/calc"
)

// exitFor is the exit status of an operation's error: the caller's
// mistake (invalid, not found) is exitInput, anything else exitInternal.
func exitFor(err error) int {
	var ce *calc.Error
	if errors.As(err, &ce) && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindNotFound) {
		return exitInput
	}
	return exitInternal
}
