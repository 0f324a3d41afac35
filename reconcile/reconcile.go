// Package reconcile compares what taxpayers declared with what online
// monitoring measured (比对, 环境保护税法 第二十条), outlet by outlet,
// pollutant by pollutant and month by month; runs the tax engine on both
// (the monitored figures decide the base when they differ, 实施条例
// 第二十一条); and raises the risk flags (风险疑点) a tax officer may ask
// the environment bureau to review (复核, 法 第二十条第二款):
//
//   - monitored_above_declared: monitored above declared beyond a
//     tolerance (法 第二十条; 条例 第二十一条);
//   - yoy_drop: declared far below the same month last year
//     (条例 第二十二条 (一));
//   - intensity_below_peers: emission per unit of output far below the
//     median of taxpayers of the same industry (条例 第二十二条 (二));
//   - monitoring_missing, monitoring_incomplete: no or too few valid
//     monitoring records where monitoring is expected (法 第十条 (一),
//     条例 第十五条 (二));
//   - no_declaration: nothing declared for the period after the deadline
//     (法 第二十条第二款: 未按照规定期限办理纳税申报).
//
// Every threshold is a dated row of fixtures/reconcile/params.csv, named
// in the flag that used it. The package is pure: no SQL, HTTP, files or
// clock; the caller passes the day of the run.
package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Item statuses: how the two figures compare.
const (
	StatusMatch           = "match"            // within the tolerance
	StatusMonitoredHigher = "monitored_higher" // monitored above declared beyond the tolerance
	StatusDeclaredHigher  = "declared_higher"  // declared above monitored beyond the tolerance
	StatusNotDeclared     = "not_declared"     // monitored, no declared figure
	StatusNotMonitored    = "not_monitored"    // declared, no monitored emission
	StatusNoData          = "no_data"          // a registered source with neither
)

// Flag codes.
const (
	FlagMonitoredAbove = "monitored_above_declared"
	FlagYoYDrop        = "yoy_drop"
	FlagPeers          = "intensity_below_peers"
	FlagMissing        = "monitoring_missing"
	FlagIncomplete     = "monitoring_incomplete"
	FlagNoDeclaration  = "no_declaration"
)

// FlagRules cites the articles behind each flag.
var FlagRules = map[string]string{
	FlagMonitoredAbove: "环境保护税法 第二十条; 实施条例 第二十一条",
	FlagYoYDrop:        "环境保护税法 第二十条第二款; 实施条例 第二十二条 (一)",
	FlagPeers:          "环境保护税法 第二十条第二款; 实施条例 第二十二条 (二)",
	FlagMissing:        "环境保护税法 第十条 (一); 实施条例 第十五条 (二)",
	FlagIncomplete:     "环境保护税法 第十条 (一); 实施条例 第十五条 (二)",
	FlagNoDeclaration:  "环境保护税法 第二十条第二款 (未按照规定期限办理纳税申报)",
}

// Declared is the latest submitted or accepted revision of a declaration.
type Declared struct {
	ID       int64
	Revision int
	Status   filing.Status
	Figures  []filing.Figure
}

// Input is everything about one taxpayer and period.
type Input struct {
	Taxpayer *filing.Taxpayer
	Period   filing.Period
	Deadline param.Date // of the period (法 第十九条)
	AsOf     param.Date // the day of the run
	Sources  []*filing.Source
	Declared *Declared // nil: nothing submitted
	LastYear *Declared // the same period a year before (only source, month and emission are read); nil when none
	Devices  []Device  // mappings of the taxpayer active in the period
	Figures  []DeviceFigure
	Outputs  []Output // months of the period
}

// Item is one outlet × pollutant × month.
type Item struct {
	CreditCode   string              `json:"credit_code"`
	Period       string              `json:"period"`
	Month        string              `json:"month"`
	OutletNo     string              `json:"outlet_no"`
	SourceID     int64               `json:"source_id"` // the registered source (0: none)
	Kind         string              `json:"kind"`
	Pollutant    string              `json:"pollutant"` // statutory name
	PollutantID  string              `json:"pollutant_id"`
	DeclaredKg   decimal.NullDecimal `json:"declared_kg"`
	MonitoredKg  decimal.NullDecimal `json:"monitored_kg"`
	DifferenceKg decimal.NullDecimal `json:"difference_kg"` // monitored − declared
	DeclaredTax  filing.Money        `json:"declared_tax"`
	MonitoredTax filing.Money        `json:"monitored_tax"`
	Completeness decimal.NullDecimal `json:"completeness"`
	ValidUnits   int                 `json:"valid_units"`
	Units        int                 `json:"units"`
	Excluded     int                 `json:"excluded"`
	Basis        string              `json:"basis"`
	Status       string              `json:"status"`
	Detail       ItemDetail          `json:"detail"`
}

