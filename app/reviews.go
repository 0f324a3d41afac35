package app

// 复核 (环境保护税法 第二十条): a tax officer asks the environment bureau to
// review one flagged item; an environment officer answers within the
// reply period with an opinion and, where needed, corrected figures; the
// tax officer then applies the opinion, which turns corrected figures into
// a correction (更正申报) of the declaration: a new revision, never an
// overwrite. See docs/exchange.md.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// ReviewRequest is a request for a review (提请复核) of one flagged item,
// addressed as the risk flag addresses it (the JSON names are the API's).
type ReviewRequest struct {
	CreditCode string `json:"credit_code"`
	Period     string `json:"period"`
	OutletNo   string `json:"outlet_no"`
	SourceID   *int64 `json:"source_id"`
	Pollutant  string `json:"pollutant"`
	Month      string `json:"month"`
	FlagCode   string `json:"flag_code"`
	Reason     string `json:"reason"`
}

// ReviewView is a review with its deadline rule and where it stands
// against the clock.
type ReviewView struct {
	*exchange.Review
	DeadlineRule ReviewDeadline `json:"deadline_rule"`
	Overdue      bool           `json:"overdue"`   // open and past its last day
	DaysLate     int            `json:"days_late"` // answered late, or open and late, by this many days
}

// ReviewDeadline is the rule that gave a review its last day.
type ReviewDeadline struct {
	Days     int                `json:"days"`
	Rule     string             `json:"rule"`
	Warnings []exchange.Warning `json:"warnings"`
}

// reviewView shows a review as it stands on today.
func (s *Service) reviewView(r *exchange.Review, today filing.Date) (*ReviewView, error) {
	dl, err := s.t.Review.ReviewDeadline(r.ReceivedOn.Day())
	if err != nil {
		return nil, err
	}
	v := &ReviewView{Review: r, DeadlineRule: ReviewDeadline{Days: dl.Days, Rule: dl.Rule, Warnings: dl.Warnings}}
	last := r.Deadline.Day()
	switch r.Status {
	case exchange.ReviewOpen:
		v.Overdue = exchange.Overdue(last, today.Day())
		v.DaysLate = exchange.DaysLate(last, today.Day())
	default:
		v.DaysLate = exchange.DaysLate(last, r.AnsweredOn.Day())
	}
	return v, nil
}

func newRef(prefix string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b[:])), nil
}

// latestFiled is the latest submitted or accepted revision of a period,
// or nil.
func latestFiled(tx *store.Tx, code, period string) (*filing.Declaration, error) {
	list, err := tx.ListDeclarations(code)
	if err != nil {
		return nil, err
	}
	var out *filing.Declaration
	for i := range list {
		d := &list[i]
		if d.Period == period && d.Status != filing.StatusDraft && (out == nil || d.Revision > out.Revision) {
			out = d
		}
	}
	return out, nil
}

// markDeclared records on r what the latest filed revision says about
// its item.
func markDeclared(tx *store.Tx, r *exchange.Review, sources []*filing.Source) error {
	d, err := latestFiled(tx, r.CreditCode, r.Period)
	if err != nil || d == nil {
		exchange.MarkDeclared(r, nil, nil, sources)
		return err
	}
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return err
	}
	exchange.MarkDeclared(r, d, figs, sources)
	return nil
}

