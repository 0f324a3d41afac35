package calc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// The JSON shapes of the contract. Every quantity and amount is a string;
// money always has exactly two decimals. Results are written by hand, in
// the contract's field order, because reflection-based encoding was the
// largest single cost of answering the public calculator.

// MarshalJSON writes the contract's response shape with the full trace.
func (r *Result) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(nil, TraceFull), nil
}

// MarshalJSONTrace writes the result with the trace at a level.
func (r *Result) MarshalJSONTrace(level TraceLevel) ([]byte, error) {
	return r.AppendJSON(nil, level), nil
}

// AppendJSON appends the result in the contract's shape. Below
// TraceFull the result says "trace_level" and each line names the
// parameters behind its figures ("params": indexes into "parameters":
// the equivalent value and the rate), so that the arithmetic the trace
// leaves out can be followed from the line.
func (r *Result) AppendJSON(dst []byte, level TraceLevel) []byte {
	if r.untraced {
		level = TraceNone // it has no trace to write
	}
	steps := len(r.trace)
	switch level {
	case TraceSummary:
		steps /= 3
	case TraceNone:
		steps = 0
	}
	size := 1024 + 700*len(r.Lines) + 400*steps
	for i := range r.Parameters {
		size += 200 + len(r.Parameters[i].Source)
	}
	for i := range r.Warnings {
		size += 40 + len(r.Warnings[i].Message)
	}
	if cap(dst)-len(dst) < size {
		// Grow by doubling at least: callers append many results to one
		// buffer (ecotax calc --jsonl), and growing by one result's size
		// each time would copy the buffer once per result.
		dst = append(make([]byte, 0, max(2*cap(dst), len(dst)+size)), dst...)
	}
	w := jsonWriter{b: dst}
	w.open('{')
	if r.Taxpayer != (Taxpayer{}) {
		w.key("taxpayer")
		w.open('{')
		w.optStr("credit_code", r.Taxpayer.CreditCode)
		w.optStr("name", r.Taxpayer.Name)
		w.close('}')
	}
	w.optStr("region", r.Region)
	w.optStr("period", r.Period)
	w.decField("total_tax_due", r.TotalTaxDue, 2)
	w.decField("total_reduction", r.TotalReduction, 2)
	w.decField("total_tax", r.TotalTax, 2)
	w.field("rounding", string(r.Rounding))
	if level != TraceFull {
		w.field("trace_level", level.String())
	}

	eqPlaces := int32(2)
	if r.Rounding == Exact {
		eqPlaces = 4
	}
	var rates []*RateRule // by line, for lineParams
	if level != TraceFull {
		rates = r.lineRates()
	}
	// The texts lines repeat (the source, the month, the kind, the unit,
	// the reason, the group) are checked for escaping once: the last one
	// found plain is kept and the next line's compared with it.
	var memo lineMemo
	pathLo, pathHi := pathSpan()
	var head, headEnd int // where the last line's first members are in b
	w.key("lines")
	w.open('[')
	// Lines are most of a result. They are written into b, a local
	// slice the compiler keeps in registers, by functions that take and
	// return it: w.b, behind the pointer the writer's methods take, was
	// loaded and stored back around every append. Members are written
	// as constant fragments (comma, name and colon in one append); every
	// line has the same leading members.
	b := w.b
	for i := range r.Lines {
		l := &r.Lines[i]
		if i > 0 {
			b = append(b, ',')
		}
		// A line of the same outlet, month and kind as the last one
		// starts as it did: its first members are copied.
		if i > 0 && same(l.Source, r.Lines[i-1].Source) && same(l.Month, r.Lines[i-1].Month) && same(l.Kind, r.Lines[i-1].Kind) {
			b = append(b, b[head:headEnd]...)
		} else {
			head = len(b)
			b = appendMemo(append(b, `{"source":`...), l.Source, &memo.source)
			b = appendMemo(append(b, `,"month":`...), l.Month, &memo.month)
			b = appendMemo(append(b, `,"kind":`...), l.Kind, &memo.kind)
			headEnd = len(b)
		}
		b = appendString(append(b, `,"pollutant":`...), l.Pollutant)
		if within(l.Path, pathLo, pathHi) { // known plain: written unread
			b = append(append(append(b, `,"path":"`...), l.Path...), '"')
		} else {
			b = appendString(append(b, `,"path":`...), l.Path)
		}
		if l.Group != "" {
			b = appendMemo(append(b, `,"group":`...), l.Group, &memo.group)
		}
		if l.Fugitive {
			b = append(b, `,"fugitive":true`...)
		}
		b = appendDec(append(b, `,"quantity":"`...), l.Quantity, -1)
		b = appendMemo(append(b, `,"unit":`...), l.Unit, &memo.unit)
		if l.EquivalentValue.Valid {
			b = appendDec(append(b, `,"equivalent_value":"`...), l.EquivalentValue.Decimal, -1)
		}
		if l.Equivalents.Valid {
			b = appendDec(append(b, `,"equivalents":"`...), l.Equivalents.Decimal, eqPlaces)
		}
		if l.Rank > 0 {
			b = appendInt(append(b, `,"rank":`...), l.Rank)
		}
		if l.Taxed {
			b = append(b, `,"taxed":true,"reason":`...)
		} else {
			b = append(b, `,"taxed":false,"reason":`...)
		}
		// Reasons alternate between a few texts ("前三项", "排序第4，
		// 不在前三项", …, each kept once by rank.go): the last few found
		// plain are remembered, not only the last one.
		b = appendSeen(b, l.Reason, &memo.reasons)
		if l.Rate.Valid {
			b = appendDec(append(b, `,"rate":"`...), l.Rate.Decimal, -1)
		}
		if l.ExceedDB.Valid {
			b = appendDec(append(b, `,"exceed_db":"`...), l.ExceedDB.Decimal, -1)
		}
		if l.Halved {
			b = append(b, `,"halved":true`...)
		}
		if l.Doubled {
			b = append(b, `,"doubled":true`...)
		}
		if d := l.Detail; d != nil {
			if d.PHValue.Valid {
				b = appendDec(append(b, `,"ph_value":"`...), d.PHValue.Decimal, -1)
			}
			if d.ColourMultiple.Valid {
				b = appendDec(append(b, `,"exceed_multiple":"`...), d.ColourMultiple.Decimal, -1)
			}
			if d.HazardousClass != "" {
				b = appendString(append(b, `,"hazardous_class":`...), d.HazardousClass)
			}
		}
		b = appendDec(append(b, `,"tax_due":"`...), l.TaxDue, 2)
		if l.ReductionFactor.Valid {
			b = appendDec(append(b, `,"reduction_factor":"`...), l.ReductionFactor.Decimal, -1)
		}
		b = appendDec(append(b, `,"reduction":"`...), l.Reduction, 2)
		b = appendDec(append(b, `,"tax":"`...), l.Tax, 2)
		if enc := sharedRulesJSON(l.Rules); enc != nil {
			b = append(b, enc...)
		} else {
			b = appendRules(b, l.Rules)
		}
		if l.Unverified {
			b = append(b, `,"unverified":true`...)
		}
		if level != TraceFull {
			b = r.appendLineParams(b, l, rates[i], &memo.params)
		}
		b = append(b, '}')
	}
	w.b = b
	w.more = true
	w.close(']')

	w.key("months")
	w.open('[')
	for _, m := range r.Months {
		w.open('{')
		w.field("month", m.Month)
		w.decField("tax_due", m.TaxDue, 2)
		w.decField("reduction", m.Reduction, 2)
		w.decField("tax", m.Tax, 2)
		w.close('}')
	}
	w.close(']')

	w.key("parameters")
	w.open('[')
	for i := range r.Parameters {
		p := &r.Parameters[i]
		if t := p.text; t != nil {
			w.comma()
			w.b = append(w.b, t.headJSON...)
			if p.Region != "" {
				w.kstr(`,"region":`, p.Region)
			}
			w.b = append(w.b, t.tailJSON...)
			w.more = true
			continue
		}
		w.open('{')
		w.field("key", p.Key)
		w.optStr("region", p.Region)
		w.field("value", p.Value)
		w.field("effective_from", p.EffectiveFrom)
		w.optStr("effective_to", p.EffectiveTo)
		w.field("source", p.Source)
		w.boolField("verified", p.Verified)
		w.field("confidence", p.Confidence)
		w.field("where", p.Where)
		w.close('}')
	}
	w.close(']')

	w.key("warnings")
	w.open('[')
	for _, wn := range r.Warnings {
		w.open('{')
		w.field("code", wn.Code)
		w.fieldJSON("message", wn.Message, wn.messageJSON)
		w.optStr("path", wn.Path)
		w.close('}')
	}
	w.close(']')

	w.key("trace")
	w.open('[')
	r.appendTrace(&w, level)
	w.more = true
	w.close(']')
	w.close('}')
	return w.b
}

