package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/monitor"
)

// Codes maps HJ 212 factor codes to rows of the statutory table, from
// calc.Tables.HJ212 (fixtures/tax/hj212_codes.csv).
type Codes struct {
	ids   map[string]string // code → pollutant id ("" = not taxable)
	units map[string]string // code → concentration unit
	names *calc.Names
}

// NewCodes indexes the code table against the statutory names.
func NewCodes(list []calc.HJ212Code, names *calc.Names) *Codes {
	c := &Codes{ids: map[string]string{}, units: map[string]string{}, names: names}
	for _, x := range list {
		c.ids[x.Code] = x.PollutantID
		c.units[x.Code] = x.Unit
	}
	return c
}

// Pollutant resolves a factor code. known is false when the table has no
// row for it (or rows differing only in case disagree); p is nil for a
// known code that is not taxable (flow, oxygen, 总氮, …).
func (c *Codes) Pollutant(code string) (p *calc.Pollutant, known bool) {
	id, ok := monitor.Name(code, c.ids)
	if !ok {
		return nil, false
	}
	if id == "" {
		return nil, true
	}
	return c.names.ByID(id), true
}

// MassConcentration reports whether the code's concentration is in mg per
// m³ or L, the unit emission standards are written in; only then is the
// monitored mean comparable with a source's standard concentration.
func (c *Codes) MassConcentration(code string) bool {
	u, _ := monitor.Name(code, c.units)
	return strings.HasPrefix(u, "mg/")
}

// Unit is the concentration unit the code table gives a factor code
// ("mg/m³", "mg/L", …; "" when the table has none).
func (c *Codes) Unit(code string) string {
	u, _ := monitor.Name(code, c.units)
	return u
}

// Names is the statutory name index the codes resolve into.
func (c *Codes) Names() *calc.Names { return c.names }

// DeviceFigure is a stored monthly figure (monitor.Figure) of one device
// mapping, without its record listing and trace: what a reconciliation
// needs.
type DeviceFigure struct {
	DeviceID   int64
	MN         string
	Code       string
	Month      string
	Basis      monitor.Basis
	Total      decimal.Decimal
	TotalCount int
	TestSum    decimal.Decimal
	TestCount  int
	TestMax    decimal.Decimal
	Valid      int
	Units      int
	Excluded   int
	Lenient    int
}

// FromMonitor slims a monitor.Figure computed for a device mapping.
func FromMonitor(deviceID int64, f *monitor.Figure) DeviceFigure {
	return DeviceFigure{DeviceID: deviceID, MN: f.MN, Code: f.Code, Month: f.Month, Basis: f.Basis,
		Total: f.Total, TotalCount: f.TotalCount, TestSum: f.TestSum, TestCount: f.TestCount, TestMax: f.TestMax,
		Valid: f.Valid, Units: f.Units, Excluded: len(f.Excluded), Lenient: f.Lenient}
}

// OutletFigure is the monitored figure of one outlet, statutory pollutant
// and month: the figures of every device mapped to the outlet in that
// month added up (a device replaced mid-month gives two partial figures).
type OutletFigure struct {
	OutletNo    string
	PollutantID string
	Pollutant   string // statutory name
	Month       string
	Basis       monitor.Basis
	Devices     []string // MNs
	Codes       []string
	// TotalKg is Σ -Cou × kg per unit; Counted is how many records had a
	// -Cou (0: no emission figure at all).
	TotalKg decimal.Decimal
	Counted int
	// Test concentration (-ZsAvg else -Avg): mean and highest, only when
	// the codes are in mass units (see Codes.MassConcentration).
	Mean, Max decimal.NullDecimal
	// Valid and Units add up over the devices; completeness is their
	// ratio (the units of the calendar month, whatever the mappings).
	Valid, Units int
	Excluded     int
	Lenient      int
	Notes        []string
}

// Complete reports Valid ≥ share × Units, exactly.
func (o *OutletFigure) Complete(share decimal.Decimal) bool {
	return cmpProducts(decimal.New(int64(o.Valid), 0), one, share, decimal.New(int64(o.Units), 0)) >= 0
}

