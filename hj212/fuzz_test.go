package hj212

import (
	"bytes"
	"os"
	"strings"
	"testing"
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
	for _, l := range strings.Split(string(fh)+"\n"+string(ex), "\n") {
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
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, opt := range []Options{{}, {Lenient: true}} {
			p := Parse(raw, opt)
			if p.Raw != string(raw) {
				t.Fatal("raw not kept")
			}
			switch p.Verdict {
			case Valid, Lenient:
				if len(p.Problems) != 0 || p.Reason == "" && p.Verdict == Lenient {
					t.Fatalf("%s with problems %v", p.Verdict, p.Problems)
				}
				if p.Length != len(p.Data) {
					t.Fatalf("%s with length %d, data %d", p.Verdict, p.Length, len(p.Data))
				}
				want := Checksum([]byte(p.Data))
				if p.Verdict == Valid && !strings.EqualFold(p.CRC, want) {
					t.Fatalf("valid with CRC %s, Annex A %s", p.CRC, want)
				}
				if p.Verdict == Lenient && !opt.Lenient {
					t.Fatal("lenient verdict in strict mode")
				}
				if bytes.ContainsAny([]byte(p.Data), "\r\n\x00") {
					t.Fatal("accepted a data segment with control bytes")
				}
			case Rejected:
				if p.Reason == "" || len(p.Problems) == 0 {
					t.Fatalf("rejected without reason: %q", raw)
				}
			}
			for _, q := range p.CP {
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