// ItemDetail is what an officer drills down into.
type ItemDetail struct {
	Devices     []string            `json:"devices,omitempty"`
	Codes       []string            `json:"codes,omitempty"`
	Mean        decimal.NullDecimal `json:"mean_concentration"`
	Max         decimal.NullDecimal `json:"max_concentration"`
	LastYearKg  decimal.NullDecimal `json:"last_year_kg"`
	Sources     []int64             `json:"sources,omitempty"`
	Notes       []string            `json:"notes,omitempty"`
	MonitorMode string              `json:"monitoring,omitempty"` // why monitoring is expected: "automatic", "device"
}

// MarshalJSON writes the detail without reflection: a run writes one
// per item, hundreds of thousands at a time.
func (d ItemDetail) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(make([]byte, 0, 256)), nil
}

// AppendJSON appends what MarshalJSON writes to b (a writer of many
// items reuses one buffer).
func (d *ItemDetail) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	strs := func(key string, v []string) {
		if len(v) == 0 {
			return
		}
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":[`...)
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, "],"...)
	}
	num := func(key string, v decimal.NullDecimal) {
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = appendJSONNull(b, v)
		b = append(b, ',')
	}
	strs("devices", d.Devices)
	strs("codes", d.Codes)
	num("mean_concentration", d.Mean)
	num("max_concentration", d.Max)
	num("last_year_kg", d.LastYearKg)
	if len(d.Sources) > 0 {
		b = append(b, `"sources":[`...)
		for i, id := range d.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, "],"...)
	}
	strs("notes", d.Notes)
	if d.MonitorMode != "" {
		b = append(b, `"monitoring":`...)
		b = appendJSONString(b, d.MonitorMode)
		b = append(b, ',')
	}
	b[len(b)-1] = '}' // the last field's comma; num always writes one
	return b
}

// appendJSONString quotes s exactly as json.Marshal does. Plain text (no
// quote, backslash, control character, <, > or &, valid UTF-8 without
// U+2028/U+2029: every code, MN and nearly every note) is copied as it is;
// anything else goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	return append(b, q...)
}

func plainJSON(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.ContainsRune(s, '\u2028') && !strings.ContainsRune(s, '\u2029')
}

// Flag is one risk flag (风险疑点). It is addressed by FlagKey: the
// taxpayer, period, outlet, pollutant, month and code; outlet, pollutant
// and month are "" for a flag about the whole taxpayer or period.
type Flag struct {
	CreditCode string      `json:"credit_code" db:"credit_code"`
	Period     string      `json:"period" db:"period"`
	Month      string      `json:"month" db:"month"`
	OutletNo   string      `json:"outlet_no" db:"outlet_no"`
	SourceID   int64       `json:"source_id" db:"source_id"`
	Pollutant  string      `json:"pollutant" db:"pollutant"`
	Code       string      `json:"code" db:"code"`
	Parameter  string      `json:"parameter" db:"parameter"` // the rule row that set the threshold
	Threshold  string      `json:"threshold" db:"threshold"`
	Observed   string      `json:"observed" db:"observed"`
	Rule       string      `json:"rule" db:"rule"`
	Message    string      `json:"message" db:"message"`
	RaisedOn   filing.Date `json:"raised_on" db:"raised_on"`
}

// FlagKey is how a review (复核) refers to a flag.
type FlagKey struct {
	CreditCode string `json:"credit_code"`
	Period     string `json:"period"`
	OutletNo   string `json:"outlet_no"`
	Pollutant  string `json:"pollutant"`
	Month      string `json:"month"`
	Code       string `json:"code"`
}

// Key is the flag's address.
func (f *Flag) Key() FlagKey {
	return FlagKey{f.CreditCode, f.Period, f.OutletNo, f.Pollutant, f.Month, f.Code}
}

// Intensity is a taxpayer's declared emission per unit of output for one
// pollutant over the period (实施条例 第二十二条 (二)).
type Intensity struct {
	PollutantID string          `json:"pollutant_id"`
	Pollutant   string          `json:"pollutant"`
	DeclaredKg  decimal.Decimal `json:"declared_kg"`
	Output      decimal.Decimal `json:"output"`
	Unit        string          `json:"unit"`
	Peers       int             `json:"peers"`
	// PeerMedian is shown rounded to 6 places; the comparison is exact.
	PeerMedian decimal.NullDecimal `json:"peer_median"`
	Value      decimal.NullDecimal `json:"value"` // DeclaredKg ÷ Output, shown rounded to 6 places
}

// Taxpayer statuses.
const (
	ResultClear         = "clear"
	ResultFlagged       = "flagged"
	ResultNoDeclaration = "no_declaration"
)

