package hj212

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"pgregory.net/rapid"
)

// fataler is what both *testing.T and *rapid.T offer.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func readAll(t fataler, r io.Reader, opt Options) []*Packet {
	t.Helper()
	rd := NewReader(r, opt)
	var out []*Packet
	for {
		p, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, p)
	}
}

// checkCoverage asserts that the packets account for every byte of the
// stream except CR and LF between frames: nothing is dropped silently.
func checkCoverage(t fataler, stream []byte, ps []*Packet) {
	t.Helper()
	pos := int64(0)
	for _, p := range ps {
		if p.Offset < pos {
			t.Fatalf("packet at %d overlaps the previous one ending at %d", p.Offset, pos)
		}
		for _, c := range stream[pos:p.Offset] {
			if c != '\r' && c != '\n' {
				t.Fatalf("byte %q before offset %d was dropped", c, p.Offset)
			}
		}
		end := p.Offset + int64(len(p.Raw))
		if string(stream[p.Offset:end]) != p.Raw {
			t.Fatalf("packet at %d: Raw differs from the stream", p.Offset)
		}
		pos = end
	}
	for _, c := range stream[pos:] {
		if c != '\r' && c != '\n' {
			t.Fatalf("trailing byte %q dropped", c)
		}
	}
}

func TestReaderResyncs(t *testing.T) {
	good := std + "\r\n"
	badCRC := strings.Replace(std, "1C80", "1C81", 1) + "\r\n"
	cut := std[:50] // a frame cut short, no CR LF
	stream := good + "garbage" + good + cut + good + badCRC + "\r\n\r\n" + good + "#" + good + "##" + good + "tail"
	want := []struct {
		v    Verdict
		code Code
	}{
		{Valid, ""},
		{Rejected, CodeStrayBytes},
		{Valid, ""},
		{Rejected, CodeNoTerminator},
		{Valid, ""},
		{Rejected, CodeCRCMismatch},
		{Valid, ""},
		{Rejected, CodeStrayBytes}, // the lone '#'
		{Valid, ""},
		{Rejected, CodeStrayBytes}, // "##" directly followed by the next "##"
		{Valid, ""},
		{Rejected, CodeStrayBytes},
	}
	for _, r := range []io.Reader{
		strings.NewReader(stream),
		iotest.OneByteReader(strings.NewReader(stream)),
		iotest.HalfReader(strings.NewReader(stream)),
		iotest.DataErrReader(strings.NewReader(stream)),
	} {
		ps := readAll(t, r, Options{})
		if len(ps) != len(want) {
			for _, p := range ps {
				t.Logf("%d %s %q %s", p.Offset, p.Verdict, p.Raw, p.Reason)
			}
			t.Fatalf("%d packets, want %d", len(ps), len(want))
		}
		for i, w := range want {
			if ps[i].Verdict != w.v || (w.code != "" && !has(ps[i].Problems, w.code)) {
				t.Errorf("packet %d: %s %v, want %s %s (%q)", i, ps[i].Verdict, codes(ps[i].Problems), w.v, w.code, ps[i].Raw)
			}
		}
		checkCoverage(t, []byte(stream), ps)
	}
}

func TestReaderTooLong(t *testing.T) {
	junk := "##" + strings.Repeat("x", MaxFrame+10)
	stream := junk + std + "\r\n"
	ps := readAll(t, strings.NewReader(stream), Options{})
	if len(ps) < 2 || !has(ps[0].Problems, CodeTooLong) || ps[len(ps)-1].Verdict != Valid {
		for _, p := range ps {
			t.Logf("%d %s %d %s", p.Offset, p.Verdict, len(p.Raw), p.Reason)
		}
		t.Fatal("an over-long frame must be reported and the next frame found")
	}
	checkCoverage(t, []byte(stream), ps)
}

func TestReaderPassesOnReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(std+"\r\n"+std[:30]), iotest.ErrReader(boom))
	rd := NewReader(r, Options{})
	p, err := rd.Next()
	if err != nil || p.Verdict != Valid {
		t.Fatalf("first: %v %v", p, err)
	}
	p, err = rd.Next()
	if err != nil || p.Verdict != Rejected || !has(p.Problems, CodeNoTerminator) {
		t.Fatalf("cut frame: %+v %v", p, err)
	}
	if _, err = rd.Next(); err != boom {
		t.Fatalf("error %v, want %v", err, boom)
	}
}

