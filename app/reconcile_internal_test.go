package app

import (
	"context"
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
