package hj212

import (
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/shopspring/decimal"
)

// Packet is one HJ 212 packet with its verdict. Everything the device sent
// is kept: Raw byte for byte, every header field and every CP pair in
// order (duplicates, unknown codes and keys without '-' included), each
// value as the exact text sent and, when it is a number, as an exact
// decimal. Nothing is repaired; findings are listed instead.
type Packet struct {
	Raw     string // exactly as received, CR LF included when it was there
	Offset  int64  // where the packet began in a stream (Reader); 0 from Parse
	Verdict Verdict
	Check   Check  // which checksum the packet passed
	Reason  string // why rejected, or why accepted only leniently; "" when valid

	Problems []Issue // the findings behind a rejection, one per cause
	Warnings []Issue // oddities that did not decide the verdict

	Length int    // the length field; -1 when unreadable
	Data   string // the data segment the CRC covers (the plaintext when it was encrypted)
	CRC    string // the CRC field as sent (case kept)

	// An SM4-encrypted data area (HJ 212-2025 §6.4): how it was sent
	// (CipherNone for plaintext), the key that decrypted it (0 the
	// device's current key, 1 the previous one, ...; -1 when none did)
	// and the plaintext frame, which is what Data, Header, CP and the
	// offsets of findings refer to ("" for a plaintext packet, whose
	// offsets refer to Raw).
	Cipher  Cipher
	KeyUsed int
	Plain   string

	// Header fields as sent; "" when absent. Flag, PNUM, PNO and RF are
	// -1 when absent or not a number. RF=1 (HJ 212-2025 补传标志) marks
	// back-filled data, sent late after an upload failed: see Backfill.
	QN, ST, CN, PW, MN  string
	Flag, PNUM, PNO, RF int
	Header              []Field // every header field, in order

	CP []Pair // every CP pair, in order

	DataTime string    // the first DataTime in CP, as sent; "" when none
	Time     time.Time // DataTime read as Beijing time (UTC+8); zero when absent or malformed
}

// Field is one header field as sent.
type Field struct {
	Key, Value string
}

// Pair is one CP entry as sent, e.g. "a21026-Rtd=12.5".
type Pair struct {
	Item     int32 // index of the ';'-separated item it belongs to (0-based)
	NoEquals bool  // the entry had no '=' (Key holds all of it)
	IsNumber bool  // Value is a decimal number, held exactly in Num (see Number)
	// Sentinel: Value is the maximum of the field's data type (e.g.
	// 9999.99), which HJ 212-2025 §8.1.1 d) prescribes when a value (a
	// reference-oxygen one) cannot be computed. It is not a measurement:
	// IsNumber is false and Num zero, so it is never summed, averaged
	// or judged against a limit.
	Sentinel bool
	Key      string // the whole key: "a21026-Rtd", "DataTime", "LAMPBLACK-Rtd"
	Code     string // the factor code, the part before the last '-'; "" when Key has none
	Suffix   string // the part after the last '-': "Rtd", "Avg", "Flag", ...; "" when none
	Value    string // exactly as sent ("1.230" stays "1.230")
	Num      Value
}

// Issue is a finding in words: a stable code, where it is, and a message.
type Issue struct {
	Code    Code   `json:"code"`
	At      int    `json:"at"` // byte offset in Raw, -1 when it does not apply
	Message string `json:"message"`
}

// Version is the protocol version from the Flag bits 2–7: 0 for
// HJ/T 212-2005 (also when Flag is absent, as in 2005 packets), 1 for
// HJ 212-2017, 2 for HJ 212-2025 (Flag 8–11). Other values are reported
// as they are. It is the sender's declaration: 2025 features (RF, the
// new commands, encryption) are understood whatever it says.
func (p *Packet) Version() int {
	if p.Flag < 0 {
		return 0
	}
	return p.Flag >> 2
}

// Protocol versions, as Version returns them.
const (
	Version2005 = 0 // HJ/T 212-2005
	Version2017 = 1 // HJ 212-2017
	Version2025 = 2 // HJ 212-2025
)

