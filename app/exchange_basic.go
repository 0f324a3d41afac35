package app

// The basic records and detail datasets of the exchange (issue 15) and the
// identification loop (实施条例 第十九条): what each side sends about
// taxpayers, polluters, per-source declaration lines and monitored months,
// and the worklist of the other side's records that match nothing here.
// See docs/exchange.md.

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// inPeriod reports whether a source is valid on some day of the period.
func inPeriod(s *filing.Source, per filing.Period) bool {
	start, end := filing.DateOf(per.Start()), filing.DateOf(per.End())
	return s.ValidFrom <= end && (s.ValidTo == "" || s.ValidTo >= start)
}

func periodSources(tx *store.Tx, code string, per filing.Period) ([]*filing.Source, error) {
	all, err := tx.ListSources(code)
	if err != nil {
		return nil, err
	}
	var out []*filing.Source
	for _, s := range all {
		if inPeriod(s, per) {
			out = append(out, s)
		}
	}
	return out, nil
}

func regionTaxpayers(tx *store.Tx, prefix string) ([]filing.Taxpayer, error) {
	return tx.ListTaxpayers(store.TaxpayerFilter{RegionPrefix: prefix, Limit: 1 << 30})
}

// taxBasic adds the tax side's basic records and details: the taxpayers
// with their sources, every filed revision's lines and the late filings.
func taxBasic(tx *store.Tx, out map[string][]exchange.Record, per filing.Period, prefix string, decls []store.XDeclaration, revOf map[int64]int) error {
	tps, err := regionTaxpayers(tx, prefix)
	if err != nil {
		return err
	}
	out["taxpayers"], out["declaration_lines"], out["tax_violations"] = []exchange.Record{}, []exchange.Record{}, []exchange.Record{}
	for i := range tps {
		srcs, err := periodSources(tx, tps[i].CreditCode, per)
		if err != nil {
			return err
		}
		out["taxpayers"] = append(out["taxpayers"], exchange.TaxpayerRows(&tps[i], srcs)...)
	}
	sources := map[string][]*filing.Source{}
	for _, x := range decls {
		srcs, ok := sources[x.CreditCode]
		if !ok {
			if srcs, err = tx.ListSources(x.CreditCode); err != nil {
				return err
			}
			sources[x.CreditCode] = srcs
		}
		figs, err := tx.Figures(x.ID)
		if err != nil {
			return err
		}
		f := exchange.Filed{Declaration: &x.Declaration, TaxpayerName: x.TaxpayerName, Region: x.TaxpayerRegion}
		if x.ReplacesID != nil {
			f.ReplacesRevision = revOf[*x.ReplacesID]
		}
		rows, err := exchange.LineRows(f, srcs, figs)
		if err != nil {
			return err
		}
		out["declaration_lines"] = append(out["declaration_lines"], rows...)
		out["tax_violations"] = append(out["tax_violations"], exchange.ViolationRows(f)...)
	}
	return nil
}

// envBasic adds the environment side's basic records and monitored
// months: the polluters with their outlets and devices, and the monthly
// figures of every monitored outlet, from ecotax's own stored figures.
// permits come from the permit register (RegisterPermit),
// supervisory_samples from the recorded measurements (RecordSample).
func (s *Service) envBasic(tx *store.Tx, out map[string][]exchange.Record, per filing.Period, prefix string) error {
	out["polluters"], out["permits"], out["monitoring_monthly"], out["supervisory_samples"] =
		[]exchange.Record{}, []exchange.Record{}, []exchange.Record{}, []exchange.Record{}
	tps, err := regionTaxpayers(tx, prefix)
	if err != nil {
		return err
	}
	months := per.Months()
	set, err := s.t.Reconcile.On(per.Start())
	if err != nil {
		return err
	}
	places := int32(set.Places.Value.IntPart())
	codes := s.codes()
	for i := range tps {
		t := &tps[i]
		srcs, err := periodSources(tx, t.CreditCode, per)
		if err != nil {
			return err
		}
		devs, err := tx.ListDevices(store.DeviceFilter{CreditCode: t.CreditCode})
		if err != nil {
			return err
		}
		var mon []exchange.Monitored
		for _, d := range devs {
			if d.ValidFrom <= filing.DateOf(per.End()) && (d.ValidTo == "" || d.ValidTo >= filing.DateOf(per.Start())) {
				mon = append(mon, exchange.Monitored{OutletNo: d.OutletNo, MN: d.MN})
			}
		}
		permits, err := tx.Permits(t.CreditCode)
		if err != nil {
			return err
		}
		from, to := filing.DateOf(per.Start()), filing.DateOf(per.End())
		pol := exchange.PolluterRows(t, srcs, mon)
		exchange.FillPermitNo(pol, permits, from, to)
		out["polluters"] = append(out["polluters"], pol...)
		out["permits"] = append(out["permits"], exchange.PermitRows(t, permits, from, to)...)
		samples, err := tx.Samples(t.CreditCode, from, to)
		if err != nil {
			return err
		}
		out["supervisory_samples"] = append(out["supervisory_samples"], exchange.SampleRows(t, samples, from, to)...)
		if len(devs) == 0 {
			continue
		}
		figs, err := tx.MonthlyFigures(t.CreditCode, months[0], months[len(months)-1])
		if err != nil {
			return err
		}
		rows := monthlyRows(t, devs, figs, codes, places, set.CouKg.Value)
		out["monitoring_monthly"] = append(out["monitoring_monthly"], rows...)
	}
	return nil
}

