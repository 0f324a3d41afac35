package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

var ctx = context.Background()

func dec(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

func kindOf(err error) calc.Kind {
	var ce *calc.Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return ""
}

func fixedClock(db *store.DB) {
	t := time.Date(2024, 4, 1, 9, 30, 0, 123456000, time.UTC)
	db.Now = func() time.Time { return t }
}

func tx(t *testing.T, db *store.DB, f func(tx *store.Tx) error) {
	t.Helper()
	if err := db.InTx(ctx, f); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, db *store.DB) (*filing.Taxpayer, *filing.Source) {
	tp := &filing.Taxpayer{CreditCode: "91350100M000100Y43", Name: "示例化工", Region: "500103", Industry: "化工"}
	src := &filing.Source{CreditCode: tp.CreditCode, OutletNo: "DA001", OutletName: "锅炉排口", Kind: filing.KindAir,
		Pollutant: "二氧化硫", Method: "automatic", StandardConcentration: dec("200.50"), ValidFrom: "2018-01-01"}
	tx(t, db, func(tx *store.Tx) error {
		if err := tx.InsertTaxpayer(tp); err != nil {
			return err
		}
		return tx.InsertSource(src, "test")
	})
	return tp, src
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		tp, src := seed(t, db)

		t.Run("taxpayer", func(t *testing.T) {
			tx(t, db, func(tx *store.Tx) error {
				got, err := tx.GetTaxpayer(tp.CreditCode)
				if err != nil {
					return err
				}
				if got.Name != tp.Name || got.Version != 1 || !got.CreatedAt.Equal(db.Now()) {
					t.Errorf("got %+v", got)
				}
				_, err = tx.GetTaxpayer("91440300708461136T")
				if kindOf(err) != calc.KindNotFound {
					t.Errorf("missing taxpayer: %v", err)
				}
				list, err := tx.ListTaxpayers(store.TaxpayerFilter{RegionPrefix: "50"})
				if err != nil || len(list) != 1 {
					t.Errorf("list: %v %v", list, err)
				}
				list, _ = tx.ListTaxpayers(store.TaxpayerFilter{RegionPrefix: "11"})
				if len(list) != 0 {
					t.Errorf("region filter: %v", list)
				}
				return nil
			})
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.InsertTaxpayer(&filing.Taxpayer{CreditCode: tp.CreditCode, Name: "x", Region: "500000"})
			})
			if kindOf(err) != calc.KindConflict {
				t.Errorf("duplicate taxpayer: %v", err)
			}
			stale := *tp
			tx(t, db, func(tx *store.Tx) error {
				up := *tp
				up.Name = "新名称"
				return tx.UpdateTaxpayer(&up)
			})
			stale.Name = "旧的"
			err = db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateTaxpayer(&stale) })
			if kindOf(err) != calc.KindConflict {
				t.Errorf("stale update: %v", err)
			}
		})

		t.Run("source history", func(t *testing.T) {
			tx(t, db, func(tx *store.Tx) error {
				s, err := tx.GetSource(src.ID)
				if err != nil {
					return err
				}
				if !s.StandardConcentration.Decimal.Equal(decimal.RequireFromString("200.5")) || s.ValidFrom != "2018-01-01" || s.ValidTo != "" {
					t.Errorf("round trip: %+v", s)
				}
				s.ValidTo = "2024-06-30"
				if err := tx.UpdateSource(s, "end", "test"); err != nil {
					return err
				}
				h, err := tx.SourceHistory(src.ID)
				if err != nil {
					return err
				}
				if len(h) != 2 || h[0].Change != "create" || h[1].Change != "end" || h[1].ValidTo != "2024-06-30" || h[0].ValidTo != "" {
					t.Errorf("history: %+v", h)
				}
				return nil
			})
			old := *src // version 1
			err := db.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateSource(&old, "change", "test") })
			if kindOf(err) != calc.KindConflict {
				t.Errorf("stale source: %v", err)
			}
		})

		t.Run("declaration", func(t *testing.T) {
			d := &filing.Declaration{CreditCode: tp.CreditCode, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
			days := 3
			figs := []filing.Figure{
				{SourceID: src.ID, Month: "2024-01", EmissionKg: dec("0.000000000001"), AvgConcentration: dec("999999999999999.99")},
				{SourceID: src.ID, Month: "2024-02", EmissionKg: dec("12345.678900"), DayExceedDays: &days},
			}
			tx(t, db, func(tx *store.Tx) error {
				if err := tx.InsertDeclaration(d); err != nil {
					return err
				}
				return tx.PutFigures(d.ID, figs)
			})
			tx(t, db, func(tx *store.Tx) error {
				got, err := tx.Figures(d.ID)
				if err != nil {
					return err
				}
				if len(got) != 2 || !got[0].EmissionKg.Decimal.Equal(figs[0].EmissionKg.Decimal) ||
					got[0].EmissionKg.Decimal.String() != "0.000000000001" ||
					!got[0].AvgConcentration.Decimal.Equal(figs[0].AvgConcentration.Decimal) ||
					!got[1].EmissionKg.Decimal.Equal(decimal.RequireFromString("12345.6789")) ||
					got[1].DayExceedDays == nil || *got[1].DayExceedDays != 3 || got[0].WastewaterT.Valid {
					t.Errorf("figures did not round-trip exactly: %+v", got)
				}
				n, err := tx.LatestRevision(tp.CreditCode, "2024-Q1")
				if err != nil || n != 1 {
					t.Errorf("latest revision %d %v", n, err)
				}
				return nil
			})
			// Same taxpayer, period and revision: one conflict.
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.InsertDeclaration(&filing.Declaration{CreditCode: tp.CreditCode, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"})
			})
			if kindOf(err) != calc.KindConflict {
				t.Errorf("duplicate revision: %v", err)
			}
			// A failed transaction stores nothing.
			boom := errors.New("boom")
			err = db.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.InsertDeclaration(&filing.Declaration{CreditCode: tp.CreditCode, Period: "2024-Q2", Revision: 1, Deadline: "2024-07-15"}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			tx(t, db, func(tx *store.Tx) error {
				if n, _ := tx.LatestRevision(tp.CreditCode, "2024-Q2"); n != 0 {
					t.Errorf("rolled-back declaration stored")
				}
				return nil
			})
			tx(t, db, func(tx *store.Tx) error {
				return tx.Submit(d, decimal.RequireFromString("252.62"), decimal.RequireFromString("63.16"), decimal.RequireFromString("189.46"), []byte(`{"total_tax":"189.46"}`), "test")
			})
			// The database itself refuses to change a submitted declaration's figures.
			err = db.InTx(ctx, func(tx *store.Tx) error { return tx.PutFigures(d.ID, figs[:1]) })
			if err == nil {
				t.Error("figures of a submitted declaration changed")
			}
			tx(t, db, func(tx *store.Tx) error {
				got, err := tx.GetDeclaration(d.ID)
				if err != nil {
					return err
				}
				if got.Status != filing.StatusSubmitted || got.Version != 2 || string(got.Assessment) != `{"total_tax":"189.46"}` ||
					!got.TotalTax.Decimal.Equal(decimal.RequireFromString("189.46")) || got.SubmittedAt == nil {
					t.Errorf("submitted: %+v", got)
				}
				if err := tx.Accept(got, "officer"); err != nil {
					return err
				}
				return tx.Pay(got, "2024-04-20", decimal.RequireFromString("189.46"))
			})
		})

		t.Run("audit is append-only", func(t *testing.T) {
			tx(t, db, func(tx *store.Tx) error {
				return tx.Audit(&filing.AuditEntry{Actor: "a", TokenID: 1, Action: "x", Entity: "taxpayer", EntityID: "1"}, nil, map[string]string{"a": "b"})
			})
			if _, err := db.SQL().Exec(`UPDATE audit_log SET actor = 'mallory'`); err == nil {
				t.Error("audit_log row updated")
			}
			if _, err := db.SQL().Exec(`DELETE FROM audit_log`); err == nil {
				t.Error("audit_log row deleted")
			}
			tx(t, db, func(tx *store.Tx) error {
				list, err := tx.ListAudit(store.AuditFilter{Entity: "taxpayer"})
				if err != nil || len(list) != 1 || string(list[0].After) != `{"a":"b"}` && string(list[0].After) != `{"a": "b"}` {
					t.Errorf("audit list %+v %v", list, err)
				}
				return nil
			})
		})

		t.Run("tokens and idempotency", func(t *testing.T) {
			tok := &filing.Token{Role: filing.RoleEnterprise, CreditCode: tp.CreditCode}
			tx(t, db, func(tx *store.Tx) error { return tx.InsertToken(tok, filing.HashToken("etx_secret")) })
			tx(t, db, func(tx *store.Tx) error {
				got, err := tx.TokenByHash(filing.HashToken("etx_secret"))
				if err != nil || got.ID != tok.ID || got.Role != filing.RoleEnterprise {
					t.Errorf("token %+v %v", got, err)
				}
				if _, err := tx.TokenByHash(filing.HashToken("etx_other")); kindOf(err) != calc.KindNotFound {
					t.Errorf("unknown token: %v", err)
				}
				return tx.RevokeToken(tok.ID)
			})
			tx(t, db, func(tx *store.Tx) error {
				if _, err := tx.TokenByHash(filing.HashToken("etx_secret")); kindOf(err) != calc.KindNotFound {
					t.Errorf("revoked token: %v", err)
				}
				r := &store.Idempotent{RequestHash: "h", Status: 201, Location: "/x", Body: `{"a":1}`}
				if err := tx.PutIdempotency(tok.ID, "k1", r); err != nil {
					return err
				}
				got, err := tx.GetIdempotency(tok.ID, "k1")
				if err != nil || got == nil || *got != *r {
					t.Errorf("idempotency %+v %v", got, err)
				}
				none, err := tx.GetIdempotency(tok.ID+1, "k1")
				if err != nil || none != nil {
					t.Errorf("keys are per token: %+v %v", none, err)
				}
				return nil
			})
		})
	})
}
