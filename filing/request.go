package filing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// A declaration is assessed as a request in the public contract's shape
// (shared by the CLI, the API and the calculator): build lays the figures
// out as that request (reqDoc mirrors the contract's fields), BuildDirect
// turns it into the calc.Request the decoder would read, and
// calc.Request.Validate applies the contract's rules, so a stored
// declaration and the public calculator can never disagree.

type reqDoc struct {
	Taxpayer reqTaxpayer `json:"taxpayer"`
	Region   string      `json:"region"`
	Period   string      `json:"period"`
	Sources  []reqSource `json:"sources"`
}

type reqTaxpayer struct {
	CreditCode string `json:"credit_code"`
	Name       string `json:"name"`
}

type reqSource struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	Month       string           `json:"month"`
	Fugitive    bool             `json:"fugitive,omitempty"`
	Penalty     string           `json:"penalty,omitempty"`
	WastewaterT *decimal.Decimal `json:"wastewater_t,omitempty"`
	Pollutants  []reqPollutant   `json:"pollutants,omitempty"`
	Day         *reqNoise        `json:"day,omitempty"`
	Night       *reqNoise        `json:"night,omitempty"`
	Boundary    bool             `json:"boundary_over_100m_multiple_points,omitempty"`
	Waste       string           `json:"waste,omitempty"`
	GeneratedT  *decimal.Decimal `json:"generated_t,omitempty"`
	StoredT     *decimal.Decimal `json:"stored_t,omitempty"`
	DisposedT   *decimal.Decimal `json:"disposed_t,omitempty"`
	UtilizedT   *decimal.Decimal `json:"utilized_t,omitempty"`
	Species     string           `json:"species,omitempty"`
	StockStart  *decimal.Decimal `json:"stock_start,omitempty"`
	StockEnd    *decimal.Decimal `json:"stock_end,omitempty"`
	Item        string           `json:"item,omitempty"`
	Quantity    *decimal.Decimal `json:"quantity,omitempty"`

	path string // "sources[3]", for BuildDirect (not written)
}

type reqPollutant struct {
	Name                  string           `json:"name"`
	EmissionKg            *decimal.Decimal `json:"emission_kg,omitempty"`
	GeneratedKg           *decimal.Decimal `json:"generated_kg,omitempty"`
	Method                string           `json:"method,omitempty"`
	AvgConcentration      *decimal.Decimal `json:"avg_concentration,omitempty"`
	MaxConcentration      *decimal.Decimal `json:"max_concentration,omitempty"`
	StandardConcentration *decimal.Decimal `json:"standard_concentration,omitempty"`
	Value                 *decimal.Decimal `json:"value,omitempty"`
	Measured              *decimal.Decimal `json:"measured,omitempty"`
	Standard              *decimal.Decimal `json:"standard,omitempty"`

	path string // "sources[3].pollutants[1]", for BuildDirect (not written)
}

type reqNoise struct {
	LimitDB    decimal.Decimal  `json:"limit_db"`
	MeasuredDB *decimal.Decimal `json:"measured_db,omitempty"`
	ExceedDays *int             `json:"exceed_days,omitempty"`
}

// Built is a contract request built from a declaration, with the way back
// from the request's JSON paths to the figures they came from.
type Built struct {
	links     []link
	doc       *reqDoc
	req       *calc.Request  // the request as built, before Validate
	exact     map[string]int // link by prefix, made by the first find
	exactOnce sync.Once
}

// link maps a request path prefix to figure i; rename turns the request's
// field names under the prefix into the figure's.
type link struct {
	prefix string
	fig    int
	rename map[string]string
	field  string // for a prefix that is itself a field: the figure's field
}

// Fields of the request that come from the registration rather than the
// month's figures: an error there is reported on the figure's source_id.
var registrationFields = map[string]string{
	"id": "source_id", "kind": "source_id", "name": "source_id", "method": "source_id",
	"standard_concentration": "source_id", "waste": "source_id", "species": "source_id",
	"item": "source_id", "fugitive": "source_id", "limit_db": "source_id",
	"boundary_over_100m_multiple_points": "source_id",
}

