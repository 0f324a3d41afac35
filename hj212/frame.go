package hj212

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Verdict is what the checks say about one packet. The zero value is
// Rejected, so a packet nobody looked at is never taken for a good one.
type Verdict uint8

const (
	Rejected Verdict = iota // failed a check; Reason says which
	Valid                   // framing, length and Annex A CRC all right
	Lenient                 // right except that the CRC is the byte-swapped Modbus variant
)

func (v Verdict) String() string {
	switch v {
	case Valid:
		return "valid"
	case Lenient:
		return "lenient"
	}
	return "rejected"
}

// Check names the checksum a packet passed.
type Check uint8

const (
	CheckNone          Check = iota // no checksum matched (or none could be read)
	CheckAnnexA                     // HJ 212-2017 附录 A, the standard's algorithm
	CheckModbusSwapped              // plain CRC-16/MODBUS printed low byte first (lenient only)
)

func (c Check) String() string {
	switch c {
	case CheckAnnexA:
		return "annex-a"
	case CheckModbusSwapped:
		return "modbus-swapped"
	}
	return "none"
}

// Options choose how strict the checks are. The zero value is strict.
type Options struct {
	// Lenient also accepts a CRC computed as plain CRC-16/MODBUS with its
	// bytes swapped, which some data loggers send. Such packets get the
	// verdict Lenient, never Valid.
	Lenient bool
	// Keys gives the SM4 keys of each device, for data areas encrypted as
	// HJ 212-2025 §6.4 prescribes. Without it an encrypted packet is
	// rejected with CodeNoKey.
	Keys KeyStore
}

// Code is a stable, machine-readable name for one finding.
type Code string

// Findings that reject a packet.
const (
	CodeNoStart        Code = "no_start"         // no "##"
	CodeStrayBefore    Code = "stray_before"     // bytes before "##"
	CodeTruncated      Code = "truncated"        // too short to hold a length field
	CodeBadLengthField Code = "bad_length_field" // length is not 4 decimal digits
	CodeLengthMismatch Code = "length_mismatch"  // length field differs from the data segment
	CodeBadCRCField    Code = "bad_crc_field"    // CRC is not 4 hex digits
	CodeCRCMismatch    Code = "crc_mismatch"     // no checksum matches
	CodeCRCModbus      Code = "crc_modbus"       // only the swapped Modbus CRC matches (strict mode)
	CodeStrayAfter     Code = "stray_after"      // bytes after the CRC other than CR LF
	CodeControlChar    Code = "control_char"     // control byte inside the data segment
	CodeNoCP           Code = "no_cp"            // data segment lacks CP=&&...&&
	CodeStraySpaces    Code = "stray_spaces"     // spaces inside a rejected data segment
	CodeNoTerminator   Code = "no_terminator"    // stream: frame not ended by CR LF
	CodeTooLong        Code = "too_long"         // stream: no frame end within the limit
	CodeStrayBytes     Code = "stray_bytes"      // stream: bytes between frames
	CodeNoKey          Code = "no_key"           // SM4-encrypted data area, no key for the MN
	CodeDecryptFailed  Code = "decrypt_failed"   // SM4-encrypted data area, no key gives the CRC
)

// Findings that do not change the verdict.
const (
	CodeSpaces         Code = "spaces"          // spaces in an otherwise good data segment
	CodeNonASCII       Code = "non_ascii"       // bytes >= 0x80 in the data segment
	CodeOverLong       Code = "over_1024"       // data segment longer than HJ 212-2017 allows
	CodeMissingField   Code = "missing_field"   // ST, CN, PW or MN absent
	CodeDuplicateField Code = "duplicate_field" // a header field given twice
	CodeUnknownField   Code = "unknown_field"   // a header field the standard does not define
	CodeBadHeaderValue Code = "bad_header_value"
	CodeSplit          Code = "split"         // inconsistent Flag bit 1 / PNUM / PNO
	CodeEmptyItem      Code = "empty_item"    // ";;" or ",," or a trailing separator
	CodeNoEquals       Code = "no_equals"     // a CP entry without '='
	CodeAmpersand      Code = "ampersand"     // "&&" inside the CP content
	CodeBadDataTime    Code = "bad_datatime"  // DataTime (or another *Time) is not a timestamp
	CodeNotANumber     Code = "not_a_number"  // a measured value that is not a decimal
	CodeDuplicateKey   Code = "duplicate_key" // the same CP key twice (kept, in order)
	CodeRF             Code = "rf_value"      // RF other than 1 (HJ 212-2025 defines only RF=1, 补传)
	CodeSentinel       Code = "sentinel"      // a value equal to the maximum of its data type (HJ 212-2025 §8.1.1 d)
	CodeTestKey        Code = "test_key"      // decrypted with the standard's published example key
	CodeCipherLength   Code = "cipher_length" // the length field counts the transmitted ciphertext text, not the plaintext
)

