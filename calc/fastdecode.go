package calc

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// A fast path for DecodeRequest. The strict decoder (calc/jsonin) parses
// into a tree and then walks it, so that every fault can be named by its
// path; that is two passes, a node per value and a state slice per
// object, and it was a third of `ecotax calc --jsonl`. fastRequest reads
// the common shape of a well-formed request in one pass straight into a
// Request. It gives up ("not sure": ok false) at the first thing it does
// not handle or that might be a fault — an escape in a string, a null, an
// unknown or repeated key, a wrong type, a number that is not a plain
// decimal, a source kind other than air or water, a value that fails a
// check — and DecodeRequest then runs the strict decoder from the start.
// So every fault, and every request outside the common shape, is decoded
// by the strict decoder alone; where the fast path answers, it answers
// exactly what the strict decoder would (fastdecode_test.go compares both
// over the goldens and the examples, and FuzzFastDecode over any input).
//
// All strings of the request are cut from one copy of the input, so a
// request costs one allocation for its texts. A Decoder (decoder.go)
// keeps that copy, the lines, the sources and the decimals' coefficients
// from one request to the next, so that a request of a shape seen before
// costs no allocation at all.

// fastDec reads JSON from s at i.
type fastDec struct {
	s string
	b []byte // s's bytes, for reading eight at a time
	i int
	// nums holds the coefficients of the request's decimals.
	nums numSlab
	// paths holds the lines' JSON paths beyond pathTable, written one
	// after the other: they take an allocation per kilobyte, not one
	// each. Within a request bytes once written are never written again
	// (a full buffer is replaced, not reused), so the strings cut from it
	// do not change while the request is in use.
	paths  []byte
	pols   []PollutantInput // the request's pollutant lines, source after source
	lines  int              // pollutant lines read, in every slab
	noise  []NoisePeriod    // the noise sources' periods, likewise
	nnoise int
	srcs   []Source // a Decoder's sources, kept for the next request
	table  []string // pathTable(), once looked up
}

// numSlab carves the coefficients of the decimals the decoder makes:
// decimal.New allocates a big.Int and its digit word for every number;
// here they come 64 (or, for a Decoder, a whole request's worth) at a
// time. A Decoder rewrites them for its next request.
type numSlab struct {
	ints  []big.Int
	words []big.Word
	n     int // used of the current slab
	total int // used by the request, in every slab
}

// dec builds c × 10^exp (0 ≤ c < 10^18) as decimal.New does.
func (s *numSlab) dec(c int64, exp int32) decimal.Decimal {
	if inPlaceOff || decimalOnly || unsafe.Sizeof(big.Word(0)) < 8 || c < 0 {
		return decimal.New(c, exp)
	}
	if s.n == len(s.ints) {
		size := max(64, s.total)
		s.ints, s.words, s.n = make([]big.Int, size), make([]big.Word, size), 0
	}
	z := &s.ints[s.n]
	if c == 0 {
		// As decimal.New leaves it: no digits (a rewritten Int must
		// lose the ones it had).
		*z = big.Int{}
	} else if b := z.Bits(); len(b) == 1 && &b[0] == &s.words[s.n] && z.Sign() > 0 {
		// A Decoder's Int, rewritten: it is its own word already (as
		// SetBits left it for the last request), so only the digits
		// change, without SetBits's stores of the slice (each with the
		// collector's write barrier while it marks).
		s.words[s.n] = big.Word(c)
	} else {
		s.words[s.n] = big.Word(c)
		z.SetBits(s.words[s.n : s.n+1 : s.n+1])
	}
	s.n++
	s.total++
	out, ok := param.FromInPlace(z, exp)
	if !ok {
		return decimal.New(c, exp)
	}
	return out
}

// reuse makes the slab's memory serve the next request: one slab as
// large as the last request needed, written over from its start.
func (s *numSlab) reuse() {
	if s.total > len(s.ints) || s.total > maxKeptNumbers {
		size := s.total
		if size > maxKeptNumbers {
			size = 0 // an unusually large request's memory is not kept
		}
		s.ints, s.words = make([]big.Int, size), make([]big.Word, size)
	}
	s.n, s.total = 0, 0
}

// What a Decoder keeps at most between requests.
const (
	maxKeptNumbers = 1 << 14
	maxKeptLines   = 4096
	maxKeptText    = 1 << 20
)

// decimal builds c × 10^exp (0 ≤ c < 10^18) as decimal.New does, with
// its coefficient from the request's slab.
func (d *fastDec) decimal(c int64, exp int32) decimal.Decimal {
	return d.nums.dec(c, exp)
}

// pathTable holds the JSON paths of the first pollutant lines of the
// first sources, "sources[i].pollutants[j]" at i*pathLines+j, and the
// sources' own paths "sources[i]" after them: made once, never changed,
// so a request's common paths cost nothing and may be kept by anyone.
const pathSources, pathLines = 32, 64

