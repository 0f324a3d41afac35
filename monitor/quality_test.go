package monitor

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/hj212"
)

// testRules mirrors fixtures/monitor/*.csv (the fixtures package checks the
// real files and runs them through Monthly; this package cannot import
// it). Only N is verified, as there.
func testRules() *Rules {
	meta := func(line int, verified bool) param.Meta {
		m := param.Meta{Range: param.Range{From: param.NewDate(2005, 1, 1)}, Source: "test", File: "test.csv", Line: line,
			Confidence: "medium", Verified: verified}
		if verified {
			m.Confidence = "high"
		}
		return m
	}
	r := &Rules{}
	for i, m := range []struct {
		code           string
		valid, missing bool
		reason         string
	}{
		{"N", true, false, "normal"},
		{"T", true, false, "flag T (超测上限): counted"},
		{"F", false, false, "flag F (停运, shut down): no discharge was being measured"},
		{"M", false, true, "flag M (维护, maintenance): not a measurement of the discharge"},
		{"S", false, true, "flag S (手工输入, manual entry): a typed-in value, not a measurement"},
		{"D", false, true, "flag D (故障, instrument fault): not a measurement of the discharge"},
		{"C", false, true, "flag C (校准, calibration): the reading is the calibration standard"},
		{"B", false, true, "flag B (通讯异常, communication error): the value did not arrive intact"},
	} {
		r.Marks = append(r.Marks, Mark{Code: m.code, Name: m.code, Valid: m.valid, Missing: m.missing, Reason: m.reason,
			Rule: "HJ 212-2017 数据标记", Meta: meta(i+2, m.code == "N")})
	}
	for i, k := range QualityKeys {
		r.Params = append(r.Params, Param{Key: k, Value: decimal.NewFromInt(20), Rule: "HJ 75", Meta: meta(i+2, false)})
	}
	r.Gaps = []GapRule{
		{Medium: Air, Basis: Hourly, MaxUnits: 24, Method: MethodMeanAdjacent, Rule: "HJ 75", Meta: meta(2, false)},
		{Medium: Air, Basis: Hourly, MaxUnits: 0, Method: MethodMaxPrevious, Lookback: 720, Rule: "HJ 75", Meta: meta(3, false)},
		{Medium: Water, Basis: Daily, MaxUnits: 0, Method: MethodNone, Rule: "HJ 356", Meta: meta(4, false)},
	}
	return r
}

func testQuality() *Quality {
	q, err := testRules().On(param.NewDate(2024, 1, 1))
	if err != nil {
		panic(err)
	}
	return q
}

// hour builds a valid hour packet of one factor.
func hour(t *testing.T, mn, dataTime, code, avg, cou, flag string) *hj212.Packet {
	t.Helper()
	cp := "DataTime=" + dataTime + ";" + code + "-Avg=" + avg + "," + code + "-Cou=" + cou
	if flag != "" {
		cp += "," + code + "-Flag=" + flag
	}
	data := "QN=" + dataTime + "000;ST=31;CN=2061;PW=1;MN=" + mn + ";Flag=4;CP=&&" + cp + "&&"
	raw := "##" + pad4(len(data)) + data + hj212.Checksum([]byte(data))
	p := hj212.Parse([]byte(raw), hj212.Options{})
	if p.Verdict != hj212.Valid {
		t.Fatalf("test packet %s: %s", raw, p.Reason)
	}
	return p
}

