package split

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/hj212"
)

// frame builds one HJ 212-2017 packet with a correct CRC.
func frame(header, cp string) []byte {
	data := header + ";CP=&&" + cp + "&&"
	return []byte(fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(data))))
}

// message is an hour-data message of n factors.
func message(n int) string {
	items := []string{"DataTime=20240301100000"}
	for i := 0; i < n; i++ {
		items = append(items, fmt.Sprintf("a%05d-Avg=%d.5,a%05d-Cou=0.%03d,a%05d-Flag=N", 21000+i, i, 21000+i, i, 21000+i))
	}
	return strings.Join(items, ";")
}

// parts cuts cp between items into k parts and frames each with PNUM/PNO.
func parts(t testing.TB, cp string, k int) []*hj212.Packet {
	t.Helper()
	items := strings.Split(cp, ";")
	var out []*hj212.Packet
	per := (len(items) + k - 1) / k
	for i := 0; i < k; i++ {
		lo, hi := i*per, min((i+1)*per, len(items))
		header := fmt.Sprintf("QN=20240301100000123;ST=31;CN=2061;PW=123456;MN=MN1;Flag=7;PNUM=%d;PNO=%d", k, i+1)
		p := hj212.Parse(frame(header, strings.Join(items[lo:hi], ";")), hj212.Options{})
		if p.Verdict != hj212.Valid {
			t.Fatalf("part %d: %s", i+1, p.Reason)
		}
		out = append(out, p)
	}
	return out
}

func assemble(ps []*hj212.Packet) Outcome {
	var k Key
	var list []Part
	for _, p := range ps {
		key, part, ok := PartOf(p)
		if !ok {
			continue
		}
		k = key
		list = append(list, part)
	}
	return Assemble(k, list, Limits{})
}

func TestAssembleOutOfOrderWithDuplicates(t *testing.T) {
	cp := message(30)
	ps := parts(t, cp, 4)
	shuffled := []*hj212.Packet{ps[2], ps[0], ps[3], ps[2], ps[1], ps[0]}
	o := assemble(shuffled)
	if o.Verdict != Complete || o.Duplicates != 2 {
		t.Fatalf("%+v", o)
	}
	p := o.Packet
	if p.Verdict != hj212.Valid || p.PNUM != -1 || p.PNO != -1 || p.Flag != 5 || p.MN != "MN1" || p.DataTime != "20240301100000" {
		t.Fatalf("logical packet %+v", p)
	}
	whole := hj212.Parse(frame("QN=20240301100000123;ST=31;CN=2061;PW=123456;MN=MN1;Flag=5", cp), hj212.Options{})
	if p.Raw != whole.Raw || len(p.CP) != len(whole.CP) {
		t.Fatalf("reassembled\n%s\nwant\n%s", p.Raw, whole.Raw)
	}
}

func TestAssembleVerdicts(t *testing.T) {
	ps := parts(t, message(30), 4)
	o := assemble([]*hj212.Packet{ps[0], ps[3]})
	if o.Verdict != Incomplete || o.Cause != "parts 2, 3 of 4 missing" || len(o.Have) != 2 {
		t.Fatalf("%+v", o)
	}
	// The same part number with other data.
	other := hj212.Parse(frame("QN=20240301100000123;ST=31;CN=2061;PW=123456;MN=MN1;Flag=7;PNUM=4;PNO=2", "a21026-Avg=1"), hj212.Options{})
	o = assemble(append(ps, other))
	if o.Verdict != Conflict || !strings.Contains(o.Cause, "part 2 of 4") {
		t.Fatalf("%+v", o)
	}
	bad := hj212.Parse(frame("QN=20240301100000123;ST=31;CN=2061;PW=123456;MN=MN1;Flag=7;PNUM=4;PNO=9", "a21026-Avg=1"), hj212.Options{})
	o = assemble(append(ps, bad))
	if o.Verdict != Invalid || !strings.Contains(o.Cause, "PNO 9") {
		t.Fatalf("%+v", o)
	}
	k, _, _ := PartOf(ps[0])
	k.Total = 1000
	if o := Assemble(k, nil, Limits{}); o.Verdict != TooLarge {
		t.Fatalf("%+v", o)
	}
	// More data than one frame can hold.
	big := parts(t, message(400), 8)
	if o := assemble(big); o.Verdict != TooLarge {
		t.Fatalf("%+v", o)
	}
	// A whole packet (PNUM=1, or none) is not a part.
	if _, _, ok := PartOf(hj212.Parse(frame("QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=7;PNUM=1;PNO=1", "a=1"), hj212.Options{})); ok {
		t.Fatal("PNUM=1 is a whole message")
	}
}