// Problem is one finding about a frame. It points into the frame instead
// of holding text so that parsing a frame allocates nothing.
type Problem struct {
	Code Code
	At   int    // byte offset in the raw frame, -1 when it does not apply
	Want int    // code-specific number (expected length, count, ...)
	Got  int    // code-specific number (actual length, byte value, ...)
	Text []byte // the bytes concerned (aliases the raw frame)
}

// RawPair is one key=value of the header or of CP, as offsets into the
// frame's Raw (no pointers, so collecting pairs costs only the copy of 16
// bytes). Use Frame.Key and Frame.Value to read it.
type RawPair struct {
	Item int32 // index of the ';'-separated CP item (0-based); 0 in the header
	At   int32 // offset of the key in Raw
	Eq   int32 // offset of the '=' (== End when the entry has none)
	End  int32 // offset just past the value
}

// NoEquals reports an entry without '=': the key is all of it.
func (p RawPair) NoEquals() bool { return p.Eq == p.End }

// Key returns the key of p.
func (f *Frame) Key(p RawPair) []byte { return f.Text[p.At:p.Eq] }

// Value returns the value of p (nil for an entry without '=').
func (f *Frame) Value(p RawPair) []byte {
	if p.NoEquals() {
		return nil
	}
	return f.Text[p.Eq+1 : p.End]
}

// Frame is a packet taken apart without copying: framing, length, CRC and
// the split into header fields and CP pairs. Parse reuses its slices, so
// parsing many frames with one Frame allocates nothing once warm. Use
// Packet (or the package function Parse) to get strings, decimals and a
// readable reason.
type Frame struct {
	Raw        []byte // the frame exactly as given, with its CR LF if present
	Terminated bool   // Raw ends with CR LF
	Start      int    // offset of "##" in Raw (> 0 only with stray bytes before it)
	Length     int    // the length field, -1 when it is not 4 decimal digits
	Data       []byte // the data segment (QN=... through the final "&&")
	DataAt     int    // offset of Data in Raw
	CRCText    []byte // what stands where the CRC belongs
	CRCSent    uint16 // CRCText as a number, when it is 4 hex digits
	CRCRead    bool   // CRCText is 4 hex digits
	AnnexA     uint16 // Annex A checksum of Data
	Modbus     uint16 // swapped Modbus checksum of Data (only set when Annex A fails)
	Check      Check
	Verdict    Verdict
	Problems   []Problem // why the frame is rejected (empty unless Rejected)
	Warnings   []Problem // oddities that did not decide the verdict
	Header     []RawPair // header fields in order (QN, ST, CN, ... as sent)
	CP         []RawPair // every CP pair in order, duplicates included

	// An SM4-encrypted data area (HJ 212-2025 §6.4): how it was sent,
	// which key decrypted it (0 the current one, 1 the previous, ...;
	// -1 when none did) and, once decrypted, the plaintext frame that
	// Data, Header, CP and the offsets of findings refer to. Key and
	// Value read from Text; Text is Raw for a plaintext packet.
	Cipher  Cipher
	KeyUsed int
	Text    []byte
	crcAt   int // offset of CRCText in Raw
	// What splitHeader folded of Data[:hdrEnd] (whole words before the
	// one holding "CP=&&"): their XOR and whether any byte was odd.
	hdrAcc uint64
	hdrEnd int
	hdrOdd bool
	plain  []byte
	ctbuf  []byte

	// Packet's scratch: the findings about CP values, and the
	// findings' messages.
	finds []valueFinding
	msg   []byte
	spans []span
	masks []blockMask // splitPairsBlocks' scratch
}

func (f *Frame) reset(raw []byte) {
	*f = Frame{
		Raw:      raw,
		Length:   -1,
		Problems: f.Problems[:0],
		Warnings: f.Warnings[:0],
		Header:   f.Header[:0],
		CP:       f.CP[:0],
		KeyUsed:  -1,
		Text:     raw,
		plain:    f.plain[:0],
		ctbuf:    f.ctbuf[:0],
		finds:    f.finds[:0],
		msg:      f.msg[:0],
		spans:    f.spans[:0],
		masks:    f.masks[:0],
	}
}

func (f *Frame) reject(p Problem) { f.Problems = append(f.Problems, p) }
func (f *Frame) warn(p Problem)   { f.Warnings = append(f.Warnings, p) }

