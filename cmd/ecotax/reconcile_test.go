package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
)

// TestReconcileCommand: a taxpayer declares 10 kg of SO2 for January while
// its device measured about 75; reconcile run flags it, flags lists it,
// show gives the items; bad flags are usage errors.
func TestReconcileCommand(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			getenv := dbVars(t, dialect)
			ctx := context.Background()
			db, err := openStore(&env{ctx: ctx, getenv: getenv})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			code := "91350100M000100Y43"
			src := &filing.Source{CreditCode: code, OutletNo: "DA001", OutletName: "锅炉", Kind: "air", Pollutant: "二氧化硫", Method: "automatic", ValidFrom: "2018-01-01"}
			err = db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.InsertTaxpayer(&filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103", Industry: "4411"}); err != nil {
					return err
				}
				if err := tx.InsertSource(src, "test"); err != nil {
					return err
				}
				if err := tx.InsertDevice(&reconcile.Device{MN: "MN-C", CreditCode: code, OutletNo: "DA001", ValidFrom: "2024-01-01"}); err != nil {
					return err
				}
				d := &filing.Declaration{CreditCode: code, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
				if err := tx.InsertDeclaration(d); err != nil {
					return err
				}
				var figs []filing.Figure
				for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
					figs = append(figs, filing.Figure{SourceID: src.ID, Month: m, EmissionKg: decimal.NullDecimal{Decimal: decimal.NewFromInt(10), Valid: true}})
				}
				if err := tx.PutFigures(d.ID, figs); err != nil {
					return err
				}
				return tx.Submit(d, decimal.Zero, decimal.Zero, decimal.Zero, []byte("{}"), "test")
			})
			if err != nil {
				t.Fatal(err)
			}
			frames, exp, err := reconciletest.Month(reconciletest.Device{MN: "MN-C", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-01")
			if err != nil {
				t.Fatal(err)
			}
			var batch []store.Incoming
			for _, f := range frames {
				batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
			}
			if _, err := db.Ingest(ctx, batch); err != nil {
				t.Fatal(err)
			}

			rc := func(args ...string) (int, string, string) {
				var out, errb bytes.Buffer
				c := run(append([]string{"reconcile"}, args...), getenv, nil, &out, &errb)
				return c, out.String(), errb.String()
			}
			c, out, errs := rc("run", "--period", "2024-Q1", "--region", "500000", "--as-of", "2024-05-20")
			if c != exitOK {
				t.Fatalf("run: exit %d %s", c, errs)
			}
			var res struct {
				Run struct {
					ID    int64
					Flags int
				}
				Results []struct {
					Status string
					Flags  []string
				}
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			want := []string{"monitored_above_declared 2024-01 DA001 二氧化硫", "monitoring_missing 2024-02 DA001 二氧化硫", "monitoring_missing 2024-03 DA001 二氧化硫"}
			if len(res.Results) != 1 || res.Results[0].Status != "flagged" || strings.Join(res.Results[0].Flags, ",") != strings.Join(want, ",") {
				t.Errorf("run: %s", out)
			}
			c, out, _ = rc("flags", "--period", "2024-Q1", "--code", "monitored_above_declared")
			var f reconcile.Flag
			if c != exitOK || json.Unmarshal([]byte(strings.TrimSpace(out)), &f) != nil || f.Observed != exp["a21026"].TotalKg.String()+" kg" {
				t.Errorf("flags: exit %d %s (by hand %s)", c, out, exp["a21026"].TotalKg)
			}
			c, out, _ = rc("show", "--period", "2024-Q1", "--taxpayer", code)
			if c != exitOK || !strings.Contains(out, `"monitored_higher"`) {
				t.Errorf("show: exit %d %s", c, out)
			}
			c, out, _ = rc("run", "--period", "2024-Q1", "--taxpayer", code, "--format", "table", "--as-of", "2024-05-20")
			if c != exitOK || !strings.Contains(out, "风险疑点 3") || !strings.Contains(out, "flagged") {
				t.Errorf("table: exit %d %s", c, out)
			}
			for _, bad := range [][]string{
				{"run"}, {"run", "--period", "2024-Q5"}, {"run", "--period", "2024-Q1", "--region", "50"},
				{"run", "--period", "2024-Q1", "--taxpayer", "123"}, {"run", "--period", "2024-Q1", "--as-of", "today"},
				{"run", "--period", "2024-Q1", "--format", "xml"}, {"show", "--period", "2024-Q1"}, {"nope"}, {},
			} {
				if c, _, _ := rc(bad...); c != exitInput {
					t.Errorf("%v: exit %d", bad, c)
				}
			}
			if c, _, _ := rc("show", "--period", "2023-Q1", "--taxpayer", code); c != exitInput {
				t.Errorf("show of a period never reconciled: exit %d", c)
			}
		})
	}
}
