package hj212

import (
	"strconv"
	"unsafe"
)

// The findings' messages are appended to a byte buffer rather than built
// with fmt: Packet writes them, with the packet's text, into the one
// block it allocates (fmt would allocate for every argument it boxes).
// message_test.go keeps the fmt versions and compares.

// message is one finding in words.
func (f *Frame) message(p Problem) string { return string(f.appendMessage(nil, p)) }

// appendMessage appends the words for p to b.
func (f *Frame) appendMessage(b []byte, p Problem) []byte {
	switch p.Code {
	case CodeNoStart:
		b = append(b, "bad framing: no \"##\" frame start in "...)
		return appendExcerpt(b, p.Text)
	case CodeStrayBefore:
		b = append(b, "bad framing: "...)
		b = appendPlural(b, p.Got, "stray character")
		b = append(b, " before \"##\": "...)
		return appendExcerpt(b, p.Text)
	case CodeTruncated:
		b = append(b, "bad framing: frame ends after "...)
		b = strconv.AppendInt(b, int64(p.Got), 10)
		return append(b, " bytes, before its length field"...)
	case CodeBadLengthField:
		b = append(b, "bad length: length field "...)
		b = appendExcerpt(b, p.Text)
		return append(b, " is not 4 decimal digits"...)
	case CodeLengthMismatch:
		b = append(b, "bad length: header says "...)
		b = strconv.AppendInt(b, int64(p.Want), 10)
		b = append(b, ", data segment has "...)
		b = strconv.AppendInt(b, int64(p.Got), 10)
		return append(b, " characters"...)
	case CodeBadCRCField:
		b = append(b, "bad CRC: CRC field "...)
		b = appendExcerpt(b, p.Text)
		return append(b, " is not 4 hex digits"...)
	case CodeCRCMismatch:
		b = append(b, "bad CRC: packet says "...)
		b = append(b, p.Text...)
		b = append(b, ", HJ 212-2017 Annex A gives "...)
		return appendHex(b, p.Want, 4)
	case CodeCRCModbus:
		b = append(b, "bad CRC: packet says "...)
		b = append(b, p.Text...)
		b = append(b, ", HJ 212-2017 Annex A gives "...)
		b = appendHex(b, p.Want, 4)
		b = append(b, "; "...)
		b = append(b, p.Text...)
		return append(b, " is plain CRC-16/MODBUS with bytes swapped, accepted only in lenient mode"...)
	case CodeStrayAfter:
		b = append(b, "bad framing: "...)
		b = appendPlural(b, p.Got, "stray character")
		b = append(b, " after the CRC: "...)
		return appendExcerpt(b, p.Text)
	case CodeControlChar:
		b = append(b, "stray characters: control byte 0x"...)
		b = appendHex(b, p.Got, 2)
		b = append(b, " in the data segment at offset "...)
		b = strconv.AppendInt(b, int64(p.At), 10)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(p.Want), 10)
		return append(b, " in all)"...)
	case CodeNoCP:
		return append(b, "bad framing: data segment does not end with CP=&&...&&"...)
	case CodeStraySpaces:
		b = append(b, "stray characters: "...)
		b = appendPlural(b, p.Got, "space")
		b = append(b, " in the data segment (first at offset "...)
		b = strconv.AppendInt(b, int64(p.At), 10)
		b = append(b, ')')
		if p.Want == 1 {
			b = append(b, "; without them the length and CRC would match (the packet is not repaired)"...)
		}
		return b
	case CodeNoTerminator:
		return append(b, "bad framing: frame not terminated by CR LF"...)
	case CodeTooLong:
		b = append(b, "bad framing: no end of frame within "...)
		b = strconv.AppendInt(b, int64(p.Want), 10)
		return append(b, " bytes"...)
	case CodeStrayBytes:
		b = append(b, "stray characters: "...)
		b = appendPlural(b, p.Got, "byte")
		b = append(b, " between frames: "...)
		return appendExcerpt(b, p.Text)
	case CodeSpaces, CodeNonASCII:
		what := "space"
		if p.Code == CodeNonASCII {
			what = "non-ASCII byte"
		}
		b = appendPlural(b, p.Got, what)
		b = append(b, " in the data segment (first at offset "...)
		b = strconv.AppendInt(b, int64(p.At), 10)
		return append(b, "), kept as sent"...)
	case CodeOverLong:
		b = append(b, "data segment has "...)
		b = strconv.AppendInt(b, int64(p.Got), 10)
		b = append(b, " characters, more than the "...)
		b = strconv.AppendInt(b, int64(p.Want), 10)
		return append(b, " HJ 212-2017 allows (accepted: the length field frames it)"...)
	case CodeMissingField:
		b = append(b, "header has no "...)
		b = append(b, p.Text...)
		return append(b, " field"...)
	case CodeDuplicateField:
		b = append(b, "header field "...)
		b = append(b, p.Text...)
		return append(b, " given more than once (the first is used)"...)
	case CodeUnknownField:
		b = append(b, "header field "...)
		b = appendExcerpt(b, p.Text)
		return append(b, " is not defined by HJ 212 (kept)"...)
	case CodeBadHeaderValue:
		b = append(b, "header field "...)
		b = append(b, p.Text...)
		return append(b, " is not a number"...)
	case CodeSplit:
		switch p.Want {
		case splitNoParts:
			return append(b, "split packet: Flag bit 1 is set but PNUM/PNO are missing or not positive"...)
		case splitNoFlagBit:
			return append(b, "split packet: PNUM/PNO given but Flag bit 1 is clear"...)
		case splitNoFlag:
			return append(b, "split packet: PNUM/PNO given without a Flag field"...)
		case splitBadPNO:
			return append(b, "split packet: PNO is not between 1 and PNUM"...)
		}
	case CodeEmptyItem:
		b = append(b, "empty entry at offset "...)
		b = strconv.AppendInt(b, int64(p.At), 10)
		return append(b, " (\";;\", \",,\" or a trailing separator)"...)
	case CodeNoEquals:
		b = append(b, "CP entry "...)
		b = appendExcerpt(b, p.Text)
		return append(b, " has no '=' (kept as a key without value)"...)
	case CodeAmpersand:
		b = append(b, "\"&&\" inside the CP content at offset "...)
		return strconv.AppendInt(b, int64(p.At), 10)
	case CodeNoKey:
		b = append(b, "encrypted data area ("...)
		b = append(b, f.Cipher.String()...)
		b = append(b, ", HJ 212-2025 SM4): no key for MN "...)
		b = appendExcerpt(b, p.Text)
		return append(b, ", so neither the data nor the CRC can be checked"...)
	case CodeDecryptFailed:
		b = append(b, "encrypted data area ("...)
		b = append(b, f.Cipher.String()...)
		b = append(b, ", HJ 212-2025 SM4): none of the "...)
		b = appendPlural(b, p.Want, "key")
		b = append(b, " of MN "...)
		b = appendExcerpt(b, p.Text)
		b = append(b, " gives plaintext with CRC "...)
		return append(b, f.CRCText...)
	case CodeRF:
		b = append(b, "header field "...)
		b = appendExcerpt(b, p.Text)
		return append(b, ": HJ 212-2025 defines only RF=1 (back-fill); the packet is taken as real-time data"...)
	case CodeTestKey:
		return append(b, "decrypted with the example key of HJ 212-2025 Annex A.2 (16 × 0x30), which the standard forbids in service"...)
	case CodeCipherLength:
		b = append(b, "length field counts the "...)
		b = strconv.AppendInt(b, int64(p.Got), 10)
		b = append(b, " transmitted characters, not the "...)
		b = strconv.AppendInt(b, int64(p.Want), 10)
		return append(b, " of the plaintext data segment (HJ 212-2025 Annex A.2 counts the plaintext)"...)
	}
	return append(b, p.Code...)
}

