package store

import (
	"context"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/filing"
)

// TestRebuildKeepsRows: 0031 rebuilds five SQLite tables with foreign
// keys off. On a database migrated up to 0030 with rows in them — a
// damage case with a receipt (ON DELETE CASCADE: a rebuild with foreign
// keys on would have deleted it), a case deleted since (its id must not
// come back) — every row, the AUTOINCREMENT counter and the triggers
// survive, foreign keys are on again afterwards, and the new checks hold.
func TestRebuildKeepsRows(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.x.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	dir := path.Join("migrations", SQLite)
	entries, _ := fs.ReadDir(sqlFiles, dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if n >= "0031" {
			break
		}
		if err := db.migrate(ctx, dir, n); err != nil {
			t.Fatal(n, err)
		}
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		if err := tx.InsertTaxpayer(&filing.Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工", Region: "500103", Industry: "化工"}); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO budget_damage_cases (id, district, case_name, claim, claim_total, created_at, created_by) VALUES (1, '500103', 'a', '{}', '10.00', '2024-01-01T00:00:00Z', 't'), (2, '500103', 'b', '{}', '5.00', '2024-01-01T00:00:00Z', 't')`,
			`DELETE FROM budget_damage_cases WHERE id = 2`,
			`INSERT INTO budget_damage_receipts (case_id, line, month, amount, received) VALUES (1, 1, '2024-03', '4.00', 1)`,
			`INSERT INTO production_outputs (credit_code, month, product, unit, quantity, version, created_at, updated_at) VALUES ('91350100M000100Y43', '2024-01', 'p', 't', '12.5', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`,
		} {
			if _, err := tx.exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
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
	if count(`SELECT COUNT(*) FROM budget_damage_cases`) != 1 || count(`SELECT COUNT(*) FROM budget_damage_receipts`) != 1 || count(`SELECT COUNT(*) FROM production_outputs`) != 1 {
		t.Error("rows lost in the rebuild")
	}
	if n := count(`SELECT seq FROM sqlite_sequence WHERE name = 'budget_damage_cases'`); n != 2 {
		t.Errorf("AUTOINCREMENT counter %d, want 2", n)
	}
	if n := count(`SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%_new'`); n != 0 {
		t.Errorf("%d *_new objects left", n)
	}
	if n := count(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'penalty_generated'`); n != 2 {
		t.Errorf("penalty_generated has %d triggers, want 2", n)
	}
	if n := count(`PRAGMA foreign_keys`); n != 1 {
		t.Error("foreign keys left off")
	}
	for _, q := range []string{
		`INSERT INTO budget_damage_receipts (case_id, line, month, amount, received) VALUES (1, 2, '2024-03', '-1.00', 1)`,
		`INSERT INTO budget_damage_receipts (case_id, line, month, amount, received) VALUES (1, 2, '2024-03', '0.00', 1)`,
		`INSERT INTO production_outputs (credit_code, month, product, unit, quantity, version, created_at, updated_at) VALUES ('91350100M000100Y43', '2024-02', 'p', 't', '-0.5', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`,
		`INSERT INTO budget_damage_receipts (case_id, line, month, amount, received) VALUES (99, 2, '2024-03', '1.00', 1)`, // no such case
	} {
		if err := db.InTx(ctx, func(tx *Tx) error { _, err := tx.exec(q); return err }); err == nil || !strings.Contains(err.Error(), "constraint") {
			t.Errorf("%s: err %v, want a constraint failure", q, err)
		}
	}
	// The cascade still works, and so does a new case's id.
	if err := db.InTx(ctx, func(tx *Tx) error { _, err := tx.exec(`DELETE FROM budget_damage_cases WHERE id = 1`); return err }); err != nil {
		t.Fatal(err)
	}
	if count(`SELECT COUNT(*) FROM budget_damage_receipts`) != 0 {
		t.Error("ON DELETE CASCADE lost")
	}
}