// FuzzAssemble: whatever the data, the cuts, the order, the copies and the
// parts left out, Assemble never panics, every outcome has a verdict and a
// cause, and a complete set of item-boundary cuts gives back the message.
func FuzzAssemble(f *testing.F) {
	f.Add(message(5), uint64(1), uint8(3))
	f.Add("DataTime=20240301100000;a21026-Avg=1", uint64(7), uint8(2))
	f.Add("", uint64(0), uint8(0))
	f.Add(";;;,,,&&##", uint64(99), uint8(5))
	f.Fuzz(func(t *testing.T, cp string, seed uint64, k uint8) {
		r := rand.New(rand.NewSource(int64(seed)))
		n := int(k%8) + 1
		items := strings.Split(cp, ";")
		var list []Part
		per := (len(items) + n - 1) / n
		for i := 0; i < n; i++ {
			lo, hi := min(i*per, len(items)), min((i+1)*per, len(items))
			list = append(list, Part{No: i + 1, Header: "QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=7;PNUM=" + fmt.Sprint(n) + ";PNO=" + fmt.Sprint(i+1),
				CP: strings.Join(items[lo:hi], ";")})
		}
		key := Key{MN: "M", QN: "1", CN: "2061", Total: n}
		whole := append([]Part(nil), list...)
		r.Shuffle(len(whole), func(i, j int) { whole[i], whole[j] = whole[j], whole[i] })
		o := Assemble(key, whole, Limits{})
		if o.Verdict == "" || (o.Verdict != Complete && o.Cause == "") {
			t.Fatalf("no verdict or cause: %+v", o)
		}
		if o.Verdict == Complete {
			if n < 2 {
				t.Fatal("a set of one part assembled")
			}
			got := o.Packet.Data
			i := strings.Index(got, ";CP=&&")
			joined := got[i+len(";CP=&&") : len(got)-2]
			// The join is exact when no cut lies next to an empty item or a
			// ',' (a cut there cannot be told from a cut inside an item).
			clean := true
			for _, it := range items {
				clean = clean && it != "" && !strings.HasPrefix(it, ",") && !strings.HasSuffix(it, ",")
			}
			if clean && joined != cp {
				t.Fatalf("reassembled CP %q, want %q", joined, cp)
			}
		}
		// Drop, copy and reorder at random: still a verdict, never a panic.
		var mixed []Part
		for _, p := range list {
			switch r.Intn(4) {
			case 0:
			case 1:
				mixed = append(mixed, p, p)
			default:
				mixed = append(mixed, p)
			}
		}
		if r.Intn(3) == 0 && len(mixed) > 0 {
			c := mixed[0]
			c.CP += "x"
			mixed = append(mixed, c)
		}
		o = Assemble(key, mixed, Limits{MaxParts: r.Intn(10), MaxBytes: r.Intn(20000)})
		if o.Verdict == "" || (o.Verdict != Complete && o.Cause == "") {
			t.Fatalf("no verdict or cause: %+v", o)
		}
	})
}

// FuzzPartOf: any bytes, parsed as a packet, taken apart as a part and
// assembled alone, twice, or beside a changed copy: never a panic, always
// a verdict with a cause unless complete.
func FuzzPartOf(f *testing.F) {
	for _, p := range parts(f, message(6), 3) {
		f.Add([]byte(p.Raw))
	}
	f.Add([]byte("##0050QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=7;PNUM=2;PNO=1;CP=&&a=1&&"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := hj212.Parse(raw, hj212.Options{Lenient: true})
		k, part, ok := PartOf(p)
		if !ok {
			return
		}
		if k.Total < 2 || k.MN == "" {
			t.Fatalf("part of %+v", k)
		}
		other := part
		other.CP += ";x=1"
		for _, set := range [][]Part{{part}, {part, part}, {part, other}} {
			o := Assemble(k, set, Limits{})
			if o.Verdict == "" || o.Verdict != Complete && o.Cause == "" {
				t.Fatalf("%+v", o)
			}
			if o.Verdict == Complete && (o.Packet == nil || !o.Packet.Accepted()) {
				t.Fatalf("complete without a packet: %+v", o)
			}
		}
	})
}