// VersionName names the version: "2005", "2017", "2025", or "v" and the
// number for a value no standard defines.
func (p *Packet) VersionName() string {
	switch v := p.Version(); v {
	case Version2005:
		return "2005"
	case Version2017:
		return "2017"
	case Version2025:
		return "2025"
	default:
		return "v" + strconv.Itoa(v)
	}
}

// Backfill reports RF=1: the packet re-sends data that could not be
// uploaded in time (HJ 212-2025 §8.1.2, 补传). Its values belong to their
// DataTime like any others, but it is not real-time traffic: a receiver
// must not take it for the device's current state.
func (p *Packet) Backfill() bool { return p.RF == 1 }

// AckRequested reports whether the sender asked for an answer (Flag bit 0).
func (p *Packet) AckRequested() bool { return p.Flag >= 0 && p.Flag&FlagAck != 0 }

// Split reports whether the packet says it is one part of a split message
// (Flag bit 1, or PNUM/PNO present without a Flag as some devices send).
func (p *Packet) Split() bool {
	return (p.Flag >= 0 && p.Flag&FlagSplit != 0) || p.PNUM >= 0 || p.PNO >= 0
}

// Accepted reports whether the verdict lets the packet's data be used.
func (p *Packet) Accepted() bool { return p.Verdict == Valid || p.Verdict == Lenient }

// Parse checks and decodes one packet. raw may end with CR LF or not (a
// packet read from a line of text has lost it). Parse never panics and
// never returns nil.
func Parse(raw []byte, opt Options) *Packet {
	f := framePool.Get().(*Frame)
	f.Parse(raw, opt)
	p := f.Packet()
	f.Raw, f.Data, f.CRCText = nil, nil, nil // do not keep the caller's buffer alive
	clear(f.Problems)
	clear(f.Warnings)
	framePool.Put(f)
	return p
}

// framePool keeps Frames (and the slices they have grown) between calls
// of Parse.
var framePool = sync.Pool{New: func() any { return new(Frame) }}

