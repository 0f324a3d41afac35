package api

// 复核 (环境保护税法 第二十条): a tax officer asks the environment bureau to
// review one flagged item; an environment officer answers within the
// reply period with an opinion and, where needed, corrected figures; the
// tax officer then applies the opinion, which turns corrected figures into
// a correction (更正申报) of the declaration: a new revision, never an
// overwrite. See docs/exchange.md.

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

type reviewInput struct {
	CreditCode string `json:"credit_code"`
	Period     string `json:"period"`
	OutletNo   string `json:"outlet_no"`
	SourceID   *int64 `json:"source_id"`
	Pollutant  string `json:"pollutant"`
	Month      string `json:"month"`
	FlagCode   string `json:"flag_code"`
	Reason     string `json:"reason"`
}

type reviewFigureInput struct {
	SourceID         *int64              `json:"source_id"`
	OutletNo         string              `json:"outlet_no"`
	Pollutant        string              `json:"pollutant"`
	Month            string              `json:"month"`
	EmissionKg       decimal.NullDecimal `json:"emission_kg"`
	WastewaterT      decimal.NullDecimal `json:"wastewater_t"`
	AvgConcentration decimal.NullDecimal `json:"avg_concentration"`
	MaxConcentration decimal.NullDecimal `json:"max_concentration"`
}

type answerInput struct {
	Opinion     string              `json:"opinion"`
	Note        string              `json:"note"`
	Corrections []reviewFigureInput `json:"corrections"`
	Version     int                 `json:"version"`
}

// reviewView is a review with its deadline rule and where it stands
// against the clock.
type reviewView struct {
	*exchange.Review
	DeadlineRule reviewDeadline `json:"deadline_rule"`
	Overdue      bool           `json:"overdue"`   // open and past its last day
	DaysLate     int            `json:"days_late"` // answered late, or open and late, by this many days
}

type reviewDeadline struct {
	Days     int                `json:"days"`
	Rule     string             `json:"rule"`
	Warnings []exchange.Warning `json:"warnings"`
}

func (s *Server) reviewViewOf(r *exchange.Review) (*reviewView, error) {
	dl, err := s.review.ReviewDeadline(r.ReceivedOn.Day())
	if err != nil {
		return nil, err
	}
	today := filing.Today(s.now()).Day()
	v := &reviewView{Review: r, DeadlineRule: reviewDeadline{Days: dl.Days, Rule: dl.Rule, Warnings: dl.Warnings}}
	last := r.Deadline.Day()
	switch r.Status {
	case exchange.ReviewOpen:
		v.Overdue = exchange.Overdue(last, today)
		v.DaysLate = exchange.DaysLate(last, today)
	default:
		v.DaysLate = exchange.DaysLate(last, r.AnsweredOn.Day())
	}
	return v, nil
}