// Result is the reconciliation of one taxpayer and period.
type Result struct {
	CreditCode    string       `json:"credit_code"`
	Name          string       `json:"name"`
	Region        string       `json:"region"`
	Industry      string       `json:"industry"`
	Period        string       `json:"period"`
	DeclarationID *int64       `json:"declaration_id"`
	Revision      *int         `json:"revision"`
	DeclaredTax   filing.Money `json:"declared_tax"`
	MonitoredTax  filing.Money `json:"monitored_tax"`
	TaxDifference filing.Money `json:"tax_difference"` // monitored − declared
	Status        string       `json:"status"`
	Items         []Item       `json:"items"`
	Flags         []Flag       `json:"flags"`
	Intensities   []Intensity  `json:"intensities,omitempty"`
	OutputUnit    string       `json:"output_unit,omitempty"`
	Warnings      []string     `json:"warnings,omitempty"`
}

// Reconciler holds what every taxpayer's reconciliation reads.
type Reconciler struct {
	Engine *calc.Engine
	Codes  *Codes
	Set    *Set // parameters in force for the period (Params.On)
}

// errorf keeps messages in one style.
func errorf(format string, args ...any) error { return fmt.Errorf("reconcile: "+format, args...) }

// itemKey is an item's place: outlet, pollutant id, month.
type itemKey = OutletKey

// work is the state of one taxpayer's reconciliation.
type work struct {
	r       *Reconciler
	in      *Input
	res     *Result
	srcByID map[int64]*filing.Source
	items   map[itemKey]*Item
	polOf   map[int64]*calc.Pollutant // source → statutory row (air/water, by mass)
	outlets map[OutletKey]*OutletFigure
	// inPeriod holds the months of the period (Period.Contains formats
	// them anew on every call).
	inPeriod map[string]bool
	keys     []itemKey // the items' keys in order, once every item exists
	active   map[activeKey]bool
	// slab holds the items (items points into it), made with room for
	// every item expected, so that they are one allocation and finish
	// can order them in place; more items than expected go to a new
	// slab (the old one stays where it is) and spilled says so.
	slab    []Item
	spilled bool
}

type activeKey struct {
	source int64
	month  string
}

// activeIn is s.ActiveIn(month), remembered (it parses both dates).
func (w *work) activeIn(s *filing.Source, month string) bool {
	k := activeKey{s.ID, month}
	a, ok := w.active[k]
	if !ok {
		a = s.ActiveIn(month)
		w.active[k] = a
	}
	return a
}

// Taxpayer reconciles one taxpayer and period. Peer comparison needs the
// other taxpayers and is added by Peers.
func (r *Reconciler) Taxpayer(in *Input) (*Result, error) {
	if in.Taxpayer == nil {
		return nil, errorf("no taxpayer")
	}
	tp := in.Taxpayer
	w := &work{r: r, in: in, srcByID: make(map[int64]*filing.Source, len(in.Sources)), polOf: make(map[int64]*calc.Pollutant, len(in.Sources)),
		res: &Result{CreditCode: tp.CreditCode, Name: tp.Name, Region: tp.Region, Industry: tp.Industry, Period: in.Period.Text,
			Items: []Item{}, Flags: []Flag{}}}
	w.inPeriod = map[string]bool{}
	w.active = make(map[activeKey]bool, len(in.Sources)*3)
	for _, m := range in.Period.Months() {
		w.inPeriod[m] = true
	}
	names := r.Codes.Names()
	for _, s := range in.Sources {
		w.srcByID[s.ID] = s
		if (s.Kind != filing.KindAir && s.Kind != filing.KindWater) || s.Fugitive {
			continue
		}
		p := names.Lookup(s.Kind, s.Pollutant)
		if p == nil {
			w.res.Warnings = append(w.res.Warnings, fmt.Sprintf("%s: pollutant %q is not in the statutory table for %s; not reconciled", s.Label(), s.Pollutant, s.Kind))
			continue
		}
		if p.Special == calc.SpecialNone {
			w.polOf[s.ID] = p
		}
	}
	places := int32(r.Set.Places.Value.IntPart())
	var warns []string
	w.outlets, warns = Outlets(in.Devices, in.Figures, r.Codes, places, r.Set.CouKg.Value)
	w.res.Warnings = append(w.res.Warnings, warns...)
	if d := in.Declared; d != nil {
		id, rev := d.ID, d.Revision
		w.res.DeclarationID, w.res.Revision = &id, &rev
	}

	n := len(w.outlets)
	if in.Declared != nil {
		n = max(n, len(in.Declared.Figures))
	}
	n = max(n, len(w.polOf)*len(w.inPeriod))
	w.slab = make([]Item, 0, n)
	w.items = make(map[itemKey]*Item, n)

	w.declared()
	w.monitored()
	w.expected()
	w.lastYear()
	w.compare()
	w.tax()
	w.intensity()
	w.noDeclaration()
	w.finish()
	return w.res, nil
}