// OpenReview (提请复核) stores the address of the flagged item as given,
// after checking it names a registered source, and records what the
// latest filed revision says about it. The reply period runs from today.
func (s *Service) OpenReview(ctx context.Context, p filing.Principal, k Idem, in ReviewRequest) (*Created[*ReviewView], error) {
	if err := allowed(p, filing.ActReviewOpen); err != nil {
		return nil, err
	}
	var errs []calc.FieldError
	if !exchange.CheckFlagCode(in.FlagCode) {
		errs = append(errs, calc.FieldError{Path: "flag_code", Code: "invalid_value", Message: "a code of 1–50 characters a-z 0-9 _ . -"})
	}
	errs = append(errs, exchange.TextErr("reason", in.Reason, true, 1000)...)
	errs = append(errs, exchange.TextErr("outlet_no", in.OutletNo, false, 50)...)
	if in.OutletNo == "" && in.SourceID == nil && in.Pollutant != "" {
		errs = append(errs, calc.FieldError{Path: "outlet_no", Code: "required", Message: "a pollutant is reviewed at an outlet; name it (or the source_id)"})
	}
	errs = append(errs, exchange.TextErr("pollutant", in.Pollutant, false, 100)...)
	per, perr := filing.ParsePeriod(in.Period)
	if perr != nil {
		errs = append(errs, calc.FieldError{Path: "period", Code: "invalid_value", Message: perr.Error()})
	} else if in.Month != "" && !per.HasMonth(in.Month) {
		errs = append(errs, calc.FieldError{Path: "month", Code: "month_outside_period", Message: fmt.Sprintf("%q is not a month of %s", in.Month, in.Period)})
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*ReviewView], error) {
		var none created[*ReviewView]
		if _, err := visibleTaxpayer(tx, p, in.CreditCode); err != nil {
			return none, err
		}
		sources, err := tx.ListSources(in.CreditCode)
		if err != nil {
			return none, err
		}
		r := &exchange.Review{CreditCode: in.CreditCode, Period: per.Text, OutletNo: in.OutletNo, SourceID: in.SourceID,
			Pollutant: in.Pollutant, Month: in.Month, FlagCode: in.FlagCode, Reason: in.Reason, OpenedBy: p.Actor()}
		if err := exchange.ResolveAddress(r, sources); err != nil {
			return none, err
		}
		if err := markDeclared(tx, r, sources); err != nil {
			return none, err
		}
		today := filing.Today(s.now())
		r.ReceivedOn = today
		dl, err := s.t.Review.ReviewDeadline(r.ReceivedOn.Day())
		if err != nil {
			return none, err
		}
		r.Deadline = filing.DateOf(dl.Last)
		if r.Ref, err = newRef("FH"); err != nil {
			return none, err
		}
		if err := tx.InsertReview(r); err != nil {
			if isKind(err, calc.KindConflict) {
				return none, Fail(calc.KindConflict, "review_exists", "该疑点已在复核中", "a review of this item is open or answered; apply or close it first")
			}
			return none, err
		}
		if err := audit(ctx, tx, p, filing.ActReviewOpen, "review", itoa(r.ID), r.CreditCode, nil, r); err != nil {
			return none, err
		}
		v, err := s.reviewView(r, today)
		if err != nil {
			return none, err
		}
		return created[*ReviewView]{v, "reviews/" + itoa(r.ID), r.Version}, nil
	})
}

// reviewOf loads a review the principal may see; one of a taxpayer it may
// not see does not exist.
func reviewOf(tx *store.Tx, p filing.Principal, id int64) (*exchange.Review, error) {
	r, err := tx.GetReview(id)
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, r.CreditCode); err != nil {
		return nil, Fail(calc.KindNotFound, "review_not_found", "复核不存在", "no review "+itoa(id)+" visible to this token")
	}
	return r, nil
}

// Review reads one review as it stands today.
func (s *Service) Review(ctx context.Context, p filing.Principal, id int64) (*ReviewView, error) {
	if err := allowed(p, filing.ActReviewRead); err != nil {
		return nil, err
	}
	var v *ReviewView
	err := s.store.View(ctx, func(tx *store.Tx) error {
		r, err := reviewOf(tx, p, id)
		if err != nil {
			return err
		}
		v, err = s.reviewView(r, filing.Today(s.now()))
		return err
	})
	return v, err
}

// ReviewFilter selects reviews: by taxpayer, period and status ("" =
// all), the open ones past their last day on Today when Overdue, at most
// Limit (0: no limit).
type ReviewFilter struct {
	CreditCode, Period, Status string
	Overdue                    bool
	Today                      filing.Date // the day to judge against; "" = today in Beijing, from the service's clock
	Limit                      int
}

// ReviewList is a list of reviews and the day they were judged against.
type ReviewList struct {
	Reviews []*ReviewView `json:"reviews"`
	Today   filing.Date   `json:"today"`
}

// CheckReviewStatus checks a status a listing asks for ("" = any).
func CheckReviewStatus(status string) error {
	if status != "" && !exchange.ValidReviewStatus(status) {
		return calc.Invalid([]calc.FieldError{{Path: "status", Code: "invalid_value", Message: "status is open, answered, applied or closed"}})
	}
	return nil
}