// flagCode: a short machine code, as the risk rules write them.
func checkFlagCode(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func textErr(path, s string, required bool, max int) []calc.FieldError {
	switch {
	case required && s == "":
		return []calc.FieldError{{Path: path, Code: "required", Message: path + " is required"}}
	case s == "":
		return nil
	}
	if msg := exchange.CheckText(s, max); msg != "" {
		return []calc.FieldError{{Path: path, Code: "invalid_value", Message: msg}}
	}
	return nil
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

// openReview (提请复核) stores the address of the flagged item as given,
// after checking it names a registered source, and records what the
// latest filed revision says about it.
func (s *Server) openReview(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewOpen)
	if err != nil {
		return err
	}
	var in reviewInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	var errs []calc.FieldError
	if !checkFlagCode(in.FlagCode) {
		errs = append(errs, calc.FieldError{Path: "flag_code", Code: "invalid_value", Message: "a code of 1–50 characters a-z 0-9 _ . -"})
	}
	errs = append(errs, textErr("reason", in.Reason, true, 1000)...)
	errs = append(errs, textErr("outlet_no", in.OutletNo, false, 50)...)
	if in.OutletNo == "" && in.SourceID == nil && in.Pollutant != "" {
		errs = append(errs, calc.FieldError{Path: "outlet_no", Code: "required", Message: "a pollutant is reviewed at an outlet; name it (or the source_id)"})
	}
	errs = append(errs, textErr("pollutant", in.Pollutant, false, 100)...)
	per, perr := filing.ParsePeriod(in.Period)
	if perr != nil {
		errs = append(errs, calc.FieldError{Path: "period", Code: "invalid_value", Message: perr.Error()})
	} else if in.Month != "" && !per.Contains(in.Month) {
		errs = append(errs, calc.FieldError{Path: "month", Code: "month_outside_period", Message: fmt.Sprintf("%q is not a month of %s", in.Month, in.Period)})
	}
	if err := invalid(errs); err != nil {
		return err
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if _, err := visibleTaxpayer(tx, p, in.CreditCode); err != nil {
			return nil, err
		}
		sources, err := tx.ListSources(in.CreditCode)
		if err != nil {
			return nil, err
		}
		r := &exchange.Review{CreditCode: in.CreditCode, Period: per.Text, OutletNo: in.OutletNo, SourceID: in.SourceID,
			Pollutant: in.Pollutant, Month: in.Month, FlagCode: in.FlagCode, Reason: in.Reason, OpenedBy: p.Actor()}
		if err := resolveAddress(r, sources); err != nil {
			return nil, err
		}
		if err := s.checkDeclared(tx, r, sources); err != nil {
			return nil, err
		}
		r.ReceivedOn = filing.Today(s.now())
		dl, err := s.review.ReviewDeadline(r.ReceivedOn.Day())
		if err != nil {
			return nil, err
		}
		r.Deadline = filing.DateOf(dl.Last)
		if r.Ref, err = newRef("FH"); err != nil {
			return nil, err
		}
		if err := tx.InsertReview(r); err != nil {
			var ce *calc.Error
			if asConflict(err, &ce) {
				return nil, apiError(calc.KindConflict, "review_exists", "该疑点已在复核中", "a review of this item is open or answered; apply or close it first")
			}
			return nil, err
		}
		if err := s.audit(tx, c, filing.ActReviewOpen, "review", strconv.FormatInt(r.ID, 10), r.CreditCode, nil, r); err != nil {
			return nil, err
		}
		v, err := s.reviewViewOf(r)
		if err != nil {
			return nil, err
		}
		return &createdResult{location: "/v1/reviews/" + strconv.FormatInt(r.ID, 10), body: v, version: r.Version}, nil
	})
}

func asConflict(err error, ce **calc.Error) bool {
	e, ok := err.(*calc.Error)
	if ok && e.Kind == calc.KindConflict {
		*ce = e
		return true
	}
	return false
}

// resolveAddress checks the review's outlet (and source, pollutant) are
// registered for the taxpayer and fills what one implies of the other.
func resolveAddress(r *exchange.Review, sources []*filing.Source) error {
	notFound := func(path, msg string) error {
		return calc.Invalid([]calc.FieldError{{Path: path, Code: "unknown_source", Message: msg}})
	}
	if r.SourceID != nil {
		for _, s := range sources {
			if s.ID == *r.SourceID {
				if r.OutletNo != "" && r.OutletNo != s.OutletNo {
					return calc.Invalid([]calc.FieldError{{Path: "outlet_no", Code: "inconsistent_value", Message: fmt.Sprintf("source %d is at outlet %s", s.ID, s.OutletNo)}})
				}
				if r.Pollutant != "" && r.Pollutant != s.Pollutant {
					return calc.Invalid([]calc.FieldError{{Path: "pollutant", Code: "inconsistent_value", Message: fmt.Sprintf("source %d is for %s", s.ID, s.Pollutant)}})
				}
				r.OutletNo, r.Pollutant = s.OutletNo, s.Pollutant
				return nil
			}
		}
		return notFound("source_id", fmt.Sprintf("the taxpayer has no tax source %d", *r.SourceID))
	}
	if r.OutletNo == "" {
		return nil // the whole taxpayer and period (e.g. 未按照规定期限办理纳税申报)
	}
	var match []*filing.Source
	outlet := false
	for _, s := range sources {
		if s.OutletNo == r.OutletNo {
			outlet = true
			if r.Pollutant == "" || s.Pollutant == r.Pollutant {
				match = append(match, s)
			}
		}
	}
	switch {
	case !outlet:
		return notFound("outlet_no", "the taxpayer has no tax source at outlet "+r.OutletNo)
	case len(match) == 0:
		return notFound("pollutant", fmt.Sprintf("outlet %s has no source for %s", r.OutletNo, r.Pollutant))
	case len(match) == 1 && r.Pollutant != "":
		id := match[0].ID
		r.SourceID = &id
	}
	return nil
}

