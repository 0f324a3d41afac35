package pages

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
)

func testCodes(t *testing.T) *reconcile.Codes {
	t.Helper()
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := calc.NewEngine(tables)
	if err != nil {
		t.Fatal(err)
	}
	return reconcile.NewCodes(tables.HJ212, eng.Names())
}

// packet builds one HJ 212 packet of a CN with the given CP pairs.
func packet(t *testing.T, cn, dt string, pairs ...string) *hj212.Packet {
	t.Helper()
	item := []hj212.Field{{Key: "DataTime", Value: dt}}
	for i := 0; i+1 < len(pairs); i += 2 {
		item = append(item, hj212.Field{Key: pairs[i], Value: pairs[i+1]})
	}
	raw, err := hj212.Encode([]hj212.Field{{Key: "QN", Value: dt + "000"}, {Key: "ST", Value: "32"}, {Key: "CN", Value: cn},
		{Key: "PW", Value: "123456"}, {Key: "MN", Value: "MN-T"}, {Key: "Flag", Value: "4"}}, [][]hj212.Field{item})
	if err != nil {
		t.Fatal(err)
	}
	return hj212.Parse(raw, hj212.Options{Lenient: true})
}

// The item chart draws what is recorded and says what is not: the
// declared mean and the source's standard as lines, in the factor's unit;
// no standard line when none is recorded (a sentence instead); daily
// packets drawn by day when a device sends no hour data; flagged hours
// left out and marked.
func TestMonthCharts(t *testing.T) {
	codes := testCodes(t)
	so2 := codes.Names().ByID("air.1")
	if so2 == nil {
		t.Fatal("no 二氧化硫 in the statutory names")
	}
	hours := []*hj212.Packet{
		packet(t, "2061", "20240105100000", "a21026-Avg", "150.5", "a21026-Cou", "1.250", "a21026-Flag", "N"),
		packet(t, "2061", "20240105110000", "a21026-Avg", "999", "a21026-Cou", "9.000", "a21026-Flag", "D"),
		packet(t, "2061", "20240106100000", "a21026-Avg", "140", "a21026-Cou", "1.000", "a21026-Flag", "N"),
	}
	std := decimal.NullDecimal{Decimal: decimal.NewFromInt(200), Valid: true}
	lv := itemLevels{declared: map[string]filing.Figure{"2024-01": {EmissionKg: decimal.NullDecimal{Decimal: decimal.NewFromInt(31), Valid: true},
		AvgConcentration: decimal.NullDecimal{Decimal: decimal.NewFromInt(120), Valid: true}}},
		source: &filing.Source{Standard: "GB 13271-2014", StandardConcentration: std}}
	charts, marks := monthCharts("MN-T", "2024-01", hours, codes, so2.ID, "二氧化硫", lv, decimal.NewFromInt(1))
	if len(charts) != 2 {
		t.Fatalf("%d charts, want the concentration and the daily emission", len(charts))
	}
	conc, em := charts[0], charts[1]
	if conc.Unit != "mg/m³" || len(conc.Refs) != 2 || conc.Refs[0].Value.String() != "120" || conc.Refs[1].Value.String() != "200" ||
		!strings.Contains(conc.Refs[1].Name, "排放标准限值") || len(conc.Notes) != 0 {
		t.Errorf("concentration chart: unit %q refs %+v notes %v", conc.Unit, conc.Refs, conc.Notes)
	}
	if h := 4*24 + 11; conc.Series[0].Values[h].Valid {
		t.Errorf("the hour flagged D is drawn")
	}
	if len(marks) != 1 || marks[0].Flag != "D" {
		t.Errorf("marks %+v", marks)
	}
	if em.Unit != "千克" || em.Series[0].Values[4].Decimal.String() != "1.25" || em.Series[0].Values[5].Decimal.String() != "1" ||
		len(em.Refs) != 1 || em.Refs[0].Value.String() != "1" {
		t.Errorf("daily emission chart: %q %v refs %+v", em.Unit, em.Series[0].Values[4:6], em.Refs)
	}
	svg := string(conc.SVG())
	if !strings.Contains(svg, "单位：mg/m³") || strings.Count(svg, `class="ref"`) != 2 {
		t.Errorf("the SVG lacks its unit or its two reference lines")
	}

	// No standard recorded: no line, and a sentence saying so.
	lv.source = &filing.Source{}
	charts, _ = monthCharts("MN-T", "2024-01", hours, codes, so2.ID, "二氧化硫", lv, decimal.NewFromInt(1))
	if c := charts[0]; len(c.Refs) != 1 || len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "没有登记排放标准限值") {
		t.Errorf("without a standard: refs %+v notes %v", c.Refs, c.Notes)
	}

	// A water outlet that sends daily packets only.
	cod := codes.Names().ByID("water2.13")
	var daysOnly []*hj212.Packet
	for d := 1; d <= 3; d++ {
		daysOnly = append(daysOnly, packet(t, "2031", fmt.Sprintf("202402%02d000000", d), "w01018-Avg", "35.5", "w01018-Cou", "12.5", "w01018-Flag", "N"))
	}
	charts, _ = monthCharts("MN-W", "2024-02", daysOnly, codes, cod.ID, "化学需氧量", itemLevels{}, decimal.NewFromInt(1))
	if len(charts) != 2 || charts[0].Unit != "mg/L" || len(charts[0].Labels) != 29 || !charts[0].Series[0].Values[2].Valid ||
		charts[1].Series[0].Values[0].Decimal.String() != "12.5" {
		t.Fatalf("daily-only charts: %d", len(charts))
	}
	if len(charts[0].Notes) != 2 || len(charts[1].Notes) != 1 {
		t.Errorf("with nothing declared or recorded the charts should say so: %v %v", charts[0].Notes, charts[1].Notes)
	}
}