// flowKind is the class of a flow factor code (HJ 212-2017 a00000 废气,
// w00000 废水), "" for other codes.
func flowKind(code string) string {
	switch strings.ToLower(code) {
	case "a00000":
		return calc.KindAir
	case "w00000":
		return calc.KindWater
	}
	return ""
}

func monthlyRows(t *filing.Taxpayer, devs []reconcile.Device, figs []store.MonthlyFigure, codes *reconcile.Codes, places int32, kgPerUnit decimal.Decimal) []exchange.Record {
	outletOf := map[int64]string{}
	for _, d := range devs {
		outletOf[d.ID] = d.OutletNo
	}
	type flowKey struct{ outlet, month, kind string }
	flow := map[flowKey]decimal.Decimal{}
	slim := make([]reconcile.DeviceFigure, len(figs))
	for i := range figs {
		slim[i] = figs[i].Slim()
		if k := flowKind(figs[i].Code); k != "" && figs[i].TotalCount > 0 && figs[i].DeviceID != 0 {
			key := flowKey{outletOf[figs[i].DeviceID], figs[i].Month, k}
			flow[key] = flow[key].Add(figs[i].Total)
		}
	}
	outs, _ := reconcile.Outlets(devs, slim, codes, places, kgPerUnit)
	var rows []exchange.Record
	for _, k := range reconcile.SortedOutletKeys(outs) {
		o := outs[k]
		kind := calc.KindWater
		if p := codes.Names().ByID(o.PollutantID); p != nil && p.Category == calc.CatAir {
			kind = calc.KindAir
		}
		m := &exchange.Monthly{CreditCode: t.CreditCode, Region: t.Region, OutletNo: o.OutletNo, Month: o.Month,
			Pollutant: o.Pollutant, MNs: o.Devices, Codes: o.Codes, Kind: kind, Avg: o.Mean, Max: o.Max,
			Basis: string(o.Basis), Valid: o.Valid, Units: o.Units, Completeness: o.Completeness(places),
			Excluded: o.Excluded, Lenient: o.Lenient, Notes: o.Notes}
		if o.Counted > 0 {
			m.EmissionKg = decimal.NullDecimal{Decimal: o.TotalKg, Valid: true}
		}
		if v, ok := flow[flowKey{o.OutletNo, o.Month, kind}]; ok {
			m.FlowM3 = decimal.NullDecimal{Decimal: v, Valid: true}
		}
		if m.Basis == "" {
			m.Basis = string(reconcile.StatutoryBasis(kind))
		}
		rows = append(rows, exchange.MonthlyRow(m))
	}
	return rows
}

// ---- The identification loop (实施条例 第十九条) ----------------------------

// matchDatasets are the datasets whose records are matched against this
// side's registry on import, with the keys each is matched by.
var matchDatasets = map[string]bool{
	"taxpayers": true, "declaration_lines": true, "tax_violations": true,
	"polluters": true, "permits": true, "monitoring_monthly": true, "supervisory_samples": true, "error_notices": true,
	"penalties": true, "reductions": true, "risk_flags": true,
}