// checkDeclared records what the latest filed revision says about the
// item: declared, not declared, or nothing filed (法 第二十条 covers that
// too: 未按照规定期限办理纳税申报).
func (s *Server) checkDeclared(tx *store.Tx, r *exchange.Review, sources []*filing.Source) error {
	d, err := latestFiled(tx, r.CreditCode, r.Period)
	if err != nil {
		return err
	}
	if d == nil {
		r.ItemStatus = exchange.ItemNoDeclaration
		return nil
	}
	id := d.ID
	r.DeclarationID = &id
	figs, err := tx.Figures(d.ID)
	if err != nil {
		return err
	}
	byID := map[int64]*filing.Source{}
	for _, s := range sources {
		byID[s.ID] = s
	}
	r.ItemStatus = exchange.ItemNotDeclared
	for _, f := range figs {
		src := byID[f.SourceID]
		if src != nil && (r.OutletNo == "" || src.OutletNo == r.OutletNo) && (r.Pollutant == "" || src.Pollutant == r.Pollutant) && (r.Month == "" || f.Month == r.Month) {
			r.ItemStatus = exchange.ItemDeclared
			break
		}
	}
	return nil
}

// reviewOf loads a review the caller may see.
func reviewOf(tx *store.Tx, c echo.Context, p filing.Principal) (*exchange.Review, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	r, err := tx.GetReview(id)
	if err != nil {
		return nil, err
	}
	if _, err := visibleTaxpayer(tx, p, r.CreditCode); err != nil {
		return nil, apiError(calc.KindNotFound, "review_not_found", "复核不存在", "no review "+c.Param("id")+" visible to this token")
	}
	return r, nil
}

func (s *Server) getReview(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewRead)
	if err != nil {
		return err
	}
	var v *reviewView
	if err := s.view(c, func(tx *store.Tx) error {
		r, err := reviewOf(tx, c, p)
		if err != nil {
			return err
		}
		v, err = s.reviewViewOf(r)
		return err
	}); err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, v)
}

