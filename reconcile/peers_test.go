package reconcile_test

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
)

// peerResult is a result with one intensity.
func peerResult(code, industry, unit, kg, out string) *reconcile.Result {
	return &reconcile.Result{CreditCode: code, Industry: industry, Period: "2024-Q1", Status: reconcile.ResultClear,
		Intensities: []reconcile.Intensity{{PollutantID: "air.1", Pollutant: "二氧化硫",
			DeclaredKg: decimal.RequireFromString(kg), Output: decimal.RequireFromString(out), Unit: unit}}}
}

func flagged(r *reconcile.Result) bool {
	for _, f := range r.Flags {
		if f.Code == reconcile.FlagPeers {
			return true
		}
	}
	return false
}

// TestPeers: a worked example. Intensities (kg/t) 1, 2, 3, 4 and 0.9 in
// one industry; ratio 0.5, at least 3 peers. The 0.9 taxpayer's peers are
// 1, 2, 3, 4: median 2.5, half is 1.25 > 0.9, flagged. The taxpayer at 1
// has peers 0.9, 2, 3, 4: median 2.5, 1 < 1.25, flagged too. The others
// are not. A taxpayer of another industry and one of another unit have
// too few peers.
func TestPeers(t *testing.T) {
	r := reconciler(t, param.NewDate(2024, 3, 31))
	rs := []*reconcile.Result{
		peerResult("A", "3011", "t", "100", "100"),
		peerResult("B", "3011", "t", "200", "100"),
		peerResult("C", "3011", "t", "300", "100"),
		peerResult("D", "3011", "t", "400", "100"),
		peerResult("E", "3011", "t", "90", "100"),
		peerResult("F", "4411", "t", "1", "100"),
		peerResult("G", "3011", "MWh", "1", "100"),
		peerResult("H", "", "t", "1", "100"),
	}
	reconcile.Peers(rs, r.Set, param.NewDate(2024, 5, 20))
	want := map[string]bool{"A": true, "E": true}
	for _, x := range rs {
		if flagged(x) != want[x.CreditCode] {
			t.Errorf("%s flagged %v, want %v (%+v)", x.CreditCode, flagged(x), want[x.CreditCode], x.Intensities[0])
		}
	}
	in := rs[4].Intensities[0]
	if in.Peers != 4 || in.PeerMedian.Decimal.String() != "2.5" {
		t.Errorf("E: %d peers, median %s", in.Peers, in.PeerMedian.Decimal)
	}
	f := rs[4].Flags[0]
	if f.Month != "" || f.OutletNo != "" || f.Pollutant != "二氧化硫" || f.RaisedOn != "2024-05-20" || rs[4].Status != reconcile.ResultFlagged {
		t.Errorf("flag %+v status %s", f, rs[4].Status)
	}
}

// TestPropPeers compares Peers with a direct computation in big.Rat: the
// median of the others, sorted afresh for each taxpayer.
func TestPropPeers(t *testing.T) {
	r := reconciler(t, param.NewDate(2024, 3, 31))
	ratio := r.Set.PeerRatio.Value.Rat()
	minPeers := int(r.Set.PeerMin.Value.IntPart())
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		var rs []*reconcile.Result
		var vals []*big.Rat
		for i := 0; i < n; i++ {
			kg := rapid.IntRange(0, 5000).Draw(t, "kg")
			out := rapid.IntRange(1, 300).Draw(t, "out")
			rs = append(rs, peerResult(fmt.Sprint(i), "x", "t", fmt.Sprintf("%d.%d", kg/10, kg%10), fmt.Sprint(out)))
			vals = append(vals, big.NewRat(int64(kg), int64(out)*10))
		}
		reconcile.Peers(rs, r.Set, param.NewDate(2024, 5, 20))
		for i := range rs {
			var others []*big.Rat
			for j := range vals {
				if j != i {
					others = append(others, vals[j])
				}
			}
			want := false
			if len(others) >= minPeers {
				sort.Slice(others, func(a, b int) bool { return others[a].Cmp(others[b]) < 0 })
				m := len(others)
				med := new(big.Rat).Set(others[m/2])
				if m%2 == 0 {
					med.Add(others[m/2-1], others[m/2])
					med.Quo(med, big.NewRat(2, 1))
				}
				lim := new(big.Rat).Mul(med, ratio)
				want = vals[i].Cmp(lim) < 0
			}
			if flagged(rs[i]) != want {
				t.Fatalf("taxpayer %d (%s): flagged %v, want %v", i, vals[i].RatString(), flagged(rs[i]), want)
			}
		}
	})
}