// Completeness is Valid ÷ Units rounded half up to places.
func (o *OutletFigure) Completeness(places int32) decimal.Decimal {
	if o.Units == 0 {
		return decimal.Zero
	}
	return divRound(decimal.New(int64(o.Valid), 0), decimal.New(int64(o.Units), 0), places)
}

// OutletKey addresses an outlet figure.
type OutletKey struct {
	OutletNo, PollutantID, Month string
}

// StatutoryBasis is the basis 实施条例 第十条 uses for a class: hourly
// averages for air, daily averages for water.
func StatutoryBasis(class string) monitor.Basis {
	if class == calc.KindAir {
		return monitor.Hourly
	}
	return monitor.Daily
}

// Outlets adds the device figures up per outlet, statutory pollutant and
// month. A device figure goes to the outlet its mapping names (by
// DeviceID); figures of mapping 0 (days no mapping covers) and of
// non-taxable or unknown codes are left out and listed in the warnings.
// For each outlet, pollutant and month the statutory basis (air hour, water
// day) is used when any device has it, else the other basis, with a note.
func Outlets(devices []Device, figs []DeviceFigure, codes *Codes, places int32, kgPerUnit decimal.Decimal) (map[OutletKey]*OutletFigure, []string) {
	byID := make(map[int64]*Device, len(devices))
	for i := range devices {
		byID[devices[i].ID] = &devices[i]
	}
	var warnings []string
	unknown := map[string]bool{}
	type part struct {
		f   *DeviceFigure
		dev *Device
		p   *calc.Pollutant
	}
	groups := map[OutletKey][]part{}
	for i := range figs {
		f := &figs[i]
		dev := byID[f.DeviceID]
		if dev == nil {
			continue // not a mapping of this taxpayer (or mapping 0)
		}
		p, known := codes.Pollutant(f.Code)
		if !known {
			if !unknown[f.Code] {
				unknown[f.Code] = true
				warnings = append(warnings, fmt.Sprintf("device %s sends factor code %s, which hj212_codes.csv does not map: left out", f.MN, f.Code))
			}
			continue
		}
		if p == nil || p.Special != calc.SpecialNone || p.Category == calc.CatTable4 {
			continue // not taxable by mass (flow, O2, pH, 色度 …)
		}
		k := OutletKey{dev.OutletNo, p.ID, f.Month}
		groups[k] = append(groups[k], part{f, dev, p})
	}
	out := make(map[OutletKey]*OutletFigure, len(groups))
	for k, parts := range groups {
		want := StatutoryBasis(parts[0].p.Class())
		have := false
		for _, x := range parts {
			have = have || x.f.Basis == want
		}
		basis := want
		o := &OutletFigure{OutletNo: k.OutletNo, PollutantID: k.PollutantID, Pollutant: parts[0].p.Name, Month: k.Month}
		if !have {
			basis = parts[0].f.Basis
			o.Notes = append(o.Notes, fmt.Sprintf("no %s data for %s: %s data used (实施条例 第十条 asks for %s averages)", want, parts[0].p.Class(), basis, want))
		}
		o.Basis = basis
		// One device may send two codes for one pollutant (a 2005 and a
		// 2017 code): adding them would count the emission twice, so the
		// code with more valid records is kept and the other noted.
		var best []*DeviceFigure // one per device; an outlet has one or a few
		for _, x := range parts {
			if x.f.Basis != basis {
				continue
			}
			bi := slices.IndexFunc(best, func(b *DeviceFigure) bool { return b.DeviceID == x.f.DeviceID })
			var b *DeviceFigure
			if bi >= 0 {
				b = best[bi]
			}
			better := b == nil || x.f.Valid > b.Valid || (x.f.Valid == b.Valid && x.f.Code < b.Code) ||
				(x.f.Valid == b.Valid && x.f.Code == b.Code && x.f.Total.GreaterThan(b.Total)) // cannot happen in stored data; keeps the order irrelevant
			if better {
				if b != nil {
					o.Notes = append(o.Notes, fmt.Sprintf("device %s sends both %s and %s for %s: %s left out", x.f.MN, b.Code, x.f.Code, o.Pollutant, b.Code))
				}
				if bi >= 0 {
					best[bi] = x.f
				} else {
					best = append(best, x.f)
				}
			} else {
				o.Notes = append(o.Notes, fmt.Sprintf("device %s sends both %s and %s for %s: %s left out", x.f.MN, b.Code, x.f.Code, o.Pollutant, x.f.Code))
			}
		}
		slices.SortFunc(best, func(a, b *DeviceFigure) int { return cmp.Compare(a.DeviceID, b.DeviceID) })
		var testSum decimal.Decimal
		testCount, mass := 0, true
		for i, f := range best {
			o.Devices = append(o.Devices, f.MN)
			o.Codes = append(o.Codes, f.Code)
			o.TotalKg = addFirst(o.TotalKg, i == 0, timesUnit(f.Total, kgPerUnit))
			o.Counted += f.TotalCount
			o.Valid += f.Valid
			o.Units = f.Units // the calendar month's, the same for every device
			o.Excluded += f.Excluded
			o.Lenient += f.Lenient
			testSum = addFirst(testSum, i == 0, f.TestSum)
			testCount += f.TestCount
			mass = mass && codes.MassConcentration(f.Code)
			if f.TestCount > 0 && (!o.Max.Valid || f.TestMax.GreaterThan(o.Max.Decimal)) {
				o.Max = decimal.NullDecimal{Decimal: f.TestMax, Valid: true}
			}
		}
		if len(best) > 1 {
			o.Notes = append(o.Notes, fmt.Sprintf("%d devices report %s at outlet %s in %s (%s): their figures are added", len(best), o.Pollutant, o.OutletNo, o.Month, strings.Join(o.Devices, ", ")))
		}
		if o.Valid > o.Units {
			o.Notes = append(o.Notes, fmt.Sprintf("the devices together have %d valid %ss in a month of %d: overlapping devices?", o.Valid, basis, o.Units))
		}
		switch {
		case testCount > 0 && mass:
			mean := divRound(testSum, decimal.New(int64(testCount), 0), places)
			o.Mean = decimal.NullDecimal{Decimal: mean, Valid: true}
			if !mean.Mul(decimal.NewFromInt(int64(testCount))).Equal(testSum) {
				o.Notes = append(o.Notes, fmt.Sprintf("mean concentration %s ÷ %d rounded half up to %d places = %s", testSum, testCount, places, mean.StringFixed(places)))
			}
		case testCount > 0:
			o.Max = decimal.NullDecimal{}
			o.Notes = append(o.Notes, "concentration not in mg/m³ or mg/L: not compared with the standard")
		}
		out[k] = o
	}
	sort.Strings(warnings)
	return out, warnings
}

// addFirst is sum.Add(x), where first says sum is still the zero value:
// 0 + x is then x itself, coefficient and exponent alike, when x's
// exponent is not positive (shopspring would rescale a positive one to 0).
func addFirst(sum decimal.Decimal, first bool, x decimal.Decimal) decimal.Decimal {
	if first && x.Exponent() <= 0 {
		return x
	}
	return sum.Add(x)
}

// timesUnit is x.Mul(unit); x itself when unit is 1 written as 1 (x·1
// keeps x's coefficient and exponent).
func timesUnit(x, unit decimal.Decimal) decimal.Decimal {
	if unit.Exponent() == 0 && unit.NumDigits() == 1 && unit.CoefficientInt64() == 1 {
		return x
	}
	return x.Mul(unit)
}

// SortedOutletKeys are the keys of Outlets' figures by outlet, then
// pollutant.
func SortedOutletKeys(outs map[OutletKey]*OutletFigure) []OutletKey {
	keys := make([]OutletKey, 0, len(outs))
	for k := range outs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].OutletNo != keys[j].OutletNo {
			return keys[i].OutletNo < keys[j].OutletNo
		}
		return keys[i].PollutantID < keys[j].PollutantID
	})
	return keys
}
