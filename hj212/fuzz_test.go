package hj212

import (
	"bytes"
	"encoding/hex"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func addSamples(f *testing.F) {
	fh, err := os.ReadFile("testdata/hj212_samples.txt")
	if err != nil {
		f.Fatal(err)
	}
	ex, err := os.ReadFile("testdata/extra_packets.txt")
	if err != nil {
		f.Fatal(err)
	}
	v25, err := os.ReadFile("testdata/hj212_2025_packets.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(fh)+"\n"+string(ex)+"\n"+string(v25), "\n") {
		if strings.HasPrefix(l, "##") {
			f.Add([]byte(l))
			f.Add([]byte(l + "\r\n"))
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("##"))
	f.Add([]byte("###0000CP=&&&&FFFF"))
}

// FuzzFrame: any input gives a verdict without panicking, and what the
// verdict claims holds.
func FuzzFrame(f *testing.F) {
	addSamples(f)
	keys := testKeys(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, opt := range []Options{{}, {Lenient: true}, {Keys: keys}} {
			p := Parse(raw, opt)
			if haveBlocks {
				// The 8-byte words read what the 64-byte blocks read.
				useBlocks = false
				words := Parse(raw, opt)
				useBlocks = true
				if !reflect.DeepEqual(p, words) {
					t.Fatalf("64-byte blocks:\n%+v\n8-byte words:\n%+v", p, words)
				}
			}
			if p.Raw != string(raw) {
				t.Fatal("raw not kept")
			}
			switch p.Verdict {
			case Valid, Lenient:
				if len(p.Problems) != 0 || p.Reason == "" && p.Verdict == Lenient {
					t.Fatalf("%s with problems %v", p.Verdict, p.Problems)
				}
				if p.Length != len(p.Data) && !has(p.Warnings, CodeCipherLength) {
					t.Fatalf("%s with length %d, data %d", p.Verdict, p.Length, len(p.Data))
				}
				want := Checksum([]byte(p.Data))
				if p.Verdict == Valid && !strings.EqualFold(p.CRC, want) {
					t.Fatalf("valid with CRC %s, Annex A %s", p.CRC, want)
				}
				if p.Verdict == Lenient && !opt.Lenient {
					t.Fatal("lenient verdict in strict mode")
				}
				if (p.Cipher != CipherNone) != (p.Plain != "") || p.Cipher != CipherNone && (p.KeyUsed < 0 || opt.Keys == nil) {
					t.Fatalf("cipher %s, key %d, plain %q", p.Cipher, p.KeyUsed, p.Plain)
				}
				if bytes.ContainsAny([]byte(p.Data), "\r\n\x00") {
					t.Fatal("accepted a data segment with control bytes")
				}
			case Rejected:
				if p.Reason == "" || len(p.Problems) == 0 {
					t.Fatalf("rejected without reason: %q", raw)
				}
			}
			var fr Frame
			fr.Parse(raw, opt)
			// The header fields against strings.Split.
			if fr.Data != nil {
				var want []Field
				rest := string(fr.Data)
				for rest != "" && !strings.HasPrefix(rest, "CP=&&") {
					seg, after, found := strings.Cut(rest, ";")
					if seg != "" {
						k, v, _ := strings.Cut(seg, "=")
						want = append(want, Field{k, v})
					}
					if !found {
						break
					}
					rest = after
				}
				if len(want) != len(fr.Header) {
					t.Fatalf("%d header fields, want %d", len(fr.Header), len(want))
				}
				for i, h := range fr.Header {
					if string(fr.Key(h)) != want[i].Key || string(fr.Value(h)) != want[i].Value {
						t.Fatalf("header field %d: %q=%q, want %v", i, fr.Key(h), fr.Value(h), want[i])
					}
				}
			}
			// The scan fused into the split finds what a separate scan finds.
			if fr.Data != nil && len(fr.Problems) == 0 {
				sc := scanData(fr.Data)
				if fr.AnnexA != annexABitwise(fr.Data) || sc.crc != fr.AnnexA {
					t.Fatalf("Annex A %04X, scan %04X, loop %04X", fr.AnnexA, sc.crc, annexABitwise(fr.Data))
				}
				for _, w := range fr.Warnings {
					if w.Code == CodeSpaces && (w.Got != sc.spaces || w.At != fr.DataAt+sc.spaceAt) || w.Code == CodeNonASCII && (w.Got != sc.high || w.At != fr.DataAt+sc.highAt) {
						t.Fatalf("%s at %d (%d), scan %+v", w.Code, w.At, w.Got, sc)
					}
				}
				if (sc.spaces > 0) != hasProblem(fr.Warnings, CodeSpaces) || (sc.high > 0) != hasProblem(fr.Warnings, CodeNonASCII) {
					t.Fatalf("warnings %v, scan %+v", fr.Warnings, sc)
				}
			}
			if p.Flag != fr.Flag() || p.PNUM != fr.intField("PNUM") || p.PNO != fr.intField("PNO") || p.RF != fr.intField("RF") {
				t.Fatalf("header numbers %d %d %d %d", p.Flag, p.PNUM, p.PNO, p.RF)
			}
			for _, q := range p.CP {
				v, ok := parseNumber(q.Value)
				timestamp := q.Key == "DataTime" || isTimestampKey(q.Key) && (len(q.Value) == 14 || len(q.Value) == 17)
				if q.IsNumber && (!ok || !v.Decimal().Equal(q.Number())) || !q.IsNumber && ok && !q.Sentinel && !timestamp {
					t.Fatalf("pair %q=%q: number %v %s, parseNumber %v", q.Key, q.Value, q.IsNumber, q.Num, ok)
				}
				if !strings.Contains(p.Data, q.Key) || !strings.Contains(p.Data, q.Value) {
					t.Fatalf("pair %q=%q not in the data segment", q.Key, q.Value)
				}
				if q.IsNumber && strings.ContainsAny(q.Value, " \t") {
					t.Fatalf("%q read as a number", q.Value)
				}
			}
		}
	})
}

// FuzzCP puts arbitrary CP content into a correct frame and checks the
// pairs against an independent split with the strings package.
func FuzzCP(f *testing.F) {
	for _, l := range []string{
		"DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N",
		"RtdInterval=30", "", "a;;b", "a,,b=", "x=1=2;LAMPBLACK-Rtd=1.2e3", "w00000-Avg=1,w00000-Avg=2",
	} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, content string) {
		data := "QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=Z;Flag=4;CP=&&" + content + "&&"
		if len(data) > 9999 {
			return
		}
		p := Parse([]byte(frame(data)), Options{})
		clean := !strings.ContainsFunc(content, func(r rune) bool { return r < 0x20 || r == 0x7F }) && !strings.Contains(content, "&")
		if clean && p.Verdict != Valid {
			t.Fatalf("content %q: %s", content, p.Reason)
		}
		if !clean {
			return
		}
		var want []string
		if content != "" {
			for _, it := range strings.Split(content, ";") {
				for _, e := range strings.Split(it, ",") {
					if e != "" {
						want = append(want, e)
					}
				}
			}
		}
		if len(p.CP) != len(want) {
			t.Fatalf("content %q: %d pairs, want %d", content, len(p.CP), len(want))
		}
		for i, q := range p.CP {
			got := q.Key
			if !q.NoEquals {
				got += "=" + q.Value
			}
			if got != want[i] {
				t.Fatalf("pair %d: %q, want %q", i, got, want[i])
			}
			if q.Code != "" && q.Code+"-"+q.Suffix != q.Key {
				t.Fatalf("key %q split into %q and %q", q.Key, q.Code, q.Suffix)
			}
		}
	})
}

