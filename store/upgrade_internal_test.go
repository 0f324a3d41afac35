package store

import (
	"context"
	"io/fs"
	"os"
	"path"
	"sort"
	"testing"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// TestUpgradeToMonthlyPartitions: a PostgreSQL database migrated up to
// the schema before 0047 (one plain monitoring_values, packets keyed by
// id and hash), with packets and values of two devices and two months in
// it, takes 0047–0048: every row is kept, the values are spread over
// their month's partitions (real-time data in the raw leaf), the keys
// carry mn, the sequence goes on, a packet stored before is still known
// when it comes again, and the monthly read finds the old values.
func TestUpgradeToMonthlyPartitions(t *testing.T) {
	if os.Getenv("ECOTAX_TEST_DATABASE_URL") == "" && os.Getenv("ECOTAX_REQUIRE_PG") != "1" {
		t.Skip("ECOTAX_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	db := openPGSchema(t)
	if _, err := db.x.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	dir := path.Join("migrations", Postgres)
	entries, _ := fs.ReadDir(sqlFiles, dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if n >= "0047" {
			break
		}
		if err := db.migrate(ctx, dir, n); err != nil {
			t.Fatal(n, err)
		}
	}
	// Rows as the code before 0047 wrote them: ids from the sequence.
	opt := hj212.Options{Lenient: true}
	var old []Incoming
	for _, dev := range []string{"MN-UP1", "MN-UP2"} {
		for _, m := range []string{"2024-01", "2024-02"} {
			frames, _, err := reconciletest.Month(reconciletest.Device{MN: dev, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range frames[:3] {
				old = append(old, Incoming{Packet: hj212.Parse(f, opt), Origin: "old"})
			}
		}
	}
	realtime, err := hj212.Encode([]hj212.Field{{Key: "QN", Value: "20240105100000000"}, {Key: "ST", Value: "31"}, {Key: "CN", Value: "2011"},
		{Key: "PW", Value: "123456"}, {Key: "MN", Value: "MN-UP1"}, {Key: "Flag", Value: "4"}},
		[][]hj212.Field{{{Key: "DataTime", Value: "20240105100000"}}, {{Key: "a21026-Rtd", Value: "31.5"}, {Key: "a21026-Flag", Value: "N"}}})
	if err != nil {
		t.Fatal(err)
	}
	old = append(old, Incoming{Packet: hj212.Parse(realtime, opt), Origin: "old"})
	values := 0
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, in := range old {
			r := rowOf(in, tx.now)
			var id int64
			if err := tx.get(&id, `INSERT INTO monitoring_packets (hash, raw, received_at, origin, verdict, reason, problems, warnings, qn, cn, mn,
				flag, data_time, month, pairs, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
				r.hash, r.raw, r.received, r.origin, r.verdict, r.reason, r.problems, r.warnings, r.qn, r.cn, r.mn, r.flag, r.dataTime, r.month, r.pairs, r.note); err != nil {
				return err
			}
			for _, v := range r.values {
				if _, err := tx.exec(`INSERT INTO monitoring_values (packet_id, seq, mn, cn, month, data_time, code, suffix, value, num)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, v.seq, r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, v.num); err != nil {
					return err
				}
				values++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var maxOld int64
	if err := db.x.GetContext(ctx, &maxOld, `SELECT MAX(id) FROM monitoring_packets`); err != nil {
		t.Fatal(err)
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(q string) (n int) {
		t.Helper()
		if err := db.x.GetContext(ctx, &n, q); err != nil {
			t.Fatal(q, err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM monitoring_packets`); n != len(old) {
		t.Errorf("%d packets after the upgrade, want %d", n, len(old))
	}
	if n := count(`SELECT COUNT(*) FROM monitoring_values`); n != values {
		t.Errorf("%d values after the upgrade, want %d", n, values)
	}
	if n := count(`SELECT COUNT(*) FROM pg_class WHERE oid = 'monitoring_values'::regclass AND relkind = 'p'`); n != 1 {
		t.Error("monitoring_values is not partitioned")
	}
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM monitoring_values_2024_01_raw`:                                                                       2, // the real-time packet's two pairs
		`SELECT COUNT(*) FROM monitoring_values_2024_01_rest`:                                                                      values/2 - 1,
		`SELECT COUNT(*) FROM monitoring_values_2024_02`:                                                                           values/2 - 1,
		`SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'monitoring_values_unpartitioned%' AND schemaname = current_schema()`: 0,
	} {
		if n := count(q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	for _, c := range []struct{ name, def string }{
		{"monitoring_packets_pkey", "PRIMARY KEY (mn, id)"},
		{"monitoring_packets_hash_key", "UNIQUE (mn, hash)"},
		{"monitoring_values_pkey", "PRIMARY KEY (mn, month, packet_id, seq, cn)"},
	} {
		var def string
		if err := db.x.GetContext(ctx, &def, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 AND connamespace = current_schema()::regnamespace`, c.name); err != nil || def != c.def {
			t.Errorf("%s: %q %v, want %s", c.name, def, err, c.def)
		}
	}
	// A packet stored before comes again, beside a new one.
	frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-UP1", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-03")
	if err != nil {
		t.Fatal(err)
	}
	st, stored, err := db.IngestEach(ctx, []Incoming{old[0], {Packet: hj212.Parse(frames[0], opt), Origin: "new"}})
	if err != nil || st.Duplicates != 1 || st.Stored != 1 || stored[0] || !stored[1] {
		t.Fatalf("ingest after the upgrade: %+v %v %v", st, stored, err)
	}
	var newID int64
	if err := db.x.GetContext(ctx, &newID, `SELECT id FROM monitoring_packets WHERE origin = 'new'`); err != nil || newID <= maxOld {
		t.Errorf("new packet id %d (%v), want after %d", newID, err, maxOld)
	}
	err = db.View(ctx, func(tx *Tx) error {
		ps, err := tx.MonthPackets("MN-UP2", "2024-02")
		if err != nil {
			return err
		}
		if len(ps) != 3 || len(ps[0].CP) != len(old[0].Packet.CP)-1 {
			t.Errorf("MN-UP2 2024-02 after the upgrade: %d packets", len(ps))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
