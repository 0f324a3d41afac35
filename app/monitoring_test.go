package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

var admin = filing.Principal{Role: filing.RoleAdmin}

// TestFiguresAreKeptNotComputedOnRead: packets stored by Ingest leave
// their device-month out of date; reading the monitoring writes nothing
// (the figures stay as stored); the background job brings them up to
// date; a mapping's change recomputes the months of its MN at once.
func TestFiguresAreKeptNotComputedOnRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		svc, err := app.New(app.Deps{Store: db, Tables: tables})
		if err != nil {
			t.Fatal(err)
		}
		code := "91350100M000100Y43"
		if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103", Industry: "4411"}); err != nil {
			t.Fatal(err)
		}
		dev, err := svc.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: code, MN: "MN-K", OutletNo: "DA001", ValidFrom: "2024-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		frames, exp, err := reconciletest.Month(reconciletest.Device{MN: "MN-K", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.Incoming
		for _, f := range frames {
			batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
		}
		if _, _, err := svc.Ingest(ctx, filing.Principal{Role: filing.RoleTaxOfficer}, batch); err == nil {
			t.Error("an officer stored packets")
		}
		if st, _, err := svc.Ingest(ctx, admin, batch); err != nil || st.Stored != len(frames) {
			t.Fatalf("ingest %+v %v", st, err)
		}
		figures := func() int {
			t.Helper()
			m, err := svc.Monitoring(ctx, admin, code, "2024-01")
			if err != nil {
				t.Fatal(err)
			}
			return len(m.Devices)
		}
		marks := func() int {
			t.Helper()
			var n []store.DirtyMark
			if err := db.View(ctx, func(tx *store.Tx) error { n, err = tx.DirtyMarks(10); return err }); err != nil {
				t.Fatal(err)
			}
			return len(n)
		}
		if figures() != 0 || marks() != 1 {
			t.Fatalf("after ingest: %d figures, %d marks; want none computed and one mark", figures(), marks())
		}
		if figures() != 0 || marks() != 1 {
			t.Fatal("reading the monitoring wrote")
		}
		if m, err := svc.Monitoring(ctx, admin, code, "2024-01"); err != nil || !strings.Contains(strings.Join(m.Warnings, "\n"), "device MN-K: new data") {
			t.Errorf("a read of out-of-date figures does not say so: %+v %v", m, err)
		}
		jobCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			svc.KeepFiguresFresh(jobCtx, 10*time.Millisecond, 5, func(err error) { t.Error(err) })
			close(done)
		}()
		for deadline := time.Now().Add(10 * time.Second); marks() != 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		<-done
		m, err := svc.Monitoring(ctx, admin, code, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Outlets) != 1 || !m.Outlets[0].EmissionKg.Decimal.Equal(exp["a21026"].TotalKg) {
			t.Fatalf("after the background job: %+v (by hand %s)", m.Outlets, exp["a21026"].TotalKg)
		}
		// Moving the mapping to another outlet recomputes in the same
		// transaction: the next read shows the new outlet.
		next := *dev.Value
		next.OutletNo = "DA002"
		if _, err := svc.ChangeDevice(ctx, admin, code, dev.Value.ID, dev.Value.Version, next); err != nil {
			t.Fatal(err)
		}
		if marks() != 0 {
			t.Error("the change left its months out of date")
		}
		if m, err = svc.Monitoring(ctx, admin, code, "2024-01"); err != nil || len(m.Outlets) != 1 || m.Outlets[0].OutletNo != "DA002" || strings.Contains(strings.Join(m.Warnings, "\n"), "MN-K") {
			t.Errorf("after the change: %+v %v", m, err)
		}
	})
}
