package monitor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Data quality as dated rules (fixtures/monitor/*.csv, loaded strictly by
// the fixtures package): the data marks (the HJ 212 -Flag letters and how
// 《污染物排放自动监测设备标记规则》, 生态环境部公告 2022年第21号, treats
// them), the valid-day rule and the substitution of missing data (HJ 75 for
// gas CEMS, HJ 355/356 for water). Monthly only applies what the rows in
// force say; a row that is not verified is named in a warning of every
// figure that used it.

// Mark is one data mark (the value of a -Flag) and how the monthly figures
// treat it.
type Mark struct {
	Code    string // the letter as sent: "N", "F", ...
	Name    string // 正常, 停运, ...
	Meaning string // what the standard says it means
	// Valid: the record counts for totals, means, the highest value and
	// the standard test. Invalid-marked data are never used to judge an
	// exceedance (标记规则; shared reference hj212-2025.md §5).
	Valid bool
	// Missing: a period holding only records with this mark is missing
	// data that the substitution rules fill. False for a mark that says
	// there was nothing to measure (F, 停运).
	Missing bool
	Reason  string // why it is treated so, written into the excluded list
	Rule    string // the article or standard behind the treatment
	param.Meta
}

// ParamKey lets param.InForce find a mark by its letter.
func (m Mark) ParamKey() string { return m.Code }

// Cite names the row for warnings and traces.
func (m Mark) Cite() string {
	return fmt.Sprintf("mark %s (%s, confidence %s)", m.Code, m.Where(), m.Confidence)
}

// Keys of the dated valid-data parameters (fixtures/monitor/quality.csv).
const (
	// KeyAirDayHours: a day of gas CEMS hour data is a valid day when it
	// has at least this many valid hours (HJ 75).
	KeyAirDayHours = "air.day.min_valid_hours"
	// KeyWaterDayHours: the same for water hour data (HJ 356).
	KeyWaterDayHours = "water.day.min_valid_hours"
)

// QualityKeys lists the keys a complete table has.
var QualityKeys = []string{KeyAirDayHours, KeyWaterDayHours}

// Param is one dated valid-data parameter.
type Param struct {
	Key   string
	Value decimal.Decimal
	Unit  string
	Rule  string
	Note  string
	param.Meta
}

// ParamKey names the row for param.InForce.
func (p Param) ParamKey() string { return p.Key }

// Cite names the row for warnings and traces.
func (p Param) Cite() string {
	return fmt.Sprintf("%s = %s (%s, confidence %s)", p.Key, p.Value, p.Where(), p.Confidence)
}

// Substitution methods of a GapRule.
const (
	// MethodMeanAdjacent: the mean of the last valid period before the
	// gap and the first valid one after it.
	MethodMeanAdjacent = "mean_adjacent"
	// MethodMaxPrevious: the highest of the Lookback valid periods before
	// the gap.
	MethodMaxPrevious = "max_previous"
	// MethodMeanPrevious: the mean of the Lookback valid periods before
	// the gap.
	MethodMeanPrevious = "mean_previous"
	// MethodNone: the gap is listed and not filled.
	MethodNone = "none"
)

// Methods lists the substitution methods a rule may name.
var Methods = []string{MethodMeanAdjacent, MethodMaxPrevious, MethodMeanPrevious, MethodNone}

// Media of the rules: the first letter of an HJ 212-2017 factor code.
const (
	Air   = "air"   // a… codes, gas CEMS (HJ 75)
	Water = "water" // w… codes (HJ 355/356)
)

// MediumOf tells the medium of a factor code: "air" for a… codes, "water"
// for w… codes, "" for anything else (HJ/T 212-2005 numeric codes, custom
// codes), for which no rule is guessed.
func MediumOf(code string) string {
	if code == "" {
		return ""
	}
	switch code[0] {
	case 'a', 'A':
		return Air
	case 'w', 'W':
		return Water
	}
	return ""
}

// GapRule says how a run of missing periods is substituted: for a medium
// and basis, runs of at most MaxUnits periods (0: any length longer than
// the other rules' limits) are filled by Method.
type GapRule struct {
	Medium   string
	Basis    Basis
	MaxUnits int
	Method   string
	Lookback int // periods looked back for max_previous and mean_previous
	Rule     string
	Note     string
	param.Meta
}

// Cite names the row for warnings and traces.
func (g GapRule) Cite() string {
	return fmt.Sprintf("%s %s gap ≤ %d: %s (%s, confidence %s)", g.Medium, g.Basis, g.MaxUnits, g.Method, g.Where(), g.Confidence)
}

// Rules holds every dated row; the fixtures package fills and checks it.
type Rules struct {
	Marks  []Mark
	Params []Param
	Gaps   []GapRule
}

// Quality is the rules in force on one day.
type Quality struct {
	Day      param.Date
	Marks    map[string]Mark
	DayHours map[string]Param // by medium
	Gaps     []GapRule        // by medium, basis, then MaxUnits (0 last)
	Warnings []string         // how the day was chosen, when it was not the month's own
}

// On resolves the rules in force on day d. For a day before a table's
// first rows the earliest rows of that table are used, and Warnings says
// so: the data of such a month are still judged, never by an unstated
// rule. A day after every row of a table ends is an error.
func (r *Rules) On(d param.Date) (*Quality, error) {
	if r == nil {
		return nil, fmt.Errorf("monitor: no data-quality rules")
	}
	q := &Quality{Day: d, Marks: map[string]Mark{}, DayHours: map[string]Param{}}
	early := func(table string, first param.Date) param.Date {
		if first != 0 && d < first {
			q.Warnings = append(q.Warnings, fmt.Sprintf("no %s is dated as early as %s; the rows in force on %s are used", table, d, first))
			return first
		}
		return d
	}
	var first param.Date
	for _, m := range r.Marks {
		if first == 0 || m.From < first {
			first = m.From
		}
	}
	day := early("data mark", first)
	for _, m := range r.Marks {
		if _, ok := q.Marks[m.Code]; ok {
			continue
		}
		row, err := param.InForce(r.Marks, "data mark", m.Code, day)
		if err != nil {
			continue // a letter defined only on other days is unknown on this one
		}
		q.Marks[m.Code] = row
	}
	if _, ok := q.Marks["N"]; !ok {
		return nil, fmt.Errorf("no data mark N in force on %s", day)
	}
	for medium, key := range map[string]string{Air: KeyAirDayHours, Water: KeyWaterDayHours} {
		first = 0
		for _, p := range r.Params {
			if p.Key == key && (first == 0 || p.From < first) {
				first = p.From
			}
		}
		p, err := param.InForce(r.Params, "data-quality parameter", key, early("data-quality parameter "+key, first))
		if err != nil {
			return nil, err
		}
		q.DayHours[medium] = p
	}
	first = 0
	for _, g := range r.Gaps {
		if first == 0 || g.From < first {
			first = g.From
		}
	}
	day = early("substitution rule", first)
	for _, g := range r.Gaps {
		if g.Contains(day) {
			q.Gaps = append(q.Gaps, g)
		}
	}
	sort.SliceStable(q.Gaps, func(i, j int) bool {
		a, b := q.Gaps[i], q.Gaps[j]
		if a.Medium != b.Medium {
			return a.Medium < b.Medium
		}
		if a.Basis != b.Basis {
			return a.Basis < b.Basis
		}
		if (a.MaxUnits == 0) != (b.MaxUnits == 0) {
			return b.MaxUnits == 0
		}
		return a.MaxUnits < b.MaxUnits
	})
	return q, nil
}

// gapRule finds the rule for a run of n periods: the rule of the medium
// and basis with the smallest limit that n does not exceed.
func (q *Quality) gapRule(medium string, basis Basis, n int) (GapRule, bool) {
	for _, g := range q.Gaps {
		if g.Medium == medium && g.Basis == basis && (g.MaxUnits == 0 || n <= g.MaxUnits) {
			return g, true
		}
	}
	return GapRule{}, false
}

// Gap is a run of consecutive missing periods (hours or days) of a
// figure's month, and what the rules put in their place.
type Gap struct {
	From, To string // first and last period: YYYYMMDDhh (hours) or YYYYMMDD (days)
	Units    int    // periods in the run
	Why      string // what the periods held: no record, or the marks that made them invalid
	Method   string // the substitution method, "" when no rule applies
	Rule     string // the row that decided it (Cite), "" when none
	// The value put in each period of the run, nil when it could not be
	// computed (Note says why). CouTotal is Cou × Units.
	Avg, Cou, CouTotal *decimal.Decimal
	Note               string
	Unverified         bool // the rule is not verified
	// Seen is how many valid periods a look-back rule (max_previous,
	// mean_previous) found before the run in the month, at most its
	// Lookback; 0 for the other methods.
	Seen int
}

// slotState is what one period of a figure's month holds.
type slotState struct {
	valid    bool
	avg, cou *decimal.Decimal
	missing  bool   // invalid or absent, to be substituted
	why      string // the mark, or "no record"
}

// window is the part of a month the quality rules judge (Options).
type window struct{ from, to, until string }

// judged reports whether period p (YYYYMMDDhh or YYYYMMDD) lies in the
// window: on its days, and over before until.
func (w window) judged(p string) bool {
	day := p[:8]
	if w.from != "" && day < w.from || w.to != "" && day > w.to {
		return false
	}
	if w.until == "" {
		return true
	}
	if len(p) == 8 {
		return day < w.until[:8] // a day is over once the next has begun
	}
	return p < w.until
}

// String says what the window leaves out, for the trace; "" when nothing.
func (w window) String() string {
	var parts []string
	if w.from != "" || w.to != "" {
		parts = append(parts, fmt.Sprintf("only the days %s to %s (the device mapping's)", orDash(w.from), orDash(w.to)))
	}
	if w.until != "" {
		parts = append(parts, "nothing from "+w.until+" on (not over when computed)")
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "…"
	}
	return s
}

// periods lists every hour (YYYYMMDDhh) or day (YYYYMMDD) of month in w.
func periods(month string, basis Basis, w window) []string {
	var y, m int
	fmt.Sscanf(month, "%4d-%2d", &y, &m)
	days := param.DaysIn(y, m)
	out := make([]string, 0, days*24)
	for d := 1; d <= days; d++ {
		day := fmt.Sprintf("%04d%02d%02d", y, m, d)
		if basis == Daily {
			if w.judged(day) {
				out = append(out, day)
			}
			continue
		}
		for h := 0; h < 24; h++ {
			if p := day + hours[h]; w.judged(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

var hours = func() (h [24]string) {
	for i := range h {
		h[i] = fmt.Sprintf("%02d", i)
	}
	return
}()

// fill finds the gaps of a figure and substitutes them as the rules say.
// Substituted values are kept apart from the measured total (Substituted,
// SubstitutedUnits): the tax base is the caller's decision, and an
// unverified rule must not change it unseen.
func fill(f *Figure, state map[string]*slotState, q *Quality, places int32, w window, warn func(string)) {
	all := periods(f.Month, f.Basis, w)
	medium := MediumOf(f.Code)
	type run struct{ from, to int }
	var runs []run
	for i := 0; i < len(all); i++ {
		s := state[all[i]]
		if s != nil && !s.missing {
			continue
		}
		j := i
		for j+1 < len(all) {
			n := state[all[j+1]]
			if n != nil && !n.missing {
				break
			}
			j++
		}
		runs = append(runs, run{i, j})
		i = j
	}
	valid := func(i int) *slotState {
		if s := state[all[i]]; s != nil && s.valid {
			return s
		}
		return nil
	}
	for _, r := range runs {
		g := Gap{From: all[r.from], To: all[r.to], Units: r.to - r.from + 1}
		whys := map[string]int{}
		for i := r.from; i <= r.to; i++ {
			w := "no record"
			if s := state[all[i]]; s != nil {
				w = s.why
			}
			whys[w]++
		}
		var parts []string
		for _, k := range sortedKeys(whys) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, whys[k]))
		}
		g.Why = strings.Join(parts, ", ")
		rule, ok := q.gapRule(medium, f.Basis, g.Units)
		if !ok {
			if medium == "" {
				g.Note = "factor code " + f.Code + " is neither an air (a…) nor a water (w…) code: no substitution rule applies; listed, not filled"
			} else {
				g.Note = fmt.Sprintf("no substitution rule for %s %s data in force: listed, not filled", medium, f.Basis)
			}
			f.Gaps = append(f.Gaps, g)
			continue
		}
		g.Method, g.Rule, g.Unverified = rule.Method, rule.Cite(), !rule.Verified
		if !rule.Verified {
			warn(fmt.Sprintf("unverified substitution rule %s: %s", rule.Cite(), rule.Source))
		}
		var avgs, cous []decimal.Decimal
		switch rule.Method {
		case MethodNone:
			g.Note = "the rule fills nothing: listed only"
		case MethodMeanAdjacent:
			var before, after *slotState
			for i := r.from - 1; i >= 0 && before == nil; i-- {
				before = valid(i)
			}
			for i := r.to + 1; i < len(all) && after == nil; i++ {
				after = valid(i)
			}
			if before == nil || after == nil {
				g.Note = "no valid period before or after the gap in this month: the substitute cannot be computed from the month's data"
				break
			}
			for _, s := range []*slotState{before, after} {
				if s.avg != nil {
					avgs = append(avgs, *s.avg)
				}
				if s.cou != nil {
					cous = append(cous, *s.cou)
				}
			}
			if len(avgs) == 1 {
				avgs = nil // both sides are needed
			}
			if len(cous) == 1 {
				cous = nil
			}
		case MethodMaxPrevious, MethodMeanPrevious:
			seen := 0
			for i := r.from - 1; i >= 0 && seen < rule.Lookback; i-- {
				s := valid(i)
				if s == nil {
					continue
				}
				seen++
				if s.avg != nil {
					avgs = append(avgs, *s.avg)
				}
				if s.cou != nil {
					cous = append(cous, *s.cou)
				}
			}
			g.Seen = seen
			if seen == 0 {
				g.Note = "no valid period before the gap in this month: the substitute cannot be computed from the month's data"
				break
			}
			if seen < rule.Lookback {
				g.Note = fmt.Sprintf("only %d of the %d valid periods the rule looks back over are in this month; computed from those", seen, rule.Lookback)
			}
		}
		combine := func(vs []decimal.Decimal) *decimal.Decimal {
			if len(vs) == 0 {
				return nil
			}
			var v decimal.Decimal
			if rule.Method == MethodMaxPrevious {
				v = vs[0]
				for _, x := range vs[1:] {
					if x.GreaterThan(v) {
						v = x
					}
				}
				return &v
			}
			sum := decimal.Zero
			for _, x := range vs {
				sum = sum.Add(x)
			}
			n := decimal.NewFromInt(int64(len(vs)))
			v = sum.DivRound(n, places)
			if !v.Mul(n).Equal(sum) {
				f.Trace = append(f.Trace, Step{"rounding", "rounded half up",
					fmt.Sprintf("substitute for %s–%s = %s ÷ %d, rounded half up to %d places = %s", g.From, g.To, sum, len(vs), places, v.StringFixed(places))})
			}
			return &v
		}
		g.Avg, g.Cou = combine(avgs), combine(cous)
		if g.Cou != nil {
			t := g.Cou.Mul(decimal.NewFromInt(int64(g.Units)))
			g.CouTotal = &t
			f.Substituted = f.Substituted.Add(t)
			f.SubstitutedUnits += g.Units
		}
		f.Gaps = append(f.Gaps, g)
	}
}

// days judges each day of an hourly figure against the valid-day rule of
// its medium.
func days(f *Figure, state map[string]*slotState, q *Quality, w window, warn func(string)) {
	medium := MediumOf(f.Code)
	p, ok := q.DayHours[medium]
	if f.Basis != Hourly || !ok {
		return
	}
	if !p.Verified {
		warn(fmt.Sprintf("unverified parameter %s: %s", p.Cite(), p.Source))
	}
	min := int(p.Value.IntPart())
	count := map[string]int{}
	for k, s := range state {
		if s.valid {
			count[k[:8]]++
		}
	}
	all := periods(f.Month, Daily, w)
	f.DayRule = p.Cite()
	for _, d := range all {
		if count[d] >= min {
			f.ValidDays++
		} else {
			f.ShortDays = append(f.ShortDays, d)
		}
	}
	f.Trace = append(f.Trace, Step{"days", p.Rule,
		fmt.Sprintf("valid days (at least %d valid hours, %s): %d of %d", min, p.Cite(), f.ValidDays, len(all))})
}
