package hj212

import (
	"fmt"
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
// keeps so the frame's buffer can be reused.
func (f *Frame) Packet() *Packet {
	s := string(f.Raw)
	p := f.alloc()
	// p is freshly zeroed: set only what differs from zero (a composite
	// literal would write the whole struct again).
	p.Raw = s
	p.Verdict, p.Check, p.Length = f.Verdict, f.Check, f.Length
	p.Flag, p.PNUM, p.PNO, p.RF = -1, -1, -1, -1
	p.Cipher, p.KeyUsed = f.Cipher, f.KeyUsed
	if f.Data != nil {
		p.CRC = s[f.crcAt : f.crcAt+len(f.CRCText)]
	}
	if f.KeyUsed >= 0 {
		// Decrypted: everything below reads the plaintext frame.
		s = string(f.Text)
		p.Plain = s
	}
	if f.Data != nil {
		p.Data = s[f.DataAt : f.DataAt+len(f.Data)]
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

	for _, pr := range f.Problems {
		p.Problems = append(p.Problems, Issue{pr.Code, pr.At, f.message(pr)})
	}
	// The frame's findings come first, then those of the values, in
	// order; the latter are appended to p.Warnings as they are met.
	for _, w := range f.Warnings {
		p.Warnings = append(p.Warnings, Issue{w.Code, w.At, f.message(w)})
	}
	warnings := p.Warnings
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
					warnings = append(warnings, Issue{CodeDuplicateKey, int(r.At), "key " + key + " appears twice in one item (both kept, in order)"})
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
					warnings = append(warnings, Issue{CodeBadDataTime, int(r.At), fmt.Sprintf("DataTime %q is not YYYYMMDDhhmmss[zzz]", val)})
				}
			}
		case len(val) > 0 && val[0] > '9':
			// A letter (a -Flag value, an -Info text): never a number.
			if measured(suffix) {
				warnings = append(warnings, Issue{CodeNotANumber, int(r.At), fmt.Sprintf("%s value %q is not a decimal number (kept as text)", key, val)})
			}
		case (len(val) == 14 || len(val) == 17) && isTimestampKey(key):
			// RestartTime, xxx-SampleTime, ...: a timestamp, not a quantity.
		default:
			num, isNum := parseNumber(val)
			// isSentinel's own first test, kept here so that the common
			// value costs no call.
			if isNum && len(val) >= 4 && (val[0] == '9' || val[0] == '-') && isSentinel(code, val) {
				q.Sentinel = true
				warnings = append(warnings, Issue{CodeSentinel, int(r.At), fmt.Sprintf("%s=%s is the maximum of its data type, sent when the value cannot be computed (HJ 212-2025 §8.1.1 d); not a measurement", key, val)})
			} else if isNum {
				q.Num, q.IsNumber = num, true
			} else if measured(suffix) {
				warnings = append(warnings, Issue{CodeNotANumber, int(r.At), fmt.Sprintf("%s value %q is not a decimal number (kept as text)", key, val)})
			}
		}
	}

	p.Warnings = warnings
	p.Reason = f.reason()
	return p
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

// reason is the verdict explained in one line.
func (f *Frame) reason() string {
	switch f.Verdict {
	case Valid:
		return ""
	case Lenient:
		return fmt.Sprintf("CRC %s is plain CRC-16/MODBUS with its bytes swapped, not HJ 212-2017 Annex A (which gives %04X); accepted in lenient mode", f.CRCText, f.AnnexA)
	}
	msgs := make([]string, 0, len(f.Problems)+1)
	for _, pr := range f.Problems {
		msgs = append(msgs, f.message(pr))
	}
	if len(f.Problems) > 0 && f.Check == CheckModbusSwapped {
		msgs = append(msgs, "the CRC matches the byte-swapped Modbus variant, but the other faults reject the packet")
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no checksum could be verified")
	}
	return strings.Join(msgs, "; ")
}