// basicDatasets are the datasets added for issue 15; their import
// outcome is matched or unmatched (the others keep theirs).
var basicDatasets = map[string]bool{
	"taxpayers": true, "declaration_lines": true, "tax_violations": true,
	"polluters": true, "permits": true, "monitoring_monthly": true, "supervisory_samples": true, "error_notices": true,
}

// registry is what this side has registered, read lazily per taxpayer.
type registry struct {
	tx      *store.Tx
	tps     map[string]*filing.Taxpayer
	outlets map[string]map[string]bool // credit code → outlet numbers (sources and devices)
	mns     map[string]string          // MN → credit code
}

func newRegistry(tx *store.Tx) *registry {
	return &registry{tx: tx, tps: map[string]*filing.Taxpayer{}, outlets: map[string]map[string]bool{}}
}

func (r *registry) taxpayer(code string) (*filing.Taxpayer, error) {
	if t, ok := r.tps[code]; ok {
		return t, nil
	}
	t, err := r.tx.GetTaxpayer(code)
	if err != nil {
		var ce *calc.Error
		if errors.As(err, &ce) && ce.Kind == calc.KindNotFound {
			t, err = nil, nil
		} else {
			return nil, err
		}
	}
	r.tps[code] = t
	return t, nil
}

func (r *registry) outlet(code, outlet string) (bool, error) {
	set, ok := r.outlets[code]
	if !ok {
		set = map[string]bool{}
		srcs, err := r.tx.ListSources(code)
		if err != nil {
			return false, err
		}
		for _, s := range srcs {
			set[s.OutletNo] = true
		}
		devs, err := r.tx.ListDevices(store.DeviceFilter{CreditCode: code})
		if err != nil {
			return false, err
		}
		for _, d := range devs {
			set[d.OutletNo] = true
		}
		r.outlets[code] = set
	}
	return set[outlet], nil
}

func (r *registry) mn(mn string) (string, error) {
	if r.mns == nil {
		r.mns = map[string]string{}
		devs, err := r.tx.ListDevices(store.DeviceFilter{})
		if err != nil {
			return "", err
		}
		for _, d := range devs {
			r.mns[d.MN] = d.CreditCode
		}
	}
	return r.mns[mn], nil
}

// Mismatch is why a record of the other side matches nothing here.
type Mismatch struct {
	Field  string `json:"field"` // credit_code, outlet_no or mn
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// match checks a record's keys against the registry: its credit code, its
// outlet and its MNs. nil when everything it names is registered here.
func (r *registry) match(d *exchange.Dataset, rec exchange.Record) (*Mismatch, error) {
	code := d.Field(rec, "credit_code")
	if code == "" {
		return nil, nil
	}
	t, err := r.taxpayer(code)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return &Mismatch{Field: "credit_code", Value: code, Reason: "taxpayer not registered here"}, nil
	}
	if o := d.Field(rec, "outlet_no"); o != "" {
		ok, err := r.outlet(code, o)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &Mismatch{Field: "outlet_no", Value: o, Reason: "outlet not registered here for " + code}, nil
		}
	}
	if list := d.Field(rec, "mn"); list != "" {
		for _, mn := range strings.Split(list, ",") {
			owner, err := r.mn(mn)
			if err != nil {
				return nil, err
			}
			if owner == "" {
				return &Mismatch{Field: "mn", Value: mn, Reason: "MN not mapped to any outlet here"}, nil
			}
			if owner != code {
				return &Mismatch{Field: "mn", Value: mn, Reason: "MN mapped here to " + owner + ", not " + code}, nil
			}
		}
	}
	return nil, nil
}

func (m *Mismatch) outcome() string {
	return fmt.Sprintf("unmatched: %s %s: %s", m.Field, m.Value, m.Reason)
}

// WorkItem is a record of the other side that matches nothing here: what
// an officer checks and registers (or reports back) under 实施条例 第十九条.
type WorkItem struct {
	BatchID    string             `json:"batch_id"`
	Direction  string             `json:"direction"`
	Dataset    string             `json:"dataset"`
	Line       int                `json:"line"`
	Key        string             `json:"key"`
	CreditCode string             `json:"credit_code"`
	Mismatch   Mismatch           `json:"mismatch"`
	Values     map[string]*string `json:"values"`
}

