package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

func parse(raw []byte) *hj212.Packet { return hj212.Parse(raw, hj212.Options{Lenient: true}) }

func incoming(frames [][]byte, origin string) []store.Incoming {
	out := make([]store.Incoming, len(frames))
	for i, f := range frames {
		out[i] = store.Incoming{Packet: parse(f), Origin: fmt.Sprintf("%s:%d", origin, i+1)}
	}
	return out
}

// refresh brings the monthly figures up to date as the application layer
// does (app.Service.RefreshFigures: reconcile.MonthFigures on what
// MonthPackets rebuilds, stored by ReplaceMonthly), with monthly.places 4.
func refresh(t *testing.T, db *store.DB) {
	t.Helper()
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RefreshFigures(ctx, 0); err != nil {
		t.Fatal(err)
	}
}

func TestDevices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, _ := seed(t, db)
		d := &reconcile.Device{MN: "MN-1", CreditCode: tp.CreditCode, OutletNo: "DA001", ValidFrom: "2024-01-01", ValidTo: "2024-06-30"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertDevice(d) })
		if d.ID == 0 || d.Version != 1 {
			t.Fatalf("%+v", d)
		}
		// The same device elsewhere on an overlapping day is refused;
		// right after the first period it is fine.
		clash := &reconcile.Device{MN: "MN-1", CreditCode: tp.CreditCode, OutletNo: "DA002", ValidFrom: "2024-06-30"}
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertDevice(clash) })
		if kindOf(err) != calc.KindConflict {
			t.Errorf("overlap: %v", err)
		}
		next := &reconcile.Device{MN: "MN-1", CreditCode: tp.CreditCode, OutletNo: "DA002", ValidFrom: "2024-07-01"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertDevice(next) })
		// Changing the first so that it runs into the second is refused;
		// a stale version is refused.
		d.ValidTo = "2024-07-15"
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateDevice(d, d.MN) })
		if kindOf(err) != calc.KindConflict {
			t.Errorf("overlap on change: %v", err)
		}
		d.ValidTo, d.Note = "2024-05-31", "analyser replaced"
		tx(t, db, func(tx *store.Tx) error { return tx.UpdateDevice(d, d.MN) })
		old := *d
		old.Version = 1
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateDevice(&old, old.MN) })
		if kindOf(err) != calc.KindConflict {
			t.Errorf("stale: %v", err)
		}
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetDevice(d.ID)
			if err != nil {
				return err
			}
			if got.ValidTo != "2024-05-31" || got.Version != 2 || got.Note != "analyser replaced" {
				t.Errorf("%+v", got)
			}
			list, err := tx.ListDevices(store.DeviceFilter{RegionPrefix: "50", MN: "MN-1"})
			if err != nil || len(list) != 2 {
				t.Errorf("list %v %v", list, err)
			}
			list, err = tx.ListDevices(store.DeviceFilter{RegionPrefix: "11"})
			if err != nil || len(list) != 0 {
				t.Errorf("other region %v %v", list, err)
			}
			_, err = tx.GetDevice(999)
			if kindOf(err) != calc.KindNotFound {
				t.Errorf("missing: %v", err)
			}
			return nil
		})
	})
}

