package hj212

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// A frame built by Encode parses back, valid, to the same fields and pairs.
func TestEncodeRoundTrip(t *testing.T) {
	text := func(min int) *rapid.Generator[string] {
		return rapid.StringOfN(rapid.SampledFrom([]rune("abcXYZ019-._ =/:+中")), min, 12, -1)
	}
	rapid.Check(t, func(t *rapid.T) {
		var header []Field
		for _, k := range []string{"QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO"} {
			if rapid.Bool().Draw(t, "has "+k) {
				header = append(header, Field{k, text(0).Draw(t, k)})
			}
		}
		key := text(1).Filter(func(s string) bool { return !strings.Contains(s, "=") })
		items := rapid.SliceOfN(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Field {
			return Field{key.Draw(t, "key"), text(0).Draw(t, "value")}
		}), 1, 4), 0, 6).Draw(t, "cp")

		raw, err := Encode(header, items)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		p := Parse(raw, Options{})
		if p.Verdict != Valid {
			t.Fatalf("%q: %s", raw, p.Reason)
		}
		if p.Raw != string(raw) || !strings.HasSuffix(p.Raw, "\r\n") {
			t.Fatalf("raw not kept")
		}
		if len(p.Header) != len(header) {
			t.Fatalf("header %v, want %v", p.Header, header)
		}
		for i := range header {
			if p.Header[i] != header[i] {
				t.Fatalf("header field %d: %v, want %v", i, p.Header[i], header[i])
			}
		}
		var flat []Pair
		for i, it := range items {
			for _, f := range it {
				flat = append(flat, Pair{Item: int32(i), Key: f.Key, Value: f.Value})
			}
		}
		if len(p.CP) != len(flat) {
			t.Fatalf("%d pairs, want %d", len(p.CP), len(flat))
		}
		for i, q := range p.CP {
			if q.Item != flat[i].Item || q.Key != flat[i].Key || q.Value != flat[i].Value {
				t.Fatalf("pair %d: %+v, want %+v", i, q, flat[i])
			}
		}
	})
}

func TestEncodeRefusesSeparators(t *testing.T) {
	bad := []struct {
		header []Field
		cp     [][]Field
	}{
		{[]Field{{"CP", "x"}}, nil},
		{[]Field{{"", "x"}}, nil},
		{[]Field{{"MN", "a;b"}}, nil},
		{[]Field{{"M=N", "a"}}, nil},
		{nil, [][]Field{{{"a-Rtd", "1,2"}}}},
		{nil, [][]Field{{{"a-Rtd", "1&&"}}}},
		{nil, [][]Field{{{"a-Rtd", "1\r\n"}}}},
		{nil, [][]Field{{{"a-Rtd", "##"}}}},
		{nil, [][]Field{{}}},
		{nil, [][]Field{{{"a-Rtd", strings.Repeat("1", 10000)}}}},
	}
	for i, b := range bad {
		if raw, err := Encode(b.header, b.cp); err == nil {
			t.Errorf("case %d: encoded %q", i, raw)
		}
	}
}

func TestEncodeStandardVector(t *testing.T) {
	raw, err := Encode(
		[]Field{{"QN", "20160801085857223"}, {"ST", "32"}, {"CN", "1062"}, {"PW", "100000"}, {"MN", "010000A8900016F000169DC0"}, {"Flag", "5"}},
		[][]Field{{{"RtdInterval", "30"}}})
	if err != nil || string(raw) != std+"\r\n" {
		t.Fatalf("%q %v", raw, err)
	}
}

func TestReplies(t *testing.T) {
	// An upload that asks for an answer (Flag=5: 2017, A bit).
	up, _ := Encode([]Field{{"QN", "20160801085000001"}, {"ST", "22"}, {"CN", "2011"}, {"PW", "123456"}, {"MN", "010000A8900016F000169DC0"}, {"Flag", "5"}},
		[][]Field{{{"DataTime", "20160801084000"}}, {{"a21005-Rtd", "1.1"}, {"a21005-Flag", "N"}}})
	req := Parse(up, Options{})
	if req.Verdict != Valid || !req.AckRequested() {
		t.Fatalf("request: %s", req.Reason)
	}
	ack, err := DataAck(req)
	// The answer printed by jinuxx/hj212's T212MapperTest for the same QN.
	if err != nil || string(ack) != "##0087QN=20160801085000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&C241\r\n" {
		t.Fatalf("9014: %q %v", ack, err)
	}
	qa, _ := RequestAnswer(req, QnReady)
	if p := Parse(qa, Options{}); p.Verdict != Valid || p.CN != "9011" || p.QN != req.QN || len(p.CP) != 1 || p.CP[0].Key != "QnRtn" || p.CP[0].Value != "1" || p.Flag != 4 {
		t.Errorf("9011: %q", qa)
	}
	er, _ := ExecResult(req, ExeNoData)
	if p := Parse(er, Options{}); p.Verdict != Valid || p.CN != "9012" || p.ST != "91" || p.CP[0].Key != "ExeRtn" || p.CP[0].Value != "100" {
		t.Errorf("9012: %q", er)
	}
	na, _ := NotifyAnswer(req)
	if p := Parse(na, Options{}); p.Verdict != Valid || p.CN != "9013" || len(p.CP) != 0 {
		t.Errorf("9013: %q", na)
	}

	// HJ/T 212-2005 request (no version bits): QN travels in CP.
	old, _ := Encode([]Field{{"QN", "20040516010101001"}, {"ST", "32"}, {"CN", "1062"}, {"PW", "123456"}, {"MN", "88888880000001"}, {"Flag", "3"}},
		[][]Field{{{"RtdInterval", "30"}}})
	oreq := Parse(old, Options{})
	qa, _ = RequestAnswer(oreq, QnReady)
	p := Parse(qa, Options{})
	if p.Verdict != Valid || p.Data != "ST=91;CN=9011;PW=123456;MN=88888880000001;Flag=0;CP=&&QN=20040516010101001;QnRtn=1&&" {
		t.Errorf("2005 9011: %q", qa)
	}

	// Nothing to answer without QN or MN.
	noQN := Parse([]byte(frame("ST=32;CN=2011;PW=1;MN=2;Flag=5;CP=&&&&")), Options{})
	if _, err := DataAck(noQN); err == nil {
		t.Error("answered a request without QN")
	}
	if _, err := DataAck(nil); err == nil {
		t.Error("answered nil")
	}
}
