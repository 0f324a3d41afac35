package app

import (
	"context"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// RegisterTaxpayer registers a taxpayer (纳税人登记) in the principal's
// region. A credit code registered already — anywhere — is answered the
// same way to every caller.
func (s *Service) RegisterTaxpayer(ctx context.Context, p filing.Principal, k Idem, t filing.Taxpayer) (*Created[*filing.Taxpayer], error) {
	if err := allowed(p, filing.ActTaxpayerCreate); err != nil {
		return nil, err
	}
	if err := invalid(t.Validate()); err != nil {
		return nil, err
	}
	if !p.Sees(t.CreditCode, t.Region) {
		return nil, Fail(KindForbidden, "outside_region", "超出管辖区域", "this token may only register taxpayers in region "+p.Region,
			calc.FieldError{Path: "region", Code: "outside_region", Message: "outside the token's region " + p.Region})
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*filing.Taxpayer], error) {
		// Looked up first: on PostgreSQL a failed insert ends the
		// transaction, so it could not be asked afterwards.
		if old, err := tx.GetTaxpayer(t.CreditCode); err == nil {
			return created[*filing.Taxpayer]{}, registeredAlready(p, old)
		} else if !isKind(err, calc.KindNotFound) {
			return created[*filing.Taxpayer]{}, err
		}
		if err := tx.InsertTaxpayer(&t); err != nil {
			if isKind(err, calc.KindConflict) { // registered meanwhile
				return created[*filing.Taxpayer]{}, registeredAlready(p, nil)
			}
			return created[*filing.Taxpayer]{}, err
		}
		if err := audit(ctx, tx, p, filing.ActTaxpayerCreate, "taxpayer", t.CreditCode, t.CreditCode, nil, &t); err != nil {
			return created[*filing.Taxpayer]{}, err
		}
		return created[*filing.Taxpayer]{&t, "taxpayers/" + t.CreditCode, t.Version}, nil
	})
}

// registeredAlready answers a credit code that is registered already. A
// token that may see the taxpayer learns that it exists (it can read it
// anyway); any other token learns only that this code cannot be
// registered by it — not that, where or by whom it is registered, and the
// same answer is given for every such code (docs/service.md).
func registeredAlready(p filing.Principal, old *filing.Taxpayer) error {
	if old != nil && p.Sees(old.CreditCode, old.Region) {
		return Fail(calc.KindConflict, "taxpayer_exists", "纳税人已登记", "taxpayer "+old.CreditCode+" is already registered",
			calc.FieldError{Path: "credit_code", Code: "taxpayer_exists", Message: "already registered"})
	}
	return Fail(calc.KindConflict, "credit_code_unavailable", "该信用代码无法在此登记",
		"this credit code cannot be registered with this token; a taxpayer that moves between regions is moved by an officer who sees both regions",
		calc.FieldError{Path: "credit_code", Code: "credit_code_unavailable", Message: "cannot be registered with this token"})
}

// Page bounds a listing.
type Page struct {
	Limit, Offset int
}

// Taxpayers lists the taxpayers the principal may see.
func (s *Service) Taxpayers(ctx context.Context, p filing.Principal, pg Page) ([]filing.Taxpayer, error) {
	if err := allowed(p, filing.ActTaxpayerRead); err != nil {
		return nil, err
	}
	f := store.TaxpayerFilter{Limit: pg.Limit, Offset: pg.Offset}
	if p.Role == filing.RoleEnterprise {
		f.CreditCode = p.CreditCode
	} else if p.Region != "" {
		f.RegionPrefix = calc.RegionPrefix(p.Region)
	}
	var list []filing.Taxpayer
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListTaxpayers(f)
		return err
	})
	return list, err
}

// Taxpayer reads one taxpayer the principal may see.
func (s *Service) Taxpayer(ctx context.Context, p filing.Principal, code string) (*filing.Taxpayer, error) {
	if err := allowed(p, filing.ActTaxpayerRead); err != nil {
		return nil, err
	}
	var t *filing.Taxpayer
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		t, err = visibleTaxpayer(tx, p, code)
		return err
	})
	return t, err
}

// TaxpayerPatch is a change of a taxpayer's record; nil fields stay.
type TaxpayerPatch struct {
	Name, Region, Industry *string
}

// UpdateTaxpayer changes a taxpayer's record at the given version.
func (s *Service) UpdateTaxpayer(ctx context.Context, p filing.Principal, code string, version int, in TaxpayerPatch) (*filing.Taxpayer, error) {
	if err := allowed(p, filing.ActTaxpayerUpdate); err != nil {
		return nil, err
	}
	var t *filing.Taxpayer
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := visibleTaxpayer(tx, p, code)
		if err != nil {
			return err
		}
		after := *before
		if in.Name != nil {
			after.Name = *in.Name
		}
		if in.Region != nil {
			after.Region = *in.Region
		}
		if in.Industry != nil {
			after.Industry = *in.Industry
		}
		if err := invalid(after.Validate()); err != nil {
			return err
		}
		if !p.Sees(after.CreditCode, after.Region) {
			return Fail(KindForbidden, "outside_region", "超出管辖区域", "the new region is outside this token's region",
				calc.FieldError{Path: "region", Code: "outside_region", Message: "outside the token's region " + p.Region})
		}
		after.Version = version
		if err := tx.UpdateTaxpayer(&after); err != nil {
			return err
		}
		t = &after
		return audit(ctx, tx, p, filing.ActTaxpayerUpdate, "taxpayer", t.CreditCode, t.CreditCode, before, t)
	})
	return t, err
}
