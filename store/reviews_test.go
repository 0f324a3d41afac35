package store_test

import (
	"bytes"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// mustFail runs raw SQL that the schema itself must refuse.
func mustFail(t *testing.T, db *store.DB, what, query string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(ctx, query, args...); err == nil {
		t.Errorf("%s: the database allowed it", what)
	}
}

func rebind(db *store.DB, q string) string {
	if db.Dialect() != store.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, []byte("$"+string(rune('0'+n)))...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

func TestReviews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, src := seed(t, db)
		r := &exchange.Review{Ref: "FH-1", CreditCode: tp.CreditCode, Period: "2024-Q1", OutletNo: "DA001", SourceID: &src.ID,
			Pollutant: "二氧化硫", Month: "2024-02", FlagCode: "monitored_above_declared", Reason: "在线监测高于申报",
			ItemStatus: exchange.ItemNoDeclaration, ReceivedOn: "2024-05-20", Deadline: "2024-06-04", OpenedBy: "tax_officer#1"}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertReview(r) })

		// The same item cannot be under two live reviews.
		dup := *r
		dup.Ref = "FH-2"
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertReview(&dup) }); kindOf(err) != calc.KindConflict {
			t.Errorf("second live review: %v", err)
		}

		// Overdue: listed the day after the deadline, not on it.
		for day, want := range map[filing.Date]int{"2024-06-04": 0, "2024-06-05": 1} {
			tx(t, db, func(tx *store.Tx) error {
				list, err := tx.ListReviews(store.ReviewFilter{OverdueOn: day})
				if len(list) != want {
					t.Errorf("overdue on %s: %d, want %d", day, len(list), want)
				}
				return err
			})
		}
		tx(t, db, func(tx *store.Tx) error {
			list, err := tx.ListReviews(store.ReviewFilter{RegionPrefix: "11"})
			if len(list) != 0 {
				t.Errorf("another region sees %d reviews", len(list))
			}
			return err
		})

		corr := exchange.Corrections{{SourceID: src.ID, OutletNo: "DA001", Pollutant: "二氧化硫", Month: "2024-02",
			EmissionKg: dec("123.000000000001"), MaxConcentration: dec("210")}}
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetReview(r.ID)
			if err != nil {
				return err
			}
			return tx.AnswerReview(got, exchange.OpinionCorrected, "在线数据有效", corr, "2024-05-30", "env_officer#2")
		})
		// A second answer at the old version is stale; nothing changes.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AnswerReview(r, exchange.OpinionConfirmed, "", nil, "2024-05-31", "env_officer#2")
		}); kindOf(err) != calc.KindConflict {
			t.Errorf("second answer: %v", err)
		}
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetReviewByRef("FH-1")
			if err != nil {
				return err
			}
			if got.Status != exchange.ReviewAnswered || *got.Opinion != exchange.OpinionCorrected || got.Version != 2 ||
				len(got.Corrections) != 1 || got.Corrections[0].EmissionKg.Decimal.String() != "123.000000000001" || got.AnsweredOn != "2024-05-30" {
				t.Errorf("answered review: %+v", got)
			}
			return nil
		})

		// The schema keeps the address and the opinion, whatever the code does.
		mustFail(t, db, "rewrite the opinion", rebind(db, `UPDATE reviews SET opinion = 'confirmed', corrections = NULL WHERE id = ?`), r.ID)
		mustFail(t, db, "move the address", rebind(db, `UPDATE reviews SET outlet_no = 'DA002' WHERE id = ?`), r.ID)
		mustFail(t, db, "delete", rebind(db, `DELETE FROM reviews WHERE id = ?`), r.ID)

		tx(t, db, func(tx *store.Tx) error {
			got, _ := tx.GetReview(r.ID)
			return tx.FinishReview(got, exchange.ReviewClosed, nil, "tax_officer#1")
		})
		mustFail(t, db, "reopen a closed review", rebind(db, `UPDATE reviews SET status = 'answered' WHERE id = ?`), r.ID)
		// Closed, the item may be reviewed again.
		tx(t, db, func(tx *store.Tx) error { return tx.InsertReview(&dup) })
	})
}

