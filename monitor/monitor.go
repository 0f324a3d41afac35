// Package monitor turns HJ 212 hour data (CN=2061) and day data (CN=2031)
// into monthly figures per device (MN), factor code and month: the emission
// total from -Cou, the month's mean and highest of the hourly or daily
// averages, and the completeness of the record, with every left-out record
// listed and the reason given.
//
// It is pure: no files, no clock. The month is the one written in
// DataTime (Beijing time as the device wrote it), never today's date.
//
// Legal frame (see docs/hj212.md):
//   - 环境保护税法 第十条 (一): emissions are determined first from
//     automatic monitoring data; the monthly emission total here is the sum
//     of the hourly (or daily) -Cou values.
//   - 实施条例 第十条: for the reduction of 法 第十三条 the concentration is
//     the month's mean of hourly averages (air) or daily averages (water),
//     and every one of those must stay within the standard, so the highest
//     is given too. -ZsAvg (the 折算 concentration converted to the
//     reference oxygen content) is used for that test where the device
//     sends it, because the emission standards are written for it.
package monitor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/hj212"
)

// Basis says what a figure is built from.
type Basis string

const (
	// Hourly figures come from CN=2061 小时数据; the statutory basis for air.
	Hourly Basis = "hour"
	// Daily figures come from CN=2031 日数据; the statutory basis for water.
	Daily Basis = "day"
)

// Command codes of the packets used (HJ 212-2017 表 C.3).
const (
	CNHour = "2061" // 上传污染物小时数据
	CNDay  = "2031" // 上传污染物日历史数据
)

// Options for Monthly.
type Options struct {
	// Places is how many decimal places Mean, TestMean and Completeness
	// are rounded to, half up. Each rounding is recorded in the figure's
	// trace; the exact sums and counts are kept beside the rounded values
	// so that a comparison with a standard can be made without rounding.
	// Must be between 0 and 16; there is no default.
	Places int32
	// Quality is the data-quality rules in force for the month (marks,
	// valid days, substitution of missing data); required, there is no
	// built-in table.
	Quality *Quality
	// The data-quality rules judge only the periods a caller answers for:
	// the days FromDay to ToDay (YYYYMMDD, inclusive; "" open: a device
	// mapping's days) and none from Until on (YYYYMMDDhh, Beijing time:
	// an hour or day not over yet is not missing). Empty: the whole month.
	FromDay, ToDay, Until string
}

// Figure is one device × factor code × month × basis.
type Figure struct {
	MN    string
	Code  string // factor code as sent, e.g. "a21026", "w01018", "011"
	Month string // "YYYY-MM" from DataTime
	Basis Basis

	// Emission total: the sum of -Cou over the counted records. The unit
	// is the device's (kg for pollutants under HJ 212-2017, m³ for flow).
	Total      decimal.Decimal
	TotalCount int // counted records that carried a -Cou

	// Averages: the month's mean and highest of the hourly (Hourly) or
	// daily (Daily) -Avg values of the counted records.
	AvgSum   decimal.Decimal
	AvgCount int
	Mean     decimal.Decimal // AvgSum ÷ AvgCount, rounded (zero when AvgCount is 0)
	Max      decimal.Decimal
	MaxAt    string // DataTime of the highest (the earliest when tied)

	// The concentration for the standard and reduction test: -ZsAvg where
	// the record has one, else -Avg.
	TestSum   decimal.Decimal
	TestCount int
	TestMean  decimal.Decimal // TestSum ÷ TestCount, rounded
	TestMax   decimal.Decimal
	TestMaxAt string
	ZsCount   int // records whose test value is -ZsAvg

	// Completeness: counted hours (or days) over the hours (or days) of
	// the calendar month.
	Valid        int
	Units        int
	Completeness decimal.Decimal // Valid ÷ Units, rounded; always within [0, 1]

	// Valid days (hourly figures of air and water codes): days with at
	// least the valid hours the rule in force asks for (DayRule).
	ValidDays int
	ShortDays []string // YYYYMMDD of the days below it
	DayRule   string

	// Missing data: every run of periods without a valid record (F, 停运,
	// excepted), with what the substitution rules put in their place.
	// Substituted is the sum of the substituted -Cou over SubstitutedUnits
	// periods; it is kept apart from Total, which holds measured data only.
	Gaps             []Gap
	Substituted      decimal.Decimal
	SubstitutedUnits int

	Excluded   []Excluded // records left out, in DataTime order
	Duplicates int        // identical records received more than once, counted once
	Lenient    int        // counted records seen only in leniently accepted packets
	Warnings   []string
	Trace      []Step
}

