package app

import (
	"context"
	"errors"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// What the pages and the exports show at once, each read in one
// transaction so that everything on a page is of one moment.

// TaxpayerRecord is a taxpayer with what the principal may see of it:
// its sources and every revision of its declarations.
type TaxpayerRecord struct {
	Taxpayer     *filing.Taxpayer
	Sources      []*filing.Source   // nil when the principal may not read sources
	Declarations []*DeclarationView // nil when it may not read declarations
	// Balances are, by period, what is unpaid across the period's
	// revisions and payments and the surcharge on it (periods with a
	// filed revision only).
	Balances map[string]*filing.Balance
	Today    filing.Date
}

// TaxpayerRecord reads a taxpayer's record.
func (s *Service) TaxpayerRecord(ctx context.Context, p filing.Principal, code string) (*TaxpayerRecord, error) {
	if err := allowed(p, filing.ActTaxpayerRead); err != nil {
		return nil, err
	}
	r := &TaxpayerRecord{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		if r.Taxpayer, err = visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		r.Today = filing.Today(tx.Now())
		if p.Can(filing.ActSourceRead) {
			if r.Sources, err = tx.ListSources(code); err != nil {
				return err
			}
		}
		if !p.Can(filing.ActDeclarationRead) {
			return nil
		}
		list, err := tx.ListDeclarations(code)
		if err != nil {
			return err
		}
		for i := range list {
			v, err := s.viewOf(tx, &list[i])
			if err != nil {
				return err
			}
			r.Declarations = append(r.Declarations, v)
		}
		r.Balances, err = s.periodBalances(list, r.Today)
		return err
	})
	return r, err
}

// DeclarationRecord is a declaration with what its page and its export
// show: the taxpayer, the sources, the assessment (stored with a filed
// revision, computed now for a draft) or why a draft cannot be assessed,
// the other revisions of its period and the revision it replaces.
type DeclarationRecord struct {
	View      *DeclarationView
	Taxpayer  *filing.Taxpayer
	Sources   map[int64]*filing.Source
	Today     filing.Date
	Result    []byte        // a filed revision's assessment, as stored (the contract's JSON)
	Assessed  *calc.Result  // a draft's assessment, made now; nil when it cannot be assessed
	Built     *filing.Built // maps result lines to figures; nil when the sources changed since filing
	ResultErr *calc.Error   // why a draft cannot be assessed
	Revisions []filing.Declaration
	// Balance is what the period owes across its revisions and payments;
	// nil while nothing of the period is filed.
	Balance  *filing.Balance
	Replaced *filing.Declaration
	// ReplacedFigures are the replaced revision's figures.
	ReplacedFigures []filing.Figure
}

// DeclarationRecord reads a declaration's record.
func (s *Service) DeclarationRecord(ctx context.Context, p filing.Principal, id int64) (*DeclarationRecord, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	r := &DeclarationRecord{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		d, err := declarationOf(tx, p, id)
		if err != nil {
			return err
		}
		if r.View, err = s.viewOf(tx, d); err != nil {
			return err
		}
		set, err := loadSet(tx, p, d.CreditCode, d.Period)
		if err != nil {
			return err
		}
		r.Taxpayer, r.Sources, r.Today = set.taxpayer, set.sources, filing.Today(tx.Now())
		if len(d.Assessment) == 0 {
			// A draft: the assessment it would get now, or why it cannot.
			a, err := s.assessSet(tx, set, r.View.Figures)
			var ce *calc.Error
			switch {
			case err == nil:
				r.Assessed, r.Built = a.Result, a.Built
			case errors.As(err, &ce) && ce.Kind == calc.KindInvalid:
				r.ResultErr = ce
			default:
				return err
			}
		} else {
			r.Result = d.Assessment
			if b, errs := filing.BuildDirect(set.taxpayer, set.period, set.sources, r.View.Figures, nil); len(errs) == 0 {
				r.Built = b // sources changed since filing: the lines still print, without 税源编号
			}
		}
		all, err := tx.ListDeclarations(d.CreditCode)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Period == d.Period {
				r.Revisions = append(r.Revisions, o)
			}
		}
		bs, err := s.periodBalances(r.Revisions, r.Today)
		if err != nil {
			return err
		}
		r.Balance = bs[d.Period]
		if d.ReplacesID == nil {
			return nil
		}
		if r.Replaced, err = tx.GetDeclaration(*d.ReplacesID); err != nil {
			return err
		}
		r.ReplacedFigures, err = tx.Figures(r.Replaced.ID)
		return err
	})
	return r, err
}

// FigureSheet is what the figures template of a declaration lists: the
// declaration with its figures, its period and the taxpayer's sources.
type FigureSheet struct {
	View    *DeclarationView
	Period  filing.Period
	Sources []*filing.Source
}

// FigureSheet reads what the figures template of a declaration needs.
func (s *Service) FigureSheet(ctx context.Context, p filing.Principal, id int64) (*FigureSheet, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	r := &FigureSheet{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		d, err := declarationOf(tx, p, id)
		if err != nil {
			return err
		}
		set, err := loadSet(tx, p, d.CreditCode, d.Period)
		if err != nil {
			return err
		}
		r.Period, r.Sources = set.period, set.list
		r.View, err = s.viewOf(tx, d)
		return err
	})
	return r, err
}

// TaxpayerSources reads a taxpayer with all its sources (税源明细表).
func (s *Service) TaxpayerSources(ctx context.Context, p filing.Principal, code string) (*filing.Taxpayer, []*filing.Source, error) {
	if err := allowed(p, filing.ActSourceRead); err != nil {
		return nil, nil, err
	}
	var tp *filing.Taxpayer
	var list []*filing.Source
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		if tp, err = visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		list, err = tx.ListSources(code)
		return err
	})
	return tp, list, err
}