// maxData is the longest data segment HJ 212-2017 allows (6.3.2: 0–1024).
// Real devices exceed it (the samples hold 1025 and 1623), so a longer
// segment is only a warning: the 4-digit length field still frames it.
const maxData = 1024

// Parse checks one frame: "##", a 4-digit length, the data segment, 4 hex
// CRC digits and an optional CR LF. raw is not copied; the Frame points
// into it. Nothing is repaired: every deviation is recorded.
func (f *Frame) Parse(raw []byte, opt Options) {
	f.reset(raw)
	body := raw
	if n := len(body); n >= 2 && body[n-2] == '\r' && body[n-1] == '\n' {
		f.Terminated = true
		body = body[:n-2]
	}
	start := 0
	if len(body) < 2 || body[0] != '#' || body[1] != '#' {
		start = bytes.Index(body, hashes)
	}
	if start < 0 {
		f.reject(Problem{Code: CodeNoStart, At: 0, Text: body})
		f.Verdict = Rejected
		return
	}
	// In a run of three or more '#', the frame starts with the last two.
	for start+2 < len(body) && body[start+2] == '#' {
		start++
	}
	if start > 0 {
		f.reject(Problem{Code: CodeStrayBefore, At: 0, Got: start, Text: body[:start]})
	}
	f.Start = start
	p := start + 2
	if len(body) < p+4 {
		f.reject(Problem{Code: CodeTruncated, At: p, Got: len(body), Text: body[p:]})
		f.Verdict = Rejected
		return
	}
	if n, ok := digits4(body[p : p+4]); ok {
		f.Length = n
	} else {
		f.reject(Problem{Code: CodeBadLengthField, At: p, Text: body[p : p+4]})
	}
	dataAt := p + 4
	rest := body[dataAt:]
	// The data segment always ends with the "&&" that closes CP, and no
	// CRC digit is '&', so the last "&&" marks its end even when the
	// length field is wrong. Without one, trust the length field, and
	// failing that assume the last 4 bytes are the CRC.
	var dataEnd int
	if n := len(rest); n >= 6 && rest[n-6] == '&' && rest[n-5] == '&' && rest[n-4] != '&' && rest[n-3] != '&' && rest[n-2] != '&' && rest[n-1] != '&' {
		dataEnd = dataAt + n - 4 // the usual case: "&&" and 4 CRC digits
	} else if e := bytes.LastIndex(rest, ampersands); e >= 0 {
		dataEnd = dataAt + e + 2
	} else if f.Length >= 0 && f.Length <= len(rest) {
		dataEnd = dataAt + f.Length
	} else {
		dataEnd = max(dataAt, len(body)-4)
	}
	f.Data = body[dataAt:dataEnd]
	f.DataAt = dataAt
	crcEnd := min(dataEnd+4, len(body))
	f.CRCText = body[dataEnd:crcEnd]
	f.crcAt = dataEnd
	f.CRCSent, f.CRCRead = parseHex4(f.CRCText)
	if !f.CRCRead {
		f.reject(Problem{Code: CodeBadCRCField, At: dataEnd, Text: f.CRCText})
	}
	if crcEnd < len(body) {
		f.reject(Problem{Code: CodeStrayAfter, At: crcEnd, Got: len(body) - crcEnd, Text: body[crcEnd:]})
	}
	wireLen := len(f.Data)
	var cp int
	var fold uint64
	if useBlocks {
		// One pass of scanBlocks over the data segment gives the masks
		// that split the header here and the CP content below, and the
		// checksum fold.
		fold = f.scanMasks(f.Data)
		cp = f.splitHeaderBlocks()
	} else {
		cp = f.splitHeader()
	}
	// The usual packet, plaintext with a well-formed CP: one pass over
	// the CP content both splits it and checks its bytes (splitPairs).
	// A content that may be ciphertext takes the long way: scan, try to
	// decrypt, then split.
	var sc byteScan
	nw, ns, fused := len(f.Warnings), 0, false
	if d := f.Data; cp >= 0 && len(d) >= cp+len(cpOpen)+2 && bytes.HasSuffix(d, ampersands) {
		contentAt := cp + len(cpOpen)
		if c := d[contentAt : len(d)-2]; len(c) == 0 || c[0] != '{' && !hexBlock(c) {
			sc.reset()
			if useBlocks {
				f.classifyOdd(d, &sc, 0)
				if len(c) > 0 {
					f.ampersandCheck(c, f.DataAt+contentAt)
					f.pairsFromMasks(d, contentAt, len(d)-2, f.DataAt+contentAt)
				}
				sc.acc = fold
			} else if f.hdrOdd {
				sc.part(d[:contentAt], 0)
			} else {
				// splitHeader folded the header's first hdrEnd bytes
				// (a multiple of 8, so the lanes line up) and found
				// no odd byte there.
				sc.acc = f.hdrAcc
				sc.part(d[f.hdrEnd:contentAt], f.hdrEnd)
			}
			if !useBlocks {
				f.splitPairs(c, f.DataAt+contentAt, &sc, contentAt)
				sc.part(d[len(d)-2:], len(d)-2)
			}
			if sc.ctrl == 0 && sc.high == 0 {
				fused, ns = true, len(f.Warnings)
				sc.finish(d)
			} else {
				f.CP, f.Warnings = f.CP[:0], f.Warnings[:nw]
			}
		}
	}
	encrypted := false
	if !fused {
		sc = scanData(f.Data)
		encrypted = f.decrypt(opt, &sc, cp)
	}
	if f.Length >= 0 && f.Length != len(f.Data) && !encrypted {
		if f.Cipher != CipherNone && f.Length == wireLen {
			f.warn(Problem{Code: CodeCipherLength, At: p, Want: len(f.Data), Got: wireLen})
		} else {
			f.reject(Problem{Code: CodeLengthMismatch, At: p, Want: f.Length, Got: len(f.Data)})
		}
	}
	if encrypted {
		// The data area could not be decrypted, so neither the CRC nor
		// the data can be checked: only the header is read.
		f.splitCP(cp)
		f.decide()
		return
	}
	f.noteScan(&sc)
	if fused && len(f.Warnings) > ns {
		// Keep the order of the long way: byte findings before the CP's.
		var buf [4]Problem
		moved := buf[:copy(buf[:], f.Warnings[ns:])]
		copy(f.Warnings[nw+len(moved):], f.Warnings[nw:ns])
		copy(f.Warnings[nw:], moved)
	}
	if f.CRCRead {
		if f.CRCSent == f.AnnexA {
			f.Check = CheckAnnexA
		} else {
			f.Modbus = modbusSwapped(f.Data)
			switch {
			case f.CRCSent == f.Modbus && opt.Lenient:
				f.Check = CheckModbusSwapped
			case f.CRCSent == f.Modbus:
				f.reject(Problem{Code: CodeCRCModbus, At: dataEnd, Want: int(f.AnnexA), Got: int(f.CRCSent), Text: f.CRCText})
			default:
				f.reject(Problem{Code: CodeCRCMismatch, At: dataEnd, Want: int(f.AnnexA), Got: int(f.CRCSent), Text: f.CRCText})
			}
		}
	}
	if fused {
		f.checkHeader()
	} else {
		f.splitCP(cp)
	}
	f.decide()
}