// Packet builds the decoded packet from a parsed frame, copying what it
// keeps so the frame's buffer can be reused. It allocates one block
// (block.go) for the packet, its fields, pairs, issues and text; a
// packet with findings about its CP values (a duplicate key, a bad
// DataTime, a value that is not a number, a sentinel) needs a second
// one for those, since they are met only while the pairs are filled.
func (f *Frame) Packet() *Packet {
	msg, spans := f.messages()
	np, nw := len(f.Problems), len(f.Warnings)
	ni := np + nw
	decrypted := f.KeyUsed >= 0
	nb := len(f.Raw) + len(msg)
	if decrypted {
		nb += len(f.Text)
	}
	p, issues, tail := newBlock(len(f.Header), len(f.CP), ni, nb)
	if p == nil {
		p = &Packet{Header: make([]Field, len(f.Header)), CP: make([]Pair, len(f.CP))}
		issues, tail = make([]Issue, ni), make([]byte, nb)
	}
	// p is freshly zeroed: set only what differs from zero (a composite
	// literal would write the whole struct again).
	s := copyString(&tail, f.Raw)
	p.Raw = s
	p.Verdict, p.Check, p.Length = f.Verdict, f.Check, f.Length
	p.Flag, p.PNUM, p.PNO, p.RF = -1, -1, -1, -1
	p.Cipher, p.KeyUsed = f.Cipher, f.KeyUsed
	if f.Data != nil {
		p.CRC = s[f.crcAt : f.crcAt+len(f.CRCText)]
	}
	if decrypted {
		// Decrypted: everything below reads the plaintext frame.
		s = copyString(&tail, f.Text)
		p.Plain = s
	}
	if f.Data != nil {
		p.Data = s[f.DataAt : f.DataAt+len(f.Data)]
	}
	if ni > 0 || spans[0].to > 0 {
		m := copyString(&tail, msg)
		for i := range issues {
			issues[i].Message = m[spans[i+1].from:spans[i+1].to]
		}
		for i, pr := range f.Problems {
			issues[i].Code, issues[i].At = pr.Code, pr.At
		}
		for i, w := range f.Warnings {
			issues[np+i].Code, issues[np+i].At = w.Code, w.At
		}
		if np > 0 {
			p.Problems = issues[:np:np]
		}
		if nw > 0 {
			p.Warnings = issues[np:]
		}
		p.Reason = m[spans[0].from:spans[0].to]
	}

	seen := 0 // numeric fields met (the first one counts, as in Frame.Flag)
	for i, h := range f.Header {
		k := s[h.At:h.Eq]
		v := ""
		if !h.NoEquals() {
			v = s[h.Eq+1 : h.End]
		}
		p.Header[i] = Field{Key: k, Value: v}
		if h.NoEquals() {
			continue
		}
		switch k {
		case "QN":
			setOnce(&p.QN, v)
		case "ST":
			setOnce(&p.ST, v)
		case "CN":
			setOnce(&p.CN, v)
		case "PW":
			setOnce(&p.PW, v)
		case "MN":
			setOnce(&p.MN, v)
		case "Flag":
			intOnce(&p.Flag, &seen, 1, v)
		case "PNUM":
			intOnce(&p.PNUM, &seen, 2, v)
		case "PNO":
			intOnce(&p.PNO, &seen, 4, v)
		case "RF":
			intOnce(&p.RF, &seen, 8, v)
		}
	}

	// The findings about values are noted by pair and put into words
	// afterwards (valueIssues), in the order met.
	finds := f.finds[:0]
	pairs := p.CP[:len(f.CP)] // same length: lets the compiler drop the bounds check
	// seenKeys is a one-word Bloom filter of the keys of the current item
	// (bit: key length and last byte): a key whose bit is clear cannot
	// repeat an earlier key of the item, so only the rare others scan back.
	var seenKeys uint64
	item := int32(-1)
	for i, r := range f.CP {
		q := &pairs[i]
		key := s[r.At:r.Eq]
		val := ""
		noEq := r.NoEquals()
		if !noEq {
			val = s[r.Eq+1 : r.End]
		}
		code, suffix := "", ""
		if n := len(key); n >= 4 && key[n-4] == '-' && key[n-3] != '-' && key[n-2] != '-' && key[n-1] != '-' {
			// The usual three-letter suffix (Rtd, Avg, Min, Max, Cou)
			// decided with one predictable branch.
			code, suffix = key[:n-4], key[n-3:]
		} else {
			for j := len(key) - 1; j >= 0; j-- { // keys are short: no call
				if key[j] == '-' {
					code, suffix = key[:j], key[j+1:]
					break
				}
			}
		}
		q.Item, q.NoEquals, q.Key, q.Value, q.Code, q.Suffix = r.Item, noEq, key, val, code, suffix
		// Earlier keys of the same item, read from the compact RawPairs
		// rather than the 88-byte Pairs.
		if r.Item != item {
			item, seenKeys = r.Item, 0
		}
		h := uint(len(key))
		if len(key) > 0 {
			h = h*7 + uint(key[len(key)-1])
		}
		if bit := uint64(1) << (h & 63); seenKeys&bit == 0 {
			seenKeys |= bit
		} else {
			for k := i - 1; k >= 0 && f.CP[k].Item == r.Item; k-- {
				if o := f.CP[k]; o.Eq-o.At == r.Eq-r.At && s[o.At:o.Eq] == key {
					finds = append(finds, valueFinding{CodeDuplicateKey, int32(i)})
					break
				}
			}
		}
		switch {
		case key == "DataTime":
			if p.DataTime == "" && !noEq {
				p.DataTime = val
				t, ok := ParseTime(val)
				if ok {
					p.Time = t
				} else {
					finds = append(finds, valueFinding{CodeBadDataTime, int32(i)})
				}
			}
		case len(val) > 0 && val[0] > '9':
			// A letter (a -Flag value, an -Info text): never a number.
			if measured(suffix) {
				finds = append(finds, valueFinding{CodeNotANumber, int32(i)})
			}
		case (len(val) == 14 || len(val) == 17) && isTimestampKey(key):
			// RestartTime, xxx-SampleTime, ...: a timestamp, not a quantity.
		default:
			num, isNum := parseNumber(val)
			// isSentinel's own first test, kept here so that the common
			// value costs no call.
			if isNum && len(val) >= 4 && (val[0] == '9' || val[0] == '-') && isSentinel(code, val) {
				q.Sentinel = true
				finds = append(finds, valueFinding{CodeSentinel, int32(i)})
			} else if isNum {
				q.Num, q.IsNumber = num, true
			} else if measured(suffix) {
				finds = append(finds, valueFinding{CodeNotANumber, int32(i)})
			}
		}
	}
	f.finds = finds
	if len(finds) > 0 {
		f.valueIssues(p)
	}
	return p
}