var pathTable = sync.OnceValue(func() []string {
	var b []byte
	var ends []int
	for i := 0; i < pathSources; i++ {
		for j := 0; j < pathLines; j++ {
			b = append(b, "sources["...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, "].pollutants["...)
			b = strconv.AppendInt(b, int64(j), 10)
			b = append(b, ']')
			ends = append(ends, len(b))
		}
	}
	for i := 0; i < pathSources; i++ {
		b = append(b, "sources["...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ']')
		ends = append(ends, len(b))
	}
	all := string(b)
	t := make([]string, len(ends))
	start := 0
	for k, end := range ends {
		t[k] = all[start:end]
		start = end
	}
	return t
})

// sourcePath is "sources[n]".
func sourcePath(n int) string {
	if n < pathSources {
		return pathTable()[pathSources*pathLines+n]
	}
	return "sources[" + strconv.Itoa(n) + "]"
}

// linePath is source + ".pollutants[n]" for the n-th line of the
// source-th source (whose path is source).
func (d *fastDec) linePath(sourceN int, source string, n int) string {
	if sourceN < pathSources && n < pathLines {
		if d.table == nil {
			d.table = pathTable()
		}
		return d.table[sourceN*pathLines+n]
	}
	return d.path(source, n)
}

// path is source + ".pollutants[n]", cut from d.paths.
func (d *fastDec) path(source string, n int) string {
	if need := len(source) + len(".pollutants[]") + 20; cap(d.paths)-len(d.paths) < need {
		d.paths = make([]byte, 0, max(1024, need))
	}
	start := len(d.paths)
	d.paths = append(d.paths, source...)
	d.paths = append(d.paths, ".pollutants["...)
	d.paths = strconv.AppendInt(d.paths, int64(n), 10)
	d.paths = append(d.paths, ']')
	return unsafe.String(&d.paths[start], len(d.paths)-start)
}

// join is a + b (b not empty), cut from d.paths.
func (d *fastDec) join(a, b string) string {
	if need := len(a) + len(b); cap(d.paths)-len(d.paths) < need {
		d.paths = make([]byte, 0, max(1024, need))
	}
	start := len(d.paths)
	d.paths = append(d.paths, a...)
	d.paths = append(d.paths, b...)
	return unsafe.String(&d.paths[start], len(d.paths)-start)
}

// newNoise is a zero noise period from the request's slab of them.
func (d *fastDec) newNoise() *NoisePeriod {
	if len(d.noise) == cap(d.noise) {
		d.noise = make([]NoisePeriod, 0, max(8, d.nnoise))
	}
	d.noise = append(d.noise, NoisePeriod{})
	d.nnoise++
	return &d.noise[len(d.noise)-1]
}

// load makes text (which the request's strings will be cut from, and
// which must not change while the request is in use) the input.
func (d *fastDec) load(text []byte) {
	d.b, d.i = text, 0
	d.s = ""
	if len(text) > 0 {
		d.s = unsafe.String(&text[0], len(text))
	}
}

func (d *fastDec) ws() {
	i := d.i
	for i < len(d.b) {
		switch d.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			// Indentation eight spaces at a time, and the rest of it at
			// once: the first byte of a word that is not a space.
			for i+8 <= len(d.b) {
				x := binary.LittleEndian.Uint64(d.b[i:]) ^ lo8*' '
				if x != 0 {
					i += bits.TrailingZeros64(x) >> 3
					break
				}
				i += 8
			}
		default:
			d.i = i
			return
		}
	}
	d.i = i
}

// peek returns the next byte after white space, 0 at the end.
func (d *fastDec) peek() byte {
	c := d.at()
	if c <= ' ' {
		c = d.peekSpace()
	}
	return c
}

// at is the byte at d.i, 0 at the end. Compact JSON has no white space
// between tokens, so the hot paths write peek out as
//
//	c := d.at()
//	if c <= ' ' {
//		c = d.peekSpace()
//	}
//
// which the compiler inlines but for the call taken only at white space
// (or a control byte, or the end); peek itself, a call and a loop, is
// too large to be inlined, and was a twentieth of a batch run.
func (d *fastDec) at() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// peekSpace is peek after white space.
func (d *fastDec) peekSpace() byte {
	d.ws()
	if d.i >= len(d.s) {
		return 0
	}
	return d.s[d.i]
}

