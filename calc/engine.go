package calc

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Engine computes assessments from a fixed set of parameter tables. It is
// safe for concurrent use: nothing in it changes after NewEngine.
type Engine struct {
	t         *Tables
	names     *Names
	scalars   map[string][]*Scalar
	solid     map[string][]*SolidWasteRate
	exempt    map[string][]*Exemption
	penalties map[string][]*Penalty
	rates     map[string][]*RateRule // by 2-digit province code
	provinces map[string]*Region     // by 2-digit province code
	provCodes map[string]string      // 2-digit province code → its 6-digit code, made once
	// oneOfReasons holds, for each member of a one-of group (COD/BOD/TOC,
	// coliform/chlorine), the reason given to the others when it is taxed.
	oneOfReasons map[*Pollutant]string
	zones        map[string]*Region // by region prefix
	// params holds, for every parameter row, the text a result shows for
	// it, rendered once at start-up instead of in every result.
	params map[*param.Meta]*paramText
	// monthCache holds the named parameters of each month asked for.
	monthCache sync.Map // Month → *monthParams
}

type paramText struct {
	key, value, from, to, where string
	warning                     string // the unverified_parameter message, if any
	// The long texts again, encoded as JSON strings once: every result
	// that uses the row repeats them.
	sourceJSON, warningJSON []byte
	// The row's object in "parameters" as the writer writes it, but for
	// the region, which depends on the use: what comes before it and
	// what comes after.
	headJSON, tailJSON []byte
	// use and warn are the row's entry in a result's Parameters (but for
	// the region) and its unverified_parameter warning, made once.
	use  ParamUse
	warn Warning
}

func (e *Engine) addParam(m *param.Meta, key, value string) {
	pt := paramText{key: key, value: value, from: m.From.String(), to: m.To.String(), where: m.Where()}
	pt.sourceJSON = encodeString(m.Source)
	if !m.Verified {
		pt.warning = "参数 " + key + " = " + value + " 未经核实（可信度 " + m.Confidence + "，" + pt.where + "）：来源 " + m.Source
		pt.warningJSON = encodeString(pt.warning)
	}
	var w jsonWriter
	w.open('{')
	w.field("key", pt.key)
	pt.headJSON = w.b
	w = jsonWriter{more: true}
	w.field("value", pt.value)
	w.field("effective_from", pt.from)
	w.optStr("effective_to", pt.to)
	w.fieldJSON("source", m.Source, pt.sourceJSON)
	w.boolField("verified", m.Verified)
	w.field("confidence", m.Confidence)
	w.field("where", pt.where)
	w.close('}')
	pt.tailJSON = w.b
	pt.use = ParamUse{Key: pt.key, Value: pt.value, EffectiveFrom: pt.from, EffectiveTo: pt.to,
		Source: m.Source, Verified: m.Verified, Confidence: m.Confidence, Where: pt.where, text: &pt}
	pt.warn = Warning{Code: "unverified_parameter", Message: pt.warning, messageJSON: pt.warningJSON}
	e.params[m] = &pt
}

// indexParams renders the text of every parameter row.
func (e *Engine) indexParams() {
	t := e.t
	e.params = map[*param.Meta]*paramText{}
	for _, p := range t.Pollutants {
		e.addParam(&p.Meta, "equivalent_value."+p.ID, p.Value.String())
	}
	for i := range t.PHBands {
		b := &t.PHBands[i]
		e.addParam(&b.Meta, "equivalent_value.water_special.ph["+b.Label+"]", b.Value.String())
	}
	for i := range t.Rates {
		r := &t.Rates[i]
		e.addParam(&r.Meta, rateParamKey(r, e.names), r.Value.String())
	}
	for i := range t.Scalars {
		s := &t.Scalars[i]
		e.addParam(&s.Meta, s.Key, s.Text)
	}
	for i := range t.NoiseBands {
		b := &t.NoiseBands[i]
		e.addParam(&b.Meta, "noise.band."+bandLabel(b), b.Amount.String())
	}
	for i := range t.SolidWaste {
		s := &t.SolidWaste[i]
		e.addParam(&s.Meta, "solid_waste."+s.Waste, s.Value.String())
	}
	for i := range t.Exemptions {
		x := &t.Exemptions[i]
		e.addParam(&x.Meta, "exemption."+x.Code, x.Reason)
	}
	for i := range t.Penalties {
		p := &t.Penalties[i]
		e.addParam(&p.Meta, "penalty."+p.Code, p.Reason)
	}
	for i := range t.Regions {
		r := &t.Regions[i]
		e.addParam(&r.Meta, "region."+r.Code, r.Name)
	}
	for i := range t.LivestockScales {
		x := &t.LivestockScales[i]
		name := x.PollutantID
		if p := e.names.ByID(x.PollutantID); p != nil {
			name = p.Name
		}
		e.addParam(&x.Meta, "livestock.scale."+x.Province+"."+name, x.MinStock.String())
	}
}