// appendTrace writes the trace's steps at a level, as StepsAt renders
// them, without building them: a step's text goes straight into the
// answer (appendText with esc), its wording and figures copied, only the
// pieces from the request checked for escaping. Steps are written from
// fragments as lines are; a line's steps repeat its source, month and
// pollutant, and steps of a kind their name and rule.
func (r *Result) appendTrace(w *jsonWriter, level TraceLevel) {
	if level == TraceNone || r.untraced {
		return
	}
	var tm stepMemo
	n := 0
	for i := range r.trace {
		s := &r.trace[i]
		if k := s.arithmetic(); k > 0 {
			if level == TraceSummary {
				n += k
				continue
			}
			base, l := r.stepHead(s)
			r.arithmeticSteps(s, l, func(kind, rule, text string) {
				n++
				w.stepHead(&tm, n, &base, kind, rule)
				w.kstr(`,"text":`, text)
				w.b = append(w.b, '}')
			})
			continue
		}
		base, l := r.stepHead(s)
		n++
		w.stepHead(&tm, n, &base, s.Kind, s.Rule)
		w.b = append(w.b, `,"text":"`...)
		var note string
		var isNote bool
		if w.b, note, isNote = r.appendText(w.b, s, l, true); isNote {
			w.b = w.b[:len(w.b)-1] // the quote: the note is written whole
			w.seen(note, &tm.texts)
		} else {
			w.b = append(w.b, '"')
		}
		w.b = append(w.b, '}')
	}
}

