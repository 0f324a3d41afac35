package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// declare files and submits a revision with the given SO2 figures for
// January to March; replaces is the revision it corrects (nil for the
// first).
func declare(t *testing.T, db *store.DB, code string, src int64, kg [3]string, replaces *filing.Declaration, submit bool) *filing.Declaration {
	d := &filing.Declaration{CreditCode: code, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
	if replaces != nil {
		id := replaces.ID
		d.Revision, d.ReplacesID, d.PreviousTax = replaces.Revision+1, &id, replaces.TotalTax
	}
	var figs []filing.Figure
	for i, m := range []string{"2024-01", "2024-02", "2024-03"} {
		figs = append(figs, filing.Figure{SourceID: src, Month: m, EmissionKg: dec(kg[i])})
	}
	tx(t, db, func(tx *store.Tx) error {
		if err := tx.InsertDeclaration(d); err != nil {
			return err
		}
		if err := tx.PutFigures(d.ID, figs); err != nil {
			return err
		}
		if !submit {
			return nil
		}
		return tx.Submit(d, decimal.Zero, decimal.Zero, decimal.Zero, []byte(`{}`), "test")
	})
	return d
}

// runReconcile runs a reconciliation of the scope through the
// application layer (app.Service.RunReconciliation, which brings the
// monthly figures up to date, loads, reconciles and stores the run with
// the store's mapping) as tax officer #1.
func runReconcile(db *store.DB, sc store.Scope) (*store.Run, []*reconcile.Result, error) {
	tables, err := app.LoadTables()
	if err != nil {
		return nil, nil, err
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables})
	if err != nil {
		return nil, nil, err
	}
	cr, err := svc.RunReconciliation(ctx, filing.Principal{Role: filing.RoleTaxOfficer, TokenID: 1}, app.Idem{},
		app.RunRequest{Period: sc.Period.Text, Region: sc.Region, CreditCode: sc.CreditCode, AsOf: filing.DateOf(sc.AsOf)})
	if err != nil {
		return nil, nil, err
	}
	return cr.Value.Run, cr.Value.Detail, nil
}

// monitoredJanuary stores January 2024 of dev's packets and maps the
// device to outlet DA001 of the taxpayer; it returns what the month
// should add up to.
func monitoredJanuary(t *testing.T, db *store.DB, code string, dev reconciletest.Device) map[string]*reconciletest.Expect {
	t.Helper()
	frames, exp, err := reconciletest.Month(dev, "2024-01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, incoming(frames, "r")); err != nil {
		t.Fatal(err)
	}
	tx(t, db, func(tx *store.Tx) error {
		return tx.InsertDevice(&reconcile.Device{MN: dev.MN, CreditCode: code, OutletNo: "DA001", ValidFrom: "2024-01-01"})
	})
	return exp
}

func TestReconcileRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, src := seed(t, db) // 500103, DA001 二氧化硫 automatic
		dev := reconciletest.Device{MN: "MN-R", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 800, AvgTenths: 350}},
			Gaps: map[int]bool{3: true, 4: true}, Flags: map[int]string{20: "D", 21: "D"}}
		exp := monitoredJanuary(t, db, tp.CreditCode, dev)
		monitored := exp["a21026"].TotalKg
		d1 := declare(t, db, tp.CreditCode, src.ID, [3]string{"100", "0", "0"}, nil, true)
		per, _ := filing.ParsePeriod("2024-Q1")
		sc := store.Scope{Period: per, Region: "500000", RegionPrefix: "50", Deadline: param.NewDate(2024, 4, 15), AsOf: param.NewDate(2024, 5, 20)}
		run, results, err := runReconcile(db, sc)
		if err != nil {
			t.Fatal(err)
		}
		// The inputs as one transaction's queries load them (app's
		// TestInputsSideBySide checks the loading side by side against it).
		var inTx []*reconcile.Input
		tx(t, db, func(tx *store.Tx) error {
			var err error
			inTx, err = tx.ReconcileInputs(sc)
			return err
		})
		if len(inTx) != 1 || inTx[0].Declared == nil || len(inTx[0].Figures) == 0 {
			t.Errorf("inputs loaded in one transaction: %+v", inTx)
		}
		if run.ID == 0 || run.Taxpayers != 1 || len(results) != 1 || run.Items != 3 {
			t.Fatalf("run %+v", run)
		}
		res := results[0]
		jan := res.Items[0]
		if jan.Month != "2024-01" || !jan.MonitoredKg.Decimal.Equal(monitored) || jan.DeclaredKg.Decimal.String() != "100" || jan.Status != reconcile.StatusMonitoredHigher {
			t.Errorf("January %+v (monitored by hand %s)", jan, monitored)
		}
		if jan.ValidUnits != exp["a21026"].Valid || jan.Units != 744 || jan.Excluded != 2 {
			t.Errorf("January validity %d/%d excluded %d", jan.ValidUnits, jan.Units, jan.Excluded)
		}
		want := []string{"2024-01 monitored_above_declared", "2024-02 monitoring_missing", "2024-03 monitoring_missing"}
		var got []string
		tx(t, db, func(tx *store.Tx) error {
			flags, err := tx.ListFlags(store.FlagFilter{Period: "2024-Q1", RegionPrefix: "50"})
			if err != nil {
				return err
			}
			for _, f := range flags {
				got = append(got, f.Month+" "+f.Code)
				if f.RunID != run.ID || f.OutletNo != "DA001" || f.Pollutant != "二氧化硫" || f.SourceID != src.ID || f.RaisedOn != "2024-05-20" {
					t.Errorf("flag %+v", f)
				}
			}
			other, err := tx.ListFlags(store.FlagFilter{Period: "2024-Q1", RegionPrefix: "11"})
			if err != nil || len(other) != 0 {
				t.Errorf("another region sees %v %v", other, err)
			}
			if _, err := tx.FindFlag(reconcile.FlagKey{CreditCode: tp.CreditCode, Period: "2024-Q1", OutletNo: "DA001", Pollutant: "二氧化硫", Month: "2024-01", Code: reconcile.FlagMonitoredAbove}); err != nil {
				t.Errorf("find: %v", err)
			}
			items, err := tx.CurrentItems(tp.CreditCode, "2024-Q1")
			if err != nil || len(items) != 3 || !items[0].MonitoredKg.Decimal.Equal(monitored) {
				t.Errorf("items %+v %v", items, err)
			}
			rs, err := tx.CurrentResults(store.ResultFilter{Period: "2024-Q1", RegionPrefix: "50"})
			if err != nil || len(rs) != 1 || rs[0].Status != reconcile.ResultFlagged || rs[0].Flags != 3 || *rs[0].DeclarationID != d1.ID {
				t.Errorf("results %+v %v", rs, err)
			}
			if !strings.Contains(string(run.Warnings), "unverified parameter") || !strings.Contains(string(run.Params), "params.csv") {
				t.Errorf("run params %s warnings %s", run.Params, run.Warnings)
			}
			return nil
		})
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("flags %v, want %v", got, want)
		}

		// The enterprise corrects January to the monitored figure; a later
		// draft is ignored. The rerun no longer raises the January flag.
		d2 := declare(t, db, tp.CreditCode, src.ID, [3]string{monitored.String(), "0", "0"}, d1, true)
		declare(t, db, tp.CreditCode, src.ID, [3]string{"1", "0", "0"}, d2, false)
		run2, _, err := runReconcile(db, sc)
		if err != nil {
			t.Fatal(err)
		}
		tx(t, db, func(tx *store.Tx) error {
			_, err := tx.FindFlag(reconcile.FlagKey{CreditCode: tp.CreditCode, Period: "2024-Q1", OutletNo: "DA001", Pollutant: "二氧化硫", Month: "2024-01", Code: reconcile.FlagMonitoredAbove})
			if kindOf(err) != calc.KindNotFound {
				t.Errorf("the corrected month is still flagged: %v", err)
			}
			flags, err := tx.ListFlags(store.FlagFilter{Period: "2024-Q1", CreditCode: tp.CreditCode})
			if err != nil || len(flags) != 2 || flags[0].RunID != run2.ID {
				t.Errorf("after correction %+v %v", flags, err)
			}
			rs, err := tx.CurrentResults(store.ResultFilter{Period: "2024-Q1"})
			if err != nil || len(rs) != 1 || *rs[0].Revision != 2 {
				t.Errorf("results %+v %v", rs, err)
			}
			runs, err := tx.ListRuns(store.RunFilter{Period: "2024-Q1"})
			if err != nil || len(runs) != 2 || runs[0].ID != run2.ID {
				t.Errorf("runs %+v %v", runs, err)
			}
			return nil
		})
	})
}