// Excluded is a record left out of the figures.
type Excluded struct {
	DataTime string
	Flag     string // the -Flag value, "" when the reason is not a flag
	Reason   string
}

// Skipped is a packet not used at all.
type Skipped struct {
	Index    int // position in the input slice
	MN       string
	CN       string
	DataTime string
	Reason   string
}

// Step is one line of a figure's explanation.
type Step struct {
	Kind string // "basis", "excluded", "duplicate", "total", "rounding", "mean", "test", "completeness"
	Rule string // the article or standard behind it
	Text string
}

// Result holds the figures, sorted by MN, code, month and basis, and the
// packets that were not used.
type Result struct {
	Figures []Figure
	Skipped []Skipped
}

// Data flags (HJ 212-2017 数据标记, the same letters in HJ/T 212-2005)
// are read from the mark table (Options.Quality.Marks, from
// fixtures/monitor/marks.csv): a record is counted only when its mark is
// valid. A record without a -Flag is read as N (HJ/T 212-2005 devices often
// send none), and says so in the trace. A letter the table does not have
// is left out and listed, so that nothing unknown is counted silently.

// record is what one packet says about one factor for one hour or day.
type record struct {
	mn, code string
	basis    Basis
	period   string // YYYYMMDDhh (hour) or YYYYMMDD (day)
	dataTime string
	month    string
	flag     string
	avg      *decimal.Decimal
	cou      *decimal.Decimal
	zsAvg    *decimal.Decimal
	zsSent   string // the -ZsAvg sentinel as sent (HJ 212-2025 §8.1.1 d), "" when none
	problem  string // why the record cannot be counted, besides its flag
	sig      string // all its values, for telling duplicates from conflicts
	lenient  bool
}

type slotKey struct {
	mn, code string
	basis    Basis
	period   string
}

// slot gathers every record for one device, factor and hour (or day).
type slot struct {
	variants map[string]*record // by signature
	copies   int
}

// Monthly computes the monthly figures from packets. Only packets with a
// Valid or Lenient verdict, CN 2061 or 2031, an MN and a readable DataTime
// are used; every other packet is listed in Skipped with the reason. The
// order of packets does not change the figures.
func Monthly(packets []*hj212.Packet, opt Options) (Result, error) {
	if opt.Places < 0 || opt.Places > 16 {
		return Result{}, calc.Invalid([]calc.FieldError{{Path: "places", Code: "invalid_value",
			Message: fmt.Sprintf("places must be between 0 and 16, got %d", opt.Places)}})
	}
	if opt.Quality == nil {
		return Result{}, calc.Invalid([]calc.FieldError{{Path: "quality", Code: "required",
			Message: "the data-quality rules (marks, valid days, substitution) are required"}})
	}
	var res Result
	slots := map[slotKey]*slot{}
	for i, p := range packets {
		if p == nil {
			res.Skipped = append(res.Skipped, Skipped{Index: i, Reason: "no packet"})
			continue
		}
		skip := func(why string) {
			res.Skipped = append(res.Skipped, Skipped{Index: i, MN: p.MN, CN: p.CN, DataTime: p.DataTime, Reason: why})
		}
		var basis Basis
		switch {
		case !p.Accepted():
			skip("packet rejected: " + p.Reason)
			continue
		case p.CN == CNHour:
			basis = Hourly
		case p.CN == CNDay:
			basis = Daily
		default:
			skip(fmt.Sprintf("CN=%s is neither hour data (2061) nor day data (2031)", p.CN))
			continue
		}
		if p.MN == "" {
			skip("packet has no MN")
			continue
		}
		if p.Time.IsZero() {
			skip(fmt.Sprintf("DataTime %q is missing or not a timestamp", p.DataTime))
			continue
		}
		recs := records(p, basis)
		if len(recs) == 0 {
			skip("packet carries no factor values")
			continue
		}
		for _, r := range recs {
			k := slotKey{r.mn, r.code, r.basis, r.period}
			s := slots[k]
			if s == nil {
				s = &slot{variants: map[string]*record{}}
				slots[k] = s
			}
			s.copies++
			if v, ok := s.variants[r.sig]; ok {
				// Same values again: one record, lenient only if no
				// copy passed the strict check.
				v.lenient = v.lenient && r.lenient
				continue
			}
			s.variants[r.sig] = r
		}
	}
	res.Figures = aggregate(slots, opt.Places, opt.Quality, window{opt.FromDay, opt.ToDay, opt.Until})
	return res, nil
}