// TestIngest: every packet is stored once with its verdict; a resend is a
// no-op; values are exact; raw bytes come back byte for byte; the monthly
// figures computed from the stored values equal monitor.Monthly on the
// packets themselves and the generator's hand count.
func TestIngest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, _ := seed(t, db)
		dev := reconciletest.Device{MN: "MN-ING", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 1500, AvgTenths: 300}, {Code: "a21002", CouMilli: 2200, AvgTenths: 410}},
			Gaps: map[int]bool{5: true, 6: true, 100: true}, Flags: map[int]string{10: "D", 11: "M", 12: "C", 40: "T"}}
		frames, exp, err := reconciletest.Month(dev, "2024-02")
		if err != nil {
			t.Fatal(err)
		}
		bad := reconciletest.Corrupt(frames[3])
		odd := []byte("##0010\xff\x00garbage\r\n") // not even UTF-8: kept as bytes
		all := append(append([][]byte{}, frames...), bad, odd)
		st, err := db.Ingest(ctx, incoming(all, "test"))
		if err != nil {
			t.Fatal(err)
		}
		nv := len(frames) * 2 * 3 // two factors × Avg, Cou, Flag
		if st.Stored != len(all) || st.Duplicates != 0 || st.Rejected != 2 || st.Values != nv {
			t.Errorf("first batch %+v, want %d stored, 2 rejected, %d values", st, len(all), nv)
		}
		// Again, and the same packet without its CR LF: nothing new.
		again := incoming(all, "again")
		again = append(again, store.Incoming{Packet: parse(bytes.TrimSuffix(frames[0], []byte("\r\n"))), Origin: "line"})
		st, err = db.Ingest(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if st.Stored != 0 || st.Duplicates != len(all)+1 || st.Values != 0 {
			t.Errorf("resend %+v", st)
		}
		tx(t, db, func(tx *store.Tx) error {
			rej, err := tx.ListPackets(store.PacketFilter{Verdict: "rejected"})
			if err != nil {
				return err
			}
			if len(rej) != 2 || rej[0].Reason == "" || rej[1].Reason == "" {
				t.Errorf("rejected %+v", rej)
			}
			for _, p := range rej {
				raw, err := tx.PacketRaw(p.ID)
				if err != nil {
					return err
				}
				if !bytes.Equal(raw, bad) && !bytes.Equal(raw, odd) {
					t.Errorf("raw of %d changed: %q", p.ID, raw)
				}
			}
			all, err := tx.ListPackets(store.PacketFilter{MN: "MN-ING", Month: "2024-02", Limit: 1000})
			if err != nil || len(all) < len(frames) {
				t.Errorf("by MN and month: %d %v", len(all), err)
			}
			return nil
		})

		// Not mapped yet: the figures go to mapping 0.
		places := int32(4)
		refresh(t, db)
		tx(t, db, func(tx *store.Tx) error {
			un, err := tx.UnmappedFigures("2024-02", "2024-02")
			if err != nil || len(un) != 2 {
				t.Errorf("unmapped %d %v", len(un), err)
			}
			return nil
		})
		// Mapped from the 15th: the month splits at the mapping's start.
		d := &reconcile.Device{MN: dev.MN, CreditCode: tp.CreditCode, OutletNo: "DA001", ValidFrom: "2024-02-15"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertDevice(d) })
		refresh(t, db)
		var pkts []*hj212.Packet
		for _, f := range all {
			pkts = append(pkts, parse(f))
		}
		rules, err := fixtures.LoadQuality()
		if err != nil {
			t.Fatal(err)
		}
		q, err := rules.On(param.NewDate(2024, 2, 1))
		if err != nil {
			t.Fatal(err)
		}
		want, err := monitor.Monthly(pkts, monitor.Options{Places: places, Quality: q})
		if err != nil {
			t.Fatal(err)
		}
		tx(t, db, func(tx *store.Tx) error {
			figs, err := tx.MonthlyFigures(tp.CreditCode, "2024-02", "2024-02")
			if err != nil {
				return err
			}
			un, err := tx.UnmappedFigures("2024-02", "2024-02")
			if err != nil {
				return err
			}
			if len(figs) != 2 || len(un) != 2 {
				t.Fatalf("%d mapped, %d unmapped figures", len(figs), len(un))
			}
			for _, wf := range want.Figures {
				e := exp[wf.Code]
				var total decimal.Decimal
				valid := 0
				for _, f := range append(figs, un...) {
					if f.Code == wf.Code {
						total = total.Add(f.Total)
						valid += f.Valid
						if f.Units != wf.Units {
							t.Errorf("%s units %d, want %d", f.Code, f.Units, wf.Units)
						}
					}
				}
				if !total.Equal(wf.Total) || !total.Equal(e.TotalKg) || valid != wf.Valid || valid != e.Valid {
					t.Errorf("%s: stored parts add to %s kg / %d h; monitor %s / %d; by hand %s / %d", wf.Code, total, valid, wf.Total, wf.Valid, e.TotalKg, e.Valid)
				}
			}
			// The mapped part is the days from the 15th.
			for _, f := range figs {
				if f.DeviceID != d.ID || f.Valid != (29-14)*24-0 || f.Completeness.String() != "0.5172" {
					t.Errorf("mapped part %s: device %d, %d valid, completeness %s", f.Code, f.DeviceID, f.Valid, f.Completeness)
				}
			}
			return nil
		})
	})
}