func renameWith(extra map[string]string) map[string]string {
	m := make(map[string]string, len(registrationFields)+len(extra))
	for k, v := range registrationFields {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

var (
	renameDay   = renameWith(map[string]string{"measured_db": "day_measured_db", "exceed_days": "day_exceed_days"})
	renameNight = renameWith(map[string]string{"measured_db": "night_measured_db", "exceed_days": "night_exceed_days"})
	renamePlain = renameWith(nil)
)

func ptr(d decimal.NullDecimal) *decimal.Decimal {
	if !d.Valid {
		return nil
	}
	v := d.Decimal
	return &v
}

// FigureKey names one figure of a declaration: a source and a month.
type FigureKey struct {
	SourceID int64
	Month    string
}

// PenaltyBase makes the 产生量 the base of one figure because a penalty
// record covers it (实施条例 第六条、第七条): the request's source then names
// the case, and an air or water pollutant carries the 产生量 fixed for it.
// Solid waste needs no figure here: its 产生量 is the figure's generated_t.
type PenaltyBase struct {
	Case        string              // a code of fixtures/tax/penalties.csv
	GeneratedKg decimal.NullDecimal // air and water; absent: the engine asks for it
}

// build lays the declaration out in the contract's shape with the links
// back from request paths to figures. The figures must have passed
// CheckFigures against the same sources. Air and water figures of one
// outlet and month become one request source with one pollutant each (the
// engine ranks pollutants per outlet); every other figure is a request
// source of its own. The engine takes a penalty case per request source,
// that is per outlet and month: once one figure of an outlet and month is
// covered, every air or water pollutant of that outlet and month needs its
// 产生量, and one without it comes back as an error on
// figures[i].generated_kg (the flag a pre-check shows).
func build(tp *Taxpayer, per Period, sources map[int64]*Source, figs []Figure, penalties map[FigureKey]PenaltyBase) (*Built, []calc.FieldError) {
	doc := &reqDoc{Taxpayer: reqTaxpayer{tp.CreditCode, tp.Name}, Region: tp.Region, Period: per.Text}
	b := &Built{doc: doc}
	var errs []calc.FieldError
	type group struct {
		idx   int // index in doc.Sources
		wwFig int // figure that gave wastewater_t, or -1
	}
	type groupKey struct {
		kind, outlet, month string
		fugitive            bool
	}
	// Count first, so that sources, pollutants and links are allocated
	// once at their size (a reconciliation builds two requests per
	// taxpayer).
	perGroup := map[groupKey]int{}
	others := 0
	for i := range figs {
		switch s := sources[figs[i].SourceID]; {
		case s == nil:
		case s.Kind == KindAir || s.Kind == KindWater:
			perGroup[groupKey{s.Kind, s.OutletNo, figs[i].Month, s.Fugitive}]++
		default:
			others++
		}
	}
	doc.Sources = make([]reqSource, 0, len(perGroup)+others)
	b.links = make([]link, 0, 2*len(perGroup)+len(figs)+2*others)
	groups := make(map[groupKey]*group, len(perGroup))
	type idKey struct{ id, month string }
	usedID := map[idKey]bool{}
	uniqueID := func(base, month string, id int64) string {
		cand := base
		if usedID[idKey{cand, month}] {
			cand = base + "#" + strconv.FormatInt(id, 10)
		}
		usedID[idKey{cand, month}] = true
		return cand
	}
	for i := range figs {
		f := &figs[i]
		s := sources[f.SourceID]
		if s == nil {
			errs = append(errs, calc.FieldError{Path: fmt.Sprintf("figures[%d].source_id", i), Code: "unknown_source", Message: "unknown tax source"})
			continue
		}
		switch s.Kind {
		case KindAir, KindWater:
			key := groupKey{s.Kind, s.OutletNo, f.Month, s.Fugitive}
			g := groups[key]
			if g == nil {
				g = &group{idx: len(doc.Sources), wwFig: -1}
				groups[key] = g
				path := sourcePath(g.idx)
				doc.Sources = append(doc.Sources, reqSource{ID: uniqueID(s.OutletNo, f.Month, s.ID), Kind: s.Kind, Month: f.Month, Fugitive: s.Fugitive, path: path,
					Pollutants: make([]reqPollutant, 0, perGroup[key])})
				b.links = append(b.links, link{prefix: path, fig: i, rename: renamePlain})
			}
			src := &doc.Sources[g.idx]
			pen, penalised := penalties[FigureKey{f.SourceID, f.Month}]
			if penalised && src.Penalty == "" {
				src.Penalty = pen.Case
			}
			if f.WastewaterT.Valid {
				if src.WastewaterT != nil && !src.WastewaterT.Equal(f.WastewaterT.Decimal) {
					errs = append(errs, calc.FieldError{Path: fmt.Sprintf("figures[%d].wastewater_t", i), Code: "inconsistent_value",
						Message: fmt.Sprintf("outlet %s already has %s t of wastewater for %s (figures[%d])", s.OutletNo, src.WastewaterT, f.Month, g.wwFig)})
				} else if src.WastewaterT == nil {
					src.WastewaterT = ptr(f.WastewaterT)
					g.wwFig = i
					b.links = append(b.links, link{prefix: src.path + ".wastewater_t", fig: i, field: "wastewater_t"})
				}
			}
			path := src.path + ".pollutants[" + strconv.Itoa(len(src.Pollutants)) + "]"
			src.Pollutants = append(src.Pollutants, reqPollutant{path: path,
				Name: s.Pollutant, EmissionKg: ptr(f.EmissionKg), GeneratedKg: ptr(pen.GeneratedKg), Method: s.Method,
				AvgConcentration: ptr(f.AvgConcentration), MaxConcentration: ptr(f.MaxConcentration),
				StandardConcentration: ptr(s.StandardConcentration),
				Value:                 ptr(f.Value), Measured: ptr(f.Measured), Standard: ptr(f.Standard),
			})
			b.links = append(b.links, link{prefix: path, fig: i, rename: renamePlain})
		default:
			idx := len(doc.Sources)
			prefix := sourcePath(idx)
			rs := reqSource{ID: uniqueID(s.OutletNo, f.Month, s.ID), Kind: s.Kind, Month: f.Month, path: prefix}
			switch s.Kind {
			case KindNoise:
				if s.DayLimitDB.Valid && (f.DayMeasuredDB.Valid || f.DayExceedDays != nil) {
					rs.Day = &reqNoise{LimitDB: s.DayLimitDB.Decimal, MeasuredDB: ptr(f.DayMeasuredDB), ExceedDays: f.DayExceedDays}
					b.links = append(b.links, link{prefix: prefix + ".day", fig: i, rename: renameDay})
				}
				if s.NightLimitDB.Valid && (f.NightMeasuredDB.Valid || f.NightExceedDays != nil) {
					rs.Night = &reqNoise{LimitDB: s.NightLimitDB.Decimal, MeasuredDB: ptr(f.NightMeasuredDB), ExceedDays: f.NightExceedDays}
					b.links = append(b.links, link{prefix: prefix + ".night", fig: i, rename: renameNight})
				}
				rs.Boundary = s.MultiplePoints
			case KindSolidWaste:
				rs.Waste = s.Pollutant
				rs.Penalty = penalties[FigureKey{f.SourceID, f.Month}].Case
				rs.GeneratedT, rs.StoredT, rs.DisposedT, rs.UtilizedT = ptr(f.GeneratedT), ptr(f.StoredT), ptr(f.DisposedT), ptr(f.UtilizedT)
			case KindLivestock:
				rs.Species = s.Pollutant
				rs.StockStart, rs.StockEnd = ptr(f.StockStart), ptr(f.StockEnd)
			case KindSampling:
				rs.Item = s.Pollutant
				rs.Quantity = ptr(f.Quantity)
			}
			doc.Sources = append(doc.Sources, rs)
			b.links = append(b.links, link{prefix: prefix, fig: i, rename: renamePlain})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(doc.Sources) == 0 {
		return nil, []calc.FieldError{{Path: "figures", Code: "required", Message: "a declaration needs at least one figure"}}
	}
	// Longest prefixes first, so sources[1].pollutants[0] wins over sources[1].
	slices.SortStableFunc(b.links, func(x, y link) int { return len(y.prefix) - len(x.prefix) })
	return b, nil
}

// sourcePath is the request path of the i-th source.
func sourcePath(i int) string { return "sources[" + strconv.Itoa(i) + "]" }

// find returns the link whose prefix covers path and the rest after it.
// A path that is itself a prefix (a result line's path is its pollutant's
// or source's) is looked up directly: prefixes are unique, so that link is
// the one the scan would find first.
func (b *Built) find(path string) (*link, string) {
	b.exactOnce.Do(func() {
		b.exact = make(map[string]int, len(b.links))
		for i := range b.links {
			b.exact[b.links[i].prefix] = i
		}
	})
	if i, ok := b.exact[path]; ok {
		return &b.links[i], ""
	}
	return b.scan(path)
}

// scan tries the links in order, longest prefix first.
func (b *Built) scan(path string) (*link, string) {
	for i := range b.links {
		l := &b.links[i]
		if path == l.prefix {
			return l, ""
		}
		if strings.HasPrefix(path, l.prefix) && len(path) > len(l.prefix) && (path[len(l.prefix)] == '.' || path[len(l.prefix)] == '[') {
			return l, path[len(l.prefix):]
		}
	}
	return nil, ""
}

// FigurePath translates a request path (from an engine error or a result
// line) into the declaration's path, e.g. sources[0].pollutants[1].emission_kg
// → figures[3].emission_kg. Paths it cannot place become "figures".
func (b *Built) FigurePath(path string) string {
	l, rest := b.find(path)
	if l == nil {
		return "figures"
	}
	out := fmt.Sprintf("figures[%d]", l.fig)
	if l.field != "" {
		return out + "." + l.field
	}
	if rest == "" {
		return out
	}
	field := strings.TrimPrefix(rest, ".")
	if j := strings.IndexAny(field, ".["); j >= 0 {
		field = field[:j]
	}
	if r, ok := l.rename[field]; ok {
		field = r
	}
	return out + "." + field
}

// FigureIndex returns the figure a request path came from, or -1.
func (b *Built) FigureIndex(path string) int {
	l, _ := b.find(path)
	if l == nil {
		return -1
	}
	return l.fig
}

// TranslateError rewrites an engine error's paths into figure paths.
func (b *Built) TranslateError(e *calc.Error) *calc.Error {
	out := *e
	out.Errors = make([]calc.FieldError, len(e.Errors))
	for i, f := range e.Errors {
		f.Message = f.Path + ": " + f.Message // keep the request path for the curious
		f.Path = b.FigurePath(f.Path)
		out.Errors[i] = f
	}
	return &out
}