// records splits a packet into one record per factor code.
func records(p *hj212.Packet, basis Basis) []*record {
	period := p.DataTime[:10]
	if basis == Daily {
		period = p.DataTime[:8]
	}
	month := p.DataTime[:4] + "-" + p.DataTime[4:6]
	byCode := map[string]*record{}
	var order []string
	vals := map[string]map[string]string{} // code → key → value (for conflicts inside the packet)
	sigs := map[string][]string{}
	for _, q := range p.CP {
		if q.Code == "" {
			continue
		}
		r := byCode[q.Code]
		if r == nil {
			r = &record{mn: p.MN, code: q.Code, basis: basis, period: period, dataTime: p.DataTime, month: month, lenient: p.Verdict == hj212.Lenient}
			byCode[q.Code] = r
			vals[q.Code] = map[string]string{}
			order = append(order, q.Code)
		}
		v := q.Value
		if q.IsNumber {
			v = q.Number().String() // 1.230 and 1.23 are the same value
		}
		// Every value goes into the signature, repeats included, so
		// that two packets count as the same only if they say the same.
		sigs[q.Code] = append(sigs[q.Code], q.Suffix+"="+v)
		if old, ok := vals[q.Code][q.Suffix]; ok {
			if old != v && r.problem == "" {
				r.problem = fmt.Sprintf("-%s given twice in one packet with different values (%s, %s)", q.Suffix, old, v)
			}
			continue
		}
		vals[q.Code][q.Suffix] = v
		n := q.Number()
		switch q.Suffix {
		case "Flag":
			r.flag = q.Value
		case "Avg":
			if q.IsNumber {
				r.avg = &n
			} else if r.problem == "" {
				r.problem = fmt.Sprintf("-Avg %q is not a number%s", q.Value, sentinelNote(q))
			}
		case "Cou":
			if q.IsNumber {
				r.cou = &n
			} else if r.problem == "" {
				r.problem = fmt.Sprintf("-Cou %q is not a number%s", q.Value, sentinelNote(q))
			}
		case "ZsAvg":
			if q.Sentinel {
				// The reference-oxygen value could not be computed: the
				// record keeps its -Avg and -Cou but has no test value.
				r.zsSent = q.Value
			} else if q.IsNumber {
				r.zsAvg = &n
			} else if r.problem == "" {
				r.problem = fmt.Sprintf("-ZsAvg %q is not a number", q.Value)
			}
		}
	}
	out := make([]*record, 0, len(order))
	for _, c := range order {
		r := byCode[c]
		s := sigs[c]
		sort.Strings(s)
		r.sig = p.DataTime + "|" + strings.Join(s, ",")
		if r.problem == "" && r.avg == nil && r.cou == nil {
			r.problem = "no -Avg or -Cou value"
		}
		out = append(out, r)
	}
	return out
}

type figKey struct {
	mn, code, month string
	basis           Basis
}

