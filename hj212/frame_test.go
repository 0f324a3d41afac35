package hj212

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// std is the standard's own vector (HJ 212-2017 Annex A), a valid frame.
const std = "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80"

// frame builds a frame around data with a correct length and CRC.
func frame(data string) string {
	return "##" + pad4(len(data)) + data + Checksum([]byte(data))
}

func pad4(n int) string {
	s := "0000" + itoa(n)
	return s[len(s)-4:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func codes(is []Issue) []Code {
	var out []Code
	for _, i := range is {
		out = append(out, i.Code)
	}
	return out
}

func has(is []Issue, c Code) bool {
	for _, i := range is {
		if i.Code == c {
			return true
		}
	}
	return false
}

func TestFrameFindings(t *testing.T) {
	data := "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
	cases := []struct {
		name    string
		raw     string
		verdict Verdict
		problem Code // must be among the problems ("" for none)
		warning Code // must be among the warnings ("" for none)
		reason  string
	}{
		{"standard", std, Valid, "", "", ""},
		{"with CR LF", std + "\r\n", Valid, "", "", ""},
		{"lower-case CRC", strings.Replace(std, "1C80", "1c80", 1), Valid, "", "", ""},
		{"empty", "", Rejected, CodeNoStart, "", "bad framing"},
		{"no ##", std[2:], Rejected, CodeNoStart, "", "bad framing"},
		{"single #", std[1:], Rejected, CodeNoStart, "", "bad framing"},
		{"stray before", "xx" + std, Rejected, CodeStrayBefore, "", "2 stray characters before"},
		{"space before", " " + std, Rejected, CodeStrayBefore, "", "stray character"},
		{"truncated", "##01", Rejected, CodeTruncated, "", "bad framing"},
		{"length not digits", "##01a1" + std[6:], Rejected, CodeBadLengthField, "", "bad length"},
		{"length too small", "##0100" + std[6:], Rejected, CodeLengthMismatch, "", "header says 100, data segment has 101"},
		{"length too big", "##0102" + std[6:], Rejected, CodeLengthMismatch, "", "bad length"},
		{"bad CRC", strings.Replace(std, "1C80", "1C81", 1), Rejected, CodeCRCMismatch, "", "packet says 1C81, HJ 212-2017 Annex A gives 1C80"},
		{"CRC not hex", strings.Replace(std, "1C80", "1C8G", 1), Rejected, CodeBadCRCField, "", "not 4 hex digits"},
		{"CRC short", std[:len(std)-1], Rejected, CodeBadCRCField, "", "bad CRC"},
		{"no CRC", std[:len(std)-4], Rejected, CodeBadCRCField, "", "bad CRC"},
		{"stray after", std + "x", Rejected, CodeStrayAfter, "", "1 stray character after the CRC"},
		{"space after", std + " ", Rejected, CodeStrayAfter, "", "stray character"},
		{"LF only", std + "\n", Rejected, CodeStrayAfter, "", "stray character"},
		{"CR inside", frame(strings.Replace(data, "ST=32", "ST=3\r2", 1)), Rejected, CodeControlChar, "", "control byte 0x0D"},
		{"NUL inside", frame(strings.Replace(data, "ST=32", "ST=3\x002", 1)), Rejected, CodeControlChar, "", "control byte 0x00"},
		{"no CP", frame("QN=1;ST=32;CN=1062;PW=1;MN=2;Flag=5"), Rejected, CodeNoCP, "", "CP=&&"},
		{"CP not closed", frame("ST=32;CN=1062;PW=1;MN=2;CP=&&RtdInterval=30"), Rejected, CodeNoCP, "", "CP=&&"},
		{"CP three ampersands", frame("ST=32;CN=1062;PW=1;MN=2;CP=&&&"), Rejected, CodeNoCP, "", "CP=&&"},
		{"spaces, CRC over them", frame(strings.Replace(data, "MN=", "MN= ", 1)), Valid, "", CodeSpaces, ""},
		{"spaces added after CRC", "##0101" + strings.Replace(data, "MN=", "MN= ", 1) + "1C80", Rejected, CodeStraySpaces, "", "without them the length and CRC would match"},
		{"spaces, stray before", "x" + frame(strings.Replace(data, "MN=", "MN= ", 1)), Rejected, CodeStrayBefore, CodeSpaces, "bad framing"},
		{"non-ASCII", frame(strings.Replace(data, "MN=", "MN=\xe7\x82\x89", 1)), Valid, "", CodeNonASCII, ""},
		{"no MN", frame("ST=32;CN=1062;PW=1;CP=&&&&"), Valid, "", CodeMissingField, ""},
		{"unknown header field", frame("ST=32;CN=1062;PW=1;MN=2;XX=1;CP=&&&&"), Valid, "", CodeUnknownField, ""},
		{"duplicate header field", frame("ST=32;CN=1062;CN=2011;PW=1;MN=2;CP=&&&&"), Valid, "", CodeDuplicateField, ""},
		{"bad Flag", frame("ST=32;CN=1062;PW=1;MN=2;Flag=x;CP=&&&&"), Valid, "", CodeBadHeaderValue, ""},
		{"split without parts", frame("ST=32;CN=1062;PW=1;MN=2;Flag=7;CP=&&&&"), Valid, "", CodeSplit, ""},
		{"parts without split bit", frame("ST=32;CN=1062;PW=1;MN=2;Flag=5;PNUM=2;PNO=1;CP=&&&&"), Valid, "", CodeSplit, ""},
		{"PNO above PNUM", frame("ST=32;CN=1062;PW=1;MN=2;Flag=7;PNUM=2;PNO=3;CP=&&&&"), Valid, "", CodeSplit, ""},
		{"empty item", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd=1;;b-Rtd=2&&"), Valid, "", CodeEmptyItem, ""},
		{"empty pair", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd=1,,a-Flag=N&&"), Valid, "", CodeEmptyItem, ""},
		{"no equals", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd&&"), Valid, "", CodeNoEquals, ""},
		{"ampersands inside", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd=1&&b-Rtd=2&&"), Valid, "", CodeAmpersand, ""},
		{"bad DataTime", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&DataTime=20210230000000;a-Rtd=1&&"), Valid, "", CodeBadDataTime, ""},
		{"not a number", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd=1..2,a-Avg=&&"), Valid, "", CodeNotANumber, ""},
		{"over 1024", frame("ST=32;CN=2011;PW=1;MN=2;CP=&&a-Rtd=" + strings.Repeat("1", 1100) + "&&"), Valid, "", CodeOverLong, ""},
	}
	for _, c := range cases {
		p := Parse([]byte(c.raw), Options{})
		if p.Verdict != c.verdict {
			t.Errorf("%s: verdict %s, want %s (%s)", c.name, p.Verdict, c.verdict, p.Reason)
			continue
		}
		if c.problem != "" && !has(p.Problems, c.problem) {
			t.Errorf("%s: problems %v lack %s", c.name, codes(p.Problems), c.problem)
		}
		if c.problem == "" && len(p.Problems) > 0 {
			t.Errorf("%s: unexpected problems %v", c.name, codes(p.Problems))
		}
		if c.warning != "" && !has(p.Warnings, c.warning) {
			t.Errorf("%s: warnings %v lack %s", c.name, codes(p.Warnings), c.warning)
		}
		if !strings.Contains(p.Reason, c.reason) {
			t.Errorf("%s: reason %q lacks %q", c.name, p.Reason, c.reason)
		}
		if c.verdict == Rejected && p.Reason == "" {
			t.Errorf("%s: rejected without a reason", c.name)
		}
		if p.Raw != c.raw {
			t.Errorf("%s: raw not kept", c.name)
		}
	}
}

func TestRejectedStillNamesTheDevice(t *testing.T) {
	p := Parse([]byte(strings.Replace(std, "1C80", "0000", 1)), Options{})
	if p.Verdict != Rejected || p.CN != "1062" || p.MN != "010000A8900016F000169DC0" || len(p.CP) != 1 {
		t.Errorf("rejected packet: CN %q MN %q pairs %d", p.CN, p.MN, len(p.CP))
	}
}

// Changing any one byte of a valid frame must make it fail, in strict
// mode: the data segment through the CRC (a single changed byte always
// changes the Annex A checksum), the length field, or the framing. The
// one harmless change is the case of a CRC hex letter.
func TestAnySingleByteChangeFails(t *testing.T) {
	var frames []string
	for _, s := range allSamples(t) {
		if p := Parse([]byte(s.raw), Options{}); p.Verdict == Valid {
			frames = append(frames, s.raw)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		raw := []byte(rapid.SampledFrom(frames).Draw(t, "frame"))
		i := rapid.IntRange(0, len(raw)-1).Draw(t, "at")
		b := rapid.Byte().Filter(func(b byte) bool { return b != raw[i] }).Draw(t, "byte")
		old := raw[i]
		raw[i] = b
		p := Parse(raw, Options{})
		caseOnly := i >= len(raw)-4 && (old|0x20) == (b|0x20) && (b|0x20) >= 'a' && (b|0x20) <= 'f'
		if caseOnly {
			if p.Verdict != Valid {
				t.Fatalf("CRC case change rejected: %s", p.Reason)
			}
			return
		}
		if p.Verdict != Rejected {
			t.Fatalf("byte %d changed %q -> %q still %s", i, old, b, p.Verdict)
		}
		if p.Reason == "" {
			t.Fatalf("rejected without reason")
		}
	})
}

func TestFrameParseAllocatesNothing(t *testing.T) {
	var raws [][]byte
	for _, s := range allSamples(t) {
		raws = append(raws, []byte(s.raw))
	}
	var f Frame
	for _, r := range raws {
		f.Parse(r, Options{Lenient: true}) // warm the slices
	}
	n := testing.AllocsPerRun(100, func() {
		for _, r := range raws {
			f.Parse(r, Options{Lenient: true})
		}
	})
	if n != 0 {
		t.Errorf("Frame.Parse allocated %.1f times per pass over the samples", n)
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]string{
		"0": "0", "1.230": "1.23", "-0.5": "-0.5", "+7": "7", ".5": "0.5", "5.": "5",
		"19796346.00": "19796346", "0.09055002": "0.09055002",
		"1234567890123456789012.5": "1234567890123456789012.5",
		"1.5E-3":                   "0.0015", "2e2": "200",
	}
	for in, want := range good {
		d, ok := parseNumber(in)
		if !ok || d.String() != want {
			t.Errorf("%q: %s %v, want %s", in, d, ok, want)
		}
	}
	for _, in := range []string{"", "-", ".", "1..2", "1.2.3", "N", "1,5", " 1", "1 ", "0x10", "1e", "1e+", "1e100", "1e99999", "NaN", "Inf", "+"} {
		if d, ok := parseNumber(in); ok {
			t.Errorf("%q read as %s", in, d)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{"20240229235959", "20210305003817123"} {
		if _, ok := ParseTime(s); !ok {
			t.Errorf("%s not read", s)
		}
	}
	for _, s := range []string{"20230229000000", "20211301000000", "20210101240000", "2021010100000", "2021010100000x", "202101010000001"} {
		if _, ok := ParseTime(s); ok {
			t.Errorf("%s read as a time", s)
		}
	}
	tm, _ := ParseTime("20210305003817123")
	if tm.Format("2006-01-02T15:04:05.000-07:00") != "2021-03-05T00:38:17.123+08:00" {
		t.Errorf("got %s", tm.Format("2006-01-02T15:04:05.000-07:00"))
	}
}

// ParseTime builds its Time without time.Date: it must be the very value
// Date gives (== compares the wall clock, the seconds and the zone), for
// every day of 1900–2300 at a few times of day, milliseconds included.
func TestParseTimeMatchesDate(t *testing.T) {
	clocks := [][4]int{{0, 0, 0, 0}, {7, 59, 59, 1}, {12, 30, 0, 500}, {23, 59, 59, 999}}
	for day := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() <= 2300; day = day.AddDate(0, 0, 1) {
		for _, c := range clocks {
			s := fmt.Sprintf("%04d%02d%02d%02d%02d%02d%03d", day.Year(), day.Month(), day.Day(), c[0], c[1], c[2], c[3])
			want := time.Date(day.Year(), day.Month(), day.Day(), c[0], c[1], c[2], c[3]*int(time.Millisecond), beijing)
			got, ok := ParseTime(s)
			if !ok || got != want {
				t.Fatalf("ParseTime(%s) = %v, %v; want %v", s, got, ok, want)
			}
			if c[3] == 0 {
				if got, ok := ParseTime(s[:14]); !ok || got != want {
					t.Fatalf("ParseTime(%s) = %v, %v; want %v", s[:14], got, ok, want)
				}
			}
		}
	}
}
