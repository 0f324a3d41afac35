package calc_test

import (
	"os"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// fileRequest decodes the request in a file (a shipped example or a test
// file), failing the test or benchmark on any fault.
func fileRequest(tb testing.TB, path string) *calc.Request {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := calc.DecodeRequest(data)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// fileResult assesses the request in a file.
func fileResult(tb testing.TB, e *calc.Engine, path string) *calc.Result {
	tb.Helper()
	res, err := e.Assess(fileRequest(tb, path))
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