// Any mix of sample frames and noise: every byte is accounted for, and
// every valid frame that is followed by its CR LF comes out valid.
func TestReaderProperty(t *testing.T) {
	var frames []string
	for _, s := range allSamples(t) {
		frames = append(frames, s.raw)
	}
	rapid.Check(t, func(t *rapid.T) {
		var stream bytes.Buffer
		var wantValid int
		n := rapid.IntRange(0, 8).Draw(t, "n")
		for range n {
			switch rapid.IntRange(0, 3).Draw(t, "kind") {
			case 0, 1:
				f := rapid.SampledFrom(frames).Draw(t, "frame")
				if Parse([]byte(f), Options{}).Verdict == Valid {
					wantValid++
				}
				stream.WriteString(f + "\r\n")
			case 2:
				noise := rapid.SliceOfN(rapid.SampledFrom([]byte("#\r\nx &=;,0A")), 0, 20).Draw(t, "noise")
				stream.Write(noise)
				// Noise may hide the next frame's start ("#" + "##...")
				// or eat its CR LF; keep the count honest by ending
				// noise with a line break.
				stream.WriteString("\r\n")
			case 3:
				f := rapid.SampledFrom(frames).Draw(t, "cut")
				stream.WriteString(f[:rapid.IntRange(0, len(f)-1).Draw(t, "at")] + "\r\n")
			}
		}
		ps := readAll(t, bytes.NewReader(stream.Bytes()), Options{})
		checkCoverage(t, stream.Bytes(), ps)
		valid := 0
		for _, p := range ps {
			if p.Verdict == Valid {
				valid++
			}
		}
		if valid != wantValid {
			t.Fatalf("%d valid packets, want %d", valid, wantValid)
		}
	})
}

// A frame cut short, then a whole frame that ends exactly where the cut
// frame's length field points: the whole frame is still read (found by
// TestReaderProperty).
func TestReaderCutFrameDoesNotSwallowTheNext(t *testing.T) {
	long := "##0722QN=20241130114316059;ST=32;CN=2051;PW=123456;MN=23923493201019;Flag=5;CP=&&DataTime=20241130113000;w01018-Cou=46.630,w01018-Avg=196.000,w01018-Min=196.000,w01018-Max=196.000,w01018-Flag=N;w21003-Cou=6.930,w21003-Avg=29.110,w21003-Min=29.110,w21003-Max=29.110,w21003-Flag=N;w21011-Cou=0.570,w21011-Avg=2.380,w21011-Min=2.380,w21011-Max=2.380,w21011-Flag=N;w21001-Cou=6.810,w21001-Avg=28.620,w21001-Min=28.620,w21001-Max=28.620,w21001-Flag=N;w01001-Avg=7.03,w01001-Min=7.00,w01001-Max=7.06,w01001-Flag=N;w00000-Cou=237.91,w00000-Avg=66.09,w00000-Min=392.51,w00000-Max=403.98,w00000-Avg=19796346.00,w00000-Min=19796286.00,w00000-Max=19796346.00,w00000-Flag=N;w01010-Avg=19.26,w01010-Min=19.20,w01010-Max=19.30,w01010-Flag=N&&0440"
	next := "##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&C241"
	if Parse([]byte(next), Options{}).Verdict != Valid {
		t.Fatal("the second frame is not valid on its own")
	}
	// The cut frame, its CR LF and the next frame fill the cut frame's
	// declared length exactly.
	cut := 2 + 4 + 722 + 4 + 2 - len(next) - 2 - 2
	stream := long[:cut] + "\r\n" + next + "\r\n"
	ps := readAll(t, strings.NewReader(stream), Options{})
	checkCoverage(t, []byte(stream), ps)
	if len(ps) != 2 || ps[0].Verdict == Valid || ps[1].Verdict != Valid || strings.TrimSuffix(ps[1].Raw, "\r\n") != next {
		for _, p := range ps {
			t.Logf("%s %q", p.Verdict, p.Raw)
		}
		t.Fatalf("%d packets; want the cut one rejected and the next one valid", len(ps))
	}
	// The same with line noise between them.
	cut = 2 + 4 + 722 + 4 + 2 - len(next) - 2 - len("#\r\n") - 2
	stream = long[:cut] + "\r\n#\r\n" + next + "\r\n"
	ps = readAll(t, strings.NewReader(stream), Options{})
	checkCoverage(t, []byte(stream), ps)
	if last := ps[len(ps)-1]; ps[0].Verdict == Valid || last.Verdict != Valid || strings.TrimSuffix(last.Raw, "\r\n") != next {
		t.Fatalf("with noise: %d packets, the last %s", len(ps), last.Verdict)
	}
}