// valueIssues adds the findings about values (f.finds) to p.Warnings,
// after the frame's: one allocation holding the issues and the
// messages.
func (f *Frame) valueIssues(p *Packet) {
	b := f.msg[:0] // its text is in the block by now
	spans := f.spans[:0]
	for _, v := range f.finds {
		q := &p.CP[v.pair]
		from := len(b)
		b = appendValueMessage(b, v.code, q.Key, q.Value)
		spans = append(spans, span{int32(from), int32(len(b))})
	}
	f.msg, f.spans = b, spans
	nw := len(p.Warnings)
	issues, text := newIssues(nw+len(f.finds), len(b))
	m := copyString(&text, b)
	copy(issues, p.Warnings)
	for i, v := range f.finds {
		issues[nw+i] = Issue{v.code, int(f.CP[v.pair].At), m[spans[i].from:spans[i].to]}
	}
	p.Warnings = issues
}

// copyString copies b to the front of *tail and returns it as a string,
// advancing *tail past it.
func copyString(tail *[]byte, b []byte) string {
	t := *tail
	n := copy(t, b)
	*tail = t[n:]
	return unsafe.String(unsafe.SliceData(t), n)
}

// valueFinding is a warning about a CP pair's key or value.
type valueFinding struct {
	code Code
	pair int32
}

// span is where one message lies in the text messages returns.
type span struct{ from, to int32 }

// messages writes the words for the frame's findings and the reason
// into f.msg: spans[0] is the reason, then one span per problem and per
// warning, in order. A rejected packet's reason is its problems'
// messages joined by "; ", so they are written that way and the reason
// spans them.
func (f *Frame) messages() ([]byte, []span) {
	b := f.msg[:0]
	spans := append(f.spans[:0], span{})
	for i, pr := range f.Problems {
		if i > 0 {
			b = append(b, "; "...)
		}
		from := len(b)
		b = f.appendMessage(b, pr)
		spans = append(spans, span{int32(from), int32(len(b))})
	}
	switch f.Verdict {
	case Rejected:
		b = f.appendReasonEnd(b)
		spans[0] = span{0, int32(len(b))}
	case Lenient:
		from := len(b)
		b = f.appendLenientReason(b)
		spans[0] = span{int32(from), int32(len(b))}
	}
	for _, w := range f.Warnings {
		from := len(b)
		b = f.appendMessage(b, w)
		spans = append(spans, span{int32(from), int32(len(b))})
	}
	f.msg, f.spans = b, spans
	return b, spans
}