// FuzzReader: any byte stream is fully accounted for.
func FuzzReader(f *testing.F) {
	addSamples(f)
	f.Add([]byte(std + "\r\nxx" + std + "\r\n###" + std[:40] + "\r\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		ps := readAll(t, bytes.NewReader(stream), Options{Lenient: true})
		checkCoverage(t, stream, ps)
	})
}

// FuzzDecrypt encrypts arbitrary CP content with the example key in each
// wire form (raw bytes, "{0x..}" list, hex digits) and checks that the
// packet decrypts to the pairs of the plaintext packet; with no key or a
// wrong one it is rejected, never misread.
func FuzzDecrypt(f *testing.F) {
	for _, s := range []string{
		"DataTime=20240520210600;a01011-Min=1.35,a01011-Avg=1.35,a01011-Max=1.35,a01011-Flag=N;a01014-Min=3.20,a01014-Avg=3.20,a01014-Max=3.20,a01014-Flag=N",
		"DataTime=20260105103100;a21002-Rtd=42.1,a21002-ZsRtd=9999.99", "a=1", "", "x=0123456789abcdef0123456789ABCDEF",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	keys := testKeys(f)
	var wrong Keyring
	_ = wrong.Set("*", []byte("1234567890abcdef"))
	f.Fuzz(func(t *testing.T, content string, form uint8) {
		// Plaintext with control bytes is rejected either way; the
		// decryption takes it for a wrong key.
		if strings.ContainsFunc(content, func(r rune) bool { return r < 0x20 || r == 0x7F || r == '&' }) || !utf8.ValidString(content) || len(content) > 900 {
			return
		}
		head := "QN=20260105103000000;ST=31;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=9;CP=&&"
		data := head + content + "&&"
		plain := Parse([]byte(frame(data)), Options{})
		ct, err := EncryptData(StandardTestKey, []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		full := len(content) / 16 * 16
		var wire string
		switch form % 3 {
		case 0:
			wire = string(ct)
		case 1:
			if full == 0 {
				return
			}
			var b strings.Builder
			b.WriteString("{")
			for i, c := range ct[:full] {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("0x" + strings.ToUpper(hex.EncodeToString([]byte{c})))
			}
			b.WriteString("}")
			wire = b.String() + content[full:]
		case 2:
			if full == 0 {
				return
			}
			wire = hex.EncodeToString(ct[:full]) + content[full:]
		}
		raw := "##" + pad4(len(data)) + head + wire + "&&" + Checksum([]byte(data))
		p := Parse([]byte(raw), Options{Keys: keys})
		if p.Cipher == CipherNone {
			// Ciphertext that happens to look like plaintext (raw form
			// of printable UTF-8): then it must check as plaintext.
			if p.Verdict == Valid && p.Data != head+wire+"&&" {
				t.Fatalf("plaintext data %q", p.Data)
			}
			return
		}
		if p.Verdict != plain.Verdict || p.Data != plain.Data || len(p.CP) != len(plain.CP) {
			t.Fatalf("%q (%s): %s %q, plaintext %s", content, p.Cipher, p.Verdict, p.Reason, plain.Verdict)
		}
		for i := range p.CP {
			a, b := p.CP[i], plain.CP[i]
			if a.Key != b.Key || a.Value != b.Value || a.Item != b.Item || a.IsNumber != b.IsNumber || a.Sentinel != b.Sentinel || !a.Number().Equal(b.Number()) {
				t.Fatalf("pair %d: %+v, want %+v", i, p.CP[i], plain.CP[i])
			}
		}
		for _, opt := range []Options{{}, {Keys: &wrong}} {
			q := Parse([]byte(raw), opt)
			if q.Verdict != Rejected && (q.Cipher != CipherNone || q.Data != head+wire+"&&" || hasControl([]byte(wire))) {
				t.Fatalf("decrypted without the key: %s %q", q.Verdict, q.Data)
			}
		}
	})
}

func hasProblem(ps []Problem, c Code) bool {
	for _, p := range ps {
		if p.Code == c {
			return true
		}
	}
	return false
}
