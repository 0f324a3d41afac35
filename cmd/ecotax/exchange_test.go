package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

const cliKey = "cli test exchange key of more than 32 bytes"

func withKey(getenv func(string) string, key string) func(string) string {
	return func(k string) string {
		if k == "ECOTAX_EXCHANGE_KEY" {
			return key
		}
		return getenv(k)
	}
}

// seedExchange registers a taxpayer with one outlet in the database and,
// on the tax side, a submitted declaration and an open review.
func seedExchange(t *testing.T, getenv func(string) string, taxSide bool) {
	t.Helper()
	ctx := context.Background()
	db, err := openStore(&env{ctx: ctx, getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code := "91350100M000100Y43"
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertTaxpayer(&filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103"}); err != nil {
			return err
		}
		src := &filing.Source{CreditCode: code, OutletNo: "DA001", OutletName: "锅炉", Kind: "air", Pollutant: "二氧化硫", Method: "automatic", ValidFrom: "2018-01-01"}
		if err := tx.InsertSource(src, "test"); err != nil {
			return err
		}
		if !taxSide {
			return nil
		}
		d := &filing.Declaration{CreditCode: code, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
		if err := tx.InsertDeclaration(d); err != nil {
			return err
		}
		figs := []filing.Figure{{SourceID: src.ID, Month: "2024-01", EmissionKg: decimal.NullDecimal{Decimal: decimal.NewFromInt(10), Valid: true}}}
		if err := tx.PutFigures(d.ID, figs); err != nil {
			return err
		}
		ten := decimal.RequireFromString("12.63")
		if err := tx.Submit(d, ten, decimal.Zero, ten, []byte(`{"lines":[]}`), "test"); err != nil {
			return err
		}
		return tx.InsertReview(&exchange.Review{Ref: "FH-CLI-1", CreditCode: code, Period: "2024-Q1", OutletNo: "DA001",
			Pollutant: "二氧化硫", Month: "2024-01", FlagCode: "monitored_above_declared", Reason: "高于申报",
			ItemStatus: exchange.ItemDeclared, ReceivedOn: "2024-05-20", Deadline: "2024-06-04", OpenedBy: "test"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func runXch(getenv func(string) string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	c := run(args, getenv, nil, &out, &errb)
	return c, out.String(), errb.String()
}

// TestExchangeCommand: export a tax batch to a directory and a ZIP,
// verify both, refuse a tampered copy, import into the environment side
// (twice: nothing changes the second time), list overdue reviews.
func TestExchangeCommand(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			taxEnv, envEnv := dbVars(t, dialect), dbVars(t, dialect)
			seedExchange(t, taxEnv, true)
			seedExchange(t, envEnv, false)
			dir := filepath.Join(t.TempDir(), "batch")

			if c, _, errs := runXch(taxEnv, "exchange", "export", "--direction", "tax_to_env", "--period", "2024-Q1", "--out", dir); c != exitInput || !strings.Contains(errs, "ECOTAX_EXCHANGE_KEY") {
				t.Errorf("export without a key: %d %s", c, errs)
			}
			tax, env := withKey(taxEnv, cliKey), withKey(envEnv, cliKey)
			c, out, errs := runXch(tax, "exchange", "export", "--direction", "tax_to_env", "--period", "2024-Q1", "--format", "csv", "--out", dir)
			if c != exitOK {
				t.Fatalf("export: %d %s", c, errs)
			}
			var sum batchSummary
			if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Format != "csv" || len(sum.Files) != len(exchange.Of(exchange.TaxToEnv)) {
				t.Fatalf("export summary %s (%v)", out, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "review_requests.csv")); err != nil {
				t.Fatal(err)
			}
			if c, _, _ := runXch(tax, "exchange", "export", "--direction", "tax_to_env", "--period", "2024-Q1", "--out", dir); c != exitInput {
				t.Error("export over a non-empty directory was not refused")
			}
			if c, _, errs := runXch(tax, "exchange", "export", "--direction", "sideways", "--period", "2024-Q1", "--out", dir+"2"); c != exitInput {
				t.Errorf("bad direction: %d %s", c, errs)
			}
			zipPath := filepath.Join(t.TempDir(), "b.zip")
			if c, _, errs := runXch(tax, "exchange", "export", "--direction", "tax_to_env", "--period", "2024-Q1", "--format", "xlsx", "--out", zipPath); c != exitOK {
				t.Fatalf("export zip: %s", errs)
			}
			for _, p := range []string{dir, zipPath} {
				if c, out, errs := runXch(tax, "exchange", "verify", p); c != exitOK || !strings.Contains(out, `"ok": true`) {
					t.Errorf("verify %s: %d %s %s", p, c, out, errs)
				}
			}
			if c, _, errs := runXch(withKey(taxEnv, "another key of more than thirty-two bytes"), "exchange", "verify", dir); c != exitInput || !strings.Contains(errs, "bad_signature") {
				t.Errorf("wrong key: %d %s", c, errs)
			}

			// A tampered copy: one byte of the declarations changed.
			bad := filepath.Join(t.TempDir(), "bad")
			os.MkdirAll(bad, 0o755)
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				data, _ := os.ReadFile(filepath.Join(dir, en.Name()))
				if en.Name() == "declarations.csv" {
					data = bytes.Replace(data, []byte("12.63"), []byte("12.64"), 1)
				}
				os.WriteFile(filepath.Join(bad, en.Name()), data, 0o644)
			}
			if c, _, errs := runXch(tax, "exchange", "verify", bad); c != exitInput || !strings.Contains(errs, "file_changed") {
				t.Errorf("tampered: %d %s", c, errs)
			}
			if c, _, errs := runXch(env, "exchange", "import", bad); c != exitInput || !strings.Contains(errs, "file_changed") {
				t.Errorf("tampered import: %d %s", c, errs)
			}

			c, out, errs = runXch(env, "exchange", "import", dir)
			if c != exitOK {
				t.Fatalf("import: %d %s", c, errs)
			}
			var imp batchSummary
			json.Unmarshal([]byte(out), &imp)
			if imp.AlreadyImported || imp.Outcomes["review_requests created"] != 1 || imp.Outcomes["declarations stored"] != 1 {
				t.Errorf("import: %s", out)
			}
			c, out, _ = runXch(env, "exchange", "import", dir)
			json.Unmarshal([]byte(out), &imp)
			if c != exitOK || !imp.AlreadyImported {
				t.Errorf("second import: %d %s", c, out)
			}
			if c, _, errs := runXch(env, "exchange", "import", zipPath); c != exitOK {
				t.Errorf("import zip: %s", errs)
			}

			// The identification worklist, as JSON and CSV.
			var wl struct{ Items []map[string]any }
			if c, out, errs := runXch(env, "exchange", "worklist", "--direction", "tax_to_env"); c != exitOK || json.Unmarshal([]byte(out), &wl) != nil || wl.Items == nil {
				t.Errorf("worklist: %d %s %s", c, out, errs)
			}
			if c, out, errs := runXch(env, "exchange", "worklist", "--format", "csv"); c != exitOK || !strings.HasPrefix(out, "\ufeffbatch_id,") {
				t.Errorf("worklist csv: %d %q %s", c, out, errs)
			}
			if c, _, _ := runXch(env, "exchange", "worklist", "--format", "pdf"); c != exitInput {
				t.Error("worklist in a bad format was accepted")
			}

			// The review received on the environment side is overdue from 2024-06-05.
			for today, want := range map[string]int{"2024-06-04": 0, "2024-06-05": 1} {
				c, out, errs := runXch(env, "review", "list", "--overdue", "--today", today)
				var got struct{ Reviews []map[string]any }
				if c != exitOK || json.Unmarshal([]byte(out), &got) != nil || len(got.Reviews) != want {
					t.Errorf("review list on %s: %d %s %s", today, c, out, errs)
				}
			}
			if c, _, _ := runXch(env, "review", "list", "--status", "lost"); c != exitInput {
				t.Error("a bad status was accepted")
			}
		})
	}
}