// TestPropOutlets: the outlet figures do not depend on the order of the
// device figures, and an outlet's total is the sum of its devices'
// totals for the codes kept.
func TestPropOutlets(t *testing.T) {
	r := reconciler(t, param.NewDate(2024, 3, 31))
	devs := []reconcile.Device{{ID: 1, MN: "A", OutletNo: "DA001", ValidFrom: "2020-01-01"}, {ID: 2, MN: "B", OutletNo: "DA001", ValidFrom: "2020-01-01"},
		{ID: 3, MN: "C", OutletNo: "DW001", ValidFrom: "2020-01-01"}}
	codes := []string{"a21026", "02", "a21002", "w01018", "011", "a00000", "zz1"}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 20).Draw(t, "n")
		var figs []reconcile.DeviceFigure
		for i := 0; i < n; i++ {
			figs = append(figs, reconcile.DeviceFigure{
				DeviceID: int64(rapid.IntRange(0, 3).Draw(t, "dev")), Code: rapid.SampledFrom(codes).Draw(t, "code"),
				Month: rapid.SampledFrom([]string{"2024-01", "2024-02"}).Draw(t, "month"),
				Basis: rapid.SampledFrom([]monitor.Basis{monitor.Hourly, monitor.Daily}).Draw(t, "basis"),
				Total: decimal.New(int64(rapid.IntRange(0, 99999).Draw(t, "total")), -3), TotalCount: 1,
				Valid: rapid.IntRange(0, 744).Draw(t, "valid"), Units: 744,
			})
		}
		a, wa := reconcile.Outlets(devs, figs, r.Codes, 4, decimal.NewFromInt(1))
		perm := rapid.Permutation(figs).Draw(t, "perm")
		b, wb := reconcile.Outlets(devs, perm, r.Codes, 4, decimal.NewFromInt(1))
		if len(a) != len(b) || fmt.Sprint(wa) != fmt.Sprint(wb) {
			t.Fatalf("%d vs %d outlets; warnings %v vs %v", len(a), len(b), wa, wb)
		}
		for k, x := range a {
			y := b[k]
			if y == nil || !x.TotalKg.Equal(y.TotalKg) || x.Valid != y.Valid || x.Basis != y.Basis || fmt.Sprint(x.Devices) != fmt.Sprint(y.Devices) {
				t.Fatalf("%v: %+v vs %+v", k, x, y)
			}
		}
	})
}

// TestPropPeerBook: the book (what a sliced run keeps) gives what Peers
// gives on the whole results: for each taxpayer the book reports, the
// same status, intensities (peers, median) and added flags; the others
// are those Peers leaves unchanged. Several industries, units and
// pollutants, taxpayers without industry or output, statuses mixed.
func TestPropPeerBook(t *testing.T) {
	r := reconciler(t, param.NewDate(2024, 3, 31))
	asOf := param.NewDate(2024, 5, 20)
	pols := [][2]string{{"air.1", "二氧化硫"}, {"air.2", "氮氧化物"}, {"water.1", "化学需氧量"}}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 25).Draw(t, "n")
		var a, b []*reconcile.Result
		for i := 0; i < n; i++ {
			industry := rapid.SampledFrom([]string{"", "3011", "4411"}).Draw(t, "industry")
			unit := rapid.SampledFrom([]string{"t", "MWh"}).Draw(t, "unit")
			status := rapid.SampledFrom([]string{reconcile.ResultClear, reconcile.ResultFlagged}).Draw(t, "status")
			out := decimal.New(int64(rapid.IntRange(1, 900).Draw(t, "out")), -int32(rapid.IntRange(0, 2).Draw(t, "outExp")))
			var ins []reconcile.Intensity
			for _, p := range pols {
				if !rapid.Bool().Draw(t, "has") {
					continue
				}
				kg := decimal.New(int64(rapid.IntRange(0, 99999).Draw(t, "kg")), -int32(rapid.IntRange(0, 3).Draw(t, "kgExp")))
				ins = append(ins, reconcile.Intensity{PollutantID: p[0], Pollutant: p[1], DeclaredKg: kg, Output: out, Unit: unit,
					Value: decimal.NullDecimal{Decimal: kg.DivRound(out, 6), Valid: true}})
			}
			for _, dst := range []*[]*reconcile.Result{&a, &b} {
				x := &reconcile.Result{CreditCode: fmt.Sprintf("C%03d", i), Industry: industry, Period: "2024-Q1", Status: status,
					OutputUnit: unit, Flags: []reconcile.Flag{}, Intensities: append([]reconcile.Intensity(nil), ins...)}
				if len(ins) == 0 {
					x.Intensities, x.OutputUnit = nil, ""
				}
				*dst = append(*dst, x)
			}
		}
		reconcile.Peers(a, r.Set, asOf)
		book := reconcile.NewPeerBook()
		for _, x := range b {
			book.Add(x)
		}
		book.Compare(r.Set, asOf)
		got := map[string]*reconcile.Result{}
		flags := 0
		if err := book.Changed(r.Set, asOf, func(x *reconcile.Result) error {
			c := *x
			got[x.CreditCode] = &c
			flags += len(x.Flags)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if flags != book.Flags() {
			t.Fatalf("%d flags given, Flags() %d", flags, book.Flags())
		}
		for i, want := range a {
			g := got[want.CreditCode]
			if g == nil {
				if !reflect.DeepEqual(want, b[i]) {
					t.Fatalf("%s: Peers changed it, the book did not:\n%+v\n%+v", want.CreditCode, want, b[i])
				}
				continue
			}
			if g.Status != want.Status || g.Industry != want.Industry || g.OutputUnit != want.OutputUnit ||
				fmt.Sprint(g.Intensities) != fmt.Sprint(want.Intensities) || !reflect.DeepEqual(g.Flags, want.Flags) {
				t.Fatalf("%s: book\n%+v\nPeers\n%+v", want.CreditCode, g, want)
			}
		}
	})
}