// TestRunStates: a run begins running, unlisted and not found; a slice
// moves it on only from where it is (a second worker storing the same
// slice is a conflict, and so is ending it from elsewhere); a retry finds
// it by its resume key until it is done; done, it is listed and found,
// and no longer open. Both databases.
func TestRunStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		per, _ := filing.ParsePeriod("2024-Q1")
		r, err := reconcile.New(tables.Engine, tables.Reconcile, per)
		if err != nil {
			t.Fatal(err)
		}
		run := &store.Run{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-10", CreatedBy: "test"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertRun(run, r.Set, "1 h k") })
		tx(t, db, func(tx *store.Tx) error {
			if _, err := tx.GetRun(run.ID); kindOf(err) != calc.KindNotFound {
				t.Errorf("a running run: %v", err)
			}
			if runs, err := tx.ListRuns(store.RunFilter{}); err != nil || len(runs) != 0 {
				t.Errorf("listed: %v %v", runs, err)
			}
			open, through, err := tx.OpenRun("1 h k")
			if err != nil || open == nil || open.ID != run.ID || through != "" {
				t.Errorf("open run: %+v %q %v", open, through, err)
			}
			return tx.AdvanceRun(run.ID, "", "B")
		})
		for _, step := range []func(tx *store.Tx) error{
			func(tx *store.Tx) error { return tx.AdvanceRun(run.ID, "", "B") },  // the same slice again
			func(tx *store.Tx) error { return tx.AdvanceRun(run.ID, "A", "C") }, // from elsewhere
			func(tx *store.Tx) error { return tx.FinishRun(run, "C", 0) },       // not stored through C
		} {
			if err := db.InTx(ctx, step); kindOf(err) != calc.KindConflict {
				t.Errorf("want a conflict, got %v", err)
			}
		}
		tx(t, db, func(tx *store.Tx) error {
			if err := tx.AddRunCounts(run.ID, 0, 0, 2); err != nil {
				return err
			}
			return tx.FinishRun(run, "B", 3)
		})
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetRun(run.ID)
			if err != nil || got.Flags != 5 || run.Flags != 5 {
				t.Errorf("done run: %+v %v (flags %d)", got, err, run.Flags)
			}
			if open, _, err := tx.OpenRun("1 h k"); err != nil || open != nil {
				t.Errorf("still open: %+v %v", open, err)
			}
			return nil
		})
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.AdvanceRun(run.ID, "B", "D") }); kindOf(err) != calc.KindConflict {
			t.Errorf("a done run moved on: %v", err)
		}
	})
}