func aggregate(slots map[slotKey]*slot, places int32, q *Quality, w window) []Figure {
	figs := map[figKey]*Figure{}
	states := map[figKey]map[string]*slotState{}
	unflagged := map[figKey]int{}
	marksUsed := map[figKey]map[string]bool{}
	// Visit slots in a fixed order so that lists come out the same
	// whatever order the packets arrived in.
	keys := make([]slotKey, 0, len(slots))
	for k := range slots {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.mn != b.mn {
			return a.mn < b.mn
		}
		if a.code != b.code {
			return a.code < b.code
		}
		if a.basis != b.basis {
			return a.basis < b.basis
		}
		return a.period < b.period
	})
	for _, k := range keys {
		s := slots[k]
		var any *record
		sigs := make([]string, 0, len(s.variants))
		for sig, r := range s.variants {
			sigs = append(sigs, sig)
			any = r
		}
		sort.Strings(sigs)
		first := s.variants[sigs[0]]
		fk := figKey{k.mn, k.code, any.month, k.basis}
		f := figs[fk]
		if f == nil {
			f = &Figure{MN: k.mn, Code: k.code, Month: any.month, Basis: k.basis}
			figs[fk] = f
			states[fk] = map[string]*slotState{}
			marksUsed[fk] = map[string]bool{}
		}
		st := &slotState{missing: true}
		states[fk][k.period] = st
		f.Duplicates += s.copies - len(s.variants)
		if len(s.variants) > 1 {
			times := make([]string, 0, len(sigs))
			for _, sig := range sigs {
				times = append(times, s.variants[sig].dataTime)
			}
			f.Excluded = append(f.Excluded, Excluded{DataTime: first.dataTime, Reason: fmt.Sprintf(
				"%d different records for the same %s (DataTime %s): contradictory, none counted", len(sigs), k.basis, strings.Join(uniq(times), ", "))})
			st.why = "contradictory records"
			continue
		}
		r := first
		flag := r.flag
		if flag == "" {
			flag = "N"
			unflagged[fk]++
		}
		mark, known := q.Marks[flag]
		if known {
			marksUsed[fk][flag] = true
		}
		switch {
		case r.problem != "":
			f.Excluded = append(f.Excluded, Excluded{DataTime: r.dataTime, Flag: r.flag, Reason: r.problem})
			st.why = "unreadable record"
			continue
		case !known:
			f.Excluded = append(f.Excluded, Excluded{DataTime: r.dataTime, Flag: r.flag,
				Reason: fmt.Sprintf("flag %q is not in the mark table: not counted", r.flag)})
			st.why = "flag " + r.flag
			continue
		case !mark.Valid:
			f.Excluded = append(f.Excluded, Excluded{DataTime: r.dataTime, Flag: r.flag, Reason: mark.Reason})
			st.why, st.missing = "flag "+r.flag, mark.Missing
			continue
		}
		st.valid, st.missing, st.avg, st.cou = true, false, r.avg, r.cou
		f.Valid++
		if r.lenient {
			f.Lenient++
		}
		if r.cou != nil {
			f.Total = f.Total.Add(*r.cou)
			f.TotalCount++
			if r.cou.IsNegative() {
				f.Warnings = append(f.Warnings, fmt.Sprintf("negative -Cou %s at %s (counted as sent)", r.cou, r.dataTime))
			}
		}
		if r.avg != nil {
			f.AvgSum = f.AvgSum.Add(*r.avg)
			if f.AvgCount == 0 || r.avg.GreaterThan(f.Max) {
				f.Max, f.MaxAt = *r.avg, r.dataTime
			}
			f.AvgCount++
		}
		test := r.avg
		switch {
		case r.zsSent != "":
			// Neither the sentinel nor the unconverted -Avg is the test
			// concentration of that record.
			test = nil
			f.Warnings = append(f.Warnings, fmt.Sprintf("-ZsAvg at %s is %s, the value sent when it cannot be computed (HJ 212-2025 §8.1.1 d): no test concentration for that record", r.dataTime, r.zsSent))
		case r.zsAvg != nil:
			test = r.zsAvg
			f.ZsCount++
		}
		if test != nil {
			f.TestSum = f.TestSum.Add(*test)
			if f.TestCount == 0 || test.GreaterThan(f.TestMax) {
				f.TestMax, f.TestMaxAt = *test, r.dataTime
			}
			f.TestCount++
		}
	}
	out := make([]Figure, 0, len(figs))
	for fk, f := range figs {
		finish(f, places)
		finishQuality(f, states[fk], unflagged[fk], marksUsed[fk], q, places, w)
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.MN != b.MN {
			return a.MN < b.MN
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Month != b.Month {
			return a.Month < b.Month
		}
		return a.Basis < b.Basis
	})
	return out
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// finish derives the rounded figures and writes the trace.
func finish(f *Figure, places int32) {
	var y, m int
	fmt.Sscanf(f.Month, "%4d-%2d", &y, &m)
	days := param.DaysIn(y, m)
	unit := "hours"
	avgOf := "hourly averages"
	if f.Basis == Daily {
		f.Units = days
		unit = "days"
		avgOf = "daily averages"
	} else {
		f.Units = days * 24
	}
	sort.SliceStable(f.Excluded, func(i, j int) bool { return f.Excluded[i].DataTime < f.Excluded[j].DataTime })

	trace := func(kind, rule, text string) { f.Trace = append(f.Trace, Step{kind, rule, text}) }
	round := func(what string, num decimal.Decimal, den int) decimal.Decimal {
		if den == 0 {
			return decimal.Zero
		}
		d := decimal.NewFromInt(int64(den))
		q := num.DivRound(d, places)
		if !q.Mul(d).Equal(num) {
			trace("rounding", "rounded half up",
				fmt.Sprintf("%s = %s ÷ %d, rounded half up to %d places = %s", what, num, den, places, q.StringFixed(places)))
		}
		return q
	}

	source := "CN=2061 hour data"
	if f.Basis == Daily {
		source = "CN=2031 day data"
	}
	trace("basis", "环境保护税法 第十条 (一); 实施条例 第十条",
		fmt.Sprintf("%s, device %s, factor %s, %s (DataTime as written, Beijing time)", source, f.MN, f.Code, f.Month))
	if len(f.Excluded) > 0 {
		byFlag := map[string]int{}
		for _, e := range f.Excluded {
			k := e.Flag
			if k == "" || k == "N" || k == "T" {
				k = "other"
			}
			byFlag[k]++
		}
		var parts []string
		for _, k := range sortedKeys(byFlag) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, byFlag[k]))
		}
		trace("excluded", "HJ 212-2017 数据标记; 污染物排放自动监测设备标记规则 (生态环境部公告 2022年第21号)",
			fmt.Sprintf("%d records left out (%s); listed with their DataTime", len(f.Excluded), strings.Join(parts, ", ")))
	}
	if f.Duplicates > 0 {
		trace("duplicate", "same MN, CN, DataTime and values",
			fmt.Sprintf("%d repeated copies of records already received counted once", f.Duplicates))
	}
	trace("total", "环境保护税法 第十条 (一)",
		fmt.Sprintf("emission total = sum of -Cou over %d counted records = %s", f.TotalCount, f.Total))
	f.Mean = round("mean of -Avg", f.AvgSum, f.AvgCount)
	f.TestMean = round("mean of test concentration", f.TestSum, f.TestCount)
	if f.AvgCount > 0 {
		trace("mean", "实施条例 第十条",
			fmt.Sprintf("mean of %d %s = %s ÷ %d = %s; highest %s at %s", f.AvgCount, avgOf, f.AvgSum, f.AvgCount, f.Mean, f.Max, f.MaxAt))
	}
	if f.TestCount > 0 {
		trace("test", "实施条例 第十条; 法 第十三条",
			fmt.Sprintf("test concentration (-ZsAvg in %d of %d records, else -Avg): mean %s ÷ %d = %s, highest %s at %s",
				f.ZsCount, f.TestCount, f.TestSum, f.TestCount, f.TestMean, f.TestMax, f.TestMaxAt))
	}
	f.Completeness = round("completeness", decimal.NewFromInt(int64(f.Valid)), f.Units)
	trace("completeness", "valid "+unit+" ÷ "+unit+" in the month",
		fmt.Sprintf("completeness = %d ÷ %d = %s", f.Valid, f.Units, f.Completeness))
	if f.Lenient > 0 {
		f.Warnings = append(f.Warnings, fmt.Sprintf("%d counted records come from packets whose CRC passed only the lenient (byte-swapped Modbus) check", f.Lenient))
	}
}

