package app

import (
	"context"
	"sort"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// Where a declaration started on the pages takes its first figures from.
const (
	StartBlank = "blank" // no figures: the accountant fills them in or imports the template
	StartLast  = "last"  // the figures of the last period declared, month by month
)

// StartDeclaration starts the declaration of a period (revision 1, a
// draft) as the pages do: blank, or with the figures of the last quarter
// declared before it (its latest filed revision), the first month of that
// quarter giving the first month of this one, for the sources still valid
// in each month. The draft is then filled, imported, pre-checked and
// submitted as any other.
func (s *Service) StartDeclaration(ctx context.Context, p filing.Principal, k Idem, code, period, from string) (*Created[*DeclarationView], error) {
	if err := allowed(p, filing.ActDeclarationFile); err != nil {
		return nil, err
	}
	var figs []filing.Figure
	if from == StartLast {
		err := s.store.View(ctx, func(tx *store.Tx) error {
			var err error
			figs, err = lastPeriodFigures(tx, p, code, period)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return s.FileDeclaration(ctx, p, k, code, period, figs)
}

// LastFiled is the latest filed revision of the last quarter declared
// before period (nil when there is none): what a new declaration is
// compared with.
func (s *Service) LastFiled(ctx context.Context, p filing.Principal, code, period string) (*filing.Declaration, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	var out *filing.Declaration
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = lastFiled(tx, p, code, period)
		return err
	})
	return out, err
}

// lastFiled is the latest filed revision of the last quarter declared
// before period.
func lastFiled(tx *store.Tx, p filing.Principal, code, period string) (*filing.Declaration, error) {
	if _, err := visibleTaxpayer(tx, p, code); err != nil {
		return nil, err
	}
	per, err := parsePeriod(period)
	if err != nil {
		return nil, err
	}
	list, err := tx.ListDeclarations(code)
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Period != list[j].Period {
			return list[i].Period > list[j].Period
		}
		return list[i].Revision > list[j].Revision
	})
	for i := range list {
		d := &list[i]
		old, err := filing.ParsePeriod(d.Period)
		if err != nil || old.Kind != calc.PeriodQuarter || old.End() >= per.Start() || !d.Filed() {
			continue
		}
		return d, nil
	}
	return nil, nil
}

func lastPeriodFigures(tx *store.Tx, p filing.Principal, code, period string) ([]filing.Figure, error) {
	d, err := lastFiled(tx, p, code, period)
	if err != nil || d == nil {
		return nil, err
	}
	old, err := tx.Figures(d.ID)
	if err != nil {
		return nil, err
	}
	set, err := loadSet(tx, p, code, period)
	if err != nil {
		return nil, err
	}
	oldPer, _ := filing.ParsePeriod(d.Period)
	index := map[string]int{}
	for i, m := range oldPer.Months() {
		index[m] = i
	}
	months := set.period.Months()
	var figs []filing.Figure
	for _, f := range old {
		i, ok := index[f.Month]
		if !ok || i >= len(months) {
			continue
		}
		src := set.sources[f.SourceID]
		if src == nil || !src.ActiveIn(months[i]) {
			continue
		}
		f.Month = months[i]
		figs = append(figs, f)
	}
	filing.SortFigures(figs)
	return figs, nil
}
