package store

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
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
	migrateBefore(t, db, "0047")
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
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, v.seq, r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, v.decimal()); err != nil {
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

// migrateBefore applies the migrations of db's dialect named before
// stop, as a database made by an earlier release would have them.
func migrateBefore(t *testing.T, db *DB, stop string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.x.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	dir := path.Join("migrations", db.dialect)
	entries, _ := fs.ReadDir(sqlFiles, dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if n >= stop {
			break
		}
		if err := db.migrate(ctx, dir, n); err != nil {
			t.Fatal(n, err)
		}
	}
}

// TestUpgradeFilingKeys: a database of each dialect migrated up to the
// schema before 0047, holding a taxpayer's source with its history, an
// accepted declaration with figures, its correction, and a review naming
// them, takes 0049: every row is kept, each figure gets its declaration's
// taxpayer, the keys and foreign keys carry credit_code, the immutability
// triggers and the id counters survive (SQLite rebuilds the tables), and
// new rows take the next ids.
func TestUpgradeFilingKeys(t *testing.T) {
	for _, dialect := range []string{SQLite, Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var db *DB
			if dialect == Postgres {
				if os.Getenv("ECOTAX_TEST_DATABASE_URL") == "" && os.Getenv("ECOTAX_REQUIRE_PG") != "1" {
					t.Skip("ECOTAX_TEST_DATABASE_URL not set")
				}
				db = openPGSchema(t)
			} else {
				var err error
				if db, err = Open(ctx, filepath.Join(t.TempDir(), "u.db")); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
			}
			migrateBefore(t, db, "0047")
			code := "91350100M000100Y43"
			ts := "2024-04-01T00:00:00Z"
			for _, q := range []string{
				`INSERT INTO taxpayers (credit_code, name, region, industry, version, created_at, updated_at) VALUES ('` + code + `', 'x', '500103', '', 1, '` + ts + `', '` + ts + `')`,
				`INSERT INTO tax_sources (id, credit_code, outlet_no, outlet_name, kind, valid_from, version, created_at, updated_at) VALUES (7, '` + code + `', 'DA001', 'DA001', 'air', '2024-01-01', 1, '` + ts + `', '` + ts + `')`,
				`INSERT INTO tax_source_history (id, version, credit_code, outlet_no, outlet_name, location, kind, fugitive, pollutant, method, standard, multiple_points, valid_from, created_at, updated_at, change, changed_by, changed_at)
					VALUES (7, 1, '` + code + `', 'DA001', 'DA001', '', 'air', FALSE, '', '', '', FALSE, '2024-01-01', '` + ts + `', '` + ts + `', 'create', 't', '` + ts + `')`,
				`INSERT INTO declarations (id, credit_code, period, revision, status, version, deadline, created_at, updated_at) VALUES (3, '` + code + `', '2024-Q1', 1, 'draft', 1, '2024-04-15', '` + ts + `', '` + ts + `')`,
				`INSERT INTO declaration_figures (declaration_id, line, source_id, month, emission_kg) VALUES (3, 0, 7, '2024-01', '12.5'), (3, 1, 7, '2024-02', '13.5')`,
				`UPDATE declarations SET status = 'accepted' WHERE id = 3`,
				`INSERT INTO declarations (id, credit_code, period, revision, replaces_id, status, version, deadline, created_at, updated_at) VALUES (4, '` + code + `', '2024-Q1', 2, 3, 'draft', 1, '2024-04-15', '` + ts + `', '` + ts + `')`,
				`INSERT INTO reviews (id, ref, credit_code, period, outlet_no, source_id, flag_code, reason, declaration_id, item_status, received_on, deadline, status, version, opened_by, created_at, updated_at)
					VALUES (5, 'FH-1', '` + code + `', '2024-Q1', 'DA001', 7, 'x', 'y', 3, 'declared', '2024-04-01', '2024-04-16', 'open', 1, 't', '` + ts + `', '` + ts + `')`,
				`INSERT INTO penalty_records (id, credit_code, case_no, outlet_no, revision, status, case_code, period_from, period_to, decided_on, created_by, created_at)
					VALUES (8, '` + code + `', 'C-1', 'DA001', 1, 'superseded', 'x', '2024-01-01', '2024-01-31', '2024-02-01', 't', '` + ts + `')`,
				`INSERT INTO penalty_records (id, credit_code, case_no, outlet_no, revision, replaces_id, status, case_code, period_from, period_to, decided_on, created_by, created_at)
					VALUES (9, '` + code + `', 'C-1', 'DA001', 2, 8, 'active', 'x', '2024-01-01', '2024-01-31', '2024-02-01', 't', '` + ts + `')`,
				`INSERT INTO penalty_pollutants (penalty_id, pollutant) VALUES (9, '二氧化硫')`,
				`INSERT INTO penalty_generated (penalty_id, pollutant, month, generated_kg) VALUES (9, '二氧化硫', '2024-01', '100.5')`,
			} {
				if dialect == SQLite {
					q = strings.ReplaceAll(strings.ReplaceAll(q, "FALSE", "0"), "TRUE", "1")
				}
				if _, err := db.x.ExecContext(ctx, q); err != nil {
					t.Fatal(q, err)
				}
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
			for q, want := range map[string]int{
				`SELECT COUNT(*) FROM tax_sources`:                                            1,
				`SELECT COUNT(*) FROM tax_source_history`:                                     1,
				`SELECT COUNT(*) FROM declarations`:                                           2,
				`SELECT COUNT(*) FROM declaration_figures WHERE credit_code = '` + code + `'`: 2,
				`SELECT COUNT(*) FROM reviews WHERE declaration_id = 3 AND source_id = 7`:     1,
				`SELECT COUNT(*) FROM penalty_records WHERE replaces_id = 8`:                  1,
				`SELECT COUNT(*) FROM penalty_pollutants WHERE credit_code = '` + code + `'`:  1,
				`SELECT COUNT(*) FROM penalty_generated WHERE credit_code = '` + code + `'`:   1,
			} {
				if n := count(q); n != want {
					t.Errorf("%s: %d, want %d", q, n, want)
				}
			}
			// The accepted declaration's figures are still immutable.
			err := db.InTx(ctx, func(tx *Tx) error {
				_, err := tx.exec(db.x.Rebind(`DELETE FROM declaration_figures WHERE declaration_id = ?`), 3)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "immutable") {
				t.Errorf("deleting an accepted declaration's figures: %v", err)
			}
			err = db.InTx(ctx, func(tx *Tx) error {
				_, err := tx.exec(`DELETE FROM penalty_generated`)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "never changed") {
				t.Errorf("deleting penalty items: %v", err)
			}
			// A figure naming another taxpayer's source is refused now.
			err = db.InTx(ctx, func(tx *Tx) error {
				_, err := tx.exec(db.x.Rebind(`INSERT INTO declaration_figures (credit_code, declaration_id, line, source_id, month) VALUES (?, 4, 0, 7, '2024-01')`), "91350100M000200Y43")
				return err
			})
			if err == nil {
				t.Error("a figure of another taxpayer's declaration and source was stored")
			}
			if dialect == SQLite {
				if n := count(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('declaration_figures', 'reviews')`); n != 7 {
					t.Errorf("%d triggers on declaration_figures and reviews, want 7", n)
				}
				if n := count(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'penalty_%'`); n != 7 {
					t.Errorf("%d triggers on the penalty tables, want 7", n)
				}
				if n := count(`PRAGMA foreign_keys`); n != 1 {
					t.Error("foreign keys left off")
				}
				if n := count(`SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_new'`); n != 0 {
					t.Errorf("%d *_new objects left", n)
				}
			}
			// New rows take ids after the old ones (the counters survived).
			err = db.InTx(ctx, func(tx *Tx) error {
				var id int64
				err := tx.get(&id, db.x.Rebind(`INSERT INTO declarations (credit_code, period, revision, status, version, deadline, created_at, updated_at)
					VALUES (?, '2024-Q2', 1, 'draft', 1, '2024-07-15', ?, ?) RETURNING id`), code, ts, ts)
				if err == nil && id <= 4 && dialect == SQLite {
					t.Errorf("new declaration id %d, want after 4", id)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