// finishQuality applies the mark table's warnings, the valid-day rule and
// the substitution of missing data to a figure.
func finishQuality(f *Figure, state map[string]*slotState, unflagged int, used map[string]bool, q *Quality, places int32, w window) {
	seen := map[string]bool{}
	warn := func(w string) {
		if !seen[w] {
			seen[w] = true
			f.Warnings = append(f.Warnings, w)
		}
	}
	for _, w := range q.Warnings {
		warn(w)
	}
	if unflagged > 0 {
		f.Trace = append(f.Trace, Step{"marks", q.Marks["N"].Rule,
			fmt.Sprintf("%d records without a -Flag read as N (HJ/T 212-2005 devices often send none)", unflagged)})
	}
	for _, code := range sortedBools(used) {
		m := q.Marks[code]
		use := "counted"
		if !m.Valid {
			use = "left out"
		}
		f.Trace = append(f.Trace, Step{"marks", m.Rule, fmt.Sprintf("flag %s (%s): %s, %s", code, m.Name, use, m.Cite())})
		if !m.Verified {
			warn(fmt.Sprintf("unverified %s: %s", m.Cite(), m.Source))
		}
	}
	if ws := w.String(); ws != "" {
		f.Trace = append(f.Trace, Step{"window", "valid days and missing data judged where the device answers for them", ws})
	}
	days(f, state, q, w, warn)
	fill(f, state, q, places, w, warn)
	if len(f.Gaps) > 0 {
		units := 0
		for _, g := range f.Gaps {
			units += g.Units
		}
		unit := "hours"
		if f.Basis == Daily {
			unit = "days"
		}
		f.Trace = append(f.Trace, Step{"gaps", "HJ 75 (gas CEMS); HJ 355/356 (water): missing data",
			fmt.Sprintf("%d %s missing in %d runs; substituted -Cou %s over %d %s, kept apart from the measured total",
				units, unit, len(f.Gaps), f.Substituted, f.SubstitutedUnits, unit)})
	}
}