// item finds or makes the item of an outlet, pollutant and month.
func (w *work) item(outlet string, p *calc.Pollutant, month string) *Item {
	k := itemKey{outlet, p.ID, month}
	it := w.items[k]
	if it == nil {
		if len(w.slab) == cap(w.slab) {
			w.slab = make([]Item, 0, max(8, cap(w.slab)))
			w.spilled = true
		}
		w.slab = append(w.slab, Item{CreditCode: w.in.Taxpayer.CreditCode, Period: w.in.Period.Text, Month: month, OutletNo: outlet,
			Kind: p.Class(), Pollutant: p.Name, PollutantID: p.ID})
		it = &w.slab[len(w.slab)-1]
		w.items[k] = it
	}
	return it
}

func (w *work) addSource(it *Item, id int64) {
	for _, x := range it.Detail.Sources {
		if x == id {
			return
		}
	}
	it.Detail.Sources = append(it.Detail.Sources, id)
	if it.SourceID == 0 || id < it.SourceID {
		it.SourceID = id
	}
}

// declared adds the declared emission of every air and water figure.
func (w *work) declared() {
	if w.in.Declared == nil {
		return
	}
	for i := range w.in.Declared.Figures {
		f := &w.in.Declared.Figures[i]
		p := w.polOf[f.SourceID]
		if p == nil || !w.inPeriod[f.Month] {
			continue
		}
		s := w.srcByID[f.SourceID]
		it := w.item(s.OutletNo, p, f.Month)
		w.addSource(it, s.ID)
		switch {
		case f.EmissionKg.Valid:
			it.DeclaredKg = decimal.NullDecimal{Decimal: addFirst(it.DeclaredKg.Decimal, !it.DeclaredKg.Valid, f.EmissionKg.Decimal), Valid: true}
		case !it.DeclaredKg.Valid:
			it.Detail.Notes = append(it.Detail.Notes, fmt.Sprintf("税源 %d declared without emission_kg", s.ID))
		}
	}
}

// monitored adds the outlet figures of the period.
func (w *work) monitored() {
	for k, o := range w.outlets {
		if !w.inPeriod[k.Month] {
			continue
		}
		p := w.r.Codes.Names().ByID(k.PollutantID)
		it := w.item(k.OutletNo, p, k.Month)
		it.Basis = string(o.Basis)
		it.ValidUnits, it.Units, it.Excluded = o.Valid, o.Units, o.Excluded
		it.Completeness = decimal.NullDecimal{Decimal: o.Completeness(int32(w.r.Set.Places.Value.IntPart())), Valid: true}
		it.Detail.Devices, it.Detail.Codes = o.Devices, o.Codes
		it.Detail.Mean, it.Detail.Max = o.Mean, o.Max
		it.Detail.Notes = append(it.Detail.Notes, o.Notes...)
		if o.Counted > 0 {
			it.MonitoredKg = decimal.NullDecimal{Decimal: o.TotalKg, Valid: true}
		} else {
			it.Detail.Notes = append(it.Detail.Notes, "the monitoring records carry no -Cou: no monitored emission")
		}
		if o.Lenient > 0 {
			it.Detail.Notes = append(it.Detail.Notes, fmt.Sprintf("%d counted records come from packets accepted only leniently (byte-swapped Modbus CRC)", o.Lenient))
		}
		// A registered source of that outlet and pollutant, valid in the
		// month, is the item's source even when nothing was declared.
		for _, s := range w.in.Sources {
			if s.OutletNo != k.OutletNo {
				continue
			}
			if q := w.polOf[s.ID]; q != nil && q.ID == p.ID && w.activeIn(s, k.Month) {
				w.addSource(it, s.ID)
			}
		}
	}
}

// expected adds an item for every air/water source valid in a month of
// the period, and marks where monitoring is expected: the source is
// declared as measured by automatic monitoring, or a device mapped to its
// outlet was active and sent nothing at all for that month.
func (w *work) expected() {
	months := w.in.Period.Months()
	deviceMonths := map[string]bool{} // outlet|month with an active mapping
	for i := range w.in.Devices {
		d := &w.in.Devices[i]
		for _, m := range months {
			if d.ActiveIn(m) {
				deviceMonths[d.OutletNo+"|"+m] = true
			}
		}
	}
	outletData := map[string]bool{} // outlet|month with any monitored figure
	for k := range w.outlets {
		outletData[k.OutletNo+"|"+k.Month] = true
	}
	for _, s := range w.in.Sources {
		p := w.polOf[s.ID]
		if p == nil {
			continue
		}
		for _, m := range months {
			if !w.activeIn(s, m) {
				continue
			}
			it := w.item(s.OutletNo, p, m)
			w.addSource(it, s.ID)
			switch {
			case s.Method == "automatic":
				it.Detail.MonitorMode = "automatic"
			case deviceMonths[s.OutletNo+"|"+m] && !outletData[s.OutletNo+"|"+m] && it.Detail.MonitorMode == "":
				it.Detail.MonitorMode = "device"
			}
		}
	}
}