// stepHead writes a step's members before its text, opening it.
func (w *jsonWriter) stepHead(tm *stepMemo, n int, base *TraceStep, kind, rule string) {
	if tm.started {
		w.b = append(w.b, ',')
	}
	tm.started = true
	w.b = append(w.b, `{"n":`...)
	w.b = appendInt(w.b, n)
	w.kmemo(`,"step":`, kind, &tm.step)
	if base.Source != "" {
		w.kmemo(`,"source":`, base.Source, &tm.source)
	}
	if base.Month != "" {
		w.kmemo(`,"month":`, base.Month, &tm.month)
	}
	if base.Pollutant != "" {
		w.kmemo(`,"pollutant":`, base.Pollutant, &tm.pollutant)
	}
	w.b = append(w.b, `,"rule":`...)
	w.seen(rule, &tm.rules)
}

// pathSpan is the memory of the decoder's path table (pathTable): a
// line's path lying there (the fast decoder's usual answer) is a piece
// of the table's text, plain ASCII, and is written without being read.
// The first call checks that the entries lie end to end and are plain;
// when they do not, the span is empty and every path is checked.
var pathSpan = sync.OnceValues(func() (lo, hi uintptr) {
	t := pathTable()
	if len(t) == 0 {
		return 0, 0
	}
	at := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	lo = at(t[0])
	hi = lo
	for _, s := range t {
		if at(s) != hi || !plain(s) {
			return 0, 0
		}
		hi += uintptr(len(s))
	}
	return lo, hi
})

// within reports whether the bytes of s lie in memory from lo to hi.
func within(s string, lo, hi uintptr) bool {
	at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return lo <= at && at+uintptr(len(s)) <= hi
}

// appendRules writes a line's "rules" member.
func appendRules(b []byte, rules []string) []byte {
	w := jsonWriter{b: append(b, `,"rules":[`...)}
	for k, rule := range rules {
		if k > 0 {
			w.b = append(w.b, ',')
		}
		w.str(rule)
	}
	return append(w.b, ']')
}

// sharedRules are the citation lists lines share (lines.go), most
// frequent first, each with its "rules" member written once.
var sharedRules = func() (out []struct {
	rules []string
	json  []byte
}) {
	for _, r := range [][]string{rulesAirWater, rulesAirWaterRed, rulesSpecial, rulesColour, rulesTable4, rulesLivestock, rulesNoise, rulesSolid, rulesSolidPenalty} {
		out = append(out, struct {
			rules []string
			json  []byte
		}{r, appendRules(nil, r)})
	}
	return out
}()

