package hj212

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// sample is one packet line of a testdata file with the note and source
// lines written above it.
type sample struct {
	file   string
	line   int
	note   string
	source string
	raw    string
}

func loadSamples(t testing.TB, file string) []sample {
	t.Helper()
	fh, err := os.Open("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []sample
	var note, source string
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "# note:"):
			note = strings.TrimSpace(strings.TrimPrefix(l, "# note:"))
		case strings.HasPrefix(l, "# source:"):
			source = strings.TrimSpace(strings.TrimPrefix(l, "# source:"))
		case strings.HasPrefix(l, "##"):
			out = append(out, sample{file, n, note, source, l})
			note, source = "", ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no packets in %s", file)
	}
	return out
}

func allSamples(t testing.TB) []sample {
	return append(loadSamples(t, "hj212_samples.txt"), loadSamples(t, "extra_packets.txt")...)
}

// expectedVerdict reads the verdict a note line gives. The notes of
// hj212_samples.txt record the length check and the CRC check computed
// for the file; extra_packets.txt says "expected valid" outright.
func expectedVerdict(t *testing.T, s sample) Verdict {
	n := s.note
	switch {
	case strings.Contains(n, "matches plain Modbus"):
		return Lenient
	case strings.Contains(n, "expected valid"),
		strings.Contains(n, "length ok") && strings.Contains(n, "CRC valid"):
		return Valid
	case strings.Contains(n, "CRC INVALID"), strings.Contains(n, "length MISMATCH"):
		return Rejected
	}
	t.Fatalf("%s:%d: cannot tell the expected verdict from note %q", s.file, s.line, n)
	return Rejected
}

var (
	noteCN    = regexp.MustCompile(`CN=(\d{4})`)
	noteCRC   = regexp.MustCompile(`packet says ([0-9A-Fa-f]{4}), standard algorithm gives ([0-9A-Fa-f]{4})`)
	noteHdLen = regexp.MustCompile(`header (\d+), actual (\d+)`)
)

func TestSamplesVerdicts(t *testing.T) {
	for _, s := range allSamples(t) {
		want := expectedVerdict(t, s)
		p := Parse([]byte(s.raw), Options{Lenient: true})
		if p.Verdict != want {
			t.Errorf("%s:%d: verdict %s, want %s (%s); reason: %s", s.file, s.line, p.Verdict, want, s.note, p.Reason)
		}
		if p.Raw != s.raw {
			t.Errorf("%s:%d: raw packet not kept byte for byte", s.file, s.line)
		}
		if m := noteCN.FindStringSubmatch(s.note); m != nil && p.CN != m[1] {
			t.Errorf("%s:%d: CN %q, note says %s", s.file, s.line, p.CN, m[1])
		}
		switch want {
		case Valid:
			if p.Reason != "" || len(p.Problems) != 0 || p.Check != CheckAnnexA {
				t.Errorf("%s:%d: valid packet with reason %q problems %v check %s", s.file, s.line, p.Reason, p.Problems, p.Check)
			}
		case Lenient:
			if p.Check != CheckModbusSwapped || !strings.Contains(p.Reason, "MODBUS") || !strings.Contains(p.Reason, "lenient") {
				t.Errorf("%s:%d: lenient packet: check %s reason %q", s.file, s.line, p.Check, p.Reason)
			}
			// Strict mode must reject the same packet and say why.
			q := Parse([]byte(s.raw), Options{})
			if q.Verdict != Rejected || len(q.Problems) != 1 || q.Problems[0].Code != CodeCRCModbus {
				t.Errorf("%s:%d: strict mode: verdict %s problems %v", s.file, s.line, q.Verdict, q.Problems)
			}
		case Rejected:
			if m := noteCRC.FindStringSubmatch(s.note); m != nil {
				if !strings.Contains(p.Reason, "bad CRC: packet says "+m[1]) || !strings.Contains(strings.ToUpper(p.Reason), "GIVES "+strings.ToUpper(m[2])) {
					t.Errorf("%s:%d: reason %q does not give sent %s and expected %s", s.file, s.line, p.Reason, m[1], m[2])
				}
			}
			if m := noteHdLen.FindStringSubmatch(s.note); m != nil && m[1] != m[2] {
				if !strings.Contains(p.Reason, "bad length: header says "+m[1]+", data segment has "+m[2]) {
					t.Errorf("%s:%d: reason %q does not give the length mismatch %s/%s", s.file, s.line, p.Reason, m[1], m[2])
				}
			}
			if strings.Contains(s.note, "stray spaces") && !strings.Contains(p.Reason, "spaces") {
				t.Errorf("%s:%d: reason %q does not mention the spaces", s.file, s.line, p.Reason)
			}
		}
	}
}

// rebuild writes header fields and CP pairs back as a data segment. For
// packets without empty entries it must give back the data segment sent:
// that is the proof that every pair was kept, in order, as written.
func rebuild(p *Packet) string {
	var b strings.Builder
	for _, h := range p.Header {
		b.WriteString(h.Key + "=" + h.Value + ";")
	}
	b.WriteString("CP=&&")
	for i, q := range p.CP {
		if i > 0 {
			if q.Item != p.CP[i-1].Item {
				b.WriteByte(';')
			} else {
				b.WriteByte(',')
			}
		}
		b.WriteString(q.Key)
		if !q.NoEquals {
			b.WriteString("=" + q.Value)
		}
	}
	b.WriteString("&&")
	return b.String()
}

