package api

// 复核 (环境保护税法 第二十条): app/reviews.go holds the operations (open,
// list, read, answer, apply); docs/exchange.md the rules.

import (
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

// reviewView is a review as the API and the pages show it.
type reviewView = app.ReviewView

// answerInput is an opinion with the version it answers.
type answerInput struct {
	Opinion     string                 `json:"opinion"`
	Note        string                 `json:"note"`
	Corrections []exchange.FigureInput `json:"corrections"`
	Version     int                    `json:"version"`
}

// openReview (提请复核) opens a review of one flagged item.
func (s *Server) openReview(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewOpen)
	if err != nil {
		return err
	}
	var in app.ReviewRequest
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	r, err := s.app.OpenReview(ctx(c), p, idem(c, body), in)
	return created(c, r, err)
}

func (s *Server) getReview(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Review(ctx(c), p, id)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

// listReviews lists what the caller may see: an enterprise its own, an
// officer its region; overdue=true keeps the open reviews past their last
// day (today in Beijing, from the server's clock).
func (s *Server) listReviews(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewRead)
	if err != nil {
		return err
	}
	f := app.ReviewFilter{CreditCode: c.QueryParam("credit_code"), Period: c.QueryParam("period"), Status: c.QueryParam("status")}
	switch c.QueryParam("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return calc.Invalid([]calc.FieldError{{Path: "overdue", Code: "invalid_value", Message: "overdue is true or false"}})
	}
	if err := app.CheckReviewStatus(f.Status); err != nil {
		return err
	}
	if f.Limit, err = queryInt(c, "limit", 200, 1, 1000); err != nil {
		return err
	}
	list, err := s.app.Reviews(ctx(c), p, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
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
	p, err := allowed(c, filing.ActReviewAnswer)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.AnswerReview(ctx(c), p, id, version, exchange.Answer{Opinion: in.Opinion, Note: in.Note, Corrections: in.Corrections})
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}

// applyReview adjusts the tax per the opinion: corrected figures become a
// correction of the declaration; any other opinion closes the review.
func (s *Server) applyReview(c echo.Context) error {
	version, err := s.versionFrom(c)
	if err != nil {
		return err
	}
	p, err := allowed(c, filing.ActReviewApply)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.app.ApplyReview(ctx(c), p, id, version)
	if err != nil {
		return err
	}
	return versioned(c, v, v.Version)
}
