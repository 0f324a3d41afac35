package calc

import "github.com/shopspring/decimal"

// SetDecimalOnly turns the int64 fast paths off (true) or on, for tests
// that compare the engine with its plain decimal arithmetic.
func SetDecimalOnly(on bool) { decimalOnly = on }

// testSlab makes the fast paths' results as the engine does, from
// slabs (small ones, so that refilling is tested too).
var testSlab = &decSlab{n: 3}

// Fast paths under test, with their decimal meaning.
var (
	FastDivRound = func(a, b decimal.Decimal, prec int32) decimal.Decimal { return testSlab.divRound(a, b, prec) }
	FastMulRound = func(a, b decimal.Decimal, places int32) decimal.Decimal { return testSlab.mulRound(a, b, places) }
	FastMul      = mul
	FastAdd      = func(a, b decimal.Decimal) decimal.Decimal { return testSlab.add(a, b) }
	FastSub      = func(a, b decimal.Decimal) decimal.Decimal { return testSlab.sub(a, b) }
	FastCmp      = cmp
	FastCmpCross = cmpCross
)

// FastSum adds xs with the int64 accumulator; SlowSum as the engine
// did before it, one sum at a time.
func FastSum(xs []decimal.Decimal) decimal.Decimal {
	var s acc
	for _, x := range xs {
		s.add(x)
	}
	return s.valueIn(testSlab)
}

func SlowSum(xs []decimal.Decimal) decimal.Decimal {
	var s decimal.Decimal
	for _, x := range xs {
		s = sum(s, x)
	}
	return s
}

var FastCmpProduct = cmpProduct

// LayoutOK reports whether the fast paths read decimal's coefficient in place.
func LayoutOK() bool { _, ok := inPlace(decimal.Zero); return ok }

// SetLayout switches the in-place read on or off (to test the other way).
func SetLayout(on bool) { inPlaceOff = !on }

var PlainAmount = plainAmount

// The request decoder's fast path and the strict decoder it falls back
// to (fastdecode.go).
var (
	FastRequest  = fastRequest
	DecodeStrict = decodeStrict
)

// AppendJSONReference is the result writer as it was before its line
// fragments (jsonref_test.go).
func (r *Result) AppendJSONReference(dst []byte, level TraceLevel) []byte {
	return r.appendJSONReference(dst, level)
}

var TrimSpace = trimSpace

var StopByte = stopByte
