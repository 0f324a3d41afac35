package calc_test

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// same reports whether two decimals have the same coefficient and
// exponent (not only the same value): the output prints them.
func same(a, b decimal.Decimal) bool {
	return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
}

// randDec draws decimals across the fast paths' edges: zero, small,
// 15–19 digits (the fallback), negative, exponents −20…+5.
func randDec(r *rand.Rand) decimal.Decimal {
	var c int64
	switch r.IntN(6) {
	case 0:
		c = 0
	case 1:
		c = r.Int64N(1000)
	case 2:
		c = r.Int64N(1e9)
	case 3:
		c = r.Int64N(1e15)
	case 4:
		c = r.Int64()
	default:
		c = int64(r.Uint64()>>r.IntN(64)) | 1
	}
	if r.IntN(3) == 0 {
		c = -c
	}
	e := int32(r.IntN(12)) - 8
	if r.IntN(8) == 0 {
		e = int32(r.IntN(26)) - 20
	}
	d := decimal.New(c, e)
	if r.IntN(4) == 0 {
		// through a big coefficient as well
		d = d.Mul(decimal.New(1, 0))
	}
	return d
}

// TestFastPaths checks every int64 fast path against shopspring/decimal
// on a million random operand pairs: same value, same exponent.
func TestFastPaths(t *testing.T) {
	if !calc.LayoutOK() {
		t.Fatal("shopspring/decimal's layout changed: the fast paths now go through NumDigits")
	}
	t.Run("in place", testFastPaths)
	calc.SetLayout(false)
	defer calc.SetLayout(true)
	t.Run("NumDigits", testFastPaths)
}

func testFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	for i := 0; i < n; i++ {
		a, b := randDec(r), randDec(r)
		if r.IntN(10) == 0 {
			b = a
		}
		prec := int32(r.IntN(7)) - 1
		if got, want := calc.FastMul(a, b), a.Mul(b); !same(got, want) {
			t.Fatalf("mul(%s, %s) = %s, want %s", a, b, got, want)
		}
		if got, want := calc.FastMulRound(a, b, prec), a.Mul(b).Round(prec); !same(got, want) {
			t.Fatalf("mulRound(%s, %s, %d) = %s (exp %d), want %s (exp %d)", a, b, prec, got, got.Exponent(), want, want.Exponent())
		}
		if got, want := calc.FastAdd(a, b), a.Add(b); !same(got, want) {
			t.Fatalf("add(%s, %s) = %s, want %s", a, b, got, want)
		}
		if got, want := calc.FastSub(a, b), a.Sub(b); !same(got, want) {
			t.Fatalf("sub(%s, %s) = %s, want %s", a, b, got, want)
		}
		if got, want := calc.FastCmp(a, b), a.Cmp(b); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		if !b.IsZero() {
			if got, want := calc.FastDivRound(a, b, prec), a.DivRound(b, prec); !same(got, want) {
				t.Fatalf("divRound(%s, %s, %d) = %s (exp %d), want %s (exp %d)", a, b, prec, got, got.Exponent(), want, want.Exponent())
			}
		}
		c, d := randDec(r), randDec(r)
		if got, want := calc.FastCmpProduct(a, b, c), a.Cmp(b.Mul(c)); got != want {
			t.Fatalf("cmpProduct(%s, %s, %s) = %d, want %d", a, b, c, got, want)
		}
		if i%4 == 0 {
			xs := []decimal.Decimal{a, b, c, d, a.Neg(), decimal.Zero, randDec(r)}
			xs = xs[:1+r.IntN(len(xs))]
			if got, want := calc.FastSum(xs), calc.SlowSum(xs); !same(got, want) {
				t.Fatalf("sum(%v) = %s (exp %d), want %s (exp %d)", xs, got, got.Exponent(), want, want.Exponent())
			}
		}
		b, d = b.Abs(), d.Abs()
		if b.IsZero() || d.IsZero() {
			continue
		}
		if got, want := calc.FastCmpCross(a, b, c, d), a.Mul(d).Cmp(c.Mul(b)); got != want {
			t.Fatalf("cmpCross(%s/%s, %s/%s) = %d, want %d", a, b, c, d, got, want)
		}
	}
}