// TestDropAbandonedRuns: a run that began more than a day ago (by the
// store's clock) and never finished is deleted with the results, items
// and flags its slices stored; a run still within the day, and a finished
// run, keep every row. Deleting again deletes nothing. Both databases.
func TestDropAbandonedRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2024, 5, 20, 9, 0, 0, 0, time.UTC)
		now := t0
		db.Now = func() time.Time { return now }
		tp, src := seed(t, db)
		dev := reconciletest.Device{MN: "MN-R", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 800, AvgTenths: 350}},
			Flags: map[int]string{20: "D"}}
		monitoredJanuary(t, db, tp.CreditCode, dev)
		declare(t, db, tp.CreditCode, src.ID, [3]string{"100", "0", "0"}, nil, true)
		per, _ := filing.ParsePeriod("2024-Q1")
		done, results, err := runReconcile(db, store.Scope{Period: per, Region: "500000", RegionPrefix: "50",
			Deadline: param.NewDate(2024, 4, 15), AsOf: param.NewDate(2024, 5, 20)})
		if err != nil {
			t.Fatal(err)
		}
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		r, err := reconcile.New(tables.Engine, tables.Reconcile, per)
		if err != nil {
			t.Fatal(err)
		}
		// Two runs stopped after their first slice: one now, one two hours on.
		stopped := func(key string) *store.Run {
			run := &store.Run{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-20", CreatedBy: "test"}
			tx(t, db, func(tx *store.Tx) error {
				if err := tx.InsertRun(run, r.Set, key); err != nil {
					return err
				}
				if err := tx.InsertResults(run.ID, results, nil); err != nil {
					return err
				}
				if err := tx.InsertItems(run.ID, func(yield func(*reconcile.Item) error) error {
					for _, res := range results {
						for i := range res.Items {
							if err := yield(&res.Items[i]); err != nil {
								return err
							}
						}
					}
					return nil
				}); err != nil {
					return err
				}
				return tx.InsertFlags(run.ID, results)
			})
			return run
		}
		old := stopped("1 h old")
		now = t0.Add(2 * time.Hour)
		recent := stopped("1 h recent")
		count := func(table string, id int64) string {
			t.Helper()
			var n []string
			tx(t, db, func(tx *store.Tx) error {
				var err error
				n, err = tx.QueryText(fmt.Sprintf("SELECT CAST(COUNT(*) AS TEXT) FROM %s WHERE run_id = %d", table, id))
				return err
			})
			return n[0]
		}
		tables3 := []string{"reconcile_results", "reconcile_items", "reconcile_flags"}
		for _, tb := range tables3 {
			if count(tb, old.ID) == "0" || count(tb, old.ID) != count(tb, done.ID) {
				t.Fatalf("%s: the stopped run stored %s rows, the finished one %s", tb, count(tb, old.ID), count(tb, done.ID))
			}
		}
		now = t0.Add(25 * time.Hour) // the first stopped run is a day and an hour old
		for round, want := range []int{1, 0} {
			tx(t, db, func(tx *store.Tx) error {
				n, err := tx.DropAbandonedRuns(24 * time.Hour)
				if n != want {
					t.Errorf("round %d: %d runs deleted, want %d", round, n, want)
				}
				return err
			})
		}
		for _, tb := range tables3 {
			if got := count(tb, old.ID); got != "0" {
				t.Errorf("%s: %s rows of the abandoned run left", tb, got)
			}
			if count(tb, recent.ID) == "0" || count(tb, done.ID) == "0" {
				t.Errorf("%s: rows of the recent (%s) or finished (%s) run deleted", tb, count(tb, recent.ID), count(tb, done.ID))
			}
		}
		tx(t, db, func(tx *store.Tx) error {
			if open, _, err := tx.OpenRun("1 h old"); err != nil || open != nil {
				t.Errorf("the abandoned run is still open: %+v %v", open, err)
			}
			if open, _, err := tx.OpenRun("1 h recent"); err != nil || open == nil || open.ID != recent.ID {
				t.Errorf("the recent run is gone: %+v %v", open, err)
			}
			if _, err := tx.GetRun(done.ID); err != nil {
				t.Errorf("the finished run: %v", err)
			}
			return nil
		})
	})
}