func TestPenalties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		tp, _ := seed(t, db)
		p := &exchange.Penalty{CreditCode: tp.CreditCode, CaseNo: "渝环罚〔2024〕12号", OutletNo: "DA001", Revision: 1,
			CaseCode: "tampered_data", PeriodFrom: "2024-01-05", PeriodTo: "2024-02-20", DecidedOn: "2024-04-10",
			CreatedBy: "env_officer#2", Pollutants: []string{"二氧化硫"}}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertPenalty(p) })
		again := *p
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertPenalty(&again) }); kindOf(err) != calc.KindConflict {
			t.Errorf("the same revision twice: %v", err)
		}
		skip := *p
		skip.Revision = 3
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertPenalty(&skip) }); kindOf(err) != calc.KindConflict {
			t.Errorf("revision 3 after 1: %v", err)
		}
		// Revision 2 adds the 产生量 and supersedes revision 1.
		p2 := *p
		p2.ID, p2.Revision, p2.ReplacesID = 0, 2, &p.ID
		p2.Generated = []exchange.Generated{{Pollutant: "二氧化硫", Month: "2024-01", GeneratedKg: decimal.RequireFromString("999999999999999.99")}}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertPenalty(&p2) })

		tx(t, db, func(tx *store.Tx) error {
			cover, err := tx.PenaltiesCovering(tp.CreditCode, "2024-01-01", "2024-03-31")
			if err != nil {
				return err
			}
			if len(cover) != 1 || cover[0].Revision != 2 || len(cover[0].Generated) != 1 ||
				cover[0].Generated[0].GeneratedKg.String() != "999999999999999.99" || cover[0].Pollutants[0] != "二氧化硫" {
				t.Errorf("covering: %+v", cover)
			}
			if none, _ := tx.PenaltiesCovering(tp.CreditCode, "2024-04-01", "2024-06-30"); len(none) != 0 {
				t.Errorf("Q2 covered by %d records", len(none))
			}
			all, err := tx.ListPenalties(store.PenaltyFilter{RegionPrefix: "50"})
			if len(all) != 2 || all[0].Status != exchange.PenaltySuperseded || all[1].Status != exchange.PenaltyActive {
				t.Errorf("history: %+v", all)
			}
			return err
		})
		mustFail(t, db, "change a record", rebind(db, `UPDATE penalty_records SET case_code = 'no_monitoring' WHERE id = ?`), p2.ID)
		mustFail(t, db, "reactivate", rebind(db, `UPDATE penalty_records SET status = 'active' WHERE id = ?`), p.ID)
		mustFail(t, db, "change an amount", rebind(db, `UPDATE penalty_generated SET generated_kg = 1 WHERE penalty_id = ?`), p2.ID)
		mustFail(t, db, "delete", rebind(db, `DELETE FROM penalty_records WHERE id = ?`), p.ID)
	})
}

func TestExchangeBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fixedClock(db)
		files := map[string][]byte{"manifest.json": []byte("{}\n"), "x.xlsx": {0, 1, 2, 0xff, 0xfe}}
		b := &store.XBatch{BatchID: "b1", Direction: exchange.TaxToEnv, Origin: "export", Format: "csv", Sender: "s",
			Period: "2024-Q1", Region: "500000", ManifestSHA256: "ab", CreatedBy: "admin#1"}
		recs := []store.XRecord{{Dataset: "payments", Line: 1, RecordKey: "k", CreditCode: "c", Payload: `{"a":"1"}`, Outcome: "stored"}}
		tx(t, db, func(tx *store.Tx) error { return tx.InsertBatch(b, files, recs) })
		again := *b
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertBatch(&again, files, recs) }); kindOf(err) != calc.KindConflict {
			t.Errorf("same batch twice: %v", err)
		}
		tx(t, db, func(tx *store.Tx) error {
			got, err := tx.GetBatch("b1")
			if err != nil || got == nil || got.Records != 1 {
				t.Fatalf("batch: %+v %v", got, err)
			}
			fs, err := tx.BatchFiles(got.ID)
			if err != nil || !bytes.Equal(fs["x.xlsx"], files["x.xlsx"]) || len(fs) != 2 {
				t.Errorf("files: %v %v", fs, err)
			}
			rs, err := tx.BatchRecords(got.ID)
			if err != nil || len(rs) != 1 || rs[0] != recs[0] {
				t.Errorf("records: %+v %v", rs, err)
			}
			if l, _ := tx.ListBatches("", "11", 10); len(l) != 0 {
				t.Errorf("another region lists %d batches", len(l))
			}
			if none, _ := tx.GetBatch("b2"); none != nil {
				t.Error("found a batch that does not exist")
			}
			return nil
		})
		mustFail(t, db, "change a batch", `UPDATE exchange_batches SET sender = 'x'`)
		mustFail(t, db, "change a file", `UPDATE exchange_files SET name = 'y'`)
		mustFail(t, db, "delete a record", `DELETE FROM exchange_records`)
	})
}