// NewEngine indexes the tables. The fixtures package checks each file;
// NewEngine checks what ties them together and fails with the file and
// line of the row at fault.
func NewEngine(t *Tables) (*Engine, error) {
	e := &Engine{
		t:         t,
		scalars:   map[string][]*Scalar{},
		solid:     map[string][]*SolidWasteRate{},
		exempt:    map[string][]*Exemption{},
		penalties: map[string][]*Penalty{},
		rates:     map[string][]*RateRule{},
		provinces: map[string]*Region{},
		provCodes: map[string]string{},
		zones:     map[string]*Region{},
	}
	var err error
	if e.names, err = NewNames(t.Pollutants, t.HJ212); err != nil {
		return nil, err
	}
	for i := range t.Scalars {
		s := &t.Scalars[i]
		e.scalars[s.Key] = append(e.scalars[s.Key], s)
	}
	for i := range t.SolidWaste {
		s := &t.SolidWaste[i]
		e.solid[s.Waste] = append(e.solid[s.Waste], s)
	}
	for i := range t.Exemptions {
		x := &t.Exemptions[i]
		e.exempt[x.Code] = append(e.exempt[x.Code], x)
	}
	for i := range t.Penalties {
		p := &t.Penalties[i]
		e.penalties[p.Code] = append(e.penalties[p.Code], p)
	}
	for i := range t.Regions {
		r := &t.Regions[i]
		if RegionPrefix(r.Code) == r.Code[:2] {
			e.provinces[r.Code[:2]] = r
		}
		e.zones[RegionPrefix(r.Code)] = r
	}
	for i := range t.Rates {
		r := &t.Rates[i]
		if e.provinces[r.Province] == nil {
			return nil, fmt.Errorf("%s: province %s is not in the regions table", r.Where(), r.Province)
		}
		for _, id := range r.Pollutants {
			if e.names.ByID(id) == nil {
				return nil, fmt.Errorf("%s: unknown pollutant id %s", r.Where(), id)
			}
		}
		e.rates[r.Province] = append(e.rates[r.Province], r)
		e.provCodes[r.Province] = r.Province + "0000"
	}
	for i := range t.LivestockScales {
		x := &t.LivestockScales[i]
		if e.provinces[x.Province] == nil {
			return nil, fmt.Errorf("%s: province %s is not in the regions table", x.Where(), x.Province)
		}
		if p := e.names.ByID(x.PollutantID); p == nil || p.Special != SpecialStock {
			return nil, fmt.Errorf("%s: %s is not a livestock row of 表四", x.Where(), x.PollutantID)
		}
	}
	e.indexParams()
	e.oneOfReasons = map[*Pollutant]string{}
	for _, p := range t.Pollutants {
		if p.OneOf != "" {
			e.oneOfReasons[p] = makeOneOfReason(p.OneOf, p.Name)
		}
	}
	for _, p := range t.Pollutants {
		if p.Special == SpecialPH && len(t.PHBands) == 0 {
			return nil, fmt.Errorf("%s: pH needs the pH bands table", p.Where())
		}
	}
	return e, nil
}

// provinceCode is prov + "0000", the region a province-wide row is
// shown for.
func (e *Engine) provinceCode(prov string) string {
	if c, ok := e.provCodes[prov]; ok {
		return c
	}
	return prov + "0000"
}

// Tables returns the parameter tables the engine reads.
func (e *Engine) Tables() *Tables { return e.t }

// Names returns the name index of the statutory table.
func (e *Engine) Names() *Names { return e.names }

// Regions is the province and zone list, for adapters that offer a choice.
func (e *Engine) Regions() []Region { return e.t.Regions }

// Assess computes the tax of a request. On any input error it returns a
// *Error of KindInvalid and no result: nothing partial is ever returned.
func (e *Engine) Assess(req *Request) (*Result, error) { return e.AssessTrace(req, TraceFull) }

// AssessTrace is Assess for a result that will be written at level.
// At TraceNone the trace is not built at all (its steps cost a tenth of
// assessing): the result is written as Assess's is at TraceNone, byte
// for byte, and at any level it is written without a trace
// ("trace_level":"none"). The other levels build the whole trace.
func (e *Engine) AssessTrace(req *Request, level TraceLevel) (*Result, error) {
	if req == nil || len(req.Sources) == 0 {
		return nil, Invalid([]FieldError{{Path: "sources", Code: "required", Message: "at least one source is required"}})
	}
	a := newAssessment(e, req, level == TraceNone)
	res, errs := a.run()
	a.free()
	if len(errs) > 0 {
		return nil, Invalid(errs)
	}
	return res, nil
}

