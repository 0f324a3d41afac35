package reconcile_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
)

var (
	once    sync.Once
	engine  *calc.Engine
	rparams *reconcile.Params
	loadErr error
)

func setup(t testing.TB) (*calc.Engine, *reconcile.Params) {
	once.Do(func() {
		tables, err := fixtures.Load()
		if err != nil {
			loadErr = err
			return
		}
		if engine, err = calc.NewEngine(tables); err != nil {
			loadErr = err
			return
		}
		rparams, loadErr = fixtures.LoadReconcile()
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return engine, rparams
}

func reconciler(t testing.TB, day param.Date) *reconcile.Reconciler {
	eng, p := setup(t)
	set, err := p.On(day)
	if err != nil {
		t.Fatal(err)
	}
	return &reconcile.Reconciler{Engine: eng, Codes: reconcile.NewCodes(eng.Tables().HJ212, eng.Names()), Set: set}
}

// caseFile is the readable shape of testdata/case*.json.
type caseFile struct {
	Taxpayer filing.Taxpayer
	Period   string
	Deadline string
	AsOf     string `json:"as_of"`
	Sources  []*filing.Source
	Declared *struct {
		ID       int64
		Revision int
		Figures  []filing.Figure
	}
	LastYear *struct {
		ID       int64
		Revision int
		Figures  []filing.Figure
	} `json:"last_year"`
	Devices []reconcile.Device
	Figures []struct {
		DeviceID   int64  `json:"device_id"`
		MN         string `json:"mn"`
		Code       string
		Month      string
		Basis      string
		Total      decimal.Decimal
		TotalCount int `json:"total_count"`
		Valid      int
		Units      int
		Excluded   int
	}
	Outputs []reconcile.Output
}

func loadCase(t *testing.T, name string) *reconcile.Input {
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var c caseFile
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	per, err := filing.ParsePeriod(c.Period)
	if err != nil {
		t.Fatal(err)
	}
	in := &reconcile.Input{Taxpayer: &c.Taxpayer, Period: per, Deadline: filing.Date(c.Deadline).Day(), AsOf: filing.Date(c.AsOf).Day(),
		Sources: c.Sources, Devices: c.Devices, Outputs: c.Outputs}
	for _, s := range in.Sources {
		s.CreditCode = c.Taxpayer.CreditCode
		s.OutletName = s.OutletNo
	}
	if c.Declared != nil {
		in.Declared = &reconcile.Declared{ID: c.Declared.ID, Revision: c.Declared.Revision, Status: filing.StatusSubmitted, Figures: c.Declared.Figures}
	}
	if c.LastYear != nil {
		in.LastYear = &reconcile.Declared{ID: c.LastYear.ID, Revision: c.LastYear.Revision, Status: filing.StatusSubmitted, Figures: c.LastYear.Figures}
	}
	for i := range in.Devices {
		in.Devices[i].CreditCode = c.Taxpayer.CreditCode
	}
	for _, f := range c.Figures {
		in.Figures = append(in.Figures, reconcile.DeviceFigure{DeviceID: f.DeviceID, MN: f.MN, Code: f.Code, Month: f.Month,
			Basis: monitor.Basis(f.Basis), Total: f.Total, TotalCount: f.TotalCount, Valid: f.Valid, Units: f.Units, Excluded: f.Excluded})
	}
	for i := range in.Outputs {
		in.Outputs[i].CreditCode = c.Taxpayer.CreditCode
	}
	return in
}

func nd(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// TestCase1 checks every item and flag of a hand-worked quarter, and the
// tax on both sides against requests written by hand.
func TestCase1(t *testing.T) {
	in := loadCase(t, "case1.json")
	r := reconciler(t, in.Period.End())
	res, err := r.Taxpayer(in)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/case1.expected.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	if len(res.Items) != len(rows) {
		t.Errorf("%d items, want %d", len(res.Items), len(rows))
	}
	flagsOf := map[string][]string{}
	for _, fl := range res.Flags {
		k := fl.Month + "|" + fl.OutletNo + "|" + fl.Pollutant
		flagsOf[k] = append(flagsOf[k], fl.Code)
	}
	for i, row := range rows {
		if i >= len(res.Items) {
			break
		}
		it := res.Items[i]
		want := strings.Join(row, ",")
		codes := flagsOf[it.Month+"|"+it.OutletNo+"|"+it.Pollutant]
		sort.Strings(codes)
		got := strings.Join([]string{it.Month, it.OutletNo, it.Pollutant, strconv.FormatInt(it.SourceID, 10), nd(it.DeclaredKg), nd(it.MonitoredKg),
			nd(it.DifferenceKg), it.Status, nd(it.Completeness), strings.Join(codes, " ")}, ",")
		if got != want {
			t.Errorf("item %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// The one taxpayer-wide flag would be no_declaration; there is a
	// declaration, so every flag belongs to an item.
	for _, fl := range res.Flags {
		if fl.Month == "" || fl.OutletNo == "" || fl.Rule == "" || fl.Message == "" || fl.RaisedOn != "2024-05-20" {
			t.Errorf("flag not addressable or not explained: %+v", fl)
		}
		if fl.Code != reconcile.FlagMissing && !strings.Contains(fl.Parameter, "fixtures/reconcile/params.csv:") {
			t.Errorf("flag %s does not cite its parameter row: %q", fl.Code, fl.Parameter)
		}
	}
	if res.Status != reconcile.ResultFlagged {
		t.Errorf("status %s", res.Status)
	}
	// Warnings: the unknown code is named; the flow code is not taxable
	// and is not a warning.
	joined := strings.Join(res.Warnings, "\n")
	if !strings.Contains(joined, "zz999") || strings.Contains(joined, "a00000") {
		t.Errorf("warnings: %s", joined)
	}
	// The hour fallback of DW001 in March is noted on the item.
	for _, it := range res.Items {
		if it.OutletNo == "DW001" && it.Month == "2024-03" && (it.Basis != "hour" || !strings.Contains(strings.Join(it.Detail.Notes, ";"), "hour data used")) {
			t.Errorf("DW001 2024-03 basis %s notes %v", it.Basis, it.Detail.Notes)
		}
	}

	// Tax: the engine on the hand-written requests.
	want := func(file string) decimal.Decimal {
		data, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		req, err := calc.DecodeRequest(data)
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Engine.Assess(req)
		if err != nil {
			t.Fatal(err)
		}
		return out.TotalTax
	}
	dt, mt := want("case1.declared.request.json"), want("case1.monitored.request.json")
	if !res.DeclaredTax.Valid || !res.DeclaredTax.Decimal.Equal(dt) {
		t.Errorf("declared tax %s, want %s", nd(res.DeclaredTax.NullDecimal), dt)
	}
	if !res.MonitoredTax.Valid || !res.MonitoredTax.Decimal.Equal(mt) {
		t.Errorf("monitored tax %s, want %s", nd(res.MonitoredTax.NullDecimal), mt)
	}
	if !res.TaxDifference.Decimal.Equal(mt.Sub(dt)) || mt.LessThanOrEqual(dt) {
		t.Errorf("difference %s (monitored %s, declared %s)", nd(res.TaxDifference.NullDecimal), mt, dt)
	}
	// Every figure is an item here, so the items' taxes add up to the totals.
	var sd, sm decimal.Decimal
	for _, it := range res.Items {
		sd = sd.Add(it.DeclaredTax.Decimal)
		sm = sm.Add(it.MonitoredTax.Decimal)
	}
	if !sd.Equal(dt) || !sm.Equal(mt) {
		t.Errorf("items add up to %s / %s, totals %s / %s", sd, sm, dt, mt)
	}
	// Output recorded: one intensity per declared pollutant.
	if res.OutputUnit != "t" || len(res.Intensities) != 3 {
		t.Errorf("intensities %+v", res.Intensities)
	}
}

// TestNoDeclaration: monitored but nothing submitted. Before the deadline
// there is no flag; after it, one taxpayer-wide flag. Monitored-only
// pollutants are taxed on the monitored side with made-up sources.
func TestNoDeclaration(t *testing.T) {
	in := loadCase(t, "case1.json")
	in.Declared = nil
	in.Sources = in.Sources[:0] // not even registered
	r := reconciler(t, in.Period.End())
	in.AsOf = param.NewDate(2024, 4, 10)
	res, err := r.Taxpayer(in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != reconcile.ResultNoDeclaration || len(res.Flags) != 1 || res.Flags[0].Code != reconcile.FlagIncomplete {
		t.Errorf("before the deadline: status %s flags %+v", res.Status, res.Flags)
	}
	in.AsOf = param.NewDate(2024, 4, 16)
	res, err = r.Taxpayer(in)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, f := range res.Flags {
		codes = append(codes, f.Code)
		if f.Code == reconcile.FlagNoDeclaration && (f.Month != "" || f.OutletNo != "" || f.Pollutant != "") {
			t.Errorf("no_declaration is taxpayer-wide: %+v", f)
		}
	}
	if strings.Join(codes, ",") != "no_declaration,monitoring_incomplete" {
		t.Errorf("flags %v", codes)
	}
	for _, it := range res.Items {
		if it.Status != reconcile.StatusNotDeclared || it.SourceID != 0 || !it.MonitoredTax.Valid {
			t.Errorf("item %+v", it)
		}
	}
	if res.DeclaredTax.Valid || !res.MonitoredTax.Valid || res.MonitoredTax.Decimal.Sign() <= 0 || res.TaxDifference.Valid {
		t.Errorf("taxes %s %s %s", nd(res.DeclaredTax.NullDecimal), nd(res.MonitoredTax.NullDecimal), nd(res.TaxDifference.NullDecimal))
	}
}

// TestUndeclaredPollutant: a declaration that leaves out a monitored
// pollutant is flagged for it (declared counts as 0).
func TestUndeclaredPollutant(t *testing.T) {
	in := loadCase(t, "case1.json")
	var figs []filing.Figure
	for _, f := range in.Declared.Figures {
		if f.SourceID != 2 {
			figs = append(figs, f)
		}
	}
	in.Declared.Figures = figs
	in.Sources = append(in.Sources[:1], in.Sources[2:]...) // NOx not registered either
	res, err := reconciler(t, in.Period.End()).Taxpayer(in)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range res.Flags {
		if f.Pollutant == "氮氧化物" && f.Code == reconcile.FlagMonitoredAbove {
			n++
			if f.SourceID != 0 || !strings.Contains(f.Message, "申报中却没有该项数据") {
				t.Errorf("%+v", f)
			}
		}
	}
	if n != 2 { // January and February were monitored
		t.Errorf("%d NOx flags, want 2: %+v", n, res.Flags)
	}
}

// TestConfirmed: when monitoring confirms every declared emission the
// monitored side is the declaration itself: the same tax, no flags about
// amounts.
func TestConfirmed(t *testing.T) {
	in := loadCase(t, "case1.json")
	in.Figures = nil
	for _, f := range in.Declared.Figures {
		if f.SourceID == 4 { // DA002 has no device
			continue
		}
		dev, code, basis, units := int64(7), map[int64]string{1: "a21026", 2: "a21002"}[f.SourceID], "hour", 744
		if f.SourceID == 3 {
			dev, code, basis, units = 8, "w01018", "day", 31
		}
		in.Figures = append(in.Figures, reconcile.DeviceFigure{DeviceID: dev, Code: code, Month: f.Month, Basis: monitor.Basis(basis),
			Total: f.EmissionKg.Decimal, TotalCount: units, Valid: units, Units: units})
	}
	res, err := reconciler(t, in.Period.End()).Taxpayer(in)
	if err != nil {
		t.Fatal(err)
	}
	if !res.MonitoredTax.Decimal.Equal(res.DeclaredTax.Decimal) || res.TaxDifference.Decimal.Sign() != 0 || !res.MonitoredTax.Valid {
		t.Errorf("taxes %s %s %s", nd(res.DeclaredTax.NullDecimal), nd(res.MonitoredTax.NullDecimal), nd(res.TaxDifference.NullDecimal))
	}
	for _, f := range res.Flags {
		if f.Code == reconcile.FlagMonitoredAbove {
			t.Errorf("flag %+v", f)
		}
	}
	for _, it := range res.Items {
		if it.MonitoredKg.Valid && (it.Status != reconcile.StatusMatch || !it.MonitoredTax.Decimal.Equal(it.DeclaredTax.Decimal)) {
			t.Errorf("item %+v", it)
		}
	}
}

// TestItemDetailJSON: the hand-written MarshalJSON reads back as
// encoding/json would write the struct.
func TestItemDetailJSON(t *testing.T) {
	type plain reconcile.ItemDetail // no MarshalJSON
	for _, d := range []reconcile.ItemDetail{
		{},
		{Devices: []string{"MN\"1", "<&>"}, Codes: []string{"a21026"}, Mean: decimal.NullDecimal{Decimal: decimal.RequireFromString("1.2300"), Valid: true},
			LastYearKg: decimal.NullDecimal{Decimal: decimal.RequireFromString("-5"), Valid: true}, Sources: []int64{3, 14}, Notes: []string{"换行\n", "tab\t"}, MonitorMode: "device"},
	} {
		got, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back, want map[string]any
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		w, _ := json.Marshal(plain(d))
		json.Unmarshal(w, &want)
		for k, v := range want {
			if v == nil || fmt.Sprint(v) == "[]" {
				if bv, ok := back[k]; ok && bv != nil {
					t.Errorf("%s: %v, want null or absent", k, bv)
				}
				continue
			}
			if fmt.Sprint(back[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %v, want %v (%s)", k, back[k], v, got)
			}
		}
	}
}