// listReviews lists what the caller may see: an enterprise its own, an
// officer its region; overdue=true keeps the open reviews past their last
// day (today in Beijing, from the server's clock).
func (s *Server) listReviews(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewRead)
	if err != nil {
		return err
	}
	f := store.ReviewFilter{CreditCode: c.QueryParam("credit_code"), Period: c.QueryParam("period"), Status: c.QueryParam("status")}
	if p.Role == filing.RoleEnterprise {
		if f.CreditCode != "" && f.CreditCode != p.CreditCode {
			return c.JSON(http.StatusOK, map[string]any{"reviews": []any{}})
		}
		f.CreditCode = p.CreditCode
	} else if p.Region != "" {
		f.RegionPrefix = filing.RegionPrefix(p.Region)
	}
	switch c.QueryParam("overdue") {
	case "", "false":
	case "true":
		f.OverdueOn = filing.Today(s.now())
	default:
		return calc.Invalid([]calc.FieldError{{Path: "overdue", Code: "invalid_value", Message: "overdue is true or false"}})
	}
	if f.Status != "" && !oneOfStr(f.Status, exchange.ReviewOpen, exchange.ReviewAnswered, exchange.ReviewApplied, exchange.ReviewClosed) {
		return calc.Invalid([]calc.FieldError{{Path: "status", Code: "invalid_value", Message: "status is open, answered, applied or closed"}})
	}
	if f.Limit, err = queryInt(c, "limit", 200, 1, 1000); err != nil {
		return err
	}
	out := []*reviewView{}
	if err := s.view(c, func(tx *store.Tx) error {
		list, err := tx.ListReviews(f)
		if err != nil {
			return err
		}
		for i := range list {
			v, err := s.reviewViewOf(&list[i])
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reviews": out, "today": filing.Today(s.now())})
}

func oneOfStr(s string, list ...string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// checkCorrections turns the corrected figures of an opinion into
// corrections of the review's outlet: each names a registered air or
// water source (by ID, or by outlet and pollutant) valid in a month of the
// period, gives at least one figure, once per source and month.
func checkCorrections(r *exchange.Review, sources []*filing.Source, in []reviewFigureInput) (exchange.Corrections, []calc.FieldError) {
	per, _ := filing.ParsePeriod(r.Period)
	var errs []calc.FieldError
	add := func(path, code, format string, args ...any) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	out := exchange.Corrections{}
	seen := map[string]int{}
	for i, k := range in {
		path := fmt.Sprintf("corrections[%d]", i)
		var src *filing.Source
		for _, s := range sources {
			if (k.SourceID != nil && s.ID == *k.SourceID) ||
				(k.SourceID == nil && s.OutletNo == k.OutletNo && s.Pollutant == k.Pollutant && (k.Month == "" || !filing.ValidMonth(k.Month) || s.ActiveIn(k.Month))) {
				src = s
				break
			}
		}
		switch {
		case src == nil && k.SourceID != nil:
			add(path+".source_id", "unknown_source", "the taxpayer has no tax source %d", *k.SourceID)
			continue
		case src == nil:
			add(path+".outlet_no", "unknown_source", "no tax source for %s at outlet %q", k.Pollutant, k.OutletNo)
			continue
		case (k.OutletNo != "" && k.OutletNo != src.OutletNo) || (k.Pollutant != "" && k.Pollutant != src.Pollutant):
			add(path, "inconsistent_value", "source %d is %s at outlet %s", src.ID, src.Pollutant, src.OutletNo)
			continue
		case r.OutletNo != "" && src.OutletNo != r.OutletNo:
			add(path+".outlet_no", "outside_review", "the review is of outlet %s, not %s", r.OutletNo, src.OutletNo)
			continue
		case src.Kind != filing.KindAir && src.Kind != filing.KindWater:
			add(path+".source_id", "not_applicable", "only air and water figures are corrected through a review")
			continue
		}
		switch {
		case !filing.ValidMonth(k.Month):
			add(path+".month", "invalid_value", "%q is not a month YYYY-MM", k.Month)
			continue
		case !per.Contains(k.Month):
			add(path+".month", "month_outside_period", "%s is outside the period %s", k.Month, r.Period)
			continue
		case !src.ActiveIn(k.Month):
			add(path+".month", "source_not_valid", "%s is not valid in %s", src.Label(), k.Month)
			continue
		}
		if !k.EmissionKg.Valid && !k.WastewaterT.Valid && !k.AvgConcentration.Valid && !k.MaxConcentration.Valid {
			add(path, "required", "give at least one corrected figure")
			continue
		}
		if k.WastewaterT.Valid && src.Kind != filing.KindWater {
			add(path+".wastewater_t", "not_applicable", "an air source has no wastewater")
			continue
		}
		key := fmt.Sprintf("%d/%s", src.ID, k.Month)
		if j, dup := seen[key]; dup {
			add(path, "duplicate_figure", "source %d %s is corrected at corrections[%d] already", src.ID, k.Month, j)
			continue
		}
		seen[key] = i
		out = append(out, exchange.Correction{SourceID: src.ID, OutletNo: src.OutletNo, Pollutant: src.Pollutant, Month: k.Month,
			EmissionKg: k.EmissionKg, WastewaterT: k.WastewaterT,
			AvgConcentration: k.AvgConcentration, MaxConcentration: k.MaxConcentration})
	}
	return out, errs
}

// answerReview (出具复核意见) records the environment bureau's opinion once.
func (s *Server) answerReview(c echo.Context) error {
	var in answerInput
	if _, err := s.decodeBody(c, &in); err != nil {
		return err
	}
	version, err := ifMatch(c, in.Version)
	if err != nil {
		return err
	}
	return s.writeReview(c, filing.ActReviewAnswer, func(tx *store.Tx, r *exchange.Review) error {
		return s.answer(tx, r, version, in, filing.Today(s.now()), who(c).Actor())
	})
}

// answer checks and stores an opinion; the import of review opinions
// uses it too.
func (s *Server) answer(tx *store.Tx, r *exchange.Review, version int, in answerInput, on filing.Date, actor string) error {
	if r.Status != exchange.ReviewOpen {
		return apiError(calc.KindConflict, "review_answered", "复核意见已出具", "the review is "+r.Status+"; an opinion is given once")
	}
	var errs []calc.FieldError
	if !oneOfStr(in.Opinion, exchange.Opinions...) {
		errs = append(errs, calc.FieldError{Path: "opinion", Code: "invalid_value", Message: "opinion is " + strings.Join(exchange.Opinions, ", ")})
	}
	errs = append(errs, textErr("note", in.Note, in.Opinion != exchange.OpinionConfirmed, 2000)...)
	if (in.Opinion == exchange.OpinionCorrected) != (len(in.Corrections) > 0) {
		errs = append(errs, calc.FieldError{Path: "corrections", Code: "invalid_value", Message: "corrected figures come with, and only with, the opinion corrected"})
	}
	if on < r.ReceivedOn {
		errs = append(errs, calc.FieldError{Path: "answered_on", Code: "invalid_value", Message: fmt.Sprintf("%s is before the request was received (%s)", on, r.ReceivedOn)})
	}
	sources, err := tx.ListSources(r.CreditCode)
	if err != nil {
		return err
	}
	corr, cerrs := checkCorrections(r, sources, in.Corrections)
	if err := invalid(append(errs, cerrs...)); err != nil {
		return err
	}
	r.Version = version
	return tx.AnswerReview(r, in.Opinion, in.Note, corr, on, actor)
}

// writeReview runs a change of one review in a transaction and answers
// with the review as it now stands.
func (s *Server) writeReview(c echo.Context, act filing.Action, fn func(tx *store.Tx, r *exchange.Review) error) error {
	p, err := allowed(c, act)
	if err != nil {
		return err
	}
	var v *reviewView
	err = s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		r, err := reviewOf(tx, c, p)
		if err != nil {
			return err
		}
		before := *r
		if err := fn(tx, r); err != nil {
			return err
		}
		if v, err = s.reviewViewOf(r); err != nil {
			return err
		}
		return s.audit(tx, c, act, "review", strconv.FormatInt(r.ID, 10), r.CreditCode, &before, r)
	})
	if err != nil {
		return err
	}
	setETag(c, v.Version)
	return c.JSON(http.StatusOK, v)
}

// applyReview adjusts the tax per the opinion (法 第二十条: 税务机关应当按照
// 生态环境主管部门复核的数据资料调整纳税人的应纳税额). Corrected figures become
// a correction of the latest filed revision — a new revision pointing at
// it, assessed and submitted in the same transaction, so it shows the
// previous tax and the difference; any other opinion closes the review.
func (s *Server) applyReview(c echo.Context) error {
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	return s.writeReview(c, filing.ActReviewApply, func(tx *store.Tx, r *exchange.Review) error {
		if r.Status != exchange.ReviewAnswered {
			return apiError(calc.KindConflict, "review_not_answered", "复核意见尚未出具或已处理", "the review is "+r.Status+"; only an answered review is applied")
		}
		r.Version = version
		if *r.Opinion != exchange.OpinionCorrected {
			return tx.FinishReview(r, exchange.ReviewClosed, nil, who(c).Actor())
		}
		d, err := s.correctFromReview(tx, c, r)
		if err != nil {
			return err
		}
		return tx.FinishReview(r, exchange.ReviewApplied, &d.ID, who(c).Actor())
	})
}

func (s *Server) correctFromReview(tx *store.Tx, c echo.Context, r *exchange.Review) (*filing.Declaration, error) {
	p := who(c)
	old, err := latestFiled(tx, r.CreditCode, r.Period)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, apiError(calc.KindConflict, "no_declaration", "该期尚无申报", "nothing is filed for "+r.Period+"; the corrected figures cannot become a correction (核定 is outside this service)")
	}
	d, figs, err := s.app.FileAndSubmitCorrection(ctx(c), tx, p, old, func() ([]filing.Figure, error) {
		figs, err := tx.Figures(old.ID)
		if err != nil {
			return nil, err
		}
		return r.Corrections.Apply(figs), nil
	}, p.Actor()+" 复核 "+r.Ref)
	if err != nil {
		return nil, err
	}
	return d, s.audit(tx, c, filing.ActReviewApply, "declaration", strconv.FormatInt(d.ID, 10), d.CreditCode, nil, app.AuditView(d, figs))
}
