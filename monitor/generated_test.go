package monitor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/hj212"
)

// expect is what the generator knows a figure must come to, worked out
// hour by hour while it writes the packets.
type expect struct {
	total, avgSum, testSum      decimal.Decimal
	totalN, avgN, testN, zsN    int
	max, testMax                decimal.Decimal
	maxAt, testMaxAt            string
	valid, units, dups, lenient int
	excluded                    []string // "DataTime flag"
}

type genOut struct {
	packets []*hj212.Packet
	want    map[string]*expect // by "MN code month basis"
	skipped int
}

func milli(n int) string { return fmt.Sprintf("%d.%03d", n/1000, n%1000) }

// modbusFrame re-signs an Encode'd frame with the byte-swapped plain
// Modbus CRC some loggers send, so that it passes only leniently.
func modbusFrame(raw []byte) []byte {
	data := raw[6 : len(raw)-6]
	reg := uint16(0xFFFF)
	for _, b := range data {
		reg ^= uint16(b)
		for range 8 {
			lsb := reg & 1
			reg >>= 1
			if lsb != 0 {
				reg ^= 0xA001
			}
		}
	}
	out := append([]byte{}, raw[:len(raw)-6]...)
	return append(out, fmt.Sprintf("%02X%02X\r\n", reg&0xFF, reg>>8)...)
}

// genMonth writes `hours` hours of hour data (from 2024-03-01 00h) for
// each device in mns, three air factors each, with gaps, every data flag,
// a record without flag, repeated packets, one contradictory resend, one
// rejected and one lenient packet per device, real-time packets that must
// be skipped, and one packet in the next month. Alongside it works out
// the expected figures.
func genMonth(t testing.TB, mns []string, hours int) genOut {
	codes := []string{"a21026", "a21002", "a34013"}
	out := genOut{want: map[string]*expect{}}
	get := func(mn, code, month string, units int) *expect {
		k := mn + " " + code + " " + month + " hour"
		e := out.want[k]
		if e == nil {
			e = &expect{units: units}
			out.want[k] = e
		}
		return e
	}
	qn := 0
	emit := func(mn, cn, dt string, items [][]hj212.Field, lenient, broken bool) {
		qn++
		raw, err := hj212.Encode([]hj212.Field{{Key: "QN", Value: fmt.Sprintf("2024030100000%04d", qn)}, {Key: "ST", Value: "31"}, {Key: "CN", Value: cn}, {Key: "PW", Value: "123456"}, {Key: "MN", Value: mn}, {Key: "Flag", Value: "4"}},
			append([][]hj212.Field{{{Key: "DataTime", Value: dt}}}, items...))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case lenient:
			raw = modbusFrame(raw)
		case broken:
			raw = append(raw[:len(raw)-6:len(raw)-6], "0000\r\n"...)
		}
		p := hj212.Parse(raw, hj212.Options{Lenient: true})
		if (p.Verdict == hj212.Rejected) != broken || (p.Verdict == hj212.Lenient) != lenient {
			t.Fatalf("generated packet: %s %s", p.Verdict, p.Reason)
		}
		out.packets = append(out.packets, p)
	}
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for mi, mn := range mns {
		for h := 0; h < hours; h++ {
			at := start.Add(time.Duration(h) * time.Hour)
			dt := at.Format("20060102150405")
			month := at.Format("2006-01")
			units := 31 * 24
			if at.Month() == time.April {
				units = 30 * 24
			}
			if (h*7+mi*3)%41 == 0 {
				continue // a gap: nothing sent this hour
			}
			rejected := h == 20+mi
			lenient := h == 30+mi
			conflict := h == 40+mi
			// The first device's lenient packet is also resent with the
			// standard CRC: a record seen strictly is not lenient.
			dup := (h%10 == 3 || lenient && mi == 0) && !rejected && !conflict
			var items, items2 [][]hj212.Field
			for ci, c := range codes {
				avg := 1000 + (h*37+ci*101+mi*997)%50000
				cou := (avg*3)%7000 + 1
				item := []hj212.Field{{Key: c + "-Avg", Value: milli(avg)}, {Key: c + "-Cou", Value: milli(cou)}}
				zs := 0
				if c == "a21026" && mi == 0 {
					zs = avg + 250
					item = append(item, hj212.Field{Key: c + "-ZsAvg", Value: milli(zs)})
				}
				flag := "N"
				switch (h + 5*ci + 11*mi) % 60 {
				case 0:
					flag = "D"
				case 1:
					flag = "M"
				case 2:
					flag = "C"
				case 3:
					flag = "B"
				case 4:
					flag = "F"
				case 5:
					flag = "S"
				case 6:
					flag = "T"
				case 7:
					flag = "X"
				case 8:
					flag = ""
				}
				if flag != "" {
					item = append(item, hj212.Field{Key: c + "-Flag", Value: flag})
				}
				items = append(items, item)
				// The resend: same values written differently, except
				// for the contradictory one.
				item2 := append([]hj212.Field{}, item...)
				item2[0].Value = milli(avg) + "0"
				if conflict && c == "a21002" {
					item2[0].Value = milli(avg + 1)
				}
				items2 = append(items2, item2)

				if rejected {
					continue
				}
				e := get(mn, c, month, units)
				if dup || (conflict && c != "a21002") {
					e.dups++
				}
				switch {
				case conflict && c == "a21002":
					e.excluded = append(e.excluded, dt+" ")
					continue
				case flag != "N" && flag != "T" && flag != "":
					e.excluded = append(e.excluded, dt+" "+flag)
					continue
				}
				e.valid++
				if lenient && mi != 0 {
					e.lenient++
				}
				d := decimal.New(int64(avg), -3)
				e.total = e.total.Add(decimal.New(int64(cou), -3))
				e.totalN++
				e.avgSum = e.avgSum.Add(d)
				if e.avgN == 0 || d.GreaterThan(e.max) {
					e.max, e.maxAt = d, dt
				}
				e.avgN++
				test := d
				if zs > 0 {
					test = decimal.New(int64(zs), -3)
					e.zsN++
				}
				e.testSum = e.testSum.Add(test)
				if e.testN == 0 || test.GreaterThan(e.testMax) {
					e.testMax, e.testMaxAt = test, dt
				}
				e.testN++
			}
			emit(mn, "2061", dt, items, lenient, rejected)
			if rejected {
				out.skipped++
			}
			if dup || conflict {
				emit(mn, "2061", dt, items2, false, false)
			}
			if h%100 == 50 {
				emit(mn, "2011", dt, [][]hj212.Field{{{Key: "a21026-Rtd", Value: "1.5"}, {Key: "a21026-Flag", Value: "N"}}}, false, false)
				out.skipped++
			}
		}
	}
	return out
}