// TestIngestExact: values of any size and scale come back exactly.
func TestIngestExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, _ := seed(t, db)
		vals := []string{"0.000000000001", "999999999999999.99", "1.230", "-0.5", "12345678901234567890.123456789"}
		var frames [][]byte
		for i, v := range vals {
			raw, err := hj212.Encode([]hj212.Field{{Key: "QN", Value: fmt.Sprintf("2024030100000000%d", i)}, {Key: "ST", Value: "31"}, {Key: "CN", Value: "2061"},
				{Key: "PW", Value: "1"}, {Key: "MN", Value: "MN-X"}, {Key: "Flag", Value: "4"}},
				[][]hj212.Field{{{Key: "DataTime", Value: fmt.Sprintf("202403010%d0000", i)}}, {{Key: "a21026-Cou", Value: v}, {Key: "a21026-Avg", Value: v}, {Key: "a21026-Flag", Value: "N"}}})
			if err != nil {
				t.Fatal(err)
			}
			frames = append(frames, raw)
		}
		if _, err := db.Ingest(ctx, incoming(frames, "exact")); err != nil {
			t.Fatal(err)
		}
		tx(t, db, func(tx *store.Tx) error {
			pkts, err := tx.MonthPackets("MN-X", "2024-03")
			if err != nil {
				return err
			}
			if len(pkts) != len(vals) {
				t.Fatalf("%d packets", len(pkts))
			}
			for i, p := range pkts {
				q := p.CP[0]
				want := decimal.RequireFromString(vals[i])
				if q.Value != vals[i] || !q.IsNumber || !q.Number().Equal(want) {
					t.Errorf("%s came back as %q / %s", vals[i], q.Value, q.Number())
				}
			}
			return tx.InsertDevice(&reconcile.Device{MN: "MN-X", CreditCode: tp.CreditCode, OutletNo: "DA001", ValidFrom: "2024-01-01"})
		})
		refresh(t, db)
		tx(t, db, func(tx *store.Tx) error {
			figs, err := tx.MonthlyFigures(tp.CreditCode, "2024-03", "2024-03")
			if err != nil || len(figs) != 1 {
				t.Fatalf("%v %v", figs, err)
			}
			sum := decimal.Zero
			for _, v := range vals {
				sum = sum.Add(decimal.RequireFromString(v))
			}
			if !figs[0].Total.Equal(sum) || !figs[0].AvgSum.Equal(sum) {
				t.Errorf("total %s, want %s", figs[0].Total, sum)
			}
			return nil
		})
	})
}

func TestOutputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, _ := seed(t, db)
		o := &reconcile.Output{CreditCode: tp.CreditCode, Month: "2024-01", Product: "水泥熟料", Unit: "t", Quantity: decimal.RequireFromString("1234.567")}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertOutput(o) })
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertOutput(o) })
		if kindOf(err) != calc.KindConflict {
			t.Errorf("second insert: %v", err)
		}
		o.Quantity = decimal.RequireFromString("1300")
		tx(t, db, func(tx *store.Tx) error { return tx.UpdateOutput(o) })
		stale := *o
		stale.Version = 1
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateOutput(&stale) }); kindOf(err) != calc.KindConflict {
			t.Errorf("stale: %v", err)
		}
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetOutput(tp.CreditCode, "2024-01")
			if err != nil || got == nil || got.Quantity.String() != "1300" || got.Version != 2 {
				t.Errorf("%+v %v", got, err)
			}
			none, err := tx.GetOutput(tp.CreditCode, "2024-02")
			if err != nil || none != nil {
				t.Errorf("%+v %v", none, err)
			}
			list, err := tx.ListOutputs(tp.CreditCode, "2024-01", "2024-03")
			if err != nil || len(list) != 1 {
				t.Errorf("%v %v", list, err)
			}
			return nil
		})
	})
}