// Worklist lists the records of imported batches of a direction ("" =
// both) that still match nothing registered here (checked now, so an
// item goes away once its taxpayer, outlet or device is registered), the
// newest batch's copy of each record only.
func (s *Service) Worklist(ctx context.Context, p filing.Principal, direction string) ([]WorkItem, error) {
	if err := allowed(p, filing.ActExchangeRead); err != nil {
		return nil, err
	}
	if err := CheckDirection(direction); err != nil {
		return nil, err
	}
	items := []WorkItem{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		recs, err := tx.ImportedRecords(direction, prefixOf(p))
		if err != nil {
			return err
		}
		reg := newRegistry(tx)
		seen := map[string]bool{}
		for _, r := range recs { // newest batch first
			d, ok := exchange.Lookup(r.Dataset)
			if !ok || !matchDatasets[d.Name] || seen[d.Name+"|"+r.RecordKey] {
				continue
			}
			seen[d.Name+"|"+r.RecordKey] = true
			vals, err := d.Values(r.Payload)
			if err != nil {
				return fmt.Errorf("stored record %s:%d: %v", r.Dataset, r.Line, err)
			}
			rec := make(exchange.Record, len(d.Fields))
			for i, f := range d.Fields {
				if v := vals[f.Name]; v != nil {
					rec[i] = *v
				}
			}
			t, err := reg.taxpayer(r.CreditCode)
			if err != nil {
				return err
			}
			if t != nil && !p.Sees(t.CreditCode, t.Region) {
				continue
			}
			m, err := reg.match(d, rec)
			if err != nil {
				return err
			}
			if m != nil {
				items = append(items, WorkItem{BatchID: r.BatchID, Direction: r.Direction, Dataset: d.Name, Line: r.Line,
					Key: r.RecordKey, CreditCode: r.CreditCode, Mismatch: *m, Values: vals})
			}
		}
		return nil
	})
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].CreditCode != items[j].CreditCode {
			return items[i].CreditCode < items[j].CreditCode
		}
		return items[i].Dataset < items[j].Dataset
	})
	return items, err
}

// DatasetInfo describes a dataset for people and programs.
type DatasetInfo struct {
	Name      string      `json:"name"`
	Direction string      `json:"direction"`
	Title     string      `json:"title"`
	Key       []string    `json:"key"`
	Fields    []FieldInfo `json:"fields"`
}

// FieldInfo describes a field of a dataset.
type FieldInfo struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Label    string   `json:"label"`
	Unit     string   `json:"unit,omitempty"`
	Absent   string   `json:"absent,omitempty"`
	Enum     []string `json:"enum,omitempty"`
}

// ExchangeDatasets lists every dataset in batch order.
func ExchangeDatasets() []DatasetInfo {
	var out []DatasetInfo
	for _, d := range exchange.Datasets() {
		info := DatasetInfo{Name: d.Name, Direction: d.Direction, Title: d.Title, Key: d.Key}
		for _, f := range d.Fields {
			info.Fields = append(info.Fields, FieldInfo{Name: f.Name, Type: f.Type.String(), Required: f.Required, Label: f.Label,
				Unit: f.Unit, Absent: f.Absent, Enum: f.Enum})
		}
		out = append(out, info)
	}
	return out
}

// BadFormat is the problem of a worklist format other than json or csv.
func BadFormat() error {
	return calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is json or csv"}})
}

// WorklistCSV writes a worklist as CSV (UTF-8 with a BOM, so that
// spreadsheet programs read the Chinese), one item a row, with the
// record as its JSON Lines object.
func WorklistCSV(items []WorkItem) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"batch_id", "direction", "dataset", "line", "credit_code", "field", "value", "reason", "record"})
	for _, it := range items {
		d, _ := exchange.Lookup(it.Dataset)
		rec := make(exchange.Record, len(d.Fields))
		for i, f := range d.Fields {
			if v := it.Values[f.Name]; v != nil {
				rec[i] = *v
			}
		}
		if err := w.Write([]string{it.BatchID, it.Direction, it.Dataset, strconv.Itoa(it.Line), csvSafe(it.CreditCode),
			it.Mismatch.Field, csvSafe(it.Mismatch.Value), csvSafe(it.Mismatch.Reason), csvSafe(d.Payload(rec))}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from reading a value as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