func checkAgainst(t testing.TB, g genOut, res Result, places int32) {
	if len(res.Figures) != len(g.want) {
		t.Fatalf("%d figures, want %d", len(res.Figures), len(g.want))
	}
	if len(res.Skipped) != g.skipped {
		t.Fatalf("%d skipped, want %d: %+v", len(res.Skipped), g.skipped, res.Skipped)
	}
	for _, f := range res.Figures {
		e := g.want[f.MN+" "+f.Code+" "+f.Month+" "+string(f.Basis)]
		if e == nil {
			t.Fatalf("unexpected figure %s %s %s", f.MN, f.Code, f.Month)
		}
		var ex []string
		for _, x := range f.Excluded {
			ex = append(ex, x.DataTime+" "+x.Flag)
		}
		wantCompl := decimal.NewFromInt(int64(e.valid)).DivRound(decimal.NewFromInt(int64(e.units)), places)
		got := fmt.Sprint(f.Total, f.TotalCount, f.AvgSum, f.AvgCount, f.Max, f.MaxAt, f.TestSum, f.TestCount, f.ZsCount, f.TestMax, f.TestMaxAt,
			f.Valid, f.Units, f.Completeness, f.Duplicates, f.Lenient, strings.Join(ex, ","))
		want := fmt.Sprint(e.total, e.totalN, e.avgSum, e.avgN, e.max, e.maxAt, e.testSum, e.testN, e.zsN, e.testMax, e.testMaxAt,
			e.valid, e.units, wantCompl, e.dups, e.lenient, strings.Join(e.excluded, ","))
		if got != want {
			t.Fatalf("%s %s %s:\n got %s\nwant %s", f.MN, f.Code, f.Month, got, want)
		}
		if e.avgN > 0 && !f.Mean.Equal(e.avgSum.DivRound(decimal.NewFromInt(int64(e.avgN)), places)) {
			t.Fatalf("mean %s", f.Mean)
		}
	}
}

