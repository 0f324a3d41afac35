package app

import (
	"context"
	"fmt"
	"reflect"
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

// TestSlicedRun: a run read and reconciled a few taxpayers at a time
// (items let go once written) stores the same run as one read at once:
// the same results, items and flags (peers compared over the whole
// region), the same counts, and progress after each slice.
func TestSlicedRun(t *testing.T) {
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
	admin := filing.Principal{Role: filing.RoleAdmin}
	run := func(slice int) (*RunView, []int) {
		old := reconcileSlice
		reconcileSlice = slice
		defer func() { reconcileSlice = old }()
		var seen []int
		cr, err := s.RunReconciliation(context.Background(), admin, Idem{}, RunRequest{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-10",
			Progress: func(done, total int) {
				if total != 30 {
					t.Errorf("total %d", total)
				}
				seen = append(seen, done)
			}})
		if err != nil {
			t.Fatal(err)
		}
		return cr.Value, seen
	}
	whole, p1 := run(1000)
	sliced, p2 := run(7)
	if !reflect.DeepEqual(p1, []int{30}) || !reflect.DeepEqual(p2, []int{7, 14, 21, 28, 30}) {
		t.Errorf("progress %v %v", p1, p2)
	}
	if whole.Detail == nil || sliced.Detail != nil {
		t.Errorf("detail kept: whole %v, sliced %v", whole.Detail != nil, sliced.Detail != nil)
	}
	if !reflect.DeepEqual(whole.Results, sliced.Results) {
		t.Errorf("summaries differ:\n%+v\n%+v", whole.Results, sliced.Results)
	}
	a, b := *whole.Run, *sliced.Run
	if a.Taxpayers != 30 || a.Items != 30*24 || a.Taxpayers != b.Taxpayers || a.Items != b.Items || a.Flags != b.Flags || a.Flags == 0 {
		t.Errorf("runs: %+v\n%+v", a, b)
	}
	for _, q := range []string{
		`SELECT credit_code, month, outlet_no, pollutant_id, declared_kg::text, monitored_kg::text, status, detail FROM reconcile_items WHERE run_id = $1 ORDER BY 1, 2, 3, 4`,
		`SELECT credit_code, declared_tax::text, monitored_tax::text, status, items, flags, detail FROM reconcile_results WHERE run_id = $1 ORDER BY 1`,
		`SELECT credit_code, month, outlet_no, pollutant, code, observed::text, message FROM reconcile_flags WHERE run_id = $1 ORDER BY 1, 2, 3, 4, 5`,
	} {
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
		x, y := dump(a.ID), dump(b.ID)
		if len(x) == 0 || !reflect.DeepEqual(x, y) {
			t.Errorf("%s: %d rows vs %d, differ", q, len(x), len(y))
		}
	}
}
