package hj212

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The messages as they were written with fmt, kept as the oracle of the
// appending versions (message.go).

// reason is the verdict explained in one line.
func (f *Frame) reasonFmt() string {
	switch f.Verdict {
	case Valid:
		return ""
	case Lenient:
		return fmt.Sprintf("CRC %s is plain CRC-16/MODBUS with its bytes swapped, not HJ 212-2017 Annex A (which gives %04X); accepted in lenient mode", f.CRCText, f.AnnexA)
	}
	msgs := make([]string, 0, len(f.Problems)+1)
	for _, pr := range f.Problems {
		msgs = append(msgs, f.messageFmt(pr))
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
func (f *Frame) messageFmt(p Problem) string {
	switch p.Code {
	case CodeNoStart:
		return fmt.Sprintf("bad framing: no \"##\" frame start in %s", excerptFmt(p.Text))
	case CodeStrayBefore:
		return fmt.Sprintf("bad framing: %s before \"##\": %s", pluralFmt(p.Got, "stray character"), excerptFmt(p.Text))
	case CodeTruncated:
		return fmt.Sprintf("bad framing: frame ends after %d bytes, before its length field", p.Got)
	case CodeBadLengthField:
		return fmt.Sprintf("bad length: length field %s is not 4 decimal digits", excerptFmt(p.Text))
	case CodeLengthMismatch:
		return fmt.Sprintf("bad length: header says %d, data segment has %d characters", p.Want, p.Got)
	case CodeBadCRCField:
		return fmt.Sprintf("bad CRC: CRC field %s is not 4 hex digits", excerptFmt(p.Text))
	case CodeCRCMismatch:
		return fmt.Sprintf("bad CRC: packet says %s, HJ 212-2017 Annex A gives %04X", p.Text, p.Want)
	case CodeCRCModbus:
		return fmt.Sprintf("bad CRC: packet says %s, HJ 212-2017 Annex A gives %04X; %s is plain CRC-16/MODBUS with bytes swapped, accepted only in lenient mode", p.Text, p.Want, p.Text)
	case CodeStrayAfter:
		return fmt.Sprintf("bad framing: %s after the CRC: %s", pluralFmt(p.Got, "stray character"), excerptFmt(p.Text))
	case CodeControlChar:
		return fmt.Sprintf("stray characters: control byte 0x%02X in the data segment at offset %d (%d in all)", p.Got, p.At, p.Want)
	case CodeNoCP:
		return "bad framing: data segment does not end with CP=&&...&&"
	case CodeStraySpaces:
		s := fmt.Sprintf("stray characters: %s in the data segment (first at offset %d)", pluralFmt(p.Got, "space"), p.At)
		if p.Want == 1 {
			s += "; without them the length and CRC would match (the packet is not repaired)"
		}
		return s
	case CodeNoTerminator:
		return "bad framing: frame not terminated by CR LF"
	case CodeTooLong:
		return fmt.Sprintf("bad framing: no end of frame within %d bytes", p.Want)
	case CodeStrayBytes:
		return fmt.Sprintf("stray characters: %s between frames: %s", pluralFmt(p.Got, "byte"), excerptFmt(p.Text))
	case CodeSpaces:
		return fmt.Sprintf("%s in the data segment (first at offset %d), kept as sent", pluralFmt(p.Got, "space"), p.At)
	case CodeNonASCII:
		return fmt.Sprintf("%s in the data segment (first at offset %d), kept as sent", pluralFmt(p.Got, "non-ASCII byte"), p.At)
	case CodeOverLong:
		return fmt.Sprintf("data segment has %d characters, more than the %d HJ 212-2017 allows (accepted: the length field frames it)", p.Got, p.Want)
	case CodeMissingField:
		return fmt.Sprintf("header has no %s field", p.Text)
	case CodeDuplicateField:
		return fmt.Sprintf("header field %s given more than once (the first is used)", p.Text)
	case CodeUnknownField:
		return fmt.Sprintf("header field %s is not defined by HJ 212 (kept)", excerptFmt(p.Text))
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
		return fmt.Sprintf("CP entry %s has no '=' (kept as a key without value)", excerptFmt(p.Text))
	case CodeAmpersand:
		return fmt.Sprintf("\"&&\" inside the CP content at offset %d", p.At)
	case CodeNoKey:
		return fmt.Sprintf("encrypted data area (%s, HJ 212-2025 SM4): no key for MN %s, so neither the data nor the CRC can be checked", f.Cipher, excerptFmt(p.Text))
	case CodeDecryptFailed:
		return fmt.Sprintf("encrypted data area (%s, HJ 212-2025 SM4): none of the %s of MN %s gives plaintext with CRC %s", f.Cipher, pluralFmt(p.Want, "key"), excerptFmt(p.Text), f.CRCText)
	case CodeRF:
		return fmt.Sprintf("header field %s: HJ 212-2025 defines only RF=1 (back-fill); the packet is taken as real-time data", excerptFmt(p.Text))
	case CodeTestKey:
		return "decrypted with the example key of HJ 212-2025 Annex A.2 (16 × 0x30), which the standard forbids in service"
	case CodeCipherLength:
		return fmt.Sprintf("length field counts the %d transmitted characters, not the %d of the plaintext data segment (HJ 212-2025 Annex A.2 counts the plaintext)", p.Got, p.Want)
	}
	return string(p.Code)
}

func pluralFmt(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// excerpt quotes at most 40 bytes of b.
func excerptFmt(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}

// Every finding's message, and the reason, are what the fmt versions
// give, for any numbers and texts.
func TestMessagesMatchFmt(t *testing.T) {
	codes := []Code{CodeNoStart, CodeStrayBefore, CodeTruncated, CodeBadLengthField, CodeLengthMismatch,
		CodeBadCRCField, CodeCRCMismatch, CodeCRCModbus, CodeStrayAfter, CodeControlChar, CodeNoCP,
		CodeStraySpaces, CodeNoTerminator, CodeTooLong, CodeStrayBytes, CodeNoKey, CodeDecryptFailed,
		CodeSpaces, CodeNonASCII, CodeOverLong, CodeMissingField, CodeDuplicateField, CodeUnknownField,
		CodeBadHeaderValue, CodeSplit, CodeEmptyItem, CodeNoEquals, CodeAmpersand, CodeDuplicateKey,
		CodeRF, CodeSentinel, CodeTestKey, CodeCipherLength, Code("other")}
	rapid.Check(t, func(t *rapid.T) {
		text := []byte(rapid.StringN(0, 60, -1).Draw(t, "text"))
		var f Frame
		f.Cipher = Cipher(rapid.IntRange(0, 3).Draw(t, "cipher"))
		f.CRCText = []byte(rapid.StringN(0, 6, -1).Draw(t, "crc"))
		f.AnnexA = uint16(rapid.IntRange(0, 0xFFFF).Draw(t, "annexA"))
		var probs []Problem
		for range rapid.IntRange(0, 3).Draw(t, "n") {
			probs = append(probs, Problem{
				Code: rapid.SampledFrom(codes).Draw(t, "code"),
				At:   rapid.IntRange(-1, 5000).Draw(t, "at"),
				Want: rapid.IntRange(0, 0xFFFF).Draw(t, "want"),
				Got:  rapid.IntRange(0, 255).Draw(t, "got"),
				Text: text,
			})
		}
		for _, p := range probs {
			if got, want := f.message(p), f.messageFmt(p); got != want {
				t.Fatalf("%s: %q, fmt gives %q", p.Code, got, want)
			}
		}
		f.Problems = probs
		f.Verdict = Verdict(rapid.IntRange(0, 2).Draw(t, "verdict"))
		f.Check = Check(rapid.IntRange(0, 2).Draw(t, "check"))
		if got, want := f.reason(), f.reasonFmt(); got != want {
			t.Fatalf("reason %q, fmt gives %q", got, want)
		}
		key, val := rapid.StringN(0, 20, -1).Draw(t, "key"), rapid.StringN(0, 20, -1).Draw(t, "val")
		for _, c := range []struct {
			code Code
			want string
		}{
			{CodeDuplicateKey, "key " + key + " appears twice in one item (both kept, in order)"},
			{CodeBadDataTime, fmt.Sprintf("DataTime %q is not YYYYMMDDhhmmss[zzz]", val)},
			{CodeNotANumber, fmt.Sprintf("%s value %q is not a decimal number (kept as text)", key, val)},
			{CodeSentinel, fmt.Sprintf("%s=%s is the maximum of its data type, sent when the value cannot be computed (HJ 212-2025 §8.1.1 d); not a measurement", key, val)},
		} {
			if got := string(appendValueMessage(nil, c.code, key, val)); got != c.want {
				t.Fatalf("%s: %q, want %q", c.code, got, c.want)
			}
		}
	})
}
