package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Reconcile10k writes a region of n taxpayers straight into the tables
// (COPY on PostgreSQL, multi-row INSERTs on SQLite): 8 sources each (4 air pollutants at DA001, 4 water at DW001),
// a submitted 2024-Q1 declaration and one for 2023-Q1, two device
// mappings, the monthly figures of both for the quarter (about one item
// in ten monitored 30 % above the declaration, one in fifty incomplete)
// and the output of each month.
func Reconcile10k(b testing.TB, db *store.DB, codes *reconcile.Codes, n int) {
	ctx := context.Background()
	air := []string{"a21026", "a21002", "a21005", "a21024"}
	water := []string{"w01018", "w21003", "w01012", "w20123"}
	now := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	months := []string{"2024-01", "2024-02", "2024-03"}
	lastYear := []string{"2023-01", "2023-02", "2023-03"}
	name := func(code string) string {
		p, ok := codes.Pollutant(code)
		if !ok || p == nil {
			b.Fatalf("code %s does not map to a taxable pollutant", code)
		}
		return p.Name
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		cc := func(i int) string { return fmt.Sprintf("91500000MA%08d", i) }
		if err := tx.CopyIn("taxpayers", []string{"credit_code", "name", "region", "industry", "version", "created_at", "updated_at"}, n, func(i int) []any {
			return []any{cc(i), fmt.Sprintf("企业%05d", i), fmt.Sprintf("5001%02d", 1+i%38), fmt.Sprintf("%d", 2600+i%10), 1, now, now}
		}); err != nil {
			return err
		}
		codesAll := append(append([]string{}, air...), water...)
		if err := tx.CopyIn("tax_sources", []string{"id", "credit_code", "outlet_no", "outlet_name", "kind", "pollutant", "method", "valid_from", "version", "created_at", "updated_at"}, n*8, func(k int) []any {
			i, j := k/8, k%8
			outlet, kind, method := "DA001", "air", "automatic"
			if j >= 4 {
				outlet, kind, method = "DW001", "water", "automatic"
			}
			return []any{k + 1, cc(i), outlet, outlet, kind, name(codesAll[j]), method, "2018-01-01", 1, now, now}
		}); err != nil {
			return err
		}
		// Declarations: ids 1..n for 2024-Q1, n+1..2n for 2023-Q1, drafts
		// until their figures are in (the trigger allows figures on drafts only).
		if err := tx.CopyIn("declarations", []string{"id", "credit_code", "period", "revision", "status", "version", "deadline", "created_at", "updated_at"}, 2*n, func(k int) []any {
			per, dl := "2024-Q1", "2024-04-15"
			if k >= n {
				per, dl = "2023-Q1", "2023-04-15"
			}
			return []any{k + 1, cc(k % n), per, 1, "draft", 1, dl, now, now}
		}); err != nil {
			return err
		}
		declared := func(i, j, m int) decimal.Decimal { return decimal.New(int64(1000+37*((i+j+m)%50)), -1) }
		if err := tx.CopyIn("declaration_figures", []string{"credit_code", "declaration_id", "line", "source_id", "month", "emission_kg"}, 2*n*24, func(k int) []any {
			d, l := k/24, k%24
			i, j, m := d%n, l%8, l/8
			month := months[m]
			kg := declared(i, j, m)
			if d >= n {
				month = lastYear[m]
				kg = kg.Mul(decimal.RequireFromString("1.1"))
			}
			return []any{cc(i), d + 1, l, i*8 + j + 1, month, kg}
		}); err != nil {
			return err
		}
		if err := tx.CopyIn("monitoring_devices", []string{"id", "mn", "credit_code", "outlet_no", "valid_from", "note", "version", "created_at", "updated_at"}, 2*n, func(k int) []any {
			i, outlet := k/2, "DA001"
			if k%2 == 1 {
				outlet = "DW001"
			}
			return []any{k + 1, fmt.Sprintf("MN%08d%s", i, outlet), cc(i), outlet, "2023-01-01", "", 1, now, now}
		}); err != nil {
			return err
		}
		cols := []string{"mn", "month", "device_id", "code", "basis", "total", "total_count", "avg_sum", "avg_count", "mean", "max", "max_at",
			"test_sum", "test_count", "test_mean", "test_max", "test_max_at", "zs_count", "valid", "units", "completeness", "duplicates",
			"lenient", "excluded", "detail", "computed_at"}
		if err := tx.CopyIn("monitoring_monthly", cols, n*24, func(k int) []any {
			i, rest := k/24, k%24
			m, j := rest/8, rest%8
			dev, code, basis, units := 2*i+1, air[j%4], "hour", 24*[]int{31, 29, 31}[m]
			outlet := "DA001"
			if j >= 4 {
				dev, code, basis, units, outlet = 2*i+2, water[j-4], "day", []int{31, 29, 31}[m], "DW001"
			}
			total := declared(i, j, m)
			if (i+j+m)%10 == 0 {
				total = total.Mul(decimal.RequireFromString("1.3"))
			}
			valid := units
			if (i+j+m)%50 == 7 {
				valid = units * 8 / 10
			}
			z := decimal.Zero
			return []any{fmt.Sprintf("MN%08d%s", i, outlet), months[m], dev, code, basis, total, valid, z, 0, z, z, "", z, 0, z, z, "", 0,
				valid, units, decimal.NewFromInt(int64(valid)).DivRound(decimal.NewFromInt(int64(units)), 4), 0, 0, units - valid, "{}", now}
		}); err != nil {
			return err
		}
		return tx.CopyIn("production_outputs", []string{"credit_code", "month", "product", "unit", "quantity", "version", "created_at", "updated_at"}, n*3, func(k int) []any {
			return []any{cc(k / 3), months[k%3], "产品", "t", decimal.NewFromInt(int64(500 + (k/3)%300)), 1, now, now}
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	submit := `UPDATE declarations SET status = 'submitted', total_tax = 0, submitted_at = $1`
	if db.Dialect() != store.Postgres {
		submit = strings.Replace(submit, "$1", "?", 1)
	}
	if _, err := db.SQL().ExecContext(ctx, submit, now); err != nil {
		b.Fatal(err)
	}
	for _, seq := range []string{"tax_sources", "declarations", "monitoring_devices"} {
		if db.Dialect() != store.Postgres {
			break // SQLite's AUTOINCREMENT follows the largest id written
		}
		if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, seq, seq)); err != nil {
			b.Fatal(err)
		}
	}
	// ANALYZE the test's own tables only: a bare ANALYZE walks every table
	// of the database, and fails ("relation with OID … does not exist")
	// when another test drops its schema meanwhile.
	tables := []string{""}
	if db.Dialect() == store.Postgres {
		rows, err := db.SQL().QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
		if err != nil {
			b.Fatal(err)
		}
		tables = nil
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				b.Fatal(err)
			}
			tables = append(tables, t)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	for _, t := range tables {
		if _, err := db.SQL().ExecContext(ctx, strings.TrimSpace("ANALYZE "+t)); err != nil {
			b.Fatal(err)
		}
	}
}