// decide sets the verdict from the findings.
func (f *Frame) decide() {
	switch {
	case len(f.Problems) > 0:
		f.Verdict = Rejected
		f.explainSpaces()
	case f.Check == CheckAnnexA:
		f.Verdict = Valid
	case f.Check == CheckModbusSwapped:
		f.Verdict = Lenient
	default:
		f.Verdict = Rejected
	}
}

var (
	nameST, nameCN, namePW, nameMN = []byte("ST"), []byte("CN"), []byte("PW"), []byte("MN")

	hashes     = []byte("##")
	ampersands = []byte("&&")
	cpOpen     = []byte("CP=&&")
)

func digits4(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) == 4
}

// byteScan is what one pass over a data segment finds: control bytes,
// spaces and bytes >= 0x80 (how many, and the first one's offset), and the
// Annex A checksum, whose XOR fold (crc.go) rides along.
type byteScan struct {
	ctrl, ctrlAt, spaces, spaceAt, high, highAt int
	acc                                         uint64 // the fold, see part
	crc                                         uint16
}

// scanData makes the one pass over d.
func scanData(d []byte) (sc byteScan) {
	sc.reset()
	sc.part(d, 0)
	sc.finish(d)
	return sc
}

func (sc *byteScan) reset() {
	*sc = byteScan{ctrlAt: -1, spaceAt: -1, highAt: -1}
}

// part adds d, the bytes at offset off of the data segment, to the scan.
// The fold goes into sc.acc, lane j (byte j, little-endian) holding the
// XOR of the bytes at offsets ≡ j mod 8.
func (sc *byteScan) part(d []byte, off int) {
	var acc uint64
	i := 0
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		acc ^= x
		if plainWord(x) {
			continue
		}
		sc.classify(d[i:i+8], off+i)
	}
	if i < len(d) {
		var t [8]byte
		copy(t[:], d[i:])
		acc ^= binary.LittleEndian.Uint64(t[:])
		sc.classify(d[i:], off+i)
	}
	sc.acc ^= bits.RotateLeft64(acc, 8*(off&7))
}