// str reads a string without escapes or control characters, in valid
// UTF-8 (the strict decoder reads such a string as it is written).
func (d *fastDec) str() (string, bool) {
	c := d.at()
	if c <= ' ' {
		c = d.peekSpace()
	}
	if c != '"' {
		return "", false
	}
	start := d.i + 1
	ascii := true
	// Eight bytes at a time: the first word with a byte that ends the
	// string or that it may not hold says which byte that is (stopAt);
	// the byte loop below takes only the input's last few bytes.
	j := start
	for ; j+8 <= len(d.b); j += 8 {
		x := binary.LittleEndian.Uint64(d.b[j:])
		k := stopAt(x)
		if k == 8 {
			if x&hi8 != 0 {
				ascii = false
			}
			continue
		}
		if x&hi8&(1<<(8*k)-1) != 0 {
			ascii = false
		}
		j += k
		if d.b[j] != '"' {
			return "", false
		}
		t := d.s[start:j]
		if !ascii && !validText(t) {
			return "", false
		}
		d.i = j + 1
		return t, true
	}
	for ; j < len(d.s); j++ {
		c := d.s[j]
		switch {
		case c == '"':
			t := d.s[start:j]
			if !ascii && !validText(t) {
				return "", false
			}
			d.i = j + 1
			return t, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// validText is utf8.ValidString(t), answered at once for the common
// text: ASCII and the 3-byte characters whose lead byte is E1–EC, EE or
// EF (U+1000–U+CFFF, U+E000–U+FFFF, the CJK ideographs among them),
// which any two continuation bytes complete (no overlong form, no
// surrogate). Anything else is left to utf8.ValidString, from that
// character on.
func validText(t string) bool {
	for i := 0; i < len(t); {
		switch c := t[i]; {
		case c < utf8.RuneSelf:
			i++
		case c >= 0xE1 && c <= 0xEF && c != 0xED && i+2 < len(t) && t[i+1]&0xC0 == 0x80 && t[i+2]&0xC0 == 0x80:
			i += 3
		default:
			return utf8.ValidString(t[i:])
		}
	}
	return true
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// stopByte reports whether any of the eight bytes of x is a quote, a
// backslash or below 0x20. Each test is the exact "has a zero byte" test
// (x − 0x01…) &^ x & 0x80…, which may point at the wrong byte but is
// never wrong about whether there is one.
func stopByte(x uint64) bool {
	return stopMask(x) != 0
}

// stopAt is the index (0-7, little-endian) of the first byte of x that
// is a quote, a backslash or below 0x20, 8 when there is none. Each test
// of stopMask may mark a wrong byte only above a byte it marks rightly,
// so the lowest mark of the three is always right.
func stopAt(x uint64) int {
	return bits.TrailingZeros64(stopMask(x)) >> 3
}

// stopMask marks (0x80) the bytes stopByte looks for, rightly up to and
// including the lowest mark.
func stopMask(x uint64) uint64 {
	q := x ^ (lo8 * '"')
	b := x ^ (lo8 * '\\')
	return ((q-lo8)&^q | (b-lo8)&^b | (x-lo8*0x20)&^x) & hi8
}

// amount reads a number, written as a JSON number or a string, that
// plainAmount accepts (what ParseAmount gives for it, without a fault).
func (d *fastDec) amount() (decimal.NullDecimal, bool) {
	var c int64
	var exp int32
	var end int
	var ok bool
	b := d.at()
	if b <= ' ' {
		b = d.peekSpace()
	}
	switch {
	case b == '"':
		// plainCoefficient reads only digits and a dot: the text runs
		// up to the first other byte, which must be the closing quote
		// (str's checks are not needed for these bytes).
		c, exp, end, ok = plainAt(d.s, d.i+1)
		if !ok || end >= len(d.s) || d.s[end] != '"' {
			return decimal.NullDecimal{}, false
		}
		d.i = end + 1
	case b >= '0' && b <= '9':
		// The JSON number grammar without sign or exponent: 0 or a
		// digit 1-9 then digits, then optionally a point and digits
		// (plainAt refuses a point at either end and a second one).
		c, exp, end, ok = plainAt(d.s, d.i)
		if !ok || b == '0' && end > d.i+1 && d.s[d.i+1] != '.' ||
			end < len(d.s) && (d.s[end] == 'e' || d.s[end] == 'E') {
			return decimal.NullDecimal{}, false
		}
		d.i = end
	default:
		return decimal.NullDecimal{}, false
	}
	return decimal.NullDecimal{Decimal: d.decimal(c, exp), Valid: true}, true
}

// plainAt reads the run of digits and points at s[j:] as one pass of
// plainCoefficient, giving its coefficient and exponent and where the
// run ends; ok false when plainCoefficient would refuse the run (or the
// run has a second point).
func plainAt(s string, j int) (c int64, exp int32, end int, ok bool) {
	start, dot := j, -1
	for ; j < len(s); j++ {
		ch := s[j]
		if v := ch - '0'; v <= 9 {
			c = c*10 + int64(v) // wraps only for runs plainCoefficient refuses by length
			continue
		}
		if ch != '.' {
			break
		}
		if dot >= 0 {
			return 0, 0, j, false
		}
		dot = j
	}
	n, intEnd, frac := j-start, j, 0
	if dot >= 0 {
		if dot == start || dot == j-1 {
			return 0, 0, j, false
		}
		intEnd, frac, n = dot, j-dot-1, n-1
	}
	if n == 0 || n > 18 || frac > maxDecimals {
		return 0, 0, j, false
	}
	lead := start
	for lead < intEnd && s[lead] == '0' {
		lead++
	}
	if intEnd-lead > 15 {
		return 0, 0, j, false
	}
	return c, -int32(frac), j, true
}

// boolean reads true or false.
func (d *fastDec) boolean() (bool, bool) {
	d.ws()
	switch {
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, true
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, true
	}
	return false, false
}

// open consumes c ('{' or '[').
func (d *fastDec) open(c byte) bool {
	if d.peek() != c {
		return false
	}
	d.i++
	return true
}

// next moves to the next member of an object (or item of an array,
// key false): it consumes the separating comma, or the closing byte and
// reports end. For an object it reads the key and its colon.
func (d *fastDec) next(first bool, closing byte, key bool) (k string, end, ok bool) {
	c := d.at()
	if c <= ' ' {
		c = d.peekSpace()
	}
	if c == closing {
		d.i++
		return "", true, true
	}
	if !first {
		if c != ',' {
			return "", false, false
		}
		d.i++
	}
	if !key {
		return "", false, true
	}
	k, ok = d.key()
	return k, false, ok
}

// key reads an object key and its colon, the key as the bytes up to the
// next quote, without str's checks: every key the fast path knows is
// plain ASCII, so a key with an escape ("na\u006de" is "name"), a
// control byte or any other byte matches none of them and the request
// goes the strict way.
func (d *fastDec) key() (string, bool) {
	c := d.at()
	if c <= ' ' {
		c = d.peekSpace()
	}
	if c != '"' {
		return "", false
	}
	start := d.i + 1
	j := start
	for {
		if j+8 > len(d.b) {
			for j < len(d.b) && d.b[j] != '"' {
				j++
			}
			if j >= len(d.b) {
				return "", false
			}
			break
		}
		// The first quote of the word: the lowest byte the exact
		// zero-byte test marks is always a zero byte of x.
		x := binary.LittleEndian.Uint64(d.b[j:]) ^ lo8*'"'
		if m := (x - lo8) &^ x & hi8; m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			break
		}
		j += 8
	}
	k := d.s[start:j]
	// The colon, in compact JSON the very next byte.
	if d.i = j + 1; d.i < len(d.b) && d.b[d.i] == ':' {
		d.i++
		return k, true
	}
	if d.peek() != ':' {
		return "", false
	}
	d.i++
	return k, true
}

// seen marks bit n of a set of keys, reporting false for a key already
// there (the strict decoder reports duplicate_field).
func seen(set *uint32, n uint) bool {
	if *set&(1<<n) != 0 {
		return false
	}
	*set |= 1 << n
	return true
}

// fastRequest decodes data when it is a request of the common shape;
// ok false means "use the strict decoder".
//
// The request's texts, decimals, paths and noise periods are made for it;
// its lines and sources are read into scratch memory kept between
// requests (scratch) and then copied into one slice of each, of the exact
// size: growing them as they were read allocated about twice the memory
// a request keeps, and a third of decoding was allocation and collection.
func fastRequest(data []byte) (*Request, bool) {
	d := scratch.Get().(*fastDec)
	defer scratch.Put(d)
	d.reuse()
	d.nums, d.paths, d.noise, d.nnoise = numSlab{}, nil, nil, 0
	d.load(append([]byte(nil), data...))
	req, ok := d.request(new(Request))
	if !ok {
		return nil, false
	}
	srcs := make([]Source, len(req.Sources))
	copy(srcs, req.Sources)
	lines := 0
	for i := range srcs {
		lines += len(srcs[i].Pollutants)
	}
	pols := make([]PollutantInput, lines)
	at := 0
	for i := range srcs {
		if s := &srcs[i]; s.Pollutants != nil {
			n := copy(pols[at:], s.Pollutants)
			s.Pollutants = pols[at : at+n : at+n]
			at += n
		}
	}
	req.Sources = srcs
	return req, true
}

// scratch holds fastRequest's scratch lines and sources.
var scratch = sync.Pool{New: func() any { return new(fastDec) }}

// request reads the loaded input into req (which it clears first).
func (d *fastDec) request(req *Request) (*Request, bool) {
	*req = Request{Rounding: PerLine2dp}
	if !d.open('{') {
		return nil, false
	}
	var keys uint32
	for first := true; ; first = false {
		k, end, ok := d.next(first, '}', true)
		if !ok {
			return nil, false
		}
		if end {
			break
		}
		switch k {
		case "taxpayer":
			if !seen(&keys, 0) || !d.taxpayer(&req.Taxpayer) {
				return nil, false
			}
		case "region":
			if !seen(&keys, 1) {
				return nil, false
			}
			if req.Region, ok = d.str(); !ok || req.Region != "" && !ValidRegion(req.Region) {
				return nil, false
			}
		case "period":
			if !seen(&keys, 2) {
				return nil, false
			}
			p, ok := d.str()
			if !ok {
				return nil, false
			}
			if p != "" {
				if req.Period, ok = parsePeriod(p); !ok {
					return nil, false
				}
			}
		case "rounding":
			if !seen(&keys, 3) {
				return nil, false
			}
			r, ok := d.str()
			switch {
			case !ok:
				return nil, false
			case r == string(PerLine2dp) || r == string(Exact):
				req.Rounding = Rounding(r)
			case r != "":
				return nil, false
			}
		case "sources":
			if !seen(&keys, 4) || !d.sources(req) {
				return nil, false
			}
		case "rates":
			if !seen(&keys, 5) || !d.pair(KindAir, KindWater, func(k string) bool {
				var ok bool
				if k == KindAir {
					req.Rates.Air, ok = d.amount()
				} else {
					req.Rates.Water, ok = d.amount()
				}
				return ok
			}) {
				return nil, false
			}
		case "policy":
			if !seen(&keys, 6) || !d.pair("reduction_boundary", "exceed_scope", func(k string) bool {
				v, ok := d.str()
				if k == "reduction_boundary" {
					req.Policy.ReductionBoundary = v
					return ok && (v == "" || v == "strict" || v == "inclusive")
				}
				req.Policy.ExceedScope = v
				return ok && (v == "" || v == "taxpayer" || v == "outlet" || v == "pollutant")
			}) {
				return nil, false
			}
		default:
			// pollutant_rates and anything unknown.
			return nil, false
		}
	}
	if d.ws(); d.i < len(d.s) || req.Sources == nil {
		return nil, false
	}
	return req, true
}

// pair reads an object of at most the two keys a and b, each value read
// by value.
func (d *fastDec) pair(a, b string, value func(key string) bool) bool {
	if !d.open('{') {
		return false
	}
	var keys uint32
	for first := true; ; first = false {
		k, end, ok := d.next(first, '}', true)
		if !ok {
			return false
		}
		if end {
			return true
		}
		switch k {
		case a:
			ok = seen(&keys, 0)
		case b:
			ok = seen(&keys, 1)
		default:
			ok = false
		}
		if !ok || !value(k) {
			return false
		}
	}
}

func (d *fastDec) taxpayer(t *Taxpayer) bool {
	if !d.open('{') {
		return false
	}
	var keys uint32
	for first := true; ; first = false {
		k, end, ok := d.next(first, '}', true)
		if !ok {
			return false
		}
		if end {
			return true
		}
		switch k {
		case "credit_code":
			if !seen(&keys, 0) {
				return false
			}
			t.CreditCode, ok = d.str()
		case "name":
			if !seen(&keys, 1) {
				return false
			}
			t.Name, ok = d.str()
		default:
			return false
		}
		if !ok {
			return false
		}
	}
}

func (d *fastDec) sources(req *Request) bool {
	if !d.open('[') {
		return false
	}
	// A Decoder's sources from the last request are written over (append
	// writes each anew from the zero Source); a fresh request's start
	// with room for four.
	req.Sources = d.srcs[:0]
	if req.Sources == nil {
		req.Sources = make([]Source, 0, 4)
	}
	defer func() { d.srcs = req.Sources }()
	for first := true; ; first = false {
		_, end, ok := d.next(first, ']', false)
		if !ok {
			return false
		}
		if end {
			return len(req.Sources) > 0
		}
		req.Sources = append(req.Sources, Source{})
		n := len(req.Sources) - 1
		if !d.source(&req.Sources[n], n) {
			return false
		}
	}
}

// Source keys, as bits of a set, and the keys each kind allows (the
// strict decoder's allowedSourceFields).
const (
	skKind = 1 << iota
	skID
	skMonth
	skName
	skExemption
	skPenalty
	skFacility
	skFugitive
	skWastewater
	skPollutants
	skDay
	skNight
	skMultiplePoints
	skBoundary
	skBoundaryLength
	skWaste
	skGenerated
	skStored
	skDisposed
	skUtilized
	skDeductions
	skHazardous

	skCommon = skKind | skID | skMonth | skName | skExemption
)

var sourceKeys = map[string]uint32{
	KindAir:        skCommon | skPenalty | skFacility | skFugitive | skPollutants,
	KindWater:      skCommon | skPenalty | skFacility | skWastewater | skPollutants,
	KindNoise:      skCommon | skDay | skNight | skMultiplePoints | skBoundary | skBoundaryLength,
	KindSolidWaste: skCommon | skPenalty | skWaste | skGenerated | skStored | skDisposed | skUtilized | skDeductions | skHazardous,
}

// source reads an air, water, noise or solid-waste source.
func (d *fastDec) source(s *Source, n int) bool {
	if !d.open('{') {
		return false
	}
	s.Path = sourcePath(n)
	var keys uint32
	var measured bool
	for first := true; ; first = false {
		k, end, ok := d.next(first, '}', true)
		if !ok {
			return false
		}
		if end {
			break
		}
		var str *string
		var dec *decimal.NullDecimal
		var bit uint32
		switch k {
		case "kind":
			bit, str = skKind, &s.Kind
		case "id":
			bit, str = skID, &s.ID
		case "month":
			bit, str = skMonth, &s.MonthRaw
		case "name":
			// Allowed and not read (the strict decoder accepts any
			// type; here only a string).
			var name string
			bit, str = skName, &name
		case "exemption":
			bit, str = skExemption, &s.Exemption
		case "penalty":
			bit, str = skPenalty, &s.Penalty
		case "facility":
			bit, str = skFacility, &s.Facility
		case "fugitive":
			bit = skFugitive
		case "wastewater_t":
			bit, dec = skWastewater, &s.WastewaterT
		case "pollutants":
			bit = skPollutants
		case "day":
			bit = skDay
		case "night":
			bit = skNight
		case "boundary_over_100m_multiple_points":
			bit = skMultiplePoints
		case "boundary":
			bit, str = skBoundary, &s.Boundary
		case "boundary_length_m":
			bit, dec = skBoundaryLength, &s.BoundaryLengthM
		case "waste":
			bit, str = skWaste, &s.Waste
		case "generated_t":
			bit, dec = skGenerated, &s.GeneratedT
		case "stored_t":
			bit, dec = skStored, &s.StoredT
		case "disposed_t":
			bit, dec = skDisposed, &s.DisposedT
		case "utilized_t":
			bit, dec = skUtilized, &s.UtilizedT
		case "deductions_measured":
			bit = skDeductions
		case "hazardous_class":
			bit, str = skHazardous, &s.HazardousClass
		default:
			return false
		}
		if keys&bit != 0 {
			return false
		}
		keys |= bit
		switch {
		case str != nil:
			*str, ok = d.str()
		case dec != nil:
			*dec, ok = d.amount()
		case bit == skFugitive:
			s.Fugitive, ok = d.boolean()
		case bit == skMultiplePoints:
			s.BoundaryOver100mMultiplePoints, ok = d.boolean()
		case bit == skDeductions:
			measured, ok = d.boolean()
			s.DeductionsGiven = true
		case bit == skPollutants:
			ok = d.pollutants(s, n)
		case bit == skDay:
			s.Day, ok = d.noisePeriod(d.join(s.Path, ".day"), false)
		case bit == skNight:
			s.Night, ok = d.noisePeriod(d.join(s.Path, ".night"), true)
		}
		if !ok {
			return false
		}
	}
	allowed, known := sourceKeys[s.Kind]
	if !known || keys&^allowed != 0 || strings.TrimSpace(s.ID) == "" {
		return false
	}
	if s.Facility != "" && s.Facility != "centralized_treatment" {
		return false
	}
	switch s.Kind {
	case KindAir, KindWater:
		if s.Pollutants == nil {
			return false
		}
	case KindNoise:
		if s.Day == nil && s.Night == nil {
			return false
		}
		s.Boundary = strings.TrimSpace(s.Boundary)
	case KindSolidWaste:
		if s.Waste == "" || !s.GeneratedT.Valid {
			return false
		}
		s.HazardousClass = strings.TrimSpace(s.HazardousClass)
		s.DeductionsNotMeasured = s.DeductionsGiven && !measured
	}
	mo, ok := parseMonth(s.MonthRaw)
	s.Month = mo
	return ok
}

// noisePeriod reads a day or night period with its levels and days.
func (d *fastDec) noisePeriod(path string, night bool) (*NoisePeriod, bool) {
	if !d.open('{') {
		return nil, false
	}
	np := d.newNoise()
	np.Path = path
	var keys uint32
	var lim, meas decimal.NullDecimal
	for first := true; ; first = false {
		k, end, ok := d.next(first, '}', true)
		if !ok {
			return nil, false
		}
		if end {
			break
		}
		var bit uint32
		switch k {
		case "limit_db":
			bit = 1
			lim, ok = d.amount()
		case "measured_db":
			bit = 2
			meas, ok = d.amount()
		case "exceed_days":
			bit = 4
			np.ExceedDays, ok = d.days()
		case "peak_db":
			bit = 8
			np.PeakDB, ok = d.amount()
		case "burst":
			bit = 16
			np.Burst, ok = d.str()
			ok = ok && (np.Burst == "frequent" || np.Burst == "occasional")
		default:
			return nil, false
		}
		if !ok || keys&bit != 0 {
			return nil, false
		}
		keys |= bit
	}
	// Limit, level and days are required; a burst and its peak go
	// together, at night only.
	if keys&7 != 7 || (np.Burst != "") != np.PeakDB.Valid || !night && np.Burst != "" {
		return nil, false
	}
	np.LimitDB, np.MeasuredDB, np.ExceedDaysGiven = lim, meas, true
	return np, true
}

// days reads a whole number of days, 0 to 31, written with plain digits
// as a number or a string.
func (d *fastDec) days() (int, bool) {
	var t string
	if d.peek() == '"' {
		var ok bool
		if t, ok = d.str(); !ok {
			return 0, false
		}
	} else {
		j := d.i
		for j < len(d.s) && d.s[j] >= '0' && d.s[j] <= '9' {
			j++
		}
		t, d.i = d.s[d.i:j], j
		if len(t) > 1 && t[0] == '0' || j < len(d.s) && (d.s[j] == '.' || d.s[j] == 'e' || d.s[j] == 'E') {
			return 0, false
		}
	}
	if len(t) == 0 || len(t) > 2 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
		n = n*10 + int(t[i]-'0')
	}
	return n, n <= 31
}

func (d *fastDec) pollutants(s *Source, sourceN int) bool {
	if !d.open('[') {
		return false
	}
	// A source's lines are appended to the request's slab, so that all
	// of a request's lines take one allocation (or a few) instead of a
	// growing slice per source; a full slab is replaced by a larger one
	// and this source's lines so far move with it.
	start := len(d.pols)
	for first := true; ; first = false {
		_, end, ok := d.next(first, ']', false)
		if !ok {
			return false
		}
		if end {
			if len(d.pols) == start {
				return false
			}
			s.Pollutants = d.pols[start:len(d.pols):len(d.pols)]
			return true
		}
		if len(d.pols) == cap(d.pols) {
			grown := make([]PollutantInput, len(d.pols)-start, max(32, 2*(len(d.pols)-start)))
			copy(grown, d.pols[start:])
			d.pols, start = grown, 0
		}
		d.pols = append(d.pols, PollutantInput{})
		d.lines++
		n := len(d.pols) - 1
		if !d.pollutant(&d.pols[n], d.linePath(sourceN, s.Path, n-start)) {
			return false
		}
	}
}

func (d *fastDec) pollutant(p *PollutantInput, path string) bool {
	if !d.open('{') {
		return false
	}
	p.Path = path
	var keys uint32
	for first := true; ; first = false {
		// next(first, '}', false), written out: a call less for each
		// member of each line.
		c := d.at()
		if c <= ' ' {
			c = d.peekSpace()
		}
		if c == '}' {
			d.i++
			break
		}
		if !first {
			if c != ',' {
				return false
			}
			d.i++
		}
		bit, ok := d.pollutantKey()
		if !ok || !seen(&keys, bit) {
			return false
		}
		switch bit {
		case plName:
			p.Name, ok = d.str()
			p.Name = trimSpace(p.Name)
			ok = ok && p.Name != ""
		case plEmissionKg:
			p.EmissionKg, ok = d.amount()
		case plEmissionT:
			p.EmissionT, ok = d.amount()
		case plGeneratedKg:
			p.GeneratedKg, ok = d.amount()
		case plMethod:
			p.Method, ok = d.str()
			ok = ok && knownMethod(p.Method)
		case plAvgConcentration:
			p.AvgConcentration, ok = d.amount()
		case plMaxConcentration:
			p.MaxConcentration, ok = d.amount()
		case plStandardConcentration:
			p.StandardConcentration, ok = d.amount()
		case plExceedsStandard:
			p.ExceedsStandard, ok = d.boolean()
		case plMonitoringMonth:
			p.MonitoringMonthRaw, ok = d.str()
			if ok && p.MonitoringMonthRaw != "" {
				p.MonitoringMonth, ok = parseMonth(p.MonitoringMonthRaw)
			}
		case plBelowDetectionLimit:
			p.BelowDetectionLimit, ok = d.boolean()
		case plValue:
			p.Value, ok = d.amount()
		case plMeasured:
			p.Measured, ok = d.amount()
		case plStandard:
			p.Standard, ok = d.amount()
		case plExceedMultiple:
			p.ExceedMultiple, ok = d.amount()
		}
		if !ok {
			return false
		}
	}
	if p.Name == "" || p.EmissionKg.Valid && p.EmissionT.Valid ||
		p.StandardConcentration.Valid && p.StandardConcentration.Decimal.IsZero() {
		return false
	}
	return true
}

// The keys of a pollutant line, as bits of a set.
const (
	plName uint = iota
	plEmissionKg
	plEmissionT
	plGeneratedKg
	plMethod
	plAvgConcentration
	plMaxConcentration
	plStandardConcentration
	plExceedsStandard
	plMonitoringMonth
	plBelowDetectionLimit
	plValue
	plMeasured
	plStandard
	plExceedMultiple
)

// pollutantKey reads the key of a pollutant line's member and its colon:
// which key (pl…), or ok false for any other key. Every one of them is
// four ASCII bytes or longer, and their first four bytes tell them apart
// but for three pairs: one load of those picks the key, and a comparison
// of the rest of it and its closing quote with constants (a few loads)
// makes sure, in place of finding the quote a word at a time and then
// comparing the key with one name after another. A key with an escape
// or any other byte is none of them, and the request goes the strict
// way, as for an unknown key.
func (d *fastDec) pollutantKey() (uint, bool) {
	c := d.at()
	if c <= ' ' {
		c = d.peekSpace()
	}
	i := d.i + 1
	if c != '"' || i+4 > len(d.s) {
		return 0, false
	}
	// s is the key's text from its fifth byte on, through the quote.
	s := d.s[i+4:]
	var bit uint
	var ok bool
	switch binary.LittleEndian.Uint32(d.b[i:]) {
	case 'n' | 'a'<<8 | 'm'<<16 | 'e'<<24:
		bit, ok = plName, len(s) >= 1 && s[0] == '"'
	case 'e' | 'm'<<8 | 'i'<<16 | 's'<<24:
		switch {
		case len(s) >= 8 && s[:8] == "sion_kg\"":
			bit, ok = plEmissionKg, true
		case len(s) >= 7 && s[:7] == "sion_t\"":
			bit, ok = plEmissionT, true
		}
	case 'g' | 'e'<<8 | 'n'<<16 | 'e'<<24:
		bit, ok = plGeneratedKg, len(s) >= 9 && s[:9] == "rated_kg\""
	case 'm' | 'e'<<8 | 't'<<16 | 'h'<<24:
		bit, ok = plMethod, len(s) >= 3 && s[:3] == "od\""
	case 'a' | 'v'<<8 | 'g'<<16 | '_'<<24:
		bit, ok = plAvgConcentration, len(s) >= 14 && s[:14] == "concentration\""
	case 'm' | 'a'<<8 | 'x'<<16 | '_'<<24:
		bit, ok = plMaxConcentration, len(s) >= 14 && s[:14] == "concentration\""
	case 's' | 't'<<8 | 'a'<<16 | 'n'<<24:
		switch {
		case len(s) >= 5 && s[:5] == "dard\"":
			bit, ok = plStandard, true
		case len(s) >= 19 && s[:4] == "dard" && s[4:19] == "_concentration\"":
			bit, ok = plStandardConcentration, true
		}
	case 'e' | 'x'<<8 | 'c'<<16 | 'e'<<24:
		switch {
		case len(s) >= 13 && s[:13] == "eds_standard\"":
			bit, ok = plExceedsStandard, true
		case len(s) >= 12 && s[:12] == "ed_multiple\"":
			bit, ok = plExceedMultiple, true
		}
	case 'm' | 'o'<<8 | 'n'<<16 | 'i'<<24:
		bit, ok = plMonitoringMonth, len(s) >= 13 && s[:13] == "toring_month\""
	case 'b' | 'e'<<8 | 'l'<<16 | 'o'<<24:
		bit, ok = plBelowDetectionLimit, len(s) >= 18 && s[:2] == "w_" && s[2:18] == "detection_limit\""
	case 'v' | 'a'<<8 | 'l'<<16 | 'u'<<24:
		bit, ok = plValue, len(s) >= 2 && s[:2] == "e\""
	case 'm' | 'e'<<8 | 'a'<<16 | 's'<<24:
		bit, ok = plMeasured, len(s) >= 5 && s[:5] == "ured\""
	}
	if !ok {
		return 0, false
	}
	d.i = i + pollutantKeyLen[bit] + 1
	// The colon, in compact JSON the very next byte.
	if d.at() != ':' && d.peek() != ':' {
		return 0, false
	}
	d.i++
	return bit, true
}

// pollutantKeyLen is the length of each pollutant key.
var pollutantKeyLen = [...]int{
	plName:                  len("name"),
	plEmissionKg:            len("emission_kg"),
	plEmissionT:             len("emission_t"),
	plGeneratedKg:           len("generated_kg"),
	plMethod:                len("method"),
	plAvgConcentration:      len("avg_concentration"),
	plMaxConcentration:      len("max_concentration"),
	plStandardConcentration: len("standard_concentration"),
	plExceedsStandard:       len("exceeds_standard"),
	plMonitoringMonth:       len("monitoring_month"),
	plBelowDetectionLimit:   len("below_detection_limit"),
	plValue:                 len("value"),
	plMeasured:              len("measured"),
	plStandard:              len("standard"),
	plExceedMultiple:        len("exceed_multiple"),
}

// knownMethod is readPollutant's list of methods ("" is none).
func knownMethod(m string) bool {
	switch m {
	case "", "automatic", "monitoring", "self_monitoring", "factor", "material_balance", "sampling":
		return true
	}
	return false
}