func pad4(n int) string {
	s := "0000" + itoa(n)
	return s[len(s)-4:]
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func TestMarksFromTable(t *testing.T) {
	ps := []*hj212.Packet{
		hour(t, "M1", "20240301000000", "a21026", "10", "1", "N"),
		hour(t, "M1", "20240301010000", "a21026", "99", "9", "D"),
		hour(t, "M1", "20240301020000", "a21026", "20", "2", "T"),
		hour(t, "M1", "20240301030000", "a21026", "50", "5", "X"),
		hour(t, "M1", "20240301040000", "a21026", "0", "0", "F"),
	}
	res, err := Monthly(ps, Options{Places: 4, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Figures[0]
	// Only valid-marked data in the means and the highest value: the D
	// reading (99) and the unknown letter (50) must not be the maximum.
	if f.Valid != 2 || !f.Max.Equal(decimal.NewFromInt(20)) || !f.Total.Equal(decimal.NewFromInt(3)) {
		t.Fatalf("valid %d max %s total %s", f.Valid, f.Max, f.Total)
	}
	if len(f.Excluded) != 3 || !strings.Contains(f.Excluded[0].Reason, "故障") || !strings.Contains(f.Excluded[1].Reason, "not in the mark table") {
		t.Fatalf("excluded %+v", f.Excluded)
	}
	joined := strings.Join(f.Warnings, "\n")
	for _, want := range []string{"unverified mark D", "unverified mark T", "unverified mark F"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no warning %q in %s", want, joined)
		}
	}
	if strings.Contains(joined, "unverified mark N") {
		t.Error("N is verified")
	}
	// F is not missing data: the gap rules leave 04h alone, so the first
	// gap is 01h (D) and 03h (X) are each their own run.
	if len(f.Gaps) < 2 || f.Gaps[0].From != "2024030101" || f.Gaps[0].To != "2024030101" || f.Gaps[1].From != "2024030103" || f.Gaps[1].To != "2024030103" {
		t.Fatalf("gaps %+v", f.Gaps[:2])
	}
	if f.Gaps[2].From != "2024030105" {
		t.Fatalf("the run after F starts at 05h: %+v", f.Gaps[2])
	}
}

func TestGapSubstitution(t *testing.T) {
	ps := []*hj212.Packet{
		hour(t, "M1", "20240301000000", "a21026", "10", "1", "N"),
		// 01h–03h missing: ≤ 24 h, mean of 00h and 04h.
		hour(t, "M1", "20240301040000", "a21026", "21", "3", "N"),
		hour(t, "M1", "20240301050000", "a21026", "30", "4", "M"),
		hour(t, "M1", "20240301060000", "a21026", "12", "2", "N"),
		// from 07h to the end of the month: > 24 h, the highest before.
	}
	res, err := Monthly(ps, Options{Places: 2, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Figures[0]
	if len(f.Gaps) != 3 {
		t.Fatalf("gaps %+v", f.Gaps)
	}
	g := f.Gaps[0]
	if g.From != "2024030101" || g.Units != 3 || g.Method != MethodMeanAdjacent || g.Avg.String() != "15.5" || g.Cou.String() != "2" || g.CouTotal.String() != "6" || !g.Unverified {
		t.Fatalf("first gap %+v avg %v cou %v", g, g.Avg, g.Cou)
	}
	g = f.Gaps[1]
	if g.From != "2024030105" || g.Units != 1 || !strings.Contains(g.Why, "flag M") || g.Avg.String() != "16.5" || g.Cou.String() != "2.5" {
		t.Fatalf("second gap %+v", g)
	}
	g = f.Gaps[2]
	if g.From != "2024030107" || g.To != "2024033123" || g.Method != MethodMaxPrevious || g.Avg.String() != "21" || g.Cou.String() != "3" || !strings.Contains(g.Note, "only 3 of the 720") || g.Seen != 3 {
		t.Fatalf("third gap %+v", g)
	}
	// Substitution never changes the measured total.
	if !f.Total.Equal(decimal.NewFromInt(6)) || f.SubstitutedUnits != 3+1+g.Units || !f.Substituted.Equal(decimal.RequireFromString("8.5").Add(decimal.NewFromInt(int64(3*g.Units)))) {
		t.Fatalf("total %s substituted %s over %d", f.Total, f.Substituted, f.SubstitutedUnits)
	}
	if f.ValidDays != 0 || len(f.ShortDays) != 31 {
		t.Fatalf("valid days %d short %d", f.ValidDays, len(f.ShortDays))
	}
	var traced bool
	for _, s := range f.Trace {
		traced = traced || s.Kind == "gaps"
	}
	if !traced || !strings.Contains(strings.Join(f.Warnings, "\n"), "unverified substitution rule") {
		t.Fatalf("trace %+v warnings %v", f.Trace, f.Warnings)
	}
}

func TestGapNoRule(t *testing.T) {
	// A code of no known medium: listed, not filled, and said so.
	res, err := Monthly([]*hj212.Packet{hour(t, "M1", "20240301000000", "LAMPBLACK", "1", "1", "N")}, Options{Places: 2, Quality: testQuality()})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Figures[0]
	if len(f.Gaps) != 1 || f.Gaps[0].Method != "" || !strings.Contains(f.Gaps[0].Note, "no substitution rule") || f.SubstitutedUnits != 0 {
		t.Fatalf("gaps %+v", f.Gaps)
	}
}

func TestQualityRequired(t *testing.T) {
	if _, err := Monthly(nil, Options{Places: 2}); err == nil || !strings.Contains(err.Error(), "quality") {
		t.Fatalf("no error without rules: %v", err)
	}
	q, err := testRules().On(param.NewDate(2001, 1, 1))
	if err != nil || len(q.Warnings) != 4 {
		t.Fatalf("a month before the tables: %v %v", q, err)
	}
}

// TestGapWindow: days outside the mapping and hours not over yet are not
// missing data.
func TestGapWindow(t *testing.T) {
	ps := []*hj212.Packet{
		hour(t, "M1", "20240315000000", "a21026", "10", "1", "N"),
		hour(t, "M1", "20240315020000", "a21026", "20", "1", "N"),
	}
	res, err := Monthly(ps, Options{Places: 2, Quality: testQuality(), FromDay: "20240315", Until: "2024031504"})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Figures[0]
	// Judged: 15th 00h–03h only. Missing: 01h (filled from 00h and 02h)
	// and 03h (nothing after it yet: not computable).
	if len(f.Gaps) != 2 || f.Gaps[0].From != "2024031501" || f.Gaps[1].From != "2024031503" || f.Gaps[1].To != "2024031503" || f.Gaps[1].Avg != nil {
		t.Fatalf("gaps %+v", f.Gaps)
	}
	if f.ValidDays != 0 || len(f.ShortDays) != 0 {
		t.Fatalf("the 15th is not over: %d valid, short %v", f.ValidDays, f.ShortDays)
	}
	var traced bool
	for _, s := range f.Trace {
		traced = traced || s.Kind == "window" && strings.Contains(s.Text, "20240315") && strings.Contains(s.Text, "2024031504")
	}
	if !traced {
		t.Fatalf("trace %+v", f.Trace)
	}
}