// lastYear adds the declared emission of the same month a year before.
func (w *work) lastYear() {
	ly := w.in.LastYear
	if ly == nil {
		return
	}
	for _, f := range ly.Figures {
		p := w.polOf[f.SourceID]
		if p == nil || !f.EmissionKg.Valid || len(f.Month) != 7 {
			continue
		}
		s := w.srcByID[f.SourceID]
		month := strconv.Itoa(atoi(f.Month[:4])+1) + f.Month[4:]
		it := w.items[itemKey{s.OutletNo, p.ID, month}]
		if it == nil {
			continue
		}
		it.Detail.LastYearKg = decimal.NullDecimal{Decimal: it.Detail.LastYearKg.Decimal.Add(f.EmissionKg.Decimal), Valid: true}
	}
}

// pct writes a share as people read it on a flag: 0.05 → "5%". The
// parameter itself stays a share (its key and value are cited in
// Parameter); only the sentences shown to officers use percentages.
func pct(share decimal.Decimal) string { return share.Shift(2).String() + "%" }

// flag records a flag on an item (or on the taxpayer when it is nil).
func (w *work) flag(it *Item, code string, rule Rule, threshold, observed, msg string) {
	f := Flag{CreditCode: w.in.Taxpayer.CreditCode, Period: w.in.Period.Text, Code: code, Rule: FlagRules[code],
		Threshold: threshold, Observed: observed, Message: msg, RaisedOn: filing.DateOf(w.in.AsOf)}
	if rule.Key != "" {
		f.Parameter = rule.Cite()
	}
	if it != nil {
		f.Month, f.OutletNo, f.SourceID, f.Pollutant = it.Month, it.OutletNo, it.SourceID, it.Pollutant
	}
	w.res.Flags = append(w.res.Flags, f)
}

func fmtKg(d decimal.NullDecimal) string {
	if !d.Valid {
		return "无"
	}
	return d.Decimal.String() + " kg"
}

// compare sets each item's status and raises the item flags.
func (w *work) compare() {
	set := w.r.Set
	tol := set.Tolerance.Value
	above, below := one.Add(tol), one.Sub(tol) // 1 ± tolerance, once for all items
	floorShare := one.Sub(set.YoYDrop.Value)
	for _, it := range w.items {
		d, m := it.DeclaredKg, it.MonitoredKg
		if d.Valid && m.Valid {
			it.DifferenceKg = decimal.NullDecimal{Decimal: m.Decimal.Sub(d.Decimal), Valid: true}
		}
		switch {
		case !d.Valid && !m.Valid:
			it.Status = StatusNoData
		case !d.Valid:
			it.Status = StatusNotDeclared
		case !m.Valid:
			it.Status = StatusNotMonitored
		case cmpProducts(m.Decimal, one, d.Decimal, above) > 0:
			it.Status = StatusMonitoredHigher
		case cmpProducts(m.Decimal, one, d.Decimal, below) < 0:
			it.Status = StatusDeclaredHigher
		default:
			it.Status = StatusMatch
		}
		// Monitored above declared: beyond the tolerance, or monitored
		// emission of a pollutant the declaration left out. With no
		// declaration at all the taxpayer-wide no_declaration speaks.
		switch {
		case it.Status == StatusMonitoredHigher:
			w.flag(it, FlagMonitoredAbove, set.Tolerance, "申报量 × (1 + "+pct(tol)+") = "+d.Decimal.Mul(above).String()+" kg",
				m.Decimal.String()+" kg",
				fmt.Sprintf("%s %s %s：监测量 %s 高于申报量 %s，多 %s kg，超出容差 %s",
					it.OutletNo, it.Pollutant, it.Month, fmtKg(m), fmtKg(d), it.DifferenceKg.Decimal, pct(tol)))
		case it.Status == StatusNotDeclared && w.in.Declared != nil && m.Decimal.Sign() > 0:
			w.flag(it, FlagMonitoredAbove, set.Tolerance, "申报量 0 kg", m.Decimal.String()+" kg",
				fmt.Sprintf("%s %s %s：监测量 %s，申报中却没有该项数据", it.OutletNo, it.Pollutant, it.Month, fmtKg(m)))
		}
		if it.Detail.MonitorMode != "" && !m.Valid {
			why := "该税源登记的监测方式为自动监测"
			if it.Detail.MonitorMode == "device" {
				why = "排放口已关联监测设备，但当月没有收到数据"
			}
			w.flag(it, FlagMissing, Rule{}, "当月监测数据", "无",
				fmt.Sprintf("%s %s %s：没有监测排放量；%s", it.OutletNo, it.Pollutant, it.Month, why))
		}
		if m.Valid || it.Units > 0 {
			o := w.outlets[itemKey{it.OutletNo, it.PollutantID, it.Month}]
			if o != nil && !o.Complete(set.MinCompleteness.Value) {
				unit := map[string]string{"hour": "小时", "day": "日"}[string(o.Basis)]
				w.flag(it, FlagIncomplete, set.MinCompleteness, pct(set.MinCompleteness.Value)+" × "+strconv.Itoa(o.Units)+" "+unit,
					fmt.Sprintf("%d / %d", o.Valid, o.Units),
					fmt.Sprintf("%s %s %s：有效%s数 %d / %d（完整率 %s，剔除 %d 条记录），低于 %s",
						it.OutletNo, it.Pollutant, it.Month, unit, o.Valid, o.Units, pct(it.Completeness.Decimal), o.Excluded, pct(set.MinCompleteness.Value)))
			}
		}
		if ly := it.Detail.LastYearKg; d.Valid && ly.Valid && ly.Decimal.Sign() > 0 {
			if cmpProducts(d.Decimal, one, ly.Decimal, floorShare) < 0 {
				floor := ly.Decimal.Mul(floorShare)
				w.flag(it, FlagYoYDrop, set.YoYDrop, "上年同月 × (1 − "+pct(set.YoYDrop.Value)+") = "+floor.String()+" kg", d.Decimal.String()+" kg",
					fmt.Sprintf("%s %s %s：申报量 %s，上年同月 %s（降幅超过 %s）",
						it.OutletNo, it.Pollutant, it.Month, fmtKg(d), fmtKg(ly), pct(set.YoYDrop.Value)))
			}
		}
	}
}

