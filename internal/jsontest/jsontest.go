// Package jsontest holds what the tests of the request decoders built on
// calc/jsonin share: golden request files (testdata/damage,
// testdata/ecocomp: a request and either what it must give or the error it
// must get), the check that a rejection is a clear *calc.Error, and the
// encoding/json yardstick their benchmarks are measured against; and the
// generated declarations of the batch benchmarks (BatchDeclaration).
package jsontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Case is one golden file. E is the package's own shape of expect.
type Case[E any] struct {
	Title       string            `json:"title"`
	Source      string            `json:"source"`
	Tags        map[string]string `json:"tags"`
	Note        string            `json:"note"`
	Request     json.RawMessage   `json:"request"`
	Expect      *E                `json:"expect"`
	ExpectError *struct {
		Code  string   `json:"code"`
		Paths []string `json:"paths"`
	} `json:"expect_error"`
}

// Golden runs each file matching glob as a subtest. run decodes and
// computes a request. A case with expect_error must be rejected with that
// code, naming those paths in that order, and compute nothing; the result
// of a case with expect is handed to check.
func Golden[E, R any](t *testing.T, glob string, run func(request []byte) (*R, error), check func(t *testing.T, res *R, want *E)) {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files %s: %v", glob, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var g Case[E]
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&g); err != nil {
				t.Fatalf("golden file: %v", err)
			}
			if (g.Expect == nil) == (g.ExpectError == nil) {
				t.Fatal("golden file needs exactly one of expect and expect_error")
			}
			res, err := run(g.Request)
			if g.ExpectError != nil {
				CheckRejected(t, err, g.ExpectError.Code, g.ExpectError.Paths)
				if res != nil {
					t.Error("a rejected request must compute nothing")
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", g.Title, err)
			}
			check(t, res, g.Expect)
		})
	}
}

// Requests returns the request of each golden file matching glob, as
// seeds for a fuzz target or input for a benchmark or a CLI test.
func Requests(tb testing.TB, glob string) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden files %s: %v", glob, err)
	}
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var g struct {
			Request json.RawMessage `json:"request"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, g.Request)
	}
	return out
}

// CheckRejected checks that err rejects the input as invalid with code,
// a title and a detail, and field errors at paths, in order, each with a
// message.
func CheckRejected(t *testing.T, err error, code string, paths []string) {
	t.Helper()
	var ce *calc.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *calc.Error %s, got %v", code, err)
	}
	if ce.Kind != calc.KindInvalid || ce.Code != code {
		t.Errorf("error kind/code = %s/%s, want invalid/%s (%v)", ce.Kind, ce.Code, code, ce)
	}
	if ce.Title == "" || ce.Detail == "" {
		t.Errorf("error lacks title or detail: %+v", ce)
	}
	var got []string
	for _, f := range ce.Errors {
		got = append(got, f.Path)
		if f.Message == "" {
			t.Errorf("field error %s has no message", f.Path)
		}
	}
	if !slices.Equal(got, paths) {
		t.Errorf("error paths = %v, want %v (%v)", got, paths, ce)
	}
}

// MustBeClear fails unless err is an invalid *calc.Error with a code and a
// title whose every field error has a path, a code and a message: what a
// fuzz target requires of any rejection.
func MustBeClear(t *testing.T, err error) {
	t.Helper()
	var ce *calc.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a *calc.Error: %#v", err)
	}
	if ce.Kind != calc.KindInvalid || ce.Code == "" || ce.Title == "" || len(ce.Errors) == 0 {
		t.Fatalf("unclear error: %+v", ce)
	}
	for _, fe := range ce.Errors {
		if fe.Path == "" || fe.Code == "" || fe.Message == "" {
			t.Fatalf("field error without path, code or message: %+v", fe)
		}
	}
}

// Run runs run on data for a fuzz target: a rejection must be clear and
// come without a result (Run then returns nil); otherwise Run returns the
// result for the caller's invariants.
func Run[R any](t *testing.T, data []byte, run func([]byte) (*R, error)) *R {
	t.Helper()
	res, err := run(data)
	if err != nil {
		MustBeClear(t, err)
		if res != nil {
			t.Fatal("result alongside an error")
		}
		return nil
	}
	return res
}

// Equal checks a decimal against a golden figure written as text.
func Equal(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	w, err := decimal.NewFromString(want)
	if err != nil {
		t.Fatalf("golden %s: %v", what, err)
	}
	if !got.Equal(w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// Money checks an amount against a golden figure as text: the figure
// must be written exactly as the result writes it ("14416776.00"), so a
// golden file pins the value and its two decimals.
func Money(t *testing.T, what string, got param.Money, want string) {
	t.Helper()
	if _, err := decimal.NewFromString(want); err != nil {
		t.Fatalf("golden %s: %v", what, err)
	}
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// StdDecode is the yardstick of decoder benchmarks: encoding/json decoding
// data into untyped values, numbers as json.Number. Report a decoder's
// ns/op as a ratio to it, measured in the same run.
func StdDecode(b *testing.B, data []byte) {
	b.ReportAllocs()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			b.Fatal(err)
		}
	}
}
