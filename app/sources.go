package app

import (
	"context"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// RegisterSource registers a tax source (税源信息采集, 新增) of a taxpayer.
func (s *Service) RegisterSource(ctx context.Context, p filing.Principal, k Idem, src filing.Source) (*Created[*filing.Source], error) {
	if err := allowed(p, filing.ActSourceWrite); err != nil {
		return nil, err
	}
	if err := invalid(src.Validate()); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*filing.Source], error) {
		var none created[*filing.Source]
		if _, err := visibleTaxpayer(tx, p, src.CreditCode); err != nil {
			return none, err
		}
		if err := tx.InsertSource(&src, p.Actor()); err != nil {
			return none, err
		}
		id := itoa(src.ID)
		if err := audit(ctx, tx, p, filing.ActSourceWrite, "source", id, src.CreditCode, nil, &src); err != nil {
			return none, err
		}
		return created[*filing.Source]{&src, "taxpayers/" + src.CreditCode + "/sources/" + id, src.Version}, nil
	})
}

// sourceOf loads a source of a taxpayer the caller may see.
func sourceOf(tx *store.Tx, p filing.Principal, code string, id int64) (*filing.Source, error) {
	if _, err := visibleTaxpayer(tx, p, code); err != nil {
		return nil, err
	}
	src, err := tx.GetSource(id)
	if err != nil {
		return nil, err
	}
	if src.CreditCode != code {
		return nil, Fail(calc.KindNotFound, "source_not_found", "税源不存在", "no such tax source for this taxpayer")
	}
	return src, nil
}

// Sources lists a taxpayer's sources, those active in month when one is
// given ("YYYY-MM").
func (s *Service) Sources(ctx context.Context, p filing.Principal, code, month string) ([]*filing.Source, error) {
	if err := allowed(p, filing.ActSourceRead); err != nil {
		return nil, err
	}
	if month != "" && !filing.ValidMonth(month) {
		return nil, calc.Invalid([]calc.FieldError{{Path: "active_in", Code: "invalid_value", Message: "want a month YYYY-MM"}})
	}
	var list []*filing.Source
	if err := s.store.View(ctx, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		var err error
		list, err = tx.ListSources(code)
		return err
	}); err != nil {
		return nil, err
	}
	out := []*filing.Source{}
	for _, src := range list {
		if month == "" || src.ActiveIn(month) {
			out = append(out, src)
		}
	}
	return out, nil
}

// Source reads one source of a taxpayer.
func (s *Service) Source(ctx context.Context, p filing.Principal, code string, id int64) (*filing.Source, error) {
	if err := allowed(p, filing.ActSourceRead); err != nil {
		return nil, err
	}
	var src *filing.Source
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		src, err = sourceOf(tx, p, code, id)
		return err
	})
	return src, err
}

// SourceRecord is a source with its taxpayer and its versions (税源变更记录).
type SourceRecord struct {
	Taxpayer *filing.Taxpayer
	Source   *filing.Source
	History  []filing.SourceVersion
}

// SourceRecord reads a source with its taxpayer and history.
func (s *Service) SourceRecord(ctx context.Context, p filing.Principal, code string, id int64) (*SourceRecord, error) {
	if err := allowed(p, filing.ActSourceRead); err != nil {
		return nil, err
	}
	r := &SourceRecord{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		if r.Source, err = sourceOf(tx, p, code, id); err != nil {
			return err
		}
		if r.Taxpayer, err = visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		r.History, err = tx.SourceHistory(r.Source.ID)
		return err
	})
	return r, err
}

// ChangeSource records a change (变更) of a source at the given version:
// edit gets the source as it stands and returns what is wrong with the
// changed one. The kind of a source cannot change (end it and register a
// new one).
func (s *Service) ChangeSource(ctx context.Context, p filing.Principal, code string, id int64, version int, next filing.Source) (*filing.Source, error) {
	return s.writeSource(ctx, p, code, id, "change", func(src *filing.Source) []calc.FieldError {
		var errs []calc.FieldError
		if next.Kind != src.Kind {
			errs = append(errs, calc.FieldError{Path: "kind", Code: "immutable_field", Message: "the kind of a source cannot change; end it and register a new one"})
		}
		src.SetFields(&next)
		src.Version = version
		return append(errs, src.Validate()...)
	})
}

// EndSource ends a source's validity on its last valid day (删除 on the
// form: the history is kept).
func (s *Service) EndSource(ctx context.Context, p filing.Principal, code string, id int64, version int, validTo filing.Date) (*filing.Source, error) {
	return s.writeSource(ctx, p, code, id, "end", func(src *filing.Source) []calc.FieldError {
		if validTo == "" {
			return []calc.FieldError{{Path: "valid_to", Code: "required", Message: "the last valid day is required"}}
		}
		src.ValidTo = validTo
		src.Version = version
		return src.Validate()
	})
}

func (s *Service) writeSource(ctx context.Context, p filing.Principal, code string, id int64, change string, edit func(*filing.Source) []calc.FieldError) (*filing.Source, error) {
	if err := allowed(p, filing.ActSourceWrite); err != nil {
		return nil, err
	}
	var src *filing.Source
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := sourceOf(tx, p, code, id)
		if err != nil {
			return err
		}
		after := *before
		if err := invalid(edit(&after)); err != nil {
			return err
		}
		if err := tx.UpdateSource(&after, change, p.Actor()); err != nil {
			return err
		}
		src = &after
		return audit(ctx, tx, p, filing.ActSourceWrite, "source", itoa(src.ID), src.CreditCode, before, src)
	})
	return src, err
}
