package store

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

// reviewQueries are the named queries of reviews.sql, penalties.sql and
// exchange.sql (issue 4: 复核, 处罚, 信息共享).
type reviewQueries struct {
	InsertReview   string `query:"insert-review"`
	GetReview      string `query:"get-review"`
	GetReviewByRef string `query:"get-review-by-ref"`
	ListReviews    string `query:"list-reviews"`
	AnswerReview   string `query:"answer-review"`
	FinishReview   string `query:"finish-review"`
	FindLiveRev    string `query:"find-live-review"`
	InsertPenalty  string `query:"insert-penalty"`
	InsertPenPoll  string `query:"insert-penalty-pollutant"`
	InsertPenGen   string `query:"insert-penalty-generated"`
	SupersedePen   string `query:"supersede-penalty"`
	GetPenalty     string `query:"get-penalty"`
	FindPenalty    string `query:"find-penalty"`
	LatestPenRev   string `query:"latest-penalty-revision"`
	ListPenalties  string `query:"list-penalties"`
	PenaltiesCover string `query:"penalties-covering"`
	ListPenPoll    string `query:"list-penalty-pollutants"`
	ListPenGen     string `query:"list-penalty-generated"`
	InsertXBatch   string `query:"insert-exchange-batch"`
	InsertXFile    string `query:"insert-exchange-file"`
	InsertXRecord  string `query:"insert-exchange-record"`
	GetXBatch      string `query:"get-exchange-batch"`
	ListXBatches   string `query:"list-exchange-batches"`
	ListXFiles     string `query:"list-exchange-files"`
	ListXRecords   string `query:"list-exchange-records"`
	ListXImported  string `query:"list-imported-records"`
	XDeclarations  string `query:"exchange-declarations"`
}

// InsertReview opens a review. The partial unique index on the address
// makes a second live review of the same item a conflict.
func (tx *Tx) InsertReview(r *exchange.Review) error {
	err := tx.get(&r.ID, tx.q.InsertReview, r.Ref, r.CreditCode, r.Period, r.OutletNo, r.SourceID, r.Pollutant, r.Month,
		r.FlagCode, r.Reason, r.DeclarationID, r.ItemStatus, r.ReceivedOn, r.Deadline, r.OpenedBy, tx.now, tx.now)
	if err != nil {
		return err
	}
	r.Status, r.Version, r.CreatedAt, r.UpdatedAt = exchange.ReviewOpen, 1, tx.now, tx.now
	return nil
}

// GetReview finds a review by ID.
func (tx *Tx) GetReview(id int64) (*exchange.Review, error) {
	return tx.getReview(tx.q.GetReview, id, strconv.FormatInt(id, 10))
}

// GetReviewByRef finds a review by its 复核编号.
func (tx *Tx) GetReviewByRef(ref string) (*exchange.Review, error) {
	return tx.getReview(tx.q.GetReviewByRef, ref, ref)
}

func (tx *Tx) getReview(q string, arg any, name string) (*exchange.Review, error) {
	var r exchange.Review
	if err := tx.get(&r, q, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("review_not_found", "复核不存在", "no review "+name)
		}
		return nil, err
	}
	return &r, nil
}

// LiveReview finds the open or answered review of the same item as r,
// or nil (a second one would be refused by the database).
func (tx *Tx) LiveReview(r *exchange.Review) (*exchange.Review, error) {
	var out exchange.Review
	if err := tx.get(&out, tx.q.FindLiveRev, r.CreditCode, r.Period, r.OutletNo, r.Pollutant, r.Month, r.FlagCode); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &out, nil
}

// ReviewFilter narrows the review listing; empty fields match everything.
type ReviewFilter struct {
	CreditCode, RegionPrefix, Period, Status string
	OverdueOn                                filing.Date // set: only open reviews whose deadline is before this day
	Limit                                    int
}

// ListReviews lists reviews, earliest deadline first (at most f.Limit,
// 200 when unset).
func (tx *Tx) ListReviews(f ReviewFilter) ([]exchange.Review, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	overdue, day := 0, filing.Date("1900-01-01")
	if f.OverdueOn != "" {
		overdue, day = 1, f.OverdueOn
	}
	out := []exchange.Review{}
	err := tx.sel(&out, tx.q.ListReviews, f.CreditCode, f.CreditCode, f.RegionPrefix, f.Period, f.Period,
		f.Status, f.Status, overdue, day, f.Limit)
	return out, err
}

// AnswerReview records the environment bureau's opinion on an open review
// still at r.Version. The opinion is final: the database refuses to
// rewrite it.
func (tx *Tx) AnswerReview(r *exchange.Review, opinion, note string, corr exchange.Corrections, on filing.Date, actor string) error {
	if opinion != exchange.OpinionCorrected {
		corr = nil
	}
	n, err := tx.exec(tx.q.AnswerReview, opinion, note, corr, on, actor, tx.now, tx.now, r.ID, r.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("review " + strconv.FormatInt(r.ID, 10) + " (or it is no longer open)")
	}
	now := tx.now
	r.Status, r.Opinion, r.OpinionNote, r.Corrections, r.AnsweredOn, r.AnsweredBy, r.AnsweredAt = exchange.ReviewAnswered, &opinion, note, corr, on, actor, &now
	r.Version++
	r.UpdatedAt = now
	return nil
}

// FinishReview marks an answered review applied (with the correction it
// became) or closed.
func (tx *Tx) FinishReview(r *exchange.Review, status string, correctionID *int64, actor string) error {
	n, err := tx.exec(tx.q.FinishReview, status, correctionID, tx.now, actor, tx.now, r.ID, r.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("review " + strconv.FormatInt(r.ID, 10) + " (or it is not answered)")
	}
	now := tx.now
	r.Status, r.CorrectionID, r.AppliedAt, r.AppliedBy = status, correctionID, &now, actor
	r.Version++
	r.UpdatedAt = now
	return nil
}