func sortedBools(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Name maps a factor code to a statutory pollutant name with a table the
// caller supplies (code → name, e.g. from fixtures/hj212_codes.csv). The
// exact code is tried first, then the code ignoring case, since HJ/T
// 212-2005 codes are written both ways ("B01", "b01"). ok is false when the
// table has no entry, or when entries differing only in case give
// different names: the caller must then say so, not guess.
func Name(code string, names map[string]string) (name string, ok bool) {
	if n, ok := names[code]; ok {
		return n, true
	}
	for k, n := range names {
		if !strings.EqualFold(k, code) {
			continue
		}
		if ok && n != name {
			return "", false // two entries differing only in case disagree
		}
		name, ok = n, true
	}
	return name, ok
}

// Unnamed lists, sorted and once each, the factor codes of figs that
// names does not map, so that a caller can report them.
func Unnamed(figs []Figure, names map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range figs {
		if _, ok := Name(f.Code, names); !ok && !seen[f.Code] {
			seen[f.Code] = true
			out = append(out, f.Code)
		}
	}
	sort.Strings(out)
	return out
}

// sentinelNote explains a value that is the maximum of its data type.
func sentinelNote(q hj212.Pair) string {
	if !q.Sentinel {
		return ""
	}
	return " (the maximum of its data type, sent when the value cannot be computed, HJ 212-2025 §8.1.1 d)"
}