// noDeclaration flags a taxpayer with sources or monitoring but nothing
// submitted for the period once the deadline has passed.
func (w *work) noDeclaration() {
	if w.in.Declared != nil || len(w.items) == 0 || w.in.AsOf <= w.in.Deadline {
		return
	}
	w.flag(nil, FlagNoDeclaration, Rule{}, w.in.Deadline.String()+" 前申报", "截至 "+w.in.AsOf.String()+" 未提交",
		fmt.Sprintf("%s 未提交申报；申报期限为 %s", w.in.Period.Text, w.in.Deadline))
}

// tax runs the engine on the declared figures and on the same figures
// with every monitored emission in place of the declared one (实施条例
// 第二十一条), and gives each item the tax of its lines on both sides.
func (w *work) tax() {
	if w.in.Declared != nil {
		res, built, err := w.assess(w.srcByID, w.in.Declared.Figures)
		if err != nil {
			w.res.Warnings = append(w.res.Warnings, "the declared figures could not be assessed: "+err.Error())
		} else {
			w.res.DeclaredTax = filing.MoneyOf(res.TotalTax)
			w.spread(res, built, w.in.Declared.Figures, w.srcByID, func(it *Item) *filing.Money { return &it.DeclaredTax })
			res.Release()
		}
	}
	figs, srcs, changed := w.monitoredFigures()
	if len(figs) == 0 {
		return
	}
	if !changed && w.res.DeclaredTax.Valid {
		// Monitoring confirms every declared figure: the same request,
		// the same tax; no second run of the engine.
		w.res.MonitoredTax = w.res.DeclaredTax
		w.res.TaxDifference = filing.MoneyOf(decimal.Zero)
		for _, it := range w.items {
			it.MonitoredTax = it.DeclaredTax
		}
		return
	}
	res, built, err := w.assess(srcs, figs)
	if err != nil {
		w.res.Warnings = append(w.res.Warnings, "the monitored figures could not be assessed: "+err.Error())
		return
	}
	w.res.MonitoredTax = filing.MoneyOf(res.TotalTax)
	w.spread(res, built, figs, srcs, func(it *Item) *filing.Money { return &it.MonitoredTax })
	if w.res.DeclaredTax.Valid {
		w.res.TaxDifference = filing.MoneyOf(res.TotalTax.Sub(w.res.DeclaredTax.Decimal))
	}
	res.Release()
}

// assess builds a contract request from figures, as filing.BuildRequest
// does for a stored declaration, and runs the engine on it. The request is
// built directly (filing.BuildDirect: the calc.Request that decoding
// BuildRequest's JSON would give, without writing and reading the JSON);
// a request the decoder would refuse still goes through the JSON, so the
// warning carries the contract's own words.
func (w *work) assess(srcs map[int64]*filing.Source, figs []filing.Figure) (*calc.Result, *filing.Built, error) {
	built, errs := filing.BuildDirect(w.in.Taxpayer, w.in.Period, srcs, figs, nil)
	if len(errs) > 0 {
		return nil, nil, calc.Invalid(errs)
	}
	req, err := built.Request()
	if err != nil {
		return nil, nil, translate(built, err)
	}
	// Only the totals and each line's tax are read (tax, spread): no
	// trace is built, and the caller releases the lines once spread.
	res, err := w.r.Engine.AssessTrace(req, calc.TraceNone)
	if err != nil {
		return nil, nil, translate(built, err)
	}
	return res, built, nil
}

