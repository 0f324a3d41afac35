package app

import (
	"context"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// ApplyPreview is what applying a 复核 opinion of corrected figures would
// do, worked out without storing anything: the revision it corrects, the
// tax now and after, and the resulting 应补(退).
type ApplyPreview struct {
	Period     string
	Corrects   *filing.Declaration // the latest filed revision
	NewTax     filing.Money
	Difference filing.Money // 应补(退)税额: positive to pay, negative to refund
	Problem    *calc.Error  // why it cannot be applied (nothing filed, figures refused)
}

// PreviewApply works out what ApplyReview would file for an answered
// review whose opinion corrects figures; nil for any other opinion.
func (s *Service) PreviewApply(ctx context.Context, p filing.Principal, id int64) (*ApplyPreview, error) {
	if err := allowed(p, filing.ActReviewApply); err != nil {
		return nil, err
	}
	var out *ApplyPreview
	err := s.store.View(ctx, func(tx *store.Tx) error {
		r, err := reviewOf(tx, p, id)
		if err != nil {
			return err
		}
		if r.Status != exchange.ReviewAnswered || r.Opinion == nil || *r.Opinion != exchange.OpinionCorrected {
			return nil
		}
		out = &ApplyPreview{Period: r.Period}
		old, err := latestFiled(tx, r.CreditCode, r.Period)
		if err != nil {
			return err
		}
		if old == nil {
			out.Problem = Fail(calc.KindConflict, "no_declaration", "该期尚无申报", "nothing is filed for "+r.Period)
			return nil
		}
		out.Corrects = old
		figs, err := tx.Figures(old.ID)
		if err != nil {
			return err
		}
		set, err := loadSet(tx, p, r.CreditCode, r.Period)
		if err != nil {
			return err
		}
		a, err := s.assessSet(tx, set, r.Corrections.Apply(figs))
		if ce, ok := err.(*calc.Error); ok {
			out.Problem = ce
			return nil
		}
		if err != nil {
			return err
		}
		newTax := a.Result.TotalTax
		out.NewTax = filing.MoneyOf(newTax)
		out.Difference = filing.MoneyOf(newTax.Sub(old.TotalTax.Decimal))
		return nil
	})
	return out, err
}