// plainWord reports that none of the 8 bytes of x is below 0x21 or above
// 0x7E (the "hasless" and "hasmore" word tricks), so that they need no
// closer look.
func plainWord(x uint64) bool { return oddBytes(x) == 0 }

// oddBytes is nonzero when some byte of x is below 0x21 or above 0x7E
// (its bits are not exact per byte: only zero or not counts).
func oddBytes(x uint64) uint64 {
	lt := (x - 0x2121212121212121) &^ x & 0x8080808080808080
	ge := ((x + 0x0101010101010101) | x) & 0x8080808080808080
	return lt | ge
}

// classify counts the control bytes, spaces and bytes >= 0x80 of b, which
// sits at offset off of the data segment.
func (sc *byteScan) classify(b []byte, off int) {
	for k, c := range b {
		switch {
		case c < 0x20 || c == 0x7F:
			if sc.ctrl == 0 {
				sc.ctrlAt = off + k
			}
			sc.ctrl++
		case c == ' ':
			if sc.spaces == 0 {
				sc.spaceAt = off + k
			}
			sc.spaces++
		case c >= 0x80:
			if sc.high == 0 {
				sc.highAt = off + k
			}
			sc.high++
		}
	}
}

// finish computes the checksum of d, all of whose bytes are in the fold.
func (sc *byteScan) finish(d []byte) {
	if len(d) == 0 {
		sc.crc = 0xFFFF
		return
	}
	var lanes [8]byte
	binary.LittleEndian.PutUint64(lanes[:], sc.acc)
	sc.crc = fromLanes(&lanes, len(d), d[len(d)-1])
}

// noteScan records what scanData found in f.Data: control bytes reject
// the frame (CR or LF inside a frame breaks the framing of every
// receiver), spaces and non-ASCII bytes are only noted because the CRC
// still vouches for them. It sets f.AnnexA.
func (f *Frame) noteScan(sc *byteScan) {
	f.AnnexA = sc.crc
	if sc.ctrl > 0 {
		f.reject(Problem{Code: CodeControlChar, At: f.DataAt + sc.ctrlAt, Want: sc.ctrl, Got: int(f.Data[sc.ctrlAt])})
	}
	if sc.spaces > 0 {
		f.warn(Problem{Code: CodeSpaces, At: f.DataAt + sc.spaceAt, Got: sc.spaces})
	}
	if sc.high > 0 {
		f.warn(Problem{Code: CodeNonASCII, At: f.DataAt + sc.highAt, Got: sc.high})
	}
	if len(f.Data) > maxData {
		f.warn(Problem{Code: CodeOverLong, At: f.DataAt, Want: maxData, Got: len(f.Data)})
	}
}

// explainSpaces turns the spaces warning of a frame rejected for its
// length or CRC into a finding that says whether the spaces are what broke
// it: whether the length and CRC would match without them. The frame is
// not changed.
func (f *Frame) explainSpaces() {
	broken := false
	for _, p := range f.Problems {
		switch p.Code {
		case CodeLengthMismatch, CodeCRCMismatch, CodeCRCModbus:
			broken = true
		}
	}
	if !broken {
		return
	}
	for i, w := range f.Warnings {
		if w.Code != CodeSpaces {
			continue
		}
		n := 0
		h := byte(0xFF)
		var crc uint16 = 0xFFFF
		for _, c := range f.Data {
			if c == ' ' {
				continue
			}
			crc = crcTable[h^c]
			h = byte(crc >> 8)
			n++
		}
		fixes := 0
		if (f.Length < 0 || f.Length == n) && f.CRCRead && (crc == f.CRCSent || modbusSwappedSkip(f.Data) == f.CRCSent) {
			fixes = 1
		}
		f.reject(Problem{Code: CodeStraySpaces, At: w.At, Want: fixes, Got: w.Got})
		f.Warnings = append(f.Warnings[:i], f.Warnings[i+1:]...)
		return
	}
}

func modbusSwappedSkip(data []byte) uint16 {
	reg := uint16(0xFFFF)
	for _, b := range data {
		if b != ' ' {
			reg = (reg >> 8) ^ crcTable[byte(reg)^b]
		}
	}
	return reg<<8 | reg>>8
}