func translate(b *filing.Built, err error) error {
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		te := b.TranslateError(ce)
		msg := te.Detail
		for _, e := range te.Errors {
			msg += "; " + e.Path + ": " + e.Message
		}
		return errors.New(msg)
	}
	return err
}

// spread adds each line's tax to the item its figure belongs to.
func (w *work) spread(res *calc.Result, built *filing.Built, figs []filing.Figure, srcs map[int64]*filing.Source, field func(*Item) *filing.Money) {
	for _, l := range res.Lines {
		i := built.FigureIndex(l.Path)
		if i < 0 {
			continue
		}
		f := &figs[i]
		s := srcs[f.SourceID]
		if s == nil {
			continue
		}
		p := w.polOf[s.ID]
		if p == nil && s.ID < 0 {
			p = w.r.Codes.Names().Lookup(s.Kind, s.Pollutant)
		}
		if p == nil {
			continue
		}
		it := w.items[itemKey{s.OutletNo, p.ID, f.Month}]
		if it == nil {
			continue
		}
		t := field(it)
		*t = filing.MoneyOf(addFirst(t.Decimal, !t.Valid, l.Tax))
	}
}

// monitoredFigures is the declaration with every monitored emission in
// place of the declared one, plus figures for what was monitored but not
// declared (a registered source, or one made up for the outlet and
// pollutant, with a negative ID). Concentrations are replaced only when
// the monitoring has comparable ones. The made-up sources are added to
// srcByID itself (which the declared side has used by then; nothing
// after reads it by a negative ID) rather than to a copy of it.
func (w *work) monitoredFigures() ([]filing.Figure, map[int64]*filing.Source, bool) {
	srcs := w.srcByID
	used := make(map[itemKey]bool, len(w.items))
	changed := false // whether any figure differs from the declaration
	// The declared figures and one per item monitored but not declared.
	n := 0
	if w.in.Declared != nil {
		n = len(w.in.Declared.Figures)
	}
	for _, it := range w.items {
		if !it.DeclaredKg.Valid && it.MonitoredKg.Valid {
			n++
		}
	}
	figs := make([]filing.Figure, 0, n)
	same := func(a, b decimal.NullDecimal) bool { return a.Valid == b.Valid && a.Decimal.Equal(b.Decimal) }
	replace := func(f *filing.Figure, it *Item, o *OutletFigure) {
		changed = changed || !same(f.EmissionKg, it.MonitoredKg)
		f.EmissionKg = it.MonitoredKg
		if o != nil && o.Mean.Valid {
			changed = changed || !same(f.AvgConcentration, o.Mean) || !same(f.MaxConcentration, o.Max)
			f.AvgConcentration, f.MaxConcentration = o.Mean, o.Max
		}
	}
	if d := w.in.Declared; d != nil {
		for _, f := range d.Figures {
			g := f
			if p := w.polOf[f.SourceID]; p != nil {
				s := w.srcByID[f.SourceID]
				k := itemKey{s.OutletNo, p.ID, f.Month}
				if it := w.items[k]; it != nil && it.MonitoredKg.Valid && it.MonitoredKg.Decimal.Sign() >= 0 {
					if used[k] {
						// A second source of the same outlet and pollutant:
						// the monitored total went to the first.
						zero := decimal.NullDecimal{Decimal: decimal.Zero, Valid: true}
						changed = changed || !same(g.EmissionKg, zero)
						g.EmissionKg = zero
					} else {
						replace(&g, it, w.outlets[k])
						used[k] = true
					}
				}
			}
			figs = append(figs, g)
		}
	}
	keys := w.sortedKeys()
	next := int64(-1)
	for _, k := range keys {
		it := w.items[k]
		if used[k] || !it.MonitoredKg.Valid {
			continue
		}
		if it.MonitoredKg.Decimal.Sign() < 0 {
			w.res.Warnings = append(w.res.Warnings, fmt.Sprintf("%s %s %s: the monitored total %s kg is negative; the declared figure is kept on the monitored side", it.OutletNo, it.Pollutant, it.Month, it.MonitoredKg.Decimal))
			continue
		}
		var src *filing.Source
		for _, id := range it.Detail.Sources {
			if s := w.srcByID[id]; s != nil && w.activeIn(s, k.Month) {
				src = s
				break
			}
		}
		if src == nil {
			src = &filing.Source{ID: next, CreditCode: w.in.Taxpayer.CreditCode, OutletNo: k.OutletNo, OutletName: k.OutletNo,
				Kind: it.Kind, Pollutant: it.Pollutant, Method: "automatic", ValidFrom: filing.DateOf(w.in.Period.Start())}
			srcs[next] = src
			next--
		}
		f := filing.Figure{SourceID: src.ID, Month: k.Month}
		replace(&f, it, w.outlets[k])
		figs = append(figs, f)
		used[k] = true
		changed = true
	}
	return figs, srcs, changed
}