// Texts of the verdict's explanation (reason).
const (
	reasonModbusToo = "the CRC matches the byte-swapped Modbus variant, but the other faults reject the packet"
	reasonNoCheck   = "no checksum could be verified"
)

// appendLenientReason appends the reason of a Lenient verdict.
func (f *Frame) appendLenientReason(b []byte) []byte {
	b = append(b, "CRC "...)
	b = append(b, f.CRCText...)
	b = append(b, " is plain CRC-16/MODBUS with its bytes swapped, not HJ 212-2017 Annex A (which gives "...)
	b = appendHex(b, int(f.AnnexA), 4)
	return append(b, "); accepted in lenient mode"...)
}

// reason is the verdict explained in one line: "" when valid, the
// findings that reject the packet joined by "; " when rejected.
func (f *Frame) reason() string {
	switch f.Verdict {
	case Valid:
		return ""
	case Lenient:
		return string(f.appendLenientReason(nil))
	}
	var b []byte
	for i, pr := range f.Problems {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = f.appendMessage(b, pr)
	}
	return string(f.appendReasonEnd(b))
}

// appendReasonEnd appends what follows the rejecting findings' messages
// (b) in the reason of a rejected packet.
func (f *Frame) appendReasonEnd(b []byte) []byte {
	switch {
	case len(f.Problems) > 0 && f.Check == CheckModbusSwapped:
		return append(append(b, "; "...), reasonModbusToo...)
	case len(f.Problems) == 0:
		return append(b, reasonNoCheck...)
	}
	return b
}

// Messages of the findings about CP values (Packet).
func appendValueMessage(b []byte, code Code, key, val string) []byte {
	switch code {
	case CodeDuplicateKey:
		b = append(b, "key "...)
		b = append(b, key...)
		return append(b, " appears twice in one item (both kept, in order)"...)
	case CodeBadDataTime:
		b = append(b, "DataTime "...)
		b = strconv.AppendQuote(b, val)
		return append(b, " is not YYYYMMDDhhmmss[zzz]"...)
	case CodeNotANumber:
		b = append(b, key...)
		b = append(b, " value "...)
		b = strconv.AppendQuote(b, val)
		return append(b, " is not a decimal number (kept as text)"...)
	case CodeSentinel:
		b = append(b, key...)
		b = append(b, '=')
		b = append(b, val...)
		return append(b, " is the maximum of its data type, sent when the value cannot be computed (HJ 212-2025 §8.1.1 d); not a measurement"...)
	}
	return append(b, code...)
}

func appendPlural(b []byte, n int, what string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	b = append(b, what...)
	if n != 1 {
		b = append(b, 's')
	}
	return b
}

// appendExcerpt quotes at most 40 bytes of t.
func appendExcerpt(b, t []byte) []byte {
	long := len(t) > 40
	if long {
		t = t[:40]
	}
	b = strconv.AppendQuote(b, unsafe.String(unsafe.SliceData(t), len(t)))
	if long {
		b = append(b, "..."...)
	}
	return b
}

// appendHex appends v as at least width upper-case hex digits (fmt's %0*X).
func appendHex(b []byte, v, width int) []byte {
	var d [20]byte
	i := len(d)
	u := uint64(v)
	neg := v < 0
	if neg {
		u = uint64(-v)
	}
	for u != 0 || len(d)-i < width {
		i--
		d[i] = hexDigits[u&0xF]
		u >>= 4
	}
	if neg {
		b = append(b, '-')
	}
	return append(b, d[i:]...)
}
