package app

import (
	"context"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/filing"
)

// The calculators: nothing they compute is stored. The tax and fee
// calculators are public (no principal); damage claims and
// eco-compensation settlements are government work.

// Assess runs the tax engine on a request (the public calculator and the
// pre-check page), counting the outcome by origin.
func (s *Service) Assess(ctx context.Context, origin string, req *calc.Request) (*calc.Result, error) {
	return s.AssessAt(ctx, origin, req, calc.TraceFull)
}

// AssessAt is Assess for a result that will be written at level: at
// none the engine builds no trace (calc.Engine.AssessTrace).
func (s *Service) AssessAt(_ context.Context, origin string, req *calc.Request, level calc.TraceLevel) (*calc.Result, error) {
	res, err := s.t.Engine.AssessTrace(req, level)
	if err != nil {
		s.observer.Assessed(origin, "rejected")
		return nil, err
	}
	s.observer.Assessed(origin, "ok")
	return res, nil
}

// Rejected counts a calculator request that could not be read.
func (s *Service) Rejected(origin string) { s.observer.Assessed(origin, "rejected") }

// CalculateDamage quantifies a damage claim (docs/damage.md) with its
// trace.
func (s *Service) CalculateDamage(_ context.Context, p filing.Principal, req *damage.Request) (*damage.Result, error) {
	if err := allowed(p, filing.ActCompensationCompute); err != nil {
		return nil, err
	}
	return damage.Calc(s.t.Damage, req)
}

// SettleEco settles a year of eco-compensation (docs/ecocomp.md) with its
// trace.
func (s *Service) SettleEco(_ context.Context, p filing.Principal, req *ecocomp.Request) (*ecocomp.Result, error) {
	if err := allowed(p, filing.ActCompensationCompute); err != nil {
		return nil, err
	}
	return ecocomp.Settle(s.t.Ecocomp, req)
}

// CalculateFee computes one differentiated fee with its trace, on the
// built-in schedule named id (in force on the request's date) or on a
// schedule the user wrote (custom, already read strictly).
func (s *Service) CalculateFee(_ context.Context, id string, custom *fees.Schedule, req fees.Request) (*fees.Result, error) {
	sched := custom
	if custom != nil {
		if !custom.Meta.Range.Contains(req.Date) {
			return nil, calc.Invalid([]calc.FieldError{{Path: "date", Code: "schedule_not_in_force",
				Message: "the custom schedule is in force " + custom.Meta.Range.String()}})
		}
	} else {
		var err error
		if sched, err = s.t.Fees.Find(id, req.Date); err != nil {
			return nil, asInvalid(err)
		}
	}
	res, err := fees.Calculate(sched, req)
	if err != nil {
		return nil, err
	}
	if res.Inputs == nil { // calc/fees leaves it nil for a schedule without inputs; the API promises a list
		res.Inputs = []fees.InputUse{}
	}
	return res, nil
}

// asInvalid turns a lookup's not-found into bad input: the name came in
// the request, so the request is wrong, not the address.
func asInvalid(err error) error {
	if ce, ok := err.(*calc.Error); ok && ce.Kind == calc.KindNotFound {
		out := *ce
		out.Kind = calc.KindInvalid
		return &out
	}
	return err
}