// The data segment is taken apart in two steps: header fields are
// ';'-separated until one starts with "CP=&&" (splitHeader); the CP
// content runs from there to the final "&&" (splitCP, after a possible
// decryption). splitHeader reads the header fields and returns where
// "CP=&&" starts in f.Data (-1 when nowhere).
func (f *Frame) splitHeader() int {
	d := f.Data
	if hasCPAt(d, 0) {
		return 0
	}
	// As in splitPairs: bit masks of the ';' and '=' bytes of each word,
	// one turn of the inner loop per field.
	// The words passed before "CP=&&" is found are also XOR-folded for
	// the checksum and checked for odd bytes (f.hdrAcc, f.hdrOdd up to
	// f.hdrEnd), so that Parse's fused path need not read the header
	// again.
	start, eq := 0, -1
	var acc, odd uint64
	for base := 0; base < len(d); base += 8 {
		var x, o, eqm, bm uint64
		full := base+8 <= len(d)
		if full {
			x = binary.LittleEndian.Uint64(d[base:])
			o = oddBytes(x)
		} else {
			var tail [8]byte
			copy(tail[:], d[base:])
			x = binary.LittleEndian.Uint64(tail[:])
		}
		if full && o == 0 {
			eqm, bm = zeroBytes7(x^0x3D3D3D3D3D3D3D3D), zeroBytes7(x^0x3B3B3B3B3B3B3B3B)
		} else {
			eqm, bm = zeroBytes(x^0x3D3D3D3D3D3D3D3D), zeroBytes(x^0x3B3B3B3B3B3B3B3B)
		}
		for bm != 0 {
			low := bm & -bm
			j := base + bits.TrailingZeros64(low)/8
			if eq < 0 {
				if below := eqm & (low - 1); below != 0 {
					eq = base + bits.TrailingZeros64(below)/8
				}
			}
			f.headerField(start, eq, j)
			eqm &^= low<<1 - 1
			start, eq = j+1, -1
			if hasCPAt(d, start) {
				f.hdrAcc, f.hdrOdd, f.hdrEnd = acc, odd != 0, base
				return start
			}
			bm &= bm - 1
		}
		if eq < 0 && eqm != 0 {
			eq = base + bits.TrailingZeros64(eqm)/8
		}
		if full {
			acc ^= x
			odd |= o
		}
	}
	if start < len(d) {
		f.headerField(start, eq, len(d))
	}
	return -1
}

// headerField records the header field f.Data[start:end] whose first '='
// is at eq (-1 when it has none).
func (f *Frame) headerField(start, eq, end int) {
	at := f.DataAt + start
	if end == start {
		f.warn(Problem{Code: CodeEmptyItem, At: at})
		return
	}
	if eq < 0 {
		eq = end
	}
	f.Header = append(f.Header, RawPair{At: int32(at), Eq: int32(f.DataAt + eq), End: int32(f.DataAt + end)})
}

func hasCPAt(d []byte, i int) bool {
	return i+len(cpOpen) <= len(d) && d[i] == 'C' && d[i+1] == 'P' && d[i+2] == '=' && d[i+3] == '&' && d[i+4] == '&'
}

// splitCP takes the CP content apart (unless it stayed encrypted) and
// checks the header; cp is what splitHeader returned.
func (f *Frame) splitCP(cp int) {
	d := f.Data
	if cp < 0 || len(d) < cp+len(cpOpen)+2 || !bytes.HasSuffix(d, ampersands) {
		// The header read so far still names the device that sent the
		// broken packet.
		f.reject(Problem{Code: CodeNoCP, At: f.DataAt})
		return
	}
	if f.Cipher != CipherNone && f.KeyUsed < 0 {
		f.checkHeader()
		return
	}
	var scratch byteScan
	f.splitPairs(d[cp+len(cpOpen):len(d)-2], f.DataAt+cp+len(cpOpen), &scratch, cp+len(cpOpen))
	f.checkHeader()
}

// ampersandCheck warns of a "&&" inside the CP content c (at offset at
// of Raw).
func (f *Frame) ampersandCheck(c []byte, at int) {
	if k := bytes.IndexByte(c, '&'); k >= 0 { // '&' is rare: look closer only then
		if j := bytes.Index(c[k:], ampersands); j >= 0 {
			f.warn(Problem{Code: CodeAmpersand, At: at + k + j})
		}
	}
}

