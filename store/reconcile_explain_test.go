package store_test

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestReconcileExplain prints the PostgreSQL plans of one slice's load
// queries (1 000 taxpayers in the middle of a region of
// ECOTAX_RECONCILE_EXPLAIN taxpayers, Reconcile10k's data), executed
// (EXPLAIN ANALYZE, BUFFERS), with the time each took. Skipped unless the
// variable is set:
//
//	ECOTAX_RECONCILE_EXPLAIN=10000 go test ./store -run TestReconcileExplain -v
func TestReconcileExplain(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ECOTAX_RECONCILE_EXPLAIN"))
	if n <= 0 {
		t.Skip("set ECOTAX_RECONCILE_EXPLAIN for the plans of a slice's queries")
	}
	db := storetest.OpenPostgres(t)
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Reconcile10k(t, db, reconcile.NewCodes(tables.Engine.Tables().HJ212, tables.Engine.Names()), n)
	per, _ := filing.ParsePeriod("2024-Q1")
	sc := store.Scope{Period: per, Region: "500000", RegionPrefix: "50"}
	err = db.View(context.Background(), func(tx *store.Tx) error {
		slices, _, err := tx.ReconcileSlices(sc, 1000)
		if err != nil {
			return err
		}
		x := slices[len(slices)/2]
		qs := tx.SliceQueries(x)
		var names []string
		byName := map[string]string{}
		for q := range qs {
			names = append(names, tx.QueryName(q))
			byName[tx.QueryName(q)] = q
		}
		sort.Strings(names)
		if err := tx.Exec(`SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		for _, name := range names {
			q := byName[name]
			plan, err := tx.QueryText("EXPLAIN (ANALYZE, BUFFERS) "+q, qs[q]...)
			if err != nil {
				return err
			}
			t.Logf("%s (slice %s … %s):\n%s", name, x.After, x.Through, strings.Join(plan, "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
