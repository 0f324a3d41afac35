package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// rawPacket is a real-time (2011) or minute (2051) packet of one factor.
func rawPacket(t *testing.T, cn, mn, dataTime, value string) store.Incoming {
	t.Helper()
	raw, err := hj212.Encode([]hj212.Field{
		{Key: "QN", Value: dataTime + "000"}, {Key: "ST", Value: "31"}, {Key: "CN", Value: cn},
		{Key: "PW", Value: "123456"}, {Key: "MN", Value: mn}, {Key: "Flag", Value: "4"},
	}, [][]hj212.Field{{{Key: "DataTime", Value: dataTime}}, {{Key: "a21026-Avg", Value: value}, {Key: "a21026-Flag", Value: "N"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := hj212.Parse(raw, hj212.Options{Lenient: true})
	if !p.Accepted() {
		t.Fatalf("test packet rejected: %s", p.Reason)
	}
	return store.Incoming{Packet: p, Origin: "test"}
}

// TestRawRetentionKeepsFigures: the retention setting drops the real-time
// and minute values of the months before it (whole partitions on
// PostgreSQL) and nothing else: the stored monthly figures do not change,
// and computing them again from what is left gives the same figures. A
// second run drops nothing; a late raw packet of a dropped month is
// dropped by the next run. Each run is audited; only the operator may
// run it, with a setting of at least a month.
func TestRawRetentionKeepsFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2024, 5, 10, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc, err := app.New(app.Deps{Store: db, Tables: tables, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		code, mn := "91350100M000100Y43", "MN-RET"
		if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103", Industry: "4411"}); err != nil {
			t.Fatal(err)
		}
		dev, err := svc.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: code, MN: mn, OutletNo: "DA001", ValidFrom: "2024-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.Incoming
		for _, month := range []string{"2024-01", "2024-04"} {
			frames, _, err := reconciletest.Month(reconciletest.Device{MN: mn, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, month)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range frames {
				batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
			}
			day := month[:4] + month[5:7] + "03"
			for i := 0; i < 5; i++ {
				batch = append(batch, rawPacket(t, "2011", mn, fmt.Sprintf("%s1000%02d", day, i*10), "31.5"),
					rawPacket(t, "2051", mn, fmt.Sprintf("%s10%02d00", day, i), "30.2"))
			}
		}
		if _, _, err := svc.Ingest(ctx, admin, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RefreshFigures(ctx, 0); err != nil {
			t.Fatal(err)
		}
		raw := func(month string) (n int) {
			t.Helper()
			q := `SELECT COUNT(*) FROM monitoring_values WHERE cn IN ('2011', '2051') AND month = ?`
			if db.Dialect() == store.Postgres {
				q = `SELECT COUNT(*) FROM monitoring_values WHERE cn IN ('2011', '2051') AND month = $1`
			}
			if err := db.SQL().QueryRowContext(ctx, q, month).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		figures := func(month string) string {
			t.Helper()
			m, err := svc.Monitoring(ctx, admin, code, month)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Devices) == 0 {
				t.Fatalf("%s: no figures", month)
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if raw("2024-01") != 20 || raw("2024-04") != 20 {
			t.Fatalf("raw values before: %d, %d; want 20 each (10 packets of 2 pairs)", raw("2024-01"), raw("2024-04"))
		}
		jan, apr := figures("2024-01"), figures("2024-04")
		// On PostgreSQL the month's raw partition is dropped whole (a new,
		// empty one takes its place), not emptied row by row.
		leaf := func() (oid int64) {
			t.Helper()
			if db.Dialect() == store.Postgres {
				if err := db.SQL().QueryRowContext(ctx, `SELECT 'monitoring_values_2024_01_raw'::regclass::oid::bigint`).Scan(&oid); err != nil {
					t.Fatal(err)
				}
			}
			return oid
		}
		leafBefore := leaf()

		if _, err := svc.DropRawData(ctx, filing.Principal{Role: filing.RoleTaxOfficer}, 2); err == nil {
			t.Error("an officer dropped monitoring data")
		}
		for _, keep := range []int{0, -1, app.MaxRawRetentionMonths + 1} {
			if _, err := svc.DropRawData(ctx, admin, keep); err == nil {
				t.Errorf("a setting of %d months was taken", keep)
			}
		}
		r, err := svc.DropRawData(ctx, admin, 2)
		if err != nil {
			t.Fatal(err)
		}
		if r.Before != "2024-03" || !slices.Equal(r.Months, []string{"2024-01"}) {
			t.Errorf("retention of 2 months at %s: %+v; want raw data before 2024-03 dropped, from 2024-01", now, r)
		}
		if raw("2024-01") != 0 || raw("2024-04") != 20 {
			t.Errorf("raw values after: %d, %d; want 0 and 20", raw("2024-01"), raw("2024-04"))
		}
		if db.Dialect() == store.Postgres && leaf() == leafBefore {
			t.Error("the raw partition of 2024-01 was not dropped (same table as before)")
		}
		if got := figures("2024-01"); got != jan {
			t.Errorf("stored figures changed by the retention:\n%s\nwant\n%s", got, jan)
		}
		// Computed again from what is left (a mapping's change recomputes
		// every month of its MN): the same figures.
		if _, err := svc.ChangeDevice(ctx, admin, code, dev.Value.ID, dev.Value.Version, reconcile.Device{CreditCode: code, MN: mn, OutletNo: "DA001", ValidFrom: "2024-01-01", Note: "recompute"}); err != nil {
			t.Fatal(err)
		}
		if got := figures("2024-01"); got != jan {
			t.Errorf("figures computed again after the retention differ:\n%s\nwant\n%s", got, jan)
		}
		if got := figures("2024-04"); got != apr {
			t.Errorf("April's figures changed:\n%s\nwant\n%s", got, apr)
		}
		if r, err := svc.DropRawData(ctx, admin, 2); err != nil || len(r.Months) != 0 {
			t.Errorf("second run: %+v %v; want nothing dropped", r, err)
		}
		// A late real-time packet of January (a back-fill) is still raw
		// data: stored, and dropped by the next run.
		if st, _, err := svc.Ingest(ctx, admin, []store.Incoming{rawPacket(t, "2011", mn, "20240104120000", "33.0")}); err != nil || st.Values != 2 {
			t.Fatalf("late packet: %+v %v", st, err)
		}
		if raw("2024-01") != 2 {
			t.Errorf("late raw value not stored")
		}
		if r, err := svc.DropRawData(ctx, admin, 2); err != nil || !slices.Equal(r.Months, []string{"2024-01"}) || raw("2024-01") != 0 {
			t.Errorf("third run: %+v %v, %d raw values left in 2024-01", r, err, raw("2024-01"))
		}
		entries, err := svc.Audit(ctx, admin, store.AuditFilter{Entity: "monitoring_data"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 || entries[0].Action != string(filing.ActRawRetention) {
			t.Errorf("%d audit entries of the retention, want 3", len(entries))
		}
	})
}

// TestRawRetentionBefore: the current month and keep months before it
// are kept, across year ends and month lengths, in UTC.
func TestRawRetentionBefore(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		keep int
		want string
	}{
		{time.Date(2024, 5, 10, 8, 0, 0, 0, time.UTC), 2, "2024-03"},
		{time.Date(2024, 1, 31, 23, 0, 0, 0, time.UTC), 1, "2023-12"},
		{time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), 1, "2024-02"},
		{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), 12, "2023-05"},
		{time.Date(2024, 5, 1, 0, 30, 0, 0, time.FixedZone("CST", 8*3600)), 1, "2024-03"}, // 2024-04-30 16:30 UTC
		{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), 1200, "1924-05"},
	} {
		if got := app.RawRetentionBefore(c.now, c.keep); got != c.want {
			t.Errorf("%s keep %d: %s, want %s", c.now, c.keep, got, c.want)
		}
	}
}

// TestKeepRawRetention: the background job runs the retention at once,
// audited, reports a failure instead of stopping, and ends with its
// context.
func TestKeepRawRetention(t *testing.T) {
	db := storetest.OpenSQLite(t)
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	// A principal that may not: each run's error goes to report.
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		svc.KeepRawRetention(ctx, filing.Principal{Role: filing.RoleTaxOfficer}, 3, time.Hour, time.Minute, func(err error) {
			select {
			case errs <- err:
			default:
			}
		})
		close(done)
	}()
	if err := <-errs; err == nil {
		t.Error("no error reported for an officer's run")
	}
	cancel()
	<-done
	// The operator: the first run is at once and audited.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done = make(chan struct{})
	go func() {
		svc.KeepRawRetention(ctx, admin, 3, time.Hour, time.Minute, func(err error) { t.Error(err) })
		close(done)
	}()
	for {
		entries, err := svc.Audit(context.Background(), admin, store.AuditFilter{Entity: "monitoring_data"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond) // waiting for the first run; nothing is timed
	}
	cancel()
	<-done
}
