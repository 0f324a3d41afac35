package reconcile

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Peers compares each taxpayer's declared emission per unit of output with
// the median of the other taxpayers of the same industry and output unit
// among results (实施条例 第二十二条 (二): 单位产品污染物排放量与同类型纳税
// 人相比明显偏低), pollutant by pollutant, and adds an
// intensity_below_peers flag where it is below set.PeerRatio × the
// median. Fewer than set.PeerMin peers: no comparison. Taxpayers without
// an industry are not compared. The comparison is exact (cross
// multiplication); the values shown are rounded to 6 places.
//
// PeerBook does the same comparison for a run too large to keep its
// results: both go through compareGroup and peerFlag.
func Peers(results []*Result, set *Set, asOf param.Date) {
	type ref struct {
		res *Result
		in  *Intensity
	}
	groups := map[string][]member{}
	var refs []ref
	for _, r := range results {
		if r.Industry == "" {
			continue
		}
		for i := range r.Intensities {
			in := &r.Intensities[i]
			if in.Output.Sign() <= 0 {
				continue
			}
			k := groupKey(r.Industry, in.Unit, in.PollutantID)
			groups[k] = append(groups[k], member{kg: in.DeclaredKg, out: in.Output, i: len(refs)})
			refs = append(refs, ref{r, in})
		}
	}
	for _, k := range sortedKeys(groups) {
		compareGroup(groups[k], set, func(m *member, peers int, median decimal.NullDecimal, below bool) {
			x := refs[m.i]
			x.in.Peers, x.in.PeerMedian = peers, median
			if below {
				x.res.Flags = append(x.res.Flags, peerFlag(x.res.CreditCode, x.res.Period, x.res.Industry, x.in, set, asOf))
				SortFlags(x.res.Flags)
				if x.res.Status == ResultClear {
					x.res.Status = ResultFlagged
				}
			}
		})
	}
}