// run assesses; on faults it returns them and no result (the result's
// storage then goes back to the pool).
func (a *assessment) run() (*Result, []FieldError) {
	a.check()
	a.buildLines()
	if len(a.errs) == 0 {
		a.rank()
		a.applyRates()
	}
	if errs := a.errs; len(errs) > 0 {
		a.res.Release()
		return nil, errs
	}
	a.reduce()
	a.total()
	a.finish()
	return a.res, nil
}

// assessment is the working state of one Assess call. Its own lists
// are kept for the next call (assessPool); what the result holds is the
// result's (see Result.Release).
type assessment struct {
	e      *Engine
	req    *Request
	res    *Result
	errs   []FieldError
	months []monthAt // the months asked for, in first-use order (one to three)
	// uses collects every parameter the result relied on, in first-use
	// order; a declaration names a dozen or two, which a small table
	// finds faster than a map (useSeen; used indexes them by row only
	// past useScan).
	used       map[*param.Meta]int
	spareIndex map[*param.Meta]int // a released result's empty index, for used
	uses       []paramUse
	override   map[string]decimal.Decimal // pollutant id → what-if rate
	srcOf      []int                      // line index → source index
	keep       []int                      // oneOf's list of the lines it keeps, reused
	polSeen    uint64                     // pollutantLine: bit Order%64 of each pollutant of the source so far
	rankBufs   [3][]int                   // rank's lists of a source's lines by group, reused
	rankKeys   []rankKey                  // sortRanked's keys, reused
	data       []stepData                 // the rest of a block of step figures (stepWith)
	monthGate  []monthGateAt              // reduce's lists, reused
	outletGate []int
	// anyExceeded: some line exceeds its standard; anyNoise: there are
	// noise lines (reduce and noiseTax look for them only then).
	anyExceeded, anyNoise bool
	// nums holds the coefficients of the decimals the engine makes: a
	// few per line, allocated together (decSlab).
	nums decSlab
	// names remembers, by line slot, the name and class the last
	// requests gave there and the pollutant they resolved to (of engine
	// memoOf): declarations one after another list the same pollutants
	// in the same places, and comparing a name costs less than hashing
	// it (Names.Lookup).
	names  []nameMemo
	memoOf *Engine
	// ptMemo remembers rows of memoOf's params (paramText).
	ptMemo *[1 << ptMemoBits]ptMemo
	// useMask has a bit set for each row use has seen (useSeen).
	useMask uint64
	srcSet  sourceSet // check's table of many sources
	// overrideMemo remembers checkOverride's answer by class (air,
	// water) for memoOf; overrideMonths is checkOverrides' list.
	overrideMemo   [2]overrideMemo
	overrideMonths []Month
	// rateTab and rateFacHits remember the tables' rates of memoOf in
	// rateRegion (tableRate); rateRegionSeen: the request's region has
	// been compared with it.
	rateRegion     string
	rateTab        *rateTable
	rateFacHits    map[rateKey]*rateHit
	rateRegionSeen bool
}

type monthAt struct {
	m    Month
	mp   *monthParams
	used uint32 // bit k: scalar k noted as used (useScalar)
}

type paramUse struct {
	meta   *param.Meta
	region string
}

// assessPool keeps assessments between calls, with their lists.
var assessPool = sync.Pool{New: func() any { return new(assessment) }}

func newAssessment(e *Engine, req *Request, untraced bool) *assessment {
	n := 0 // lines: one per pollutant, two per noise source, one otherwise
	for i := range req.Sources {
		switch s := &req.Sources[i]; s.Kind {
		case KindAir, KindWater:
			n += len(s.Pollutants)
		case KindNoise:
			n += 2
		default:
			n++
		}
	}
	res := newResult(n)
	res.Taxpayer, res.Region, res.Period, res.Rounding, res.untraced = req.Taxpayer, req.Region, req.Period.Text, req.Rounding, untraced
	if !untraced && cap(res.trace) < 3*n {
		res.trace = make([]Step, 0, 3*n)
	}
	a := assessPool.Get().(*assessment)
	a.e, a.req, a.res = e, req, res
	if a.memoOf != e {
		clear(a.names)
		a.ptMemo = nil
		a.rateTab, a.rateFacHits = nil, nil
		a.overrideMemo = [2]overrideMemo{}
		a.memoOf = e
	}
	a.uses = res.paramUses[:0]
	if cap(a.uses) == 0 {
		a.uses = make([]paramUse, 0, 32)
	}
	res.paramUses = nil
	a.spareIndex, res.paramIndex = res.paramIndex, nil
	if cap(a.srcOf) < n {
		a.srcOf = make([]int, 0, n)
	}
	// 当量数 of every line, tax due of the taxed ones, the reduction and
	// tax of the reduced ones, and the totals: at most 3 a line on the
	// whole (more come 16 at a time). The slab left by the assessments
	// before serves first: its slots were never handed out, and a slab
	// made per assessment was a third unused and two allocations each
	// (a batch declaration of 20 lines takes about 48). A new one is
	// made for several declarations.
	a.nums.n = max(3*n+8, slabShared)
	return a
}