// sharedRulesJSON returns the written "rules" member of a shared list,
// known by its identity (the same array, the same length: lines never
// change a shared list), or nil.
func sharedRulesJSON(rules []string) []byte {
	if len(rules) == 0 {
		return nil
	}
	for i := range sharedRules {
		if s := &sharedRules[i]; len(s.rules) == len(rules) && &s.rules[0] == &rules[0] {
			return s.json
		}
	}
	return nil
}

// lineRates gives each line the rate row its tax-due step used (nil for
// a what-if rate and for lines without one); kept in the trace, not on
// every line, so that computing pays nothing for it.
func (r *Result) lineRates() []*RateRule {
	if r.untraced {
		return r.rates
	}
	rates := make([]*RateRule, len(r.Lines))
	for i := range r.trace {
		if s := &r.trace[i]; s.Kind == StepTaxDue && s.L >= 0 && s.L < len(rates) {
			rates[s.L] = s.rate
		}
	}
	return rates
}

// appendLineParams writes the indexes of the parameters behind a
// line's figures, in "parameters".
func (r *Result) appendLineParams(b []byte, l *Line, rate *RateRule, h *paramHint) []byte {
	var refs [2]int
	n := 0
	if l.pol != nil {
		if i, ok := r.paramFrom(&l.pol.Meta, h.next); ok {
			refs[n], n = i, n+1
			h.next = i + 1
		}
	}
	if rate != nil {
		if &rate.Meta == h.rate {
			refs[n], n = h.rateAt, n+1
		} else if i, ok := r.paramAt(&rate.Meta); ok {
			refs[n], n = i, n+1
			h.rate, h.rateAt = &rate.Meta, i
		}
	}
	if n == 0 {
		return b
	}
	// Written whole: the member follows others (a comma first).
	b = append(b, `,"params":[`...)
	for k, i := range refs[:n] {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendInt(b, i)
	}
	return append(b, ']')
}

// paramHint speeds up finding a line's parameters: lines use their
// pollutants' rows mostly in the order the rows were listed (first use),
// and a run of lines the same rate row.
type paramHint struct {
	next   int         // after the last pollutant row found
	rate   *param.Meta // the last rate row found, at rateAt
	rateAt int
}

// paramFrom is paramAt, looking from index from on first: rows are
// listed once each, so where the search starts changes nothing but its
// length.
func (r *Result) paramFrom(m *param.Meta, from int) (int, bool) {
	if r.paramIndex != nil {
		i, ok := r.paramIndex[m]
		return i, ok
	}
	u := r.paramUses
	for i := max(from, 0); i < len(u); i++ {
		if u[i].meta == m {
			return i, true
		}
	}
	for i := range min(from, len(u)) {
		if u[i].meta == m {
			return i, true
		}
	}
	return 0, false
}

// appendInt is strconv.AppendInt(b, int64(i), 10) with the one-digit
// case (ranks, parameter indexes) kept inline.
func appendInt(b []byte, i int) []byte {
	if uint(i) < 10 {
		return append(b, byte('0'+i))
	}
	return strconv.AppendInt(b, int64(i), 10)
}

// jsonWriter appends JSON to a byte slice. It tracks only whether the
// next member needs a comma.
type jsonWriter struct {
	b    []byte
	more bool // a value has been written at the current level
}

func (w *jsonWriter) comma() {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.more = true
}

func (w *jsonWriter) open(c byte) {
	w.comma()
	w.b = append(w.b, c)
	w.more = false
}

func (w *jsonWriter) close(c byte) {
	w.b = append(w.b, c)
	w.more = true
}

// key writes a member name. Names are the contract's own ASCII
// identifiers, never input, so they need no escaping.
func (w *jsonWriter) key(k string) {
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	w.more = false
}

func (w *jsonWriter) field(k, v string) {
	w.key(k)
	w.str(v)
	w.more = true
}

// fieldJSON writes a member whose value may come pre-encoded.
func (w *jsonWriter) fieldJSON(k, v string, encoded []byte) {
	if encoded == nil {
		w.field(k, v)
		return
	}
	w.key(k)
	w.b = append(w.b, encoded...)
	w.more = true
}

// encodeString returns s as a JSON string.
func encodeString(s string) []byte {
	var w jsonWriter
	w.str(s)
	return w.b
}

// kstr writes a member from its fragment (comma, quoted name, colon)
// and a string value.
func (w *jsonWriter) kstr(fragment, v string) {
	w.b = append(w.b, fragment...)
	w.str(v)
}