// sortedKeys orders the items' keys by month, outlet and pollutant. It is
// first called once every item exists (from tax), so the order is kept.
func (w *work) sortedKeys() []itemKey {
	if w.keys != nil && len(w.keys) == len(w.items) {
		return w.keys
	}
	keys := make([]itemKey, 0, len(w.items))
	for k := range w.items {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b itemKey) int {
		return cmpItemKey(a.Month, a.OutletNo, a.PollutantID, b.Month, b.OutletNo, b.PollutantID)
	})
	w.keys = keys
	return keys
}

// orderInPlace sorts items by month, outlet and pollutant: the order is
// found on their indexes, then applied cycle by cycle.
func orderInPlace(items []Item) {
	perm := make([]int32, len(items)) // perm[j]: the item that goes to j
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(i, j int32) int {
		a, b := &items[i], &items[j]
		return cmpItemKey(a.Month, a.OutletNo, a.PollutantID, b.Month, b.OutletNo, b.PollutantID)
	})
	for i := range perm {
		if perm[i] == int32(i) {
			continue
		}
		tmp := items[i]
		j := i
		for {
			k := int(perm[j])
			perm[j] = int32(j)
			if k == i {
				items[j] = tmp
				break
			}
			items[j] = items[k]
			j = k
		}
	}
}

// cmpItemKey orders items by month, outlet and pollutant.
func cmpItemKey(am, ao, ap, bm, bo, bp string) int {
	if c := strings.Compare(am, bm); c != 0 {
		return c
	}
	if c := strings.Compare(ao, bo); c != 0 {
		return c
	}
	return strings.Compare(ap, bp)
}

// intensity sums the declared emission per pollutant over the period and
// the output, for the peer comparison.
func (w *work) intensity() {
	var total decimal.Decimal
	unit := ""
	for _, o := range w.in.Outputs {
		if !w.inPeriod[o.Month] {
			continue
		}
		if unit != "" && o.Unit != unit {
			w.res.Warnings = append(w.res.Warnings, fmt.Sprintf("output recorded in %s and in %s within %s: no emission per unit of output", unit, o.Unit, w.in.Period.Text))
			return
		}
		unit = o.Unit
		total = total.Add(o.Quantity)
	}
	if unit == "" || total.Sign() <= 0 || w.in.Declared == nil {
		return
	}
	w.res.OutputUnit = unit
	sum := map[string]decimal.Decimal{}
	var ids []string
	for _, k := range w.sortedKeys() {
		it := w.items[k]
		if !it.DeclaredKg.Valid {
			continue
		}
		if _, ok := sum[it.PollutantID]; !ok {
			ids = append(ids, it.PollutantID)
		}
		sum[it.PollutantID] = sum[it.PollutantID].Add(it.DeclaredKg.Decimal)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := w.r.Codes.Names().ByID(id)
		w.res.Intensities = append(w.res.Intensities, Intensity{PollutantID: id, Pollutant: p.Name, DeclaredKg: sum[id], Output: total, Unit: unit,
			Value: decimal.NullDecimal{Decimal: divRound(sum[id], total, 6), Valid: true}})
	}
}

// finish orders items and flags and sets the taxpayer's status.
func (w *work) finish() {
	if !w.spilled && len(w.slab) == len(w.items) {
		// Every item is in the one slab: ordered in place, as sortedKeys
		// orders their keys (the pointers in items are not used after),
		// each item moved once (sorting the items themselves would swap
		// them many times over).
		orderInPlace(w.slab)
		w.res.Items = w.slab
	} else {
		keys := w.sortedKeys()
		w.res.Items = make([]Item, 0, len(keys))
		for _, k := range keys {
			w.res.Items = append(w.res.Items, *w.items[k])
		}
	}
	SortFlags(w.res.Flags)
	switch {
	case w.in.Declared == nil:
		w.res.Status = ResultNoDeclaration
	case len(w.res.Flags) > 0:
		w.res.Status = ResultFlagged
	default:
		w.res.Status = ResultClear
	}
}

// SortFlags orders flags by taxpayer, month, outlet, pollutant and code.
func SortFlags(fs []Flag) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.CreditCode != b.CreditCode:
			return a.CreditCode < b.CreditCode
		case a.Month != b.Month:
			return a.Month < b.Month
		case a.OutletNo != b.OutletNo:
			return a.OutletNo < b.OutletNo
		case a.Pollutant != b.Pollutant:
			return a.Pollutant < b.Pollutant
		}
		return a.Code < b.Code
	})
}

// New builds the reconciler of a period: the parameters in force on its
// last day.
func New(engine *calc.Engine, params *Params, per filing.Period) (*Reconciler, error) {
	set, err := params.On(per.End())
	if err != nil {
		return nil, err
	}
	return &Reconciler{Engine: engine, Codes: NewCodes(engine.Tables().HJ212, engine.Names()), Set: set}, nil
}