func groupKey(industry, unit, pollutantID string) string {
	return industry + "\x00" + unit + "\x00" + pollutantID
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// member is one taxpayer's intensity of one pollutant in a group (same
// industry, output unit and pollutant); i is its caller's index.
type member struct {
	kg, out decimal.Decimal
	i       int
}

// compareGroup compares the members of one group, given in the order of
// their taxpayers: done hears, for each, its number of peers, the median
// of its peers (not Valid with fewer than set.PeerMin peers) and whether
// it is below set.PeerRatio × that median.
func compareGroup(g []member, set *Set, done func(m *member, peers int, median decimal.NullDecimal, below bool)) {
	minPeers := int(set.PeerMin.Value.IntPart())
	ratio := set.PeerRatio.Value
	if len(g)-1 < minPeers {
		for i := range g {
			done(&g[i], len(g)-1, decimal.NullDecimal{}, false)
		}
		return
	}
	// a/b < c/d  ⇔  a·d < c·b (outputs are positive).
	sort.SliceStable(g, func(i, j int) bool { return cmpProducts(g[i].kg, g[j].out, g[j].kg, g[i].out) < 0 })
	two := decimal.NewFromInt(2)
	n := len(g) - 1                // peers of each member
	at := func(j, k int) *member { // k-th of the others when member j is left out
		if k >= j {
			k++
		}
		return &g[k]
	}
	for j := range g {
		// Median of the others as num/den.
		var num, den decimal.Decimal
		if n%2 == 1 {
			x := at(j, n/2)
			num, den = x.kg, x.out
		} else {
			x, y := at(j, n/2-1), at(j, n/2)
			num = x.kg.Mul(y.out).Add(y.kg.Mul(x.out))
			den = two.Mul(x.out).Mul(y.out)
		}
		m := &g[j]
		median := decimal.NullDecimal{Decimal: divRound(num, den, 6), Valid: true}
		// kg/out < ratio × num/den  ⇔  kg·den < ratio·num·out.
		done(m, n, median, m.kg.Mul(den).LessThan(ratio.Mul(num).Mul(m.out)))
	}
}

// peerFlag is the intensity_below_peers flag of a taxpayer's intensity
// (its Peers and PeerMedian set).
func peerFlag(code, period, industry string, in *Intensity, set *Set, asOf param.Date) Flag {
	f := Flag{CreditCode: code, Period: period, Pollutant: in.Pollutant, Code: FlagPeers,
		Rule: FlagRules[FlagPeers], Parameter: set.PeerRatio.Cite(),
		Threshold: fmt.Sprintf("%s × 同行业中位数 %s kg/%s", pct(set.PeerRatio.Value), in.PeerMedian.Decimal, in.Unit),
		Observed:  fmt.Sprintf("%s kg/%s", in.Value.Decimal, in.Unit),
		Message: fmt.Sprintf("%s：产量 %s %s，申报 %s kg（%s kg/%s），同行业（%s）%d 户纳税人的中位数为 %s kg/%s",
			in.Pollutant, in.Output, in.Unit, in.DeclaredKg, in.Value.Decimal, in.Unit, industry, in.Peers, in.PeerMedian.Decimal, in.Unit)}
	f.RaisedOn = filing.DateOf(asOf)
	return f
}

// PeerBook is the peer comparison of a run over a region too large to
// keep its results: a run adds each result as soon as it is stored
// (Add), and the book keeps of it only what the comparison reads and
// what its outcome changes (credit code, status, industry, output unit,
// warnings and the intensities' exact figures: ≈ 60 bytes per
// intensity, the decimals as int64 coefficients). Compare then runs the
// comparison Peers runs, and Changed gives, one at a time, the results
// whose stored row it changes: every taxpayer with peers (their
// intensities gain the number of peers and the median), with its new
// status and only the flags the comparison added.
type PeerBook struct {
	tps    []bookTaxpayer
	ins    []bookIntensity
	big    []decimal.Decimal // the coefficients beyond int64 (num.tag == numBig)
	outs   map[int32]num     // an intensity's output when it is not its taxpayer's out
	groups []bookGroup
	group  map[string]int32
	strs   map[string]string
	flags  int
	done   bool
}

type bookTaxpayer struct {
	code, period, status, outputUnit string
	warnings                         []string
	out                              num   // the output every intensity of a result divides by
	first, n                         int32 // its intensities, ins[first:first+n]
}

type bookIntensity struct {
	group  int32 // names, unit and members
	tp     int32 // its taxpayer, in tps
	peers  int32
	kg     num
	median num
	below  bool
}

type bookGroup struct {
	industry, unit, pollutantID, pollutant string
	members                                []int32 // indices in ins, in the order added
}

// num is a decimal kept without its big.Int: coefficient and exponent,
// or (numBig) an index in PeerBook.big.
type num struct {
	c   int64
	e   int32
	tag int8
}

const (
	numNull int8 = iota
	numSmall
	numBig
)

// NewPeerBook makes an empty book.
func NewPeerBook() *PeerBook {
	return &PeerBook{group: map[string]int32{}, strs: map[string]string{}, outs: map[int32]num{}}
}

func (b *PeerBook) intern(s string) string {
	if x, ok := b.strs[s]; ok {
		return x
	}
	b.strs[s] = s
	return s
}

func (b *PeerBook) num(d decimal.Decimal) num {
	if d.NumDigits() <= 18 {
		return num{c: d.CoefficientInt64(), e: d.Exponent(), tag: numSmall}
	}
	b.big = append(b.big, d)
	return num{c: int64(len(b.big) - 1), tag: numBig}
}

func (b *PeerBook) dec(n num) decimal.Decimal {
	if n.tag == numBig {
		return b.big[n.c]
	}
	return decimal.New(n.c, n.e)
}

// Add keeps what the comparison needs of a result (before any
// comparison: no peers yet). Results without an industry or without
// intensities are never compared and are not kept. Results are to be
// added in the order Peers would see them (the run's taxpayer order).
func (b *PeerBook) Add(r *Result) {
	if b.done {
		panic("reconcile: PeerBook.Add after Compare")
	}
	if r.Industry == "" || len(r.Intensities) == 0 {
		return
	}
	t := bookTaxpayer{code: r.CreditCode, period: b.intern(r.Period), status: b.intern(r.Status), outputUnit: b.intern(r.OutputUnit),
		warnings: r.Warnings, out: b.num(r.Intensities[0].Output), first: int32(len(b.ins)), n: int32(len(r.Intensities))}
	for i := range r.Intensities {
		in := &r.Intensities[i]
		x := bookIntensity{tp: int32(len(b.tps)), peers: int32(in.Peers), kg: b.num(in.DeclaredKg)}
		if in.PeerMedian.Valid {
			x.median = b.num(in.PeerMedian.Decimal)
		}
		if out := b.num(in.Output); out != t.out || out.tag == numBig {
			b.outs[int32(len(b.ins))] = out
		}
		// An intensity without output is never compared: its names are
		// kept in a group of its own that nobody joins.
		compared := in.Output.Sign() > 0
		k := groupKey(r.Industry, in.Unit, in.PollutantID)
		if !compared {
			k = "\x01" + k
		}
		g, ok := b.group[k]
		if !ok {
			g = int32(len(b.groups))
			b.group[k] = g
			b.groups = append(b.groups, bookGroup{industry: b.intern(r.Industry), unit: b.intern(in.Unit),
				pollutantID: b.intern(in.PollutantID), pollutant: b.intern(in.Pollutant)})
		}
		x.group = g
		if compared {
			b.groups[g].members = append(b.groups[g].members, int32(len(b.ins)))
		}
		b.ins = append(b.ins, x)
	}
	b.tps = append(b.tps, t)
}

// out is intensity i's output (of taxpayer t).
func (b *PeerBook) out(t *bookTaxpayer, i int32) decimal.Decimal {
	if o, ok := b.outs[i]; ok {
		return b.dec(o)
	}
	return b.dec(t.out)
}

// Taxpayers is the number of results kept.
func (b *PeerBook) Taxpayers() int { return len(b.tps) }

// Compare runs the comparison over every result added, as Peers does.
func (b *PeerBook) Compare(set *Set, asOf param.Date) {
	b.done = true
	keys := make([]string, 0, len(b.group))
	for k := range b.group {
		if k[0] != '\x01' {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var g []member
	for _, k := range keys {
		grp := &b.groups[b.group[k]]
		g = g[:0]
		for _, i := range grp.members {
			g = append(g, member{kg: b.dec(b.ins[i].kg), out: b.out(&b.tps[b.ins[i].tp], i), i: int(i)})
		}
		compareGroup(g, set, func(m *member, peers int, median decimal.NullDecimal, below bool) {
			x := &b.ins[m.i]
			x.peers, x.below = int32(peers), below
			x.median = num{}
			if median.Valid {
				x.median = b.num(median.Decimal)
			}
			if below {
				b.flags++
			}
		})
	}
}

// Flags is the number of flags the comparison added.
func (b *PeerBook) Flags() int { return b.flags }

// Changed calls yield, in the order added, with each result whose stored
// row the comparison changes (a taxpayer with at least one peer): its
// credit code, period, industry, new status, output unit, warnings and
// intensities as the result has them after Peers, and only the flags
// the comparison added (sorted). Items are not kept. The result is
// yield's until it returns.
func (b *PeerBook) Changed(set *Set, asOf param.Date, yield func(*Result) error) error {
	for ti := range b.tps {
		t := &b.tps[ti]
		ins := b.ins[t.first : t.first+t.n]
		changed := false
		for i := range ins {
			if ins[i].peers > 0 || ins[i].below {
				changed = true
			}
		}
		if !changed {
			continue
		}
		r := &Result{CreditCode: t.code, Period: t.period, Industry: b.groups[ins[0].group].industry, Status: t.status,
			OutputUnit: t.outputUnit, Warnings: t.warnings, Intensities: make([]Intensity, len(ins)), Flags: []Flag{}}
		for i := range ins {
			x := &ins[i]
			g := &b.groups[x.group]
			kg, out := b.dec(x.kg), b.out(t, t.first+int32(i))
			in := Intensity{PollutantID: g.pollutantID, Pollutant: g.pollutant, DeclaredKg: kg, Output: out, Unit: g.unit,
				Peers: int(x.peers), Value: decimal.NullDecimal{Decimal: divRound(kg, out, 6), Valid: true}}
			if x.median.tag != numNull {
				in.PeerMedian = decimal.NullDecimal{Decimal: b.dec(x.median), Valid: true}
			}
			r.Intensities[i] = in
		}
		// Flags in the order Peers adds them (groups in key order), then
		// sorted as Peers sorts them.
		for i := range ins {
			if ins[i].below {
				r.Flags = append(r.Flags, peerFlag(r.CreditCode, r.Period, r.Industry, &r.Intensities[i], set, asOf))
			}
		}
		if len(r.Flags) > 0 {
			SortFlags(r.Flags)
			if r.Status == ResultClear {
				r.Status = ResultFlagged
			}
		}
		if err := yield(r); err != nil {
			return err
		}
	}
	return nil
}