// lineMemo holds, for each text lines repeat, the last value found
// plain (kept as the string itself: what it points to stays alive and
// unchanged).
type lineMemo struct {
	source, month, kind, group, unit string
	reasons                          plainSeen
	// params: where the next line's parameters are looked for first.
	params paramHint
}

// stepMemo is lineMemo for the trace's steps. Rules and notes alternate
// between a few texts, so the last few found plain are kept (plainSeen).
type stepMemo struct {
	step, source, month, pollutant string
	rules, texts                   plainSeen
	started                        bool // a step has been written
}

// plainSeen holds texts found plain during one write, each known by
// its identity (same): a text met again is not read again. A text's slot
// is a hash of its address, one comparison to find; a text found plain
// takes its slot from whatever held it. (A list of the last 16 scanned
// in turn cost more comparisons than it saved reads once a summary's
// rules and notes outnumbered it.)
type plainSeen struct {
	s [32]string
}

// slot is where v is kept in p.
func (p *plainSeen) slot(v string) *string {
	h := uint64(uintptr(unsafe.Pointer(unsafe.StringData(v)))) * 0x9E3779B97F4A7C15
	return &p.s[h>>59]
}

// seen writes v as a JSON string, reading it only when it is not one of
// the texts in p.
func (w *jsonWriter) seen(v string, p *plainSeen) {
	w.b = appendSeen(w.b, v, p)
}

// appendSeen appends v as a JSON string, reading it only when it is not
// one of the texts in p.
func appendSeen(b []byte, v string, p *plainSeen) []byte {
	if k := p.slot(v); !same(*k, v) {
		if !plain(v) {
			return appendString(b, v)
		}
		*k = v
	}
	return append(append(append(b, '"'), v...), '"')
}

// same reports whether a and b are the same string: the same bytes in
// memory (so equal without reading them), or both empty.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// kmemo is kstr for a text that is often the same as the last one
// written in its place: when it equals last (the same string data
// compares without reading it) it is known plain.
func (w *jsonWriter) kmemo(fragment, v string, last *string) {
	w.b = append(w.b, fragment...) // inlined: the fragment is stored as constants
	w.memo(v, last)
}

func (w *jsonWriter) memo(v string, last *string) {
	w.b = appendMemo(w.b, v, last)
}

// appendMemo appends v as a JSON string, known plain without reading it
// when it equals last (the same string data compares without reading
// it); a plain v becomes last.
func appendMemo(b []byte, v string, last *string) []byte {
	if v != *last {
		if !plain(v) {
			return appendString(b, v)
		}
		*last = v
	}
	return append(append(append(b, '"'), v...), '"')
}

// appendString appends s as a JSON string (jsonWriter.str).
func appendString(b []byte, s string) []byte {
	return append(appendEscaped(append(b, '"'), s), '"')
}

// appendDec appends a decimal as decField does, and the closing quote
// (the opening one ends the member's fragment).
func appendDec(b []byte, d decimal.Decimal, places int32) []byte {
	return append(param.AppendDecimal(b, d, places), '"')
}

// kdec writes a member from its fragment (ending in the value's opening
// quote) and a decimal, as decField does.
func (w *jsonWriter) kdec(fragment string, d decimal.Decimal, places int32) {
	w.b = append(w.b, fragment...)
	w.b = param.AppendDecimal(w.b, d, places)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) koptDec(fragment string, d decimal.NullDecimal, places int32) {
	if d.Valid {
		w.kdec(fragment, d.Decimal, places)
	}
}

func (w *jsonWriter) optStr(k, v string) {
	if v != "" {
		w.field(k, v)
	}
}

func (w *jsonWriter) optBool(k string, v bool) {
	if v {
		w.boolField(k, true)
	}
}

func (w *jsonWriter) boolField(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
	w.more = true
}

func (w *jsonWriter) intField(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
	w.more = true
}

func (w *jsonWriter) optDec(k string, d decimal.NullDecimal, places int32) {
	if d.Valid {
		w.decField(k, d.Decimal, places)
	}
}

// decField writes a decimal as a JSON string: String() when places < 0,
// StringFixed(places) otherwise.
func (w *jsonWriter) decField(k string, d decimal.Decimal, places int32) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = param.AppendDecimal(w.b, d, places)
	w.b = append(w.b, '"')
	w.more = true
}

