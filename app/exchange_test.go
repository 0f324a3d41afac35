package app_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

const (
	xkey = "app test exchange key of more than 32 bytes"
	code = "91350100M000100Y43"
)

func service(t *testing.T, db *store.DB, tables *app.Tables) *app.Service {
	t.Helper()
	s, err := app.New(app.Deps{Store: db, Tables: tables, ExchangeKey: []byte(xkey),
		Now: func() time.Time { return time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The officers of the two sides of an exchange.
var (
	tax = filing.Principal{Role: filing.RoleTaxOfficer, Region: "500000"}
	env = filing.Principal{Role: filing.RoleEnvOfficer, Region: "500000"}
)

// twoSides are the services of the tax side (on db) and of the
// environment side (on a fresh database of the same dialect).
func twoSides(t *testing.T, db *store.DB, tables *app.Tables) (T, E *app.Service) {
	t.Helper()
	other := storetest.OpenSQLite(t)
	if db.Dialect() == store.Postgres {
		other = storetest.OpenPostgres(t)
	}
	return service(t, db, tables), service(t, other, tables)
}

// register gives a service the taxpayer with one air source.
func register(t *testing.T, s *app.Service) int64 {
	t.Helper()
	ctx, admin := context.Background(), filing.Principal{Role: filing.RoleAdmin}
	if _, err := s.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103", Industry: "化学原料和化学制品制造业"}); err != nil {
		t.Fatal(err)
	}
	src, err := s.RegisterSource(ctx, admin, app.Idem{}, filing.Source{CreditCode: code, OutletNo: "DA001", OutletName: "锅炉", Kind: filing.KindAir,
		Pollutant: "二氧化硫", Method: "automatic", StandardConcentration: num("200"), ValidFrom: "2018-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	return src.Value.ID
}

func num(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

// TestReviewLoopWithoutHTTP runs the 复核 loop of two systems on the
// operations alone, as the commands do: the tax side opens a review and
// exports it, the environment side imports and answers it and exports
// the opinion, the tax side imports it and applies it — a correction.
func TestReviewLoopWithoutHTTP(t *testing.T) {
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		T, E := twoSides(t, db, tables)
		ctx := context.Background()
		src := register(t, T)
		register(t, E)

		// T: a filed revision of 2024-Q1.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			d := &filing.Declaration{CreditCode: code, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
			if err := tx.InsertDeclaration(d); err != nil {
				return err
			}
			var figs []filing.Figure
			for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
				figs = append(figs, filing.Figure{SourceID: src, Month: m, EmissionKg: num("100"), AvgConcentration: num("120"), MaxConcentration: num("150")})
			}
			if err := tx.PutFigures(d.ID, figs); err != nil {
				return err
			}
			tax := decimal.RequireFromString("12.63")
			return tx.Submit(d, tax, decimal.Zero, tax, []byte(`{"lines":[]}`), "test")
		}); err != nil {
			t.Fatal(err)
		}

		opened, err := T.OpenReview(ctx, tax, app.Idem{}, app.ReviewRequest{CreditCode: code, Period: "2024-Q1", OutletNo: "DA001",
			Pollutant: "二氧化硫", Month: "2024-01", FlagCode: "monitored_above_declared", Reason: "高于申报"})
		if err != nil {
			t.Fatal(err)
		}
		if rv := opened.Value; rv.ItemStatus != exchange.ItemDeclared || rv.Deadline != "2024-06-04" || opened.Ref != "reviews/"+strconv.FormatInt(rv.ID, 10) {
			t.Fatalf("opened %+v", rv.Review)
		}
		if _, err := T.OpenReview(ctx, filing.Principal{Role: filing.RoleEnterprise, CreditCode: code}, app.Idem{}, app.ReviewRequest{}); !isKind(err, app.KindForbidden) {
			t.Errorf("an enterprise opened a review: %v", err)
		}

		// T → E.
		out, err := T.ExportBatch(ctx, tax, app.Idem{}, app.ExportRequest{Direction: exchange.TaxToEnv, Period: "2024-Q1"})
		if err != nil {
			t.Fatal(err)
		}
		_, files, err := T.BatchFiles(ctx, tax, out.Value.Batch.BatchID)
		if err != nil {
			t.Fatal(err)
		}
		in, err := E.ImportBatch(ctx, env, files)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := E.ImportBatch(ctx, env, files); err != nil || !again.AlreadyImported || len(again.Records) != len(in.Records) {
			t.Fatalf("second import: %v", err)
		}

		// E: the review is open and overdue from 2024-06-05; it is answered.
		for today, want := range map[filing.Date]int{"2024-06-04": 0, "2024-06-05": 1} {
			list, err := E.Reviews(ctx, filing.Principal{Role: filing.RoleAdmin}, app.ReviewFilter{Overdue: true, Today: today})
			if err != nil || len(list.Reviews) != want {
				t.Fatalf("overdue on %s: %v %v", today, list, err)
			}
		}
		list, err := E.Reviews(ctx, env, app.ReviewFilter{Status: exchange.ReviewOpen})
		if err != nil || len(list.Reviews) != 1 {
			t.Fatalf("open reviews at E: %v %v", list, err)
		}
		rv := list.Reviews[0]
		if _, err := E.AnswerReview(ctx, env, rv.ID, rv.Version, exchange.Answer{Opinion: exchange.OpinionCorrected, Note: "按在线监测数据更正",
			Corrections: []exchange.FigureInput{{OutletNo: "DA001", Pollutant: "二氧化硫", Month: "2024-01", EmissionKg: num("150")}}}); err != nil {
			t.Fatal(err)
		}

		// E → T; T applies the opinion: a correction of the filed revision.
		back, err := E.ExportBatch(ctx, env, app.Idem{}, app.ExportRequest{Direction: exchange.EnvToTax, Period: "2024-Q1", Format: exchange.CSV})
		if err != nil {
			t.Fatal(err)
		}
		_, files, err = E.BatchFiles(ctx, env, back.Value.Batch.BatchID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := T.ImportBatch(ctx, env, files); !isKind(err, app.KindForbidden) {
			t.Errorf("the environment side imported its own direction: %v", err)
		}
		if _, err := T.ImportBatch(ctx, tax, files); err != nil {
			t.Fatal(err)
		}
		answered, err := T.Review(ctx, tax, opened.Value.ID)
		if err != nil || answered.Status != exchange.ReviewAnswered {
			t.Fatalf("answered at T: %v %v", answered, err)
		}
		applied, err := T.ApplyReview(ctx, tax, answered.ID, answered.Version)
		if err != nil {
			t.Fatal(err)
		}
		if applied.Status != exchange.ReviewApplied || applied.CorrectionID == nil {
			t.Fatalf("applied %+v", applied.Review)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			d, err := tx.GetDeclaration(*applied.CorrectionID)
			if err != nil {
				return err
			}
			if d.Revision != 2 || d.Status != filing.StatusSubmitted || !d.PreviousTax.Decimal.Equal(decimal.RequireFromString("12.63")) {
				t.Errorf("correction %+v", d)
			}
			figs, err := tx.Figures(d.ID)
			if err != nil {
				return err
			}
			if !figs[0].EmissionKg.Decimal.Equal(decimal.NewFromInt(150)) || !figs[1].EmissionKg.Decimal.Equal(decimal.NewFromInt(100)) {
				t.Errorf("corrected figures %+v", figs)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func isKind(err error, k calc.Kind) bool {
	ce, ok := err.(*calc.Error)
	return ok && ce.Kind == k
}