// splitPairs records the pairs of the CP content c (at offset at of Raw,
// contentAt of the data segment) and adds its bytes to the scan sc.
func (f *Frame) splitPairs(c []byte, at int, sc *byteScan, contentAt int) {
	f.ampersandCheck(c, at)
	if len(c) == 0 {
		return
	}
	if useBlocks {
		f.splitPairsBlocks(c, at, sc, contentAt)
		return
	}
	// One pass: items end at ';', pairs at ',' or ';', the first '='
	// splits key from value. Empty entries are noted, not kept. The
	// separators are found 8 bytes at a time, as bit masks of the bytes
	// that are '=' (eqm) and that end a pair (bm, ',' or ';'): the loop
	// runs once per pair, and the key's '=' is the lowest bit of eqm
	// between the pair's start and its end.
	var item int32
	start, eq := 0, -1
	cp := f.CP
	var acc uint64
	for base := 0; base < len(c); base += 8 {
		var x, eqm, semi, bm uint64
		if base+8 <= len(c) && oddBytes(binary.LittleEndian.Uint64(c[base:])) == 0 {
			// The usual word: no byte has its high bit set, so the
			// cheaper zero test is exact.
			x = binary.LittleEndian.Uint64(c[base:])
			eqm = zeroBytes7(x ^ 0x3D3D3D3D3D3D3D3D)
			semi = zeroBytes7(x ^ 0x3B3B3B3B3B3B3B3B)
			bm = zeroBytes7(x^0x2C2C2C2C2C2C2C2C) | semi
		} else {
			if base+8 <= len(c) {
				x = binary.LittleEndian.Uint64(c[base:])
				sc.classify(c[base:base+8], contentAt+base)
			} else {
				var tail [8]byte // zero bytes match no separator
				copy(tail[:], c[base:])
				x = binary.LittleEndian.Uint64(tail[:])
				sc.classify(c[base:], contentAt+base)
			}
			eqm = zeroBytes(x ^ 0x3D3D3D3D3D3D3D3D)
			semi = zeroBytes(x ^ 0x3B3B3B3B3B3B3B3B)
			bm = zeroBytes(x^0x2C2C2C2C2C2C2C2C) | semi
		}
		acc ^= x
		for bm != 0 {
			low := bm & -bm
			j := base + bits.TrailingZeros64(low)/8
			if eq < 0 {
				if below := eqm & (low - 1); below != 0 {
					eq = base + bits.TrailingZeros64(below)/8
				}
			}
			if eq >= 0 {
				// The common case, kept inline: key=value.
				cp = append(cp, RawPair{Item: item, At: int32(at + start), Eq: int32(at + eq), End: int32(at + j)})
			} else {
				f.CP = cp
				f.endPair(c, at, start, eq, j, item)
				cp = f.CP
			}
			eqm &^= low<<1 - 1 // the '='s up to here are done
			start, eq = j+1, -1
			if semi&low != 0 {
				item++
			}
			bm &= bm - 1
		}
		if eq < 0 && eqm != 0 {
			eq = base + bits.TrailingZeros64(eqm)/8
		}
	}
	f.CP = cp
	f.endPair(c, at, start, eq, len(c), item)
	sc.acc ^= bits.RotateLeft64(acc, 8*(contentAt&7))
}

const (
	low7s = 0x7F7F7F7F7F7F7F7F
	highs = 0x8080808080808080
)

// zeroBytes sets the high bit of exactly those bytes of x that are zero.
func zeroBytes(x uint64) uint64 { return ^(((x & low7s) + low7s) | x) & highs }

// zeroBytes7 is zeroBytes for an x none of whose bytes has its high bit
// set: then adding 0x7F to a byte carries into its high bit, and never
// into the next byte, exactly when the byte is not zero.
func zeroBytes7(x uint64) uint64 { return highs &^ (x + low7s) }

// sepMask sets the high bit of each byte of x that is '=', ',' or ';'.
func sepMask(x uint64) uint64 {
	return zeroBytes(x^0x3D3D3D3D3D3D3D3D) | zeroBytes(x^0x2C2C2C2C2C2C2C2C) | zeroBytes(x^0x3B3B3B3B3B3B3B3B)
}

// endPair records the CP entry c[start:i] (eq is its first '=', or -1).
func (f *Frame) endPair(c []byte, at, start, eq, i int, item int32) {
	switch {
	case i == start:
		f.warn(Problem{Code: CodeEmptyItem, At: at + start})
	case eq < 0:
		f.warn(Problem{Code: CodeNoEquals, At: at + start, Text: c[start:i]})
		f.CP = append(f.CP, RawPair{Item: item, At: int32(at + start), Eq: int32(at + i), End: int32(at + i)})
	default:
		f.CP = append(f.CP, RawPair{Item: item, At: int32(at + start), Eq: int32(at + eq), End: int32(at + i)})
	}
}