func TestGeneratedMonth(t *testing.T) {
	// All of March 2024 and the first 3 hours of April, three devices.
	g := genMonth(t, []string{"MN-A", "MN-B", "MN-C"}, 31*24+3)
	res, err := Monthly(g.packets, Options{Places: 4, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, g, res, 4)
	// Sanity of the generated month itself: there are gaps, exclusions
	// of every kind, duplicates, a conflict and lenient records.
	f := res.Figures[0]
	if f.Month != "2024-03" || f.Units != 744 || f.Valid >= 744 || f.Duplicates == 0 || len(f.Excluded) == 0 {
		t.Errorf("generated month too tame: %+v", viewOf(f))
	}
	seen := map[string]bool{}
	lenient := 0
	for _, f := range res.Figures {
		for _, x := range f.Excluded {
			seen[x.Flag] = true
		}
		lenient += f.Lenient
	}
	for _, fl := range []string{"D", "M", "C", "B", "F", "S", "X", ""} {
		if !seen[fl] {
			t.Errorf("no record excluded with flag %q", fl)
		}
	}
	if lenient == 0 {
		t.Error("no lenient records")
	}
}

func canon(t fataler, res Result) string {
	b, err := json.Marshal(res.Figures)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(b)
}

type fataler interface{ Fatalf(string, ...any) }

// The order packets arrive in does not change the figures.
func TestOrderDoesNotMatter(t *testing.T) {
	g := genMonth(t, []string{"A", "B"}, 60)
	base, _ := Monthly(g.packets, Options{Places: 3, Quality: testQuality()})
	want := canon(t, base)
	if !strings.Contains(want, `"Lenient":1`) || !strings.Contains(want, `"Lenient":0`) {
		t.Fatal("the sample must hold lenient and strict records")
	}
	rapid.Check(t, func(t *rapid.T) {
		ps := rapid.Permutation(g.packets).Draw(t, "order")
		res, err := Monthly(ps, Options{Places: 3, Quality: testQuality()})
		if err != nil {
			t.Fatal(err)
		}
		if got := canon(t, res); got != want {
			t.Fatalf("figures depend on packet order")
		}
	})
}

// Sending any packets again changes nothing but the duplicate counts.
func TestResendsCountOnce(t *testing.T) {
	g := genMonth(t, []string{"A"}, 60)
	base, _ := Monthly(g.packets, Options{Places: 3, Quality: testQuality()})
	rapid.Check(t, func(t *rapid.T) {
		extra := rapid.SliceOfN(rapid.SampledFrom(g.packets), 1, 20).Draw(t, "resent")
		res, _ := Monthly(append(append([]*hj212.Packet{}, g.packets...), extra...), Options{Places: 3, Quality: testQuality()})
		if len(res.Figures) != len(base.Figures) {
			t.Fatalf("figure count changed")
		}
		for i, f := range res.Figures {
			b := base.Figures[i]
			f.Duplicates, b.Duplicates = 0, 0
			f.Trace, b.Trace = nil, nil
			fj, _ := json.Marshal(f)
			bj, _ := json.Marshal(b)
			if string(fj) != string(bj) {
				t.Fatalf("resending changed %s %s:\n%s\n%s", f.MN, f.Code, fj, bj)
			}
		}
	})
}

// Completeness stays within [0, 1] and valid units within the month, for
// any subset of packets.
func TestCompletenessBounds(t *testing.T) {
	g := genMonth(t, []string{"A", "B"}, 24*5)
	rapid.Check(t, func(t *rapid.T) {
		var ps []*hj212.Packet
		for _, p := range g.packets {
			if rapid.Bool().Draw(t, "keep") {
				ps = append(ps, p)
			}
		}
		places := rapid.Int32Range(0, 16).Draw(t, "places")
		res, err := Monthly(ps, Options{Places: places, Quality: testQuality()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Figures {
			if f.Completeness.IsNegative() || f.Completeness.GreaterThan(decimal.NewFromInt(1)) {
				t.Fatalf("completeness %s", f.Completeness)
			}
			if f.Valid < 0 || f.Valid+len(f.Excluded) > f.Units {
				t.Fatalf("valid %d + excluded %d > units %d", f.Valid, len(f.Excluded), f.Units)
			}
		}
	})
}

func TestDayData(t *testing.T) {
	var ps []*hj212.Packet
	for d := 1; d <= 30; d++ {
		if d%7 == 0 {
			continue
		}
		flag := "N"
		if d == 3 {
			flag = "M"
		}
		raw, _ := hj212.Encode([]hj212.Field{{Key: "QN", Value: "20240601000000001"}, {Key: "ST", Value: "32"}, {Key: "CN", Value: "2031"}, {Key: "PW", Value: "1"}, {Key: "MN", Value: "W1"}, {Key: "Flag", Value: "4"}},
			[][]hj212.Field{{{Key: "DataTime", Value: fmt.Sprintf("202406%02d000000", d)}},
				{{Key: "w01018-Avg", Value: fmt.Sprintf("%d.5", 20+d)}, {Key: "w01018-Cou", Value: "10.25"}, {Key: "w01018-Flag", Value: flag}}})
		ps = append(ps, hj212.Parse(raw, hj212.Options{}))
	}
	res, err := Monthly(ps, Options{Places: 2, Quality: testQuality()})
	if err != nil || len(res.Figures) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	f := res.Figures[0]
	// 30 days in June, 4 gaps (7, 14, 21, 28), day 3 under maintenance.
	if f.Basis != Daily || f.Units != 30 || f.Valid != 25 || f.Completeness.String() != "0.83" || !f.Total.Equal(decimal.RequireFromString("256.25")) {
		t.Errorf("%+v", viewOf(f))
	}
	if len(f.Excluded) != 1 || f.Excluded[0].DataTime != "20240603000000" || f.Excluded[0].Flag != "M" {
		t.Errorf("excluded %+v", f.Excluded)
	}
}