// message is one finding in words.
func (f *Frame) message(p Problem) string {
	switch p.Code {
	case CodeNoStart:
		return fmt.Sprintf("bad framing: no \"##\" frame start in %s", excerpt(p.Text))
	case CodeStrayBefore:
		return fmt.Sprintf("bad framing: %s before \"##\": %s", plural(p.Got, "stray character"), excerpt(p.Text))
	case CodeTruncated:
		return fmt.Sprintf("bad framing: frame ends after %d bytes, before its length field", p.Got)
	case CodeBadLengthField:
		return fmt.Sprintf("bad length: length field %s is not 4 decimal digits", excerpt(p.Text))
	case CodeLengthMismatch:
		return fmt.Sprintf("bad length: header says %d, data segment has %d characters", p.Want, p.Got)
	case CodeBadCRCField:
		return fmt.Sprintf("bad CRC: CRC field %s is not 4 hex digits", excerpt(p.Text))
	case CodeCRCMismatch:
		return fmt.Sprintf("bad CRC: packet says %s, HJ 212-2017 Annex A gives %04X", p.Text, p.Want)
	case CodeCRCModbus:
		return fmt.Sprintf("bad CRC: packet says %s, HJ 212-2017 Annex A gives %04X; %s is plain CRC-16/MODBUS with bytes swapped, accepted only in lenient mode", p.Text, p.Want, p.Text)
	case CodeStrayAfter:
		return fmt.Sprintf("bad framing: %s after the CRC: %s", plural(p.Got, "stray character"), excerpt(p.Text))
	case CodeControlChar:
		return fmt.Sprintf("stray characters: control byte 0x%02X in the data segment at offset %d (%d in all)", p.Got, p.At, p.Want)
	case CodeNoCP:
		return "bad framing: data segment does not end with CP=&&...&&"
	case CodeStraySpaces:
		s := fmt.Sprintf("stray characters: %s in the data segment (first at offset %d)", plural(p.Got, "space"), p.At)
		if p.Want == 1 {
			s += "; without them the length and CRC would match (the packet is not repaired)"
		}
		return s
	case CodeNoTerminator:
		return "bad framing: frame not terminated by CR LF"
	case CodeTooLong:
		return fmt.Sprintf("bad framing: no end of frame within %d bytes", p.Want)
	case CodeStrayBytes:
		return fmt.Sprintf("stray characters: %s between frames: %s", plural(p.Got, "byte"), excerpt(p.Text))
	case CodeSpaces:
		return fmt.Sprintf("%s in the data segment (first at offset %d), kept as sent", plural(p.Got, "space"), p.At)
	case CodeNonASCII:
		return fmt.Sprintf("%s in the data segment (first at offset %d), kept as sent", plural(p.Got, "non-ASCII byte"), p.At)
	case CodeOverLong:
		return fmt.Sprintf("data segment has %d characters, more than the %d HJ 212-2017 allows (accepted: the length field frames it)", p.Got, p.Want)
	case CodeMissingField:
		return fmt.Sprintf("header has no %s field", p.Text)
	case CodeDuplicateField:
		return fmt.Sprintf("header field %s given more than once (the first is used)", p.Text)
	case CodeUnknownField:
		return fmt.Sprintf("header field %s is not defined by HJ 212 (kept)", excerpt(p.Text))
	case CodeBadHeaderValue:
		return fmt.Sprintf("header field %s is not a number", p.Text)
	case CodeSplit:
		switch p.Want {
		case splitNoParts:
			return "split packet: Flag bit 1 is set but PNUM/PNO are missing or not positive"
		case splitNoFlagBit:
			return "split packet: PNUM/PNO given but Flag bit 1 is clear"
		case splitNoFlag:
			return "split packet: PNUM/PNO given without a Flag field"
		case splitBadPNO:
			return "split packet: PNO is not between 1 and PNUM"
		}
	case CodeEmptyItem:
		return fmt.Sprintf("empty entry at offset %d (\";;\", \",,\" or a trailing separator)", p.At)
	case CodeNoEquals:
		return fmt.Sprintf("CP entry %s has no '=' (kept as a key without value)", excerpt(p.Text))
	case CodeAmpersand:
		return fmt.Sprintf("\"&&\" inside the CP content at offset %d", p.At)
	case CodeNoKey:
		return fmt.Sprintf("encrypted data area (%s, HJ 212-2025 SM4): no key for MN %s, so neither the data nor the CRC can be checked", f.Cipher, excerpt(p.Text))
	case CodeDecryptFailed:
		return fmt.Sprintf("encrypted data area (%s, HJ 212-2025 SM4): none of the %s of MN %s gives plaintext with CRC %s", f.Cipher, plural(p.Want, "key"), excerpt(p.Text), f.CRCText)
	case CodeRF:
		return fmt.Sprintf("header field %s: HJ 212-2025 defines only RF=1 (back-fill); the packet is taken as real-time data", excerpt(p.Text))
	case CodeTestKey:
		return "decrypted with the example key of HJ 212-2025 Annex A.2 (16 × 0x30), which the standard forbids in service"
	case CodeCipherLength:
		return fmt.Sprintf("length field counts the %d transmitted characters, not the %d of the plaintext data segment (HJ 212-2025 Annex A.2 counts the plaintext)", p.Got, p.Want)
	}
	return string(p.Code)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// excerpt quotes at most 40 bytes of b.
func excerpt(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
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

// Packets are allocated together with their header fields and CP pairs:
// one allocation for all three when the packet has at most 8 header
// fields and 64 pairs (nearly all do). The block is the smallest that
// fits of sizes chosen to fill the allocator's size classes exactly
// (the header array holds 4, 6 or 8 fields, the pair array as many pairs
// as the rest of the class holds), so that little memory is cleared, and
// brought into the cache, for nothing. p.Header and p.CP come back with
// their lengths set.
type block[H, C any] struct {
	p  Packet
	h  H // [n]Field
	cp C // [n]Pair
}

// newBlock allocates a block and returns its packet with nh header
// fields and np pairs; nh and np must fit H and C, and C must not be
// empty (so that even an empty CP points into the block).
func newBlock[H, C any](nh, np int) *Packet {
	b := new(block[H, C])
	p := &b.p
	// The capacities are the lengths: appending to one must not write
	// into the other's memory.
	p.Header = unsafe.Slice((*Field)(unsafe.Pointer(&b.h)), nh)
	p.CP = unsafe.Slice((*Pair)(unsafe.Pointer(&b.cp)), np)
	return p
}

// blockSizes lists, for each header array size, the pair array sizes
// and their allocators, smallest first. The sizes fill Go's size
// classes for a 368-byte Packet, 32-byte Field and 88-byte Pair;
// TestBlockSizes checks that they still do.
var blockSizes = [3]struct {
	fields int
	pairs  []int
	alloc  []func(nh, np int) *Packet
}{
	{4, []int{1, 2, 3, 4, 6, 7, 8, 10, 11, 14, 17, 20, 24, 29, 30, 33, 40, 49, 55, 64}, []func(nh, np int) *Packet{
		newBlock[[4]Field, [1]Pair],
		newBlock[[4]Field, [2]Pair],
		newBlock[[4]Field, [3]Pair],
		newBlock[[4]Field, [4]Pair],
		newBlock[[4]Field, [6]Pair],
		newBlock[[4]Field, [7]Pair],
		newBlock[[4]Field, [8]Pair],
		newBlock[[4]Field, [10]Pair],
		newBlock[[4]Field, [11]Pair],
		newBlock[[4]Field, [14]Pair],
		newBlock[[4]Field, [17]Pair],
		newBlock[[4]Field, [20]Pair],
		newBlock[[4]Field, [24]Pair],
		newBlock[[4]Field, [29]Pair],
		newBlock[[4]Field, [30]Pair],
		newBlock[[4]Field, [33]Pair],
		newBlock[[4]Field, [40]Pair],
		newBlock[[4]Field, [49]Pair],
		newBlock[[4]Field, [55]Pair],
		newBlock[[4]Field, [64]Pair],
	}},
	{6, []int{1, 2, 3, 5, 6, 8, 9, 11, 14, 16, 19, 24, 28, 30, 32, 40, 48, 54, 63, 67}, []func(nh, np int) *Packet{
		newBlock[[6]Field, [1]Pair],
		newBlock[[6]Field, [2]Pair],
		newBlock[[6]Field, [3]Pair],
		newBlock[[6]Field, [5]Pair],
		newBlock[[6]Field, [6]Pair],
		newBlock[[6]Field, [8]Pair],
		newBlock[[6]Field, [9]Pair],
		newBlock[[6]Field, [11]Pair],
		newBlock[[6]Field, [14]Pair],
		newBlock[[6]Field, [16]Pair],
		newBlock[[6]Field, [19]Pair],
		newBlock[[6]Field, [24]Pair],
		newBlock[[6]Field, [28]Pair],
		newBlock[[6]Field, [30]Pair],
		newBlock[[6]Field, [32]Pair],
		newBlock[[6]Field, [40]Pair],
		newBlock[[6]Field, [48]Pair],
		newBlock[[6]Field, [54]Pair],
		newBlock[[6]Field, [63]Pair],
		newBlock[[6]Field, [67]Pair],
	}},
	{8, []int{1, 3, 4, 6, 7, 8, 10, 13, 16, 19, 23, 27, 29, 32, 39, 48, 54, 62, 67}, []func(nh, np int) *Packet{
		newBlock[[8]Field, [1]Pair],
		newBlock[[8]Field, [3]Pair],
		newBlock[[8]Field, [4]Pair],
		newBlock[[8]Field, [6]Pair],
		newBlock[[8]Field, [7]Pair],
		newBlock[[8]Field, [8]Pair],
		newBlock[[8]Field, [10]Pair],
		newBlock[[8]Field, [13]Pair],
		newBlock[[8]Field, [16]Pair],
		newBlock[[8]Field, [19]Pair],
		newBlock[[8]Field, [23]Pair],
		newBlock[[8]Field, [27]Pair],
		newBlock[[8]Field, [29]Pair],
		newBlock[[8]Field, [32]Pair],
		newBlock[[8]Field, [39]Pair],
		newBlock[[8]Field, [48]Pair],
		newBlock[[8]Field, [54]Pair],
		newBlock[[8]Field, [62]Pair],
		newBlock[[8]Field, [67]Pair],
	}},
}

// blockFor[i][np] is the allocator for at most blockSizes[i].fields
// header fields and np pairs.
var blockFor = func() (t [3][65]func(nh, np int) *Packet) {
	for i, b := range blockSizes {
		k := 0
		for np := range t[i] {
			for b.pairs[k] < np {
				k++
			}
			t[i][np] = b.alloc[k]
		}
	}
	return t
}()

func (f *Frame) alloc() *Packet {
	nh, np := len(f.Header), len(f.CP)
	if nh > 8 || np > 64 {
		return &Packet{Header: make([]Field, nh), CP: make([]Pair, np)}
	}
	i := 0
	if nh > 4 {
		i = 1
		if nh > 6 {
			i = 2
		}
	}
	return blockFor[i][np](nh, np)
}