// Header field bits, for the missing/duplicate checks.
const (
	fQN = 1 << iota
	fST
	fCN
	fPW
	fMN
	fFlag
	fPNUM
	fPNO
	fRF
)

func headerBit(k []byte) int {
	switch string(k) {
	case "QN":
		return fQN
	case "ST":
		return fST
	case "CN":
		return fCN
	case "PW":
		return fPW
	case "MN":
		return fMN
	case "Flag":
		return fFlag
	case "PNUM":
		return fPNUM
	case "PNO":
		return fPNO
	case "RF":
		return fRF
	}
	return 0
}

// checkHeader notes missing, repeated, unknown and malformed header fields
// and an inconsistent split-packet description. None of this rejects the
// packet: the CRC vouches that it is what the device sent, and the
// standard's own 2005/2017 variants differ in which fields appear (no QN
// or Flag in HJ/T 212-2005).
func (f *Frame) checkHeader() {
	seen := 0
	flag, pnum, pno := -1, -1, -1
	for _, h := range f.Header {
		key := f.Key(h)
		bit := headerBit(key)
		switch {
		case bit == 0:
			f.warn(Problem{Code: CodeUnknownField, At: int(h.At), Text: key})
		case seen&bit != 0:
			f.warn(Problem{Code: CodeDuplicateField, At: int(h.At), Text: key})
		}
		first := seen&bit == 0
		seen |= bit
		if bit == fRF && first && (h.NoEquals() || string(f.Value(h)) != "1") {
			f.warn(Problem{Code: CodeRF, At: int(h.At), Text: f.Text[h.At:h.End]})
		}
		if bit&(fST|fCN|fFlag|fPNUM|fPNO) == 0 {
			continue
		}
		n, ok := atoi(f.Value(h))
		if !ok {
			f.warn(Problem{Code: CodeBadHeaderValue, At: int(h.At), Text: key})
			continue
		}
		if first {
			switch bit {
			case fFlag:
				flag = n
			case fPNUM:
				pnum = n
			case fPNO:
				pno = n
			}
		}
	}
	if all := fST | fCN | fPW | fMN; seen&all != all {
		for _, m := range [...]struct {
			bit  int
			name []byte
		}{{fST, nameST}, {fCN, nameCN}, {fPW, namePW}, {fMN, nameMN}} {
			if seen&m.bit == 0 {
				f.warn(Problem{Code: CodeMissingField, At: -1, Text: m.name})
			}
		}
	}
	hasParts := seen&(fPNUM|fPNO) != 0
	switch {
	case flag >= 0 && flag&FlagSplit != 0 && (pnum < 1 || pno < 1):
		f.warn(Problem{Code: CodeSplit, At: -1, Want: splitNoParts})
	case flag >= 0 && flag&FlagSplit == 0 && hasParts:
		f.warn(Problem{Code: CodeSplit, At: -1, Want: splitNoFlagBit})
	case flag < 0 && hasParts:
		f.warn(Problem{Code: CodeSplit, At: -1, Want: splitNoFlag})
	}
	if hasParts && (pnum < 1 || pno < 1 || pno > pnum) {
		f.warn(Problem{Code: CodeSplit, At: -1, Want: splitBadPNO})
	}
}

// Split-packet findings, in Problem.Want of a CodeSplit warning.
const (
	splitNoParts   = 1 // Flag bit 1 set, PNUM/PNO missing or not positive
	splitNoFlagBit = 2 // PNUM/PNO present, Flag bit 1 clear
	splitNoFlag    = 3 // PNUM/PNO present, no Flag field
	splitBadPNO    = 4 // PNO outside 1..PNUM
)

// Flag bits (HJ 212-2017 6.3.3 表 4): bit 0 A = answer required, bit 1 D =
// split packet; bits 2–7 carry the protocol version (0 = HJ/T 212-2005,
// 1 = HJ 212-2017).
const (
	FlagAck   = 1 << 0
	FlagSplit = 1 << 1
)

// Field returns the value of the first header field named key.
func (f *Frame) Field(key string) ([]byte, bool) {
	for _, h := range f.Header {
		if !h.NoEquals() && string(f.Key(h)) == key {
			return f.Value(h), true
		}
	}
	return nil, false
}

// Flag is the numeric Flag field, or -1 when absent or not a number.
func (f *Frame) Flag() int { return f.intField("Flag") }

func (f *Frame) intField(key string) int {
	v, ok := f.Field(key)
	if !ok {
		return -1
	}
	n, ok := atoi(v)
	if !ok {
		return -1
	}
	return n
}

// atoi reads 1 to 9 decimal digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
