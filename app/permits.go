package app

import (
	"context"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// RegisterPermit records a taxpayer's 排污许可证 (the environment bureau's
// register, 法 第十五条第二款): its HJ 608 number, validity and what it
// allows per outlet and pollutant. The exchange sends it to the tax
// bureau (`permits`, and the number beside each outlet in `polluters`).
func (s *Service) RegisterPermit(ctx context.Context, p filing.Principal, k Idem, code string, pm exchange.Permit) (*Created[*exchange.Permit], error) {
	if err := allowed(p, filing.ActPermitRecord); err != nil {
		return nil, err
	}
	pm.CreditCode, pm.CreatedBy = code, p.Actor()
	if err := invalid(pm.Validate()); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*exchange.Permit], error) {
		var none created[*exchange.Permit]
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return none, err
		}
		if err := tx.InsertPermit(&pm); err != nil {
			if isKind(err, calc.KindConflict) {
				return none, Fail(calc.KindConflict, "permit_exists", "该排污许可证已登记", "permit "+pm.PermitNo+" is registered for this taxpayer already",
					calc.FieldError{Path: "permit_no", Code: "permit_exists", Message: "already registered"})
			}
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActPermitRecord, "permit", pm.PermitNo, code, nil, &pm); err != nil {
			return none, err
		}
		return created[*exchange.Permit]{&pm, "taxpayers/" + code + "/permits", 0}, nil
	})
}

// Permits lists a taxpayer's permits.
func (s *Service) Permits(ctx context.Context, p filing.Principal, code string) ([]exchange.Permit, error) {
	if err := allowed(p, filing.ActPermitRead); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]exchange.Permit, error) {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return nil, err
		}
		list, err := tx.Permits(code)
		if list == nil {
			list = []exchange.Permit{}
		}
		return list, err
	})
}

// RecordSample records a supervisory measurement (监督性监测) of a
// taxpayer's outlet by a monitoring agency; the exchange sends it in
// supervisory_samples (实施条例 第十五条第二项).
func (s *Service) RecordSample(ctx context.Context, p filing.Principal, k Idem, code string, m exchange.Sample) (*Created[*exchange.Sample], error) {
	if err := allowed(p, filing.ActSampleRecord); err != nil {
		return nil, err
	}
	m.CreditCode, m.CreatedBy = code, p.Actor()
	if err := invalid(m.Validate()); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*exchange.Sample], error) {
		var none created[*exchange.Sample]
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return none, err
		}
		if err := tx.InsertSample(&m); err != nil {
			if isKind(err, calc.KindConflict) {
				return none, Fail(calc.KindConflict, "sample_exists", "该监测报告已记录", "report "+m.ReportNo+" is recorded for this outlet, pollutant and day already",
					calc.FieldError{Path: "report_no", Code: "sample_exists", Message: "already recorded"})
			}
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActSampleRecord, "supervisory_sample", m.ReportNo, code, nil, &m); err != nil {
			return none, err
		}
		return created[*exchange.Sample]{&m, "taxpayers/" + code + "/samples", 0}, nil
	})
}

// Samples lists a taxpayer's supervisory measurements taken in a period.
func (s *Service) Samples(ctx context.Context, p filing.Principal, code, period string) ([]exchange.Sample, error) {
	if err := allowed(p, filing.ActSampleRead); err != nil {
		return nil, err
	}
	per, err := parsePeriod(period)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]exchange.Sample, error) {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return nil, err
		}
		return tx.Samples(code, filing.DateOf(per.Start()), filing.DateOf(per.End()))
	})
}
