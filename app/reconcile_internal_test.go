package app

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestInputsSideBySide: on PostgreSQL a run loads its inputs with queries
// side by side, each in a read transaction of its own; they are the same
// inputs as one transaction's queries give.
func TestInputsSideBySide(t *testing.T) {
	db := storetest.OpenPostgres(t)
	tables, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Reconcile10k(t, db, reconcile.NewCodes(tables.Engine.Tables().HJ212, tables.Engine.Names()), 30)
	per, _ := filing.ParsePeriod("2024-Q1")
	sc := store.Scope{Period: per, Region: "500000", RegionPrefix: "50", Deadline: per.End().AddDays(15), AsOf: per.End().AddDays(40)}
	var one []*reconcile.Input
	if err := db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		one, err = tx.ReconcileInputs(sc)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	side, err := s.loadInputs(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 30 || one[0].Declared == nil || len(one[0].Figures) == 0 || len(one[0].Sources) == 0 || !reflect.DeepEqual(one, side) {
		t.Errorf("inputs loaded side by side differ from one transaction's:\n%+v\n%+v", one, side)
	}
}

// TestSlicedRun: a run read, reconciled and stored a few taxpayers at a
// time (each slice in a transaction of its own, only the peer
// comparison's figures kept) stores the same run as one read at once:
// the same results, items and flags (peers compared over the whole
// region, some of them flagged), the same counts, and progress after
// each slice. A sliced run answers without per-taxpayer summaries. A run
// stopped half-way (its context cancelled after two slices) stays
// unlisted, and the same request with the same Idempotency-Key continues
// it to the same stored run; a third time it is replayed. Both databases.
func TestSlicedRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tables, err := LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Deps{Store: db, Tables: tables})
		if err != nil {
			t.Fatal(err)
		}
		storetest.Reconcile10k(t, db, reconcile.NewCodes(tables.Engine.Tables().HJ212, tables.Engine.Names()), 30)
		// Twelve taxpayers of one industry (the others: three per
		// industry, too few to compare), one of them with ten times the
		// output: below half its peers' median for every pollutant.
		q := func(sql string) string {
			if db.Dialect() == store.Postgres {
				return strings.ReplaceAll(sql, "?", "$1")
			}
			return sql
		}
		if _, err := db.SQL().Exec(q(`UPDATE taxpayers SET industry = '2600' WHERE credit_code <= ?`), "91500000MA00000011"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(q(`UPDATE production_outputs SET quantity = quantity * 10 WHERE credit_code = ?`), "91500000MA00000004"); err != nil {
			t.Fatal(err)
		}
		admin := filing.Principal{Role: filing.RoleAdmin, TokenID: 1}
		req := RunRequest{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-10"}
		run := func(slice int, k Idem, stopAfter int) (*Created[*RunView], []int, error) {
			old := reconcileSlice
			reconcileSlice = slice
			defer func() { reconcileSlice = old }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen []int
			in := req
			in.Progress = func(done, total int) {
				if total != 30 {
					t.Errorf("total %d", total)
				}
				seen = append(seen, done)
				if len(seen) == stopAfter {
					cancel()
				}
			}
			cr, err := s.RunReconciliation(ctx, admin, k, in)
			return cr, seen, err
		}
		cw, p1, err := run(1000, Idem{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		cs, p2, err := run(7, Idem{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		whole, sliced := cw.Value, cs.Value
		if !reflect.DeepEqual(p1, []int{30}) || !reflect.DeepEqual(p2, []int{7, 14, 21, 28, 30}) {
			t.Errorf("progress %v %v", p1, p2)
		}
		if whole.Detail == nil || sliced.Detail != nil || len(whole.Results) != 30 || len(sliced.Results) != 0 {
			t.Errorf("detail kept: whole %v, sliced %v; %d and %d summaries", whole.Detail != nil, sliced.Detail != nil, len(whole.Results), len(sliced.Results))
		}
		peers := 0
		for _, r := range whole.Results {
			for _, f := range r.Flags {
				if f == reconcile.FlagPeers {
					peers++
				}
			}
		}
		if peers != 8 {
			t.Errorf("%d peer flags in the answer, want 8", peers)
		}
		a, b := *whole.Run, *sliced.Run
		if a.Taxpayers != 30 || a.Items != 30*24 || a.Taxpayers != b.Taxpayers || a.Items != b.Items || a.Flags != b.Flags || a.Flags == 0 {
			t.Errorf("runs: %+v\n%+v", a, b)
		}
		same := func(x, y int64) {
			t.Helper()
			for _, q := range []string{
				`SELECT credit_code, month, outlet_no, pollutant_id, declared_kg, monitored_kg, status, detail FROM reconcile_items WHERE run_id = ? ORDER BY 1, 2, 3, 4`,
				`SELECT credit_code, declared_tax, monitored_tax, status, items, flags, detail FROM reconcile_results WHERE run_id = ? ORDER BY 1`,
				`SELECT credit_code, month, outlet_no, pollutant, code, observed, threshold, message FROM reconcile_flags WHERE run_id = ? ORDER BY 1, 2, 3, 4, 5`,
			} {
				if db.Dialect() == store.Postgres {
					q = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(q, "_kg,", "_kg::text,"), "_tax,", "_tax::text,"), "?", "$1")
				}
				dump := func(id int64) []string {
					rows, err := db.SQL().Query(q, id)
					if err != nil {
						t.Fatal(err)
					}
					defer rows.Close()
					cols, _ := rows.Columns()
					var out []string
					for rows.Next() {
						vals := make([]any, len(cols))
						ptrs := make([]any, len(cols))
						for i := range vals {
							ptrs[i] = &vals[i]
						}
						if err := rows.Scan(ptrs...); err != nil {
							t.Fatal(err)
						}
						out = append(out, fmt.Sprint(vals...))
					}
					return out
				}
				dx, dy := dump(x), dump(y)
				if len(dx) == 0 || !reflect.DeepEqual(dx, dy) {
					t.Errorf("%s: %d rows vs %d, differ", q, len(dx), len(dy))
					for i := range min(len(dx), len(dy)) {
						if dx[i] != dy[i] {
							t.Errorf("first difference:\n%s\n%s", dx[i], dy[i])
							break
						}
					}
				}
			}
		}
		same(a.ID, b.ID)
		// Both as the whole region reconciled in memory, compared by
		// reconcile.Peers and stored at once (store.SaveRun) give.
		per, _ := filing.ParsePeriod("2024-Q1")
		r, err := reconcile.New(tables.Engine, tables.Reconcile, per)
		if err != nil {
			t.Fatal(err)
		}
		sc := store.Scope{Period: per, Region: "500000", RegionPrefix: "50", Deadline: per.End().AddDays(15), AsOf: per.End().AddDays(40)}
		var ins []*reconcile.Input
		if err := db.View(context.Background(), func(tx *store.Tx) error {
			ins, err = tx.ReconcileInputs(sc)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		results, err := startReconcile(context.Background(), r, ins).all()
		if err != nil {
			t.Fatal(err)
		}
		reconcile.Peers(results, r.Set, sc.AsOf)
		ref := &store.Run{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-10", CreatedBy: "test"}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error { return tx.SaveRun(ref, r.Set, results) }); err != nil {
			t.Fatal(err)
		}
		same(ref.ID, a.ID)
		if ref.Flags != a.Flags || ref.Items != a.Items || ref.Taxpayers != a.Taxpayers {
			t.Errorf("counts: %+v\n%+v", ref, a)
		}

		// Stopped after two slices, then continued with the same key.
		k := Idem{Key: "sliced-run-1", Hash: "h1"}
		if _, p3, err := run(7, k, 2); err == nil || !reflect.DeepEqual(p3, []int{7, 14}) {
			t.Fatalf("a cancelled run: %v, progress %v", err, p3)
		}
		runs, err := s.Runs(context.Background(), admin, RunFilter{}, "")
		if err != nil || len(runs) != 3 {
			t.Fatalf("%d runs listed (%v), want the three finished ones", len(runs), err)
		}
		cc, p4, err := run(7, k, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p4, []int{14, 21, 28, 30}) || cc.Replayed {
			t.Errorf("continued run: progress %v, replayed %v", p4, cc.Replayed)
		}
		c := *cc.Value.Run
		if c.ID <= b.ID || c.Taxpayers != 30 || c.Items != a.Items || c.Flags != a.Flags {
			t.Errorf("continued run: %+v", c)
		}
		same(a.ID, c.ID)
		cr, _, err := run(7, k, 0)
		if err != nil || !cr.Replayed || cr.Ref != "reconciliations/"+itoa(c.ID) {
			t.Errorf("replay: %v %+v", err, cr)
		}
		standing, err := s.Results(context.Background(), admin, ResultFilter{Period: "2024-Q1", Limit: 1000}, "")
		if err != nil || len(standing) != 30 || standing[0].RunID != c.ID {
			t.Errorf("standing results: %d (%v)", len(standing), err)
		}
	})
}
