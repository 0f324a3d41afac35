package app

import (
	"context"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// fileAndSubmitCorrection files a correction of old with the figures
// figsOf gives and submits it at once, noting by whom and why (the 复核
// opinion it applies, ApplyReview), inside the caller's transaction.
func (s *Service) fileAndSubmitCorrection(ctx context.Context, tx *store.Tx, p filing.Principal, old *filing.Declaration,
	figsOf func() ([]filing.Figure, error), by string) (*filing.Declaration, []filing.Figure, error) {
	d, figs, err := fileCorrection(tx, p, old, figsOf)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.assessDeclaration(tx, p, d)
	if err != nil {
		return nil, nil, err
	}
	if err := tx.Submit(d, a.Result.TotalTaxDue, a.Result.TotalReduction, a.Result.TotalTax, a.JSON, by); err != nil {
		return nil, nil, err
	}
	return d, figs, nil
}