// Reviews lists what the principal may see, earliest deadline first: an
// enterprise its own, an officer its region.
func (s *Service) Reviews(ctx context.Context, p filing.Principal, f ReviewFilter) (*ReviewList, error) {
	if err := allowed(p, filing.ActReviewRead); err != nil {
		return nil, err
	}
	out := &ReviewList{Reviews: []*ReviewView{}, Today: f.Today}
	if out.Today == "" {
		out.Today = filing.Today(s.now())
	}
	sf := store.ReviewFilter{CreditCode: f.CreditCode, Period: f.Period, Status: f.Status, Limit: f.Limit}
	if sf.Limit == 0 {
		sf.Limit = 1 << 30
	}
	if p.Role == filing.RoleEnterprise {
		if f.CreditCode != "" && f.CreditCode != p.CreditCode {
			return out, nil
		}
		sf.CreditCode = p.CreditCode
	} else if p.Region != "" {
		sf.RegionPrefix = calc.RegionPrefix(p.Region)
	}
	if err := CheckReviewStatus(f.Status); err != nil {
		return nil, err
	}
	if f.Overdue {
		sf.OverdueOn = out.Today
	}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		list, err := tx.ListReviews(sf)
		if err != nil {
			return err
		}
		for i := range list {
			v, err := s.reviewView(&list[i], out.Today)
			if err != nil {
				return err
			}
			out.Reviews = append(out.Reviews, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writeReview runs a change of one review in a transaction, audits it
// and answers with the review as it now stands.
func (s *Service) writeReview(ctx context.Context, p filing.Principal, act filing.Action, id int64, fn func(tx *store.Tx, r *exchange.Review) error) (*ReviewView, error) {
	if err := allowed(p, act); err != nil {
		return nil, err
	}
	var v *ReviewView
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		r, err := reviewOf(tx, p, id)
		if err != nil {
			return err
		}
		before := *r
		if err := fn(tx, r); err != nil {
			return err
		}
		if v, err = s.reviewView(r, filing.Today(s.now())); err != nil {
			return err
		}
		return audit(ctx, tx, p, act, "review", itoa(r.ID), r.CreditCode, &before, r)
	})
	return v, err
}

// AnswerReview (出具复核意见) records the environment bureau's opinion on an
// open review at the given version, once, as of today.
func (s *Service) AnswerReview(ctx context.Context, p filing.Principal, id int64, version int, a exchange.Answer) (*ReviewView, error) {
	return s.writeReview(ctx, p, filing.ActReviewAnswer, id, func(tx *store.Tx, r *exchange.Review) error {
		return answer(tx, r, version, a, filing.Today(s.now()), p.Actor())
	})
}

// answer checks and stores an opinion given on the day on; the import of
// review opinions uses it too.
func answer(tx *store.Tx, r *exchange.Review, version int, a exchange.Answer, on filing.Date, actor string) error {
	if r.Status != exchange.ReviewOpen {
		return Fail(calc.KindConflict, "review_answered", "复核意见已出具", "the review is "+r.Status+"; an opinion is given once")
	}
	sources, err := tx.ListSources(r.CreditCode)
	if err != nil {
		return err
	}
	corr, errs := exchange.CheckAnswer(r, a, on, sources)
	if err := invalid(errs); err != nil {
		return err
	}
	r.Version = version
	return tx.AnswerReview(r, a.Opinion, a.Note, corr, on, actor)
}

// ApplyReview adjusts the tax per the opinion (法 第二十条: 税务机关应当按照
// 生态环境主管部门复核的数据资料调整纳税人的应纳税额). Corrected figures become
// a correction of the latest filed revision — a new revision pointing at
// it, assessed and submitted in the same transaction, so it shows the
// previous tax and the difference; any other opinion closes the review.
func (s *Service) ApplyReview(ctx context.Context, p filing.Principal, id int64, version int) (*ReviewView, error) {
	return s.writeReview(ctx, p, filing.ActReviewApply, id, func(tx *store.Tx, r *exchange.Review) error {
		if r.Status != exchange.ReviewAnswered {
			return Fail(calc.KindConflict, "review_not_answered", "复核意见尚未出具或已处理", "the review is "+r.Status+"; only an answered review is applied")
		}
		r.Version = version
		if *r.Opinion != exchange.OpinionCorrected {
			return tx.FinishReview(r, exchange.ReviewClosed, nil, p.Actor())
		}
		d, err := s.correctFromReview(ctx, tx, p, r)
		if err != nil {
			return err
		}
		return tx.FinishReview(r, exchange.ReviewApplied, &d.ID, p.Actor())
	})
}

func (s *Service) correctFromReview(ctx context.Context, tx *store.Tx, p filing.Principal, r *exchange.Review) (*filing.Declaration, error) {
	old, err := latestFiled(tx, r.CreditCode, r.Period)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, Fail(calc.KindConflict, "no_declaration", "该期尚无申报", "nothing is filed for "+r.Period+"; the corrected figures cannot become a correction (核定 is outside this service)")
	}
	d, figs, err := s.fileAndSubmitCorrection(ctx, tx, p, old, func() ([]filing.Figure, error) {
		figs, err := tx.Figures(old.ID)
		if err != nil {
			return nil, err
		}
		return r.Corrections.Apply(figs), nil
	}, p.Actor()+" 复核 "+r.Ref)
	if err != nil {
		return nil, err
	}
	return d, audit(ctx, tx, p, filing.ActReviewApply, "declaration", itoa(d.ID), d.CreditCode, nil, auditView(d, figs))
}