const hexDigits = "0123456789abcdef"

// str writes a JSON string the way encoding/json does with HTML escaping
// off: quotes, backslashes and control characters escaped, U+2028 and
// U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func (w *jsonWriter) str(s string) {
	w.b = appendString(w.b, s)
}

// appendEscaped appends the inside of the JSON string of s (str without
// the quotes).
func appendEscaped(b []byte, s string) []byte {
	if plain(s) {
		return append(b, s...)
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedASCII(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// plain reports whether s goes into a JSON string as it is: valid UTF-8
// without quotes, backslashes, control characters, U+2028 or U+2029
// (E2 80 A8/A9). Most texts are, and copying them whole is several times
// faster than decoding them rune by rune.
func plain(s string) bool {
	for i := 0; i < len(s); {
		// Eight bytes at a time while they are plain ASCII (paths,
		// codes, dates, figures).
		if len(s)-i >= 8 {
			t := s[i : i+8]
			if plainASCII8(uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
				uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56) {
				i += 8
				continue
			}
		}
		// Otherwise the common characters are decided by their lead
		// byte's class, a run of one class at a time: ASCII, two-byte
		// (×, ÷, °), three-byte from U+1000 to U+CFFF and U+E000 to
		// U+FFFF (Chinese, E1–EC and EE–EF), and E2 (→, −, …) but for
		// U+2028 and U+2029 (E2 80 A8/A9). Anything else (E0 and ED
		// with their narrower second byte, four bytes, invalid bytes,
		// what needs escaping) goes to the rune-by-rune check of the
		// rest.
		switch plainClass[s[i]] {
		case 1:
			for i++; i < len(s) && plainClass[s[i]] == 1; i++ {
			}
		case 2:
			if i+1 >= len(s) || s[i+1]&0xC0 != 0x80 {
				return plainSlow(s[i:])
			}
			i += 2
		case 3:
			for {
				// Both continuation bytes are 10xxxxxx.
				if i+2 >= len(s) || s[i+1]&0xC0|(s[i+2]&0xC0)>>2 != 0xA0 {
					return plainSlow(s[i:])
				}
				i += 3
				if i >= len(s) || plainClass[s[i]] != 3 {
					break
				}
			}
		case 4:
			if i+2 >= len(s) || s[i+1]&0xC0|(s[i+2]&0xC0)>>2 != 0xA0 || s[i+1] == 0x80 && s[i+2]&^1 == 0xA8 {
				return plainSlow(s[i:])
			}
			i += 3
		default:
			return plainSlow(s[i:])
		}
	}
	return true
}

// plainASCII8 reports whether the eight bytes of x are all printable
// ASCII other than the quote and the backslash. When no byte has its
// high bit set, x−0x20… sets a high bit exactly when some byte is below
// 0x20, and (x^q)−1… exactly when some byte equals q (the lowest such
// byte borrows; without one nothing borrows).
func plainASCII8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return (x|(x-lo*0x20)|(q-lo)|(bs-lo))&hi == 0
}

// plainSlow is plain for a text that starts with something the quick
// loop does not decide.
func plainSlow(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// plainClass classes a byte for plain: 1 an ASCII byte a JSON string
// takes as it is, 2 the lead byte of a two-byte character (C2–DF), 3 of a
// three-byte character whose second byte is any continuation byte (E1–EC,
// EE, EF), 4 E2 (the same but for U+2028 and U+2029), 0 anything else.
var plainClass = func() (t [256]uint8) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		if c != '"' && c != '\\' {
			t[c] = 1
		}
	}
	for c := 0xC2; c <= 0xDF; c++ {
		t[c] = 2
	}
	for c := 0xE1; c <= 0xEF; c++ {
		t[c] = 3
	}
	t[0xED] = 0 // its second byte is A0–BF for surrogates: not UTF-8
	t[0xE2] = 4
	return t
}()

func appendEscapedASCII(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

type errorJSON struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

// MarshalJSON writes the error in the problem shape of the contract
// (adapters add "status" and "type").
func (e *Error) MarshalJSON() ([]byte, error) {
	errs := e.Errors
	if errs == nil {
		errs = []FieldError{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "<" readable in messages
	if err := enc.Encode(errorJSON{Code: e.Code, Title: e.Title, Detail: e.Detail, Errors: errs}); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