// intOnce sets *dst from the first field with this bit: its value as a
// number, -1 when it is not one.
func intOnce(dst *int, seen *int, bit int, v string) {
	if *seen&bit != 0 {
		return
	}
	*seen |= bit
	if n, ok := atoi([]byte(v)); ok {
		*dst = n
	}
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// measured lists the suffixes whose values are quantities; a value there
// that is not a number is worth a warning.
func measured(suffix string) bool {
	switch suffix {
	case "Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd", "ZsAvg", "ZsMin", "ZsMax", "RawAvg":
		return true
	}
	return false
}

func isTimestampKey(k string) bool { return strings.HasSuffix(k, "Time") }

// beijing is the time zone DataTime is written in (UTC+8, no daylight
// saving since 1991). A fixed zone avoids needing the tz database.
var beijing = time.FixedZone("CST", 8*3600)

// ParseTime reads an HJ 212 timestamp, YYYYMMDDhhmmss or YYYYMMDDhhmmsszzz
// (milliseconds, as some devices send), as Beijing time.
func ParseTime(s string) (time.Time, bool) {
	if len(s) != 14 && len(s) != 17 {
		return time.Time{}, false
	}
	n := func(i, j int) int {
		v := 0
		for _, c := range []byte(s[i:j]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := n(0, 4), n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14)
	ms := 0
	if len(s) == 17 {
		ms = n(14, 17)
	}
	if y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0 {
		return time.Time{}, false
	}
	// The same Time that time.Date(y, mo, d, h, mi, sec, ms, beijing)
	// returns (Date builds it as unixTime(...).setLoc, as Unix(...).In
	// does), without Date's normalisation and zone lookup, which cost as
	// much as the rest of a CP pair; TestParseTimeMatchesDate compares.
	days := daysFromCivil(y, mo, d)
	unix := days*86400 + int64(h*3600+mi*60+sec) - 8*3600
	return time.Unix(unix, int64(ms)*int64(time.Millisecond)).In(beijing), true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (y >= 1; H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if (y%4 == 0 && y%100 != 0) || y%400 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseNumber reads a plain decimal number: an optional sign, digits with
// at most one '.', and an optional exponent below 100. It is exact: the text never
// passes through a float. Values up to 18 digits (all real ones) become
// an int64 coefficient and an exponent without allocating; longer ones
// and exponent forms go through decimal.NewFromString.
func parseNumber(s string) (Value, bool) {
	// The usual value, [sign]digits[.digits] with at most 18 digits, in
	// two tight loops; anything else (an exponent, more digits, a second
	// '.', no digit at all) takes the general loop below.
	i := 0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		i++
	}
	var m uint64
	j := i
	for j < len(s) && s[j]-'0' < 10 {
		m = m*10 + uint64(s[j]-'0')
		j++
	}
	nd := j - i
	frac := 0
	if j < len(s) && s[j] == '.' {
		j++
		k := j
		for j < len(s) && s[j]-'0' < 10 {
			m = m*10 + uint64(s[j]-'0')
			j++
		}
		frac = j - k
	}
	if j == len(s) && nd+frac > 0 && nd+frac <= 18 {
		c := int64(m)
		if s[0] == '-' {
			c = -c
		}
		return fracValue(c, frac), true
	}
	return parseNumberSlow(s)
}

// parseNumberSlow is parseNumber's general loop.
func parseNumberSlow(s string) (Value, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	var mant int64
	nd, frac, dot := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if dot {
				return Value{}, false
			}
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		nd++
		if dot {
			frac++
		}
		if nd <= 18 {
			mant = mant*10 + int64(c-'0')
		}
	}
	if nd == 0 {
		return Value{}, false
	}
	if i < len(s) {
		// Only an exponent may follow: e or E, optional sign, digits.
		if s[i] != 'e' && s[i] != 'E' {
			return Value{}, false
		}
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j == len(s) {
			return Value{}, false
		}
		for k := j; k < len(s); k++ {
			if s[k] < '0' || s[k] > '9' {
				return Value{}, false
			}
		}
		if len(s)-j > 2 { // |exponent| >= 100 is not a measurement
			return Value{}, false
		}
		d, err := decimal.NewFromString(s)
		return ValueOf(d), err == nil
	}
	if nd > 18 {
		d, err := decimal.NewFromString(s)
		return ValueOf(d), err == nil
	}
	if s[0] == '-' {
		mant = -mant
	}
	return fracValue(mant, frac), true
}