// free hands the assessment back to assessPool, holding nothing of the
// request or the result.
func (a *assessment) free() {
	if cap(a.srcOf) > maxPooled {
		return
	}
	clear(a.months)
	*a = assessment{
		months: a.months[:0], srcOf: a.srcOf[:0], keep: a.keep[:0], rankBufs: [3][]int{a.rankBufs[0][:0], a.rankBufs[1][:0], a.rankBufs[2][:0]},
		monthGate: a.monthGate[:0], outletGate: a.outletGate[:0], rankKeys: a.rankKeys[:0],
		names: a.names, memoOf: a.memoOf, nums: a.nums, ptMemo: a.ptMemo,
		rateRegion: a.rateRegion, rateTab: a.rateTab, rateFacHits: a.rateFacHits, srcSet: a.srcSet,
		overrideMemo: a.overrideMemo, overrideMonths: a.overrideMonths[:0],
	}
	assessPool.Put(a)
}

func (a *assessment) fail(path, code, format string, args ...any) {
	a.errs = append(a.errs, FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// use notes that the result relied on a parameter row (in a region).
func (a *assessment) use(m *param.Meta, region string) {
	if a.used != nil {
		if _, ok := a.used[m]; ok {
			return
		}
		a.used[m] = len(a.uses)
	} else {
		if a.useSeen(m) {
			return
		}
		if len(a.uses) == useScan {
			a.used = a.spareIndex
			if a.used == nil {
				a.used = make(map[*param.Meta]int, 2*useScan)
			}
			for i, u := range a.uses {
				a.used[u.meta] = i
			}
			a.used[m] = len(a.uses)
		}
	}
	a.uses = append(a.uses, paramUse{meta: m, region: region})
}

// lookup is names.Lookup(kind, name) for the pollutant of line slot li.
// A slot remembers the name and class it was last asked (its own copy of
// the name) and the row they resolved to: Lookup gives the same answer
// every time for the same engine, so the same name in the same class
// needs no hashing, whether or not it is the statutory name (化学需氧量
// for 化学需氧量(CODcr)). Nothing of a request is kept.
func (a *assessment) lookup(li int, kind, name string) *Pollutant {
	if li < len(a.names) {
		if c := &a.names[li]; c.p != nil && c.same(name) && c.kind == kind {
			return c.p
		}
	}
	p := a.e.names.Lookup(kind, name)
	if p != nil && li < maxPooled {
		if li >= len(a.names) {
			a.names = append(a.names, make([]nameMemo, li+1-len(a.names))...)
		}
		c := &a.names[li]
		if p.Name == name {
			name = p.Name // the row's own string: no copy
		} else if c.name != name {
			name = strings.Clone(name)
		}
		*c = nameMemo{p: p, name: name, kind: nameClass(p)}
		c.head, c.tail = textWords(name)
		if c.kind != kind {
			c.p = nil // found under another class's name: not remembered
		}
	}
	return p
}

// textWords are the words same compares of a name of 4 to 16 bytes (a
// pollutant's name is a few Chinese characters): its first and its last
// 8 bytes, or 4 below 8 bytes; zero for other lengths.
func textWords(t string) (head, tail uint64) {
	n := len(t)
	if n < 4 || n > 16 {
		return 0, 0
	}
	b := unsafe.Slice(unsafe.StringData(t), n)
	le := binary.LittleEndian // one load each where the machine allows it
	if n < 8 {
		return uint64(le.Uint32(b)), uint64(le.Uint32(b[n-4:]))
	}
	return le.Uint64(b), le.Uint64(b[n-8:])
}

// same reports whether name is the remembered name. The memo keeps the
// words it compares (textWords) with it: reading the remembered string,
// somewhere in the engine's rows, was a cache miss on every line.
func (c *nameMemo) same(name string) bool {
	n := len(name)
	if n != len(c.name) {
		return false
	}
	if n < 4 || n > 16 {
		return name == c.name
	}
	h, t := textWords(name)
	return h == c.head && t == c.tail
}

// nameMemo is what lookup remembers of a line slot.
type nameMemo struct {
	p          *Pollutant
	name, kind string
	head, tail uint64 // textWords(name)
}

// useScan is how many parameters use notes before it indexes them in a map.
const useScan = 32

// useSeen reports whether use has seen m in this assessment, and notes
// it if not. A declaration names a dozen or two rows, most of them new
// when named: a bit per row's address hash (useMask) says so without
// looking, and only on a set bit are the rows in use scanned (newest
// first: a source's lines use its rows in turn). A table of the rows
// was slower: its slots, spread over a kilobyte, were cache misses.
func (a *assessment) useSeen(m *param.Meta) bool {
	bit := uint64(1) << ((uint64(uintptr(unsafe.Pointer(m))) * 0x9E3779B97F4A7C15) >> 58)
	if a.useMask&bit != 0 {
		for i := len(a.uses) - 1; i >= 0; i-- {
			if a.uses[i].meta == m {
				return true
			}
		}
	}
	a.useMask |= bit
	return false
}

// paramAt is the index of a parameter row in r.Parameters.
func (r *Result) paramAt(m *param.Meta) (int, bool) {
	if r.paramIndex != nil {
		i, ok := r.paramIndex[m]
		return i, ok
	}
	for i := range r.paramUses {
		if r.paramUses[i].meta == m {
			return i, true
		}
	}
	return 0, false
}

func (a *assessment) step(s Step) {
	if !a.res.untraced {
		a.res.trace = append(a.res.trace, s)
	}
}

// stepWith is step for a step with figures the line does not hold. They
// are stored only when there is a trace, in blocks (stepData).
func (a *assessment) stepWith(s Step, v [4]decimal.Decimal) {
	if a.res.untraced {
		return
	}
	if len(a.data) == 0 {
		a.data = make([]stepData, 16)
	}
	d := &a.data[0]
	a.data = a.data[1:]
	d.vals = v
	s.data = d
	a.res.trace = append(a.res.trace, s)
}

// monthParams are the named parameters in force in one tax month.
type monthParams struct {
	topAir, topWater1, topWaterOther int
	tier1Ratio, tier1Share           decimal.Decimal
	tier2Ratio, tier2Share           decimal.Decimal
	tier1Off, tier2Off               decimal.Decimal // 1 − share: the part a reduction takes off
	inclusive                        bool
	scope                            string
	belowDL                          string // monitoring.below_detection_limit: "zero" or "as_declared"
	tieBreak                         string // ranking.tie_break
	halfDays                         int
	halfShare, multiplier            decimal.Decimal
	burstFrequent, burstOccasional   decimal.Decimal     // dB the night peak may exceed the limit by
	scalars                          [numScalars]*Scalar // the row of each named parameter, by scalarKey
}

// scalarKey names one of the month's named parameters (scalarKeys).
type scalarKey uint8

const (
	scRankAir scalarKey = iota
	scRankWater1
	scRankWaterOther
	scTier1Ratio
	scTier1Share
	scTier2Ratio
	scTier2Share
	scBoundary
	scExceedScope
	scTieBreak
	scBelowDL
	scHalfDays
	scHalfShare
	scMultiplier
	scBurstFrequent
	scBurstOccasional
	numScalars
)

// scalarKeys are the parameter keys of the scalarKey values.
var scalarKeys = [numScalars]string{
	scRankAir:         "ranking.air.top",
	scRankWater1:      "ranking.water1.top",
	scRankWaterOther:  "ranking.water_other.top",
	scTier1Ratio:      "reduction.tier1.max_ratio",
	scTier1Share:      "reduction.tier1.pay_share",
	scTier2Ratio:      "reduction.tier2.max_ratio",
	scTier2Share:      "reduction.tier2.pay_share",
	scBoundary:        "reduction.boundary",
	scExceedScope:     "reduction.exceed_scope",
	scTieBreak:        "ranking.tie_break",
	scBelowDL:         "monitoring.below_detection_limit",
	scHalfDays:        "noise.half.days_below",
	scHalfShare:       "noise.half.pay_share",
	scMultiplier:      "noise.boundary.multiplier",
	scBurstFrequent:   "noise.burst.frequent_allowance_db",
	scBurstOccasional: "noise.burst.occasional_allowance_db",
}

func monthBounds(m Month) (param.Date, param.Date) {
	y, n := m.Year(), m.Num()
	return param.NewDate(y, n, 1), param.NewDate(y, n, param.DaysIn(y, n))
}

func (m Month) String() string {
	return strconv.Itoa(m.Year()) + "-" + twoDigits(m.Num())
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// monthTable returns the named parameters in force for a whole month, as
// the tables give them, and the keys no row covers. They depend only on
// the month, so the engine keeps them once computed.
func (e *Engine) monthTable(m Month) (*monthParams, []string) {
	if mp, ok := e.monthCache.Load(m); ok {
		return mp.(*monthParams), nil
	}
	first, last := monthBounds(m)
	mp := &monthParams{}
	var missing []string
	get := func(k scalarKey) *Scalar {
		key := scalarKeys[k]
		for _, s := range e.scalars[key] {
			if s.Covers(first, last) {
				mp.scalars[k] = s
				return s
			}
		}
		missing = append(missing, key)
		return nil
	}
	num := func(key scalarKey) decimal.Decimal {
		if s := get(key); s != nil {
			return s.Value
		}
		return decimal.Zero
	}
	mp.topAir = int(num(scRankAir).IntPart())
	mp.topWater1 = int(num(scRankWater1).IntPart())
	mp.topWaterOther = int(num(scRankWaterOther).IntPart())
	mp.tier1Ratio, mp.tier1Share = num(scTier1Ratio), num(scTier1Share)
	mp.tier2Ratio, mp.tier2Share = num(scTier2Ratio), num(scTier2Share)
	mp.tier1Off, mp.tier2Off = sub(one, mp.tier1Share), sub(one, mp.tier2Share)
	if s := get(scBoundary); s != nil {
		mp.inclusive = s.Text == "inclusive"
	}
	if s := get(scExceedScope); s != nil {
		mp.scope = s.Text
	}
	if s := get(scTieBreak); s != nil {
		mp.tieBreak = s.Text
	}
	if s := get(scBelowDL); s != nil {
		mp.belowDL = s.Text
	}
	mp.halfDays = int(num(scHalfDays).IntPart())
	mp.halfShare, mp.multiplier = num(scHalfShare), num(scMultiplier)
	mp.burstFrequent, mp.burstOccasional = num(scBurstFrequent), num(scBurstOccasional)
	if len(missing) == 0 {
		e.monthCache.Store(m, mp)
	}
	return mp, missing
}

// monthParams returns the parameters of month m, asked for by the
// source at srcPath (named in an error).
func (a *assessment) monthParams(m Month, srcPath string) *monthParams {
	if mp := a.month(m); mp != nil {
		return mp
	}
	mp, missing := a.e.monthTable(m)
	for _, key := range missing {
		a.fail(srcPath+".month", "parameter_not_found", "no %s parameter covers %s", key, m)
	}
	// What-if overrides of the two open readings replace the table's
	// choice for this request only (on a copy); the result says so.
	if b, sc := a.req.Policy.ReductionBoundary, a.req.Policy.ExceedScope; b != "" || sc != "" {
		own := *mp
		if b != "" {
			own.inclusive = b == "inclusive"
		}
		if sc != "" {
			own.scope = sc
		}
		mp = &own
	}
	a.months = append(a.months, monthAt{m: m, mp: mp})
	return mp
}

// month returns the parameters of a month monthParams has given.
func (a *assessment) month(m Month) *monthParams {
	for i := range a.months {
		if a.months[i].m == m {
			return a.months[i].mp
		}
	}
	return nil
}

// useScalar records a scalar of the month as used.
func (a *assessment) useScalar(mp *monthParams, key scalarKey) {
	// The month's scalars noted already are skipped without asking use:
	// reduce asks for four or five on every line it reduces.
	for i := range a.months {
		if ma := &a.months[i]; ma.mp == mp {
			if ma.used&(1<<key) != 0 {
				return
			}
			ma.used |= 1 << key
			break
		}
	}
	s := mp.scalars[key]
	if s == nil {
		return
	}
	a.use(&s.Meta, "")
}

// check validates what spans sources: the period, duplicates, the region,
// the what-if overrides.
func (a *assessment) check() {
	req := a.req
	if req.Region != "" {
		if len(req.Region) != 6 {
			a.fail("region", "invalid_value", "%q is not a 6-digit GB/T 2260 code", req.Region)
		} else if a.e.provinces[req.Region[:2]] == nil {
			a.fail("region", "unknown_region", "%s is not in a province the rate tables know", req.Region)
		}
	}
	// A few sources are compared pairwise; many through a table (the
	// first of equal sources is the one named either way).
	var seen *sourceSet
	if len(req.Sources) > 16 {
		seen = a.sourceSet(len(req.Sources))
	}
	for i := range req.Sources {
		s := &req.Sources[i]
		if s.Month != 0 && !req.Period.Contains(s.Month) {
			a.fail(s.Path+".month", "month_outside_period", "%s is outside the period %s", s.MonthRaw, req.Period.Text)
		}
		j, dup := -1, false
		if seen != nil {
			j, dup = seen.add(req.Sources, i)
		} else {
			for k := 0; k < i && !dup; k++ {
				o := &req.Sources[k]
				if o.Kind == s.Kind && o.ID == s.ID && o.MonthRaw == s.MonthRaw {
					j, dup = k, true
				}
			}
		}
		if dup {
			a.fail(s.Path+".id", "duplicate_source", "%s source %s for %s is already given at sources[%d]; list all its pollutants in one entry", s.Kind, s.ID, s.MonthRaw, j)
		}
	}
	for _, o := range req.PollutantRates {
		found := false
		for _, cls := range []string{KindAir, KindWater} {
			if p := a.e.names.Lookup(cls, o.Name); p != nil {
				if a.override == nil {
					a.override = map[string]decimal.Decimal{}
				}
				a.override[p.ID] = o.Value
				found = true
			}
		}
		if !found {
			a.fail(o.Path, "unknown_pollutant", "%q is not an air or water pollutant of the statutory table", o.Name)
		}
	}
	a.checkOverrides()
	if len(req.Policy.ReductionBoundary)+len(req.Policy.ExceedScope) > 0 {
		a.res.Warnings = append(a.res.Warnings, Warning{Code: "policy_override", Path: "policy",
			Message: "本结果按请求中的政策口径计算（what-if），与参数表的默认口径不同"})
	}
}

// sourceSet finds equal sources (kind, id and month as given) among
// many: open addressing on a hash of the texts, at most half full, with
// slots that need no clearing (a slot is empty unless it has the set's
// number). It is kept with the assessment: a map made for every
// declaration of many sources, and hashing its three strings, was a
// fiftieth of assessing a quarter.
type sourceSet struct {
	slots []sourceSlot
	gen   uint32
}

type sourceSlot struct {
	gen uint32
	i   int32 // the source's index
	h   uint32
}

// sourceSet returns the assessment's set, emptied, for n sources.
func (a *assessment) sourceSet(n int) *sourceSet {
	t := &a.srcSet
	size := 64
	for size < 2*n {
		size *= 2
	}
	if len(t.slots) < size {
		t.slots, t.gen = make([]sourceSlot, size), 0
	}
	if t.gen++; t.gen == 0 {
		clear(t.slots)
		t.gen = 1
	}
	return t
}

// add looks for a source equal to srcs[i] among those added; if there
// is none it adds srcs[i].
func (t *sourceSet) add(srcs []Source, i int) (int, bool) {
	s := &srcs[i]
	h := sourceHash(s)
	mask := uint64(len(t.slots) - 1)
	for k := (uint64(h) * 0x9E3779B97F4A7C15 >> 32) & mask; ; k = (k + 1) & mask {
		c := &t.slots[k]
		if c.gen != t.gen {
			*c = sourceSlot{gen: t.gen, i: int32(i), h: h}
			return -1, false
		}
		if o := &srcs[c.i]; c.h == h && o.Kind == s.Kind && o.ID == s.ID && o.MonthRaw == s.MonthRaw {
			return int(c.i), true
		}
	}
}

// sourceHash mixes what tells sources apart: the id's length and its
// first and last bytes, the month, the kind's length. Equal sources hash
// alike (the month is read from the text compared).
func sourceHash(s *Source) uint32 {
	id := s.ID
	var head, tail uint64
	switch n := len(id); {
	case n >= 4 && n <= 16:
		head, tail = textWords(id)
	case n > 16:
		b := unsafe.Slice(unsafe.StringData(id), n)
		head, tail = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	default:
		for k := 0; k < n; k++ {
			head = head<<8 | uint64(id[k])
		}
	}
	x := head*0x9E3779B97F4A7C15 ^ tail*0xC2B2AE3D27D4EB4F ^ uint64(s.Month)<<20 ^ uint64(len(id))<<8 ^ uint64(len(s.Kind))
	return uint32(x ^ x>>32)
}

// total sums lines into months and the whole result.
func (a *assessment) total() {
	res := a.res
	// Months first (a declaration has one to three), then the whole as the
	// sum of its months: the same sums with fewer additions.
	res.Months = res.Months[:0]
	var buf [3][3]acc // tax due, reduction, tax of each month
	sums := buf[:0]
	k, kOf := 0, -1 // the month of the lines of source kOf
	for i := range res.Lines {
		l := &res.Lines[i]
		// A source's lines are together and share its month: the month
		// is looked for once a source.
		if si := a.srcOf[i]; si != kOf {
			kOf = si
			k = 0
			for k < len(res.Months) && res.Months[k].Month != l.Month {
				k++
			}
			if k == len(res.Months) {
				res.Months = append(res.Months, MonthTotal{Month: l.Month})
				sums = append(sums, [3]acc{})
			}
		}
		if !l.Taxed {
			continue // zero lines add nothing
		}
		s := &sums[k]
		if l.Tax == l.TaxDue {
			// Tax is the tax due itself (no reduction): one reading
			// adds both.
			s[0].addPair(&s[2], l.TaxDue)
		} else {
			s[0].add(l.TaxDue)
			s[2].add(l.Tax)
		}
		if !l.Reduction.IsZero() { // as add skips it, without the call
			s[1].add(l.Reduction)
		}
	}
	for k := range res.Months {
		mt, s := &res.Months[k], &sums[k]
		mt.TaxDue, mt.Reduction, mt.Tax = s[0].valueIn(&a.nums), s[1].valueIn(&a.nums), s[2].valueIn(&a.nums)
	}
	if len(res.Months) == 1 {
		// The whole is its one month: summing the month's three figures
		// into zero totals gives them back as they are, a zero as the
		// zero Decimal (acc skips zeros).
		mt := &res.Months[0]
		res.TotalTaxDue, res.TotalReduction, res.TotalTax = sumOfOne(mt.TaxDue), sumOfOne(mt.Reduction), sumOfOne(mt.Tax)
	} else {
		slices.SortFunc(res.Months, func(x, y MonthTotal) int { return strings.Compare(x.Month, y.Month) })
		var due, red, tax acc
		for _, mt := range res.Months {
			due.add(mt.TaxDue)
			red.add(mt.Reduction)
			tax.add(mt.Tax)
		}
		res.TotalTaxDue, res.TotalReduction, res.TotalTax = due.valueIn(&a.nums), red.valueIn(&a.nums), tax.valueIn(&a.nums)
	}
	if res.untraced {
		return
	}
	for _, mt := range res.Months {
		a.stepWith(Step{Kind: StepMonthTotal, Note: mt.Month, Rule: "环境保护税法 第十八条"}, [4]decimal.Decimal{mt.TaxDue, mt.Reduction, mt.Tax})
	}
	a.stepWith(Step{Kind: StepTotal, Rule: "环境保护税法 第十八条", Note: a.req.Period.Text}, [4]decimal.Decimal{res.TotalTaxDue, res.TotalReduction, res.TotalTax})
}

// sumOfOne is the sum of d alone as acc makes it: d itself, but a zero
// is the zero Decimal whatever its exponent.
func sumOfOne(d decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return decimal.Decimal{}
	}
	return d
}

// sum adds two amounts, skipping the addition (and shopspring's rescaling
// of a zero) when either side is zero.
func sum(a, b decimal.Decimal) decimal.Decimal {
	switch {
	case b.IsZero():
		return a
	case a.IsZero():
		return b
	}
	return add(a, b)
}

// paramText is a.e.params[m], remembered in a small table kept with the
// assessment for the next ones (of the same engine, like names): a
// declaration names the rows the ones before it named, and the map's
// hashing was a third of finishing.
func (a *assessment) paramText(m *param.Meta) *paramText {
	h := (uint64(uintptr(unsafe.Pointer(m))) * 0x9E3779B97F4A7C15) >> (64 - ptMemoBits)
	if a.ptMemo == nil {
		a.ptMemo = new([1 << ptMemoBits]ptMemo)
	}
	if c := &a.ptMemo[h]; c.m == m {
		return c.pt
	}
	pt := a.e.params[m]
	if a.ptMemo[h].m == nil {
		// The first row keeps its place: two rows taking turns
		// would miss every time.
		a.ptMemo[h] = ptMemo{m, pt}
	}
	return pt
}

// ptMemoBits sizes paramText's table: 2^8 rows, several times the rows
// a declaration names.
const ptMemoBits = 8

type ptMemo struct {
	m  *param.Meta
	pt *paramText
}

// finish lists the parameters used and warns about every figure that is
// not verified.
func (a *assessment) finish() {
	res := a.res
	res.paramIndex = a.used
	res.paramUses = a.uses
	if cap(res.Parameters) < len(a.uses) {
		res.Parameters = make([]ParamUse, len(a.uses))
	}
	res.Parameters = res.Parameters[:len(a.uses)]
	for i, u := range a.uses {
		pt := a.paramText(u.meta)
		p := &res.Parameters[i]
		if p.text != pt {
			// A released result's entry (Release leaves them) is
			// already the row's when it names the row: only the region
			// may differ.
			*p = pt.use
		}
		p.Region = u.region
		if !p.Verified {
			res.Warnings = append(res.Warnings, pt.warn)
		}
	}
}