// TestFastEqualsDecimal runs the benchmark's million pollutant lines
// through the engine with the fast paths on and with plain decimal
// arithmetic, and requires the same result: every line's figures
// (coefficient and exponent), ranks, months and totals.
func TestFastEqualsDecimal(t *testing.T) {
	e := testEngine(t)
	total := benchRequests
	if testing.Short() {
		total = 5 * benchBatch
	}
	defer calc.SetDecimalOnly(false)
	for first := 0; first < total; first += benchBatch {
		batch := newBenchBatch(first)
		for k, req := range batch.reqs {
			for _, r := range []calc.Rounding{calc.PerLine2dp, calc.Exact} {
				if k%4 != 0 && r == calc.Exact {
					continue // exact mode on a quarter of the declarations
				}
				req.Rounding = r
				calc.SetDecimalOnly(false)
				fast, err := e.Assess(req)
				if err != nil {
					t.Fatal(err)
				}
				calc.SetDecimalOnly(true)
				slow, err := e.Assess(req)
				if err != nil {
					t.Fatal(err)
				}
				compareResults(t, first+k, fast, slow)
			}
		}
	}
}

func compareResults(t *testing.T, n int, fast, slow *calc.Result) {
	t.Helper()
	for _, p := range [][2]decimal.Decimal{{fast.TotalTaxDue, slow.TotalTaxDue}, {fast.TotalReduction, slow.TotalReduction}, {fast.TotalTax, slow.TotalTax}} {
		if !same(p[0], p[1]) {
			t.Fatalf("declaration %d: total %s, decimal path %s", n, p[0], p[1])
		}
	}
	if len(fast.Lines) != len(slow.Lines) || len(fast.Months) != len(slow.Months) {
		t.Fatalf("declaration %d: shapes differ", n)
	}
	for i := range fast.Lines {
		f, s := &fast.Lines[i], &slow.Lines[i]
		if f.Rank != s.Rank || f.Taxed != s.Taxed || f.Reason != s.Reason || f.Pollutant != s.Pollutant ||
			!same(f.Equivalents.Decimal, s.Equivalents.Decimal) || !same(f.TaxDue, s.TaxDue) ||
			!same(f.Reduction, s.Reduction) || !same(f.Tax, s.Tax) || !same(f.ReductionFactor.Decimal, s.ReductionFactor.Decimal) {
			t.Fatalf("declaration %d line %d: %+v, decimal path %+v", n, i, f, s)
		}
	}
	for i := range fast.Months {
		f, s := fast.Months[i], slow.Months[i]
		if f.Month != s.Month || !same(f.TaxDue, s.TaxDue) || !same(f.Reduction, s.Reduction) || !same(f.Tax, s.Tax) {
			t.Fatalf("declaration %d month %s differs", n, f.Month)
		}
	}
}

// The plain-number fast path of ParseAmount gives what
// decimal.NewFromString gives (coefficient and exponent), and takes only
// numbers ParseAmount accepts; random strings of digits and dots.
func TestPlainAmount(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 3))
	limit := decimal.New(1, 15)
	taken := 0
	for i := 0; i < 500_000; i++ {
		n := 1 + r.IntN(22)
		b := make([]byte, n)
		for j := range b {
			switch k := r.IntN(14); {
			case k < 10:
				b[j] = byte('0' + k)
			case k < 12:
				b[j] = '0'
			case k == 12:
				b[j] = '.'
			default:
				b[j] = "-e+x "[r.IntN(5)]
			}
		}
		s := string(b)
		got, ok := calc.PlainAmount(s)
		if !ok {
			continue
		}
		taken++
		want, err := decimal.NewFromString(s)
		if err != nil || !same(got, want) {
			t.Fatalf("%q: fast %s (exp %d), decimal %s (exp %d) %v", s, got, got.Exponent(), want, want.Exponent(), err)
		}
		if want.GreaterThan(limit) || want.Exponent() < -12 {
			t.Fatalf("%q: taken by the fast path but out of range", s)
		}
	}
	if taken < 10_000 {
		t.Fatalf("only %d strings took the fast path", taken)
	}
}