func TestSamplesKeepEveryPair(t *testing.T) {
	for _, s := range allSamples(t) {
		p := Parse([]byte(s.raw), Options{Lenient: true})
		empty := false
		for _, w := range p.Warnings {
			empty = empty || w.Code == CodeEmptyItem
		}
		if empty {
			continue
		}
		if got := rebuild(p); got != p.Data {
			t.Errorf("%s:%d: pairs do not rebuild the data segment:\n got %s\nwant %s", s.file, s.line, got, p.Data)
		}
		if p.Length >= 0 && p.Verdict != Rejected && p.Length != len(p.Data) {
			t.Errorf("%s:%d: length %d vs data %d", s.file, s.line, p.Length, len(p.Data))
		}
	}
}

func find(p *Packet, key string) []Pair {
	var out []Pair
	for _, q := range p.CP {
		if q.Key == key {
			out = append(out, q)
		}
	}
	return out
}

func sampleBySource(t *testing.T, sub string, cn string) *Packet {
	for _, s := range allSamples(t) {
		if strings.Contains(s.source, sub) && strings.Contains(s.note, "CN="+cn) {
			return Parse([]byte(s.raw), Options{Lenient: true})
		}
	}
	t.Fatalf("no sample from %s with CN=%s", sub, cn)
	return nil
}

func TestSampleDetails(t *testing.T) {
	// Duplicated keys are all kept, in order (nekosana sample).
	p := sampleBySource(t, "nekosana", "2051")
	avg := find(p, "w00000-Avg")
	if len(avg) != 2 || avg[0].Value != "66.09" || avg[1].Value != "19796346.00" {
		t.Errorf("w00000-Avg pairs: %+v", avg)
	}
	// Exact decimals, trailing zeros kept in the text.
	p = sampleBySource(t, "chenqi92", "2011")
	if q := find(p, "w21003-Rtd"); len(q) != 1 || !q[0].IsNumber || q[0].Number().String() != "0.09055002" {
		t.Errorf("w21003-Rtd: %+v", q)
	}
	if q := find(p, "w01003-Rtd"); len(q) != 1 || q[0].Value != "13.10" || !q[0].Number().Equal(decimal.RequireFromString("13.1")) || q[0].Number().Exponent() != -2 {
		t.Errorf("w01003-Rtd: %+v", q)
	}
	if q := find(p, "w01001-Flag"); len(q) != 1 || q[0].IsNumber || q[0].Code != "w01001" || q[0].Suffix != "Flag" {
		t.Errorf("w01001-Flag: %+v", q)
	}
	if p.Time.Format("2006-01-02 15:04:05 -0700") != "2021-03-01 11:11:00 +0800" {
		t.Errorf("DataTime read as %s", p.Time)
	}
	// DataTime with milliseconds; custom codes; no QN/Flag (2005 header).
	for _, s := range allSamples(t) {
		if !strings.Contains(s.raw, "ele01") {
			continue
		}
		p := Parse([]byte(s.raw), Options{})
		if p.Time.Nanosecond() != 0 || p.DataTime != "20210305003817000" || p.Time.IsZero() {
			t.Errorf("ms DataTime: %q %s", p.DataTime, p.Time)
		}
		if p.QN != "" || p.Flag != -1 || p.Version() != 0 || p.AckRequested() {
			t.Errorf("2005 header: QN %q Flag %d", p.QN, p.Flag)
		}
		if q := find(p, "ele01-Rtd"); len(q) != 1 || q[0].Code != "ele01" || !q[0].Number().Equal(decimal.NewFromInt(1)) {
			t.Errorf("ele01-Rtd: %+v", q)
		}
	}
	// A key without '-' (the standard's own vector).
	p = sampleBySource(t, "guocay/hj212-protocol/docs", "1062")
	if len(p.CP) != 1 || p.CP[0].Key != "RtdInterval" || p.CP[0].Code != "" || p.CP[0].Value != "30" {
		t.Errorf("RtdInterval: %+v", p.CP)
	}
	if p.Version() != 1 || !p.AckRequested() || p.Split() {
		t.Errorf("Flag=5: version %d ack %v split %v", p.Version(), p.AckRequested(), p.Split())
	}
	// Split-packet header without Flag.
	p = sampleBySource(t, "ApplicationTest.java", "2051")
	if !p.Split() || p.PNUM != 2 || p.PNO != 2 {
		t.Errorf("split: PNUM %d PNO %d", p.PNUM, p.PNO)
	}
	// A 24-character PW is kept as sent.
	p = sampleBySource(t, "tonyxia2016/HJ212Receiver/HJ212", "2061")
	if p.PW != "BF470F88957588DE902D1A52" || p.ST != "22" || p.MN != "Z13401000010301" {
		t.Errorf("header: %+v", p.Header)
	}
}
