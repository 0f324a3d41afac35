package store

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
)

// InsertDeclaration creates a draft revision. The unique (taxpayer,
// period, revision) key makes two racing creations end in one conflict.
func (tx *Tx) InsertDeclaration(d *filing.Declaration) error {
	err := tx.get(&d.ID, tx.q.InsertDeclaration, d.CreditCode, d.Period, d.Revision, d.ReplacesID, d.Deadline,
		d.PreviousTax, tx.now, tx.now)
	if err != nil {
		return err
	}
	d.Status, d.Version, d.CreatedAt, d.UpdatedAt = filing.StatusDraft, 1, tx.now, tx.now
	return nil
}

// GetDeclaration finds a declaration by ID, with its stored assessment.
func (tx *Tx) GetDeclaration(id int64) (*filing.Declaration, error) {
	var d filing.Declaration
	if err := tx.get(&d, tx.q.GetDeclaration, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("declaration_not_found", "申报不存在", "no declaration "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &d, nil
}

// ListDeclarations lists a taxpayer's declarations without assessments.
func (tx *Tx) ListDeclarations(creditCode string) ([]filing.Declaration, error) {
	out := []filing.Declaration{}
	err := tx.sel(&out, tx.q.ListDeclarations, creditCode)
	return out, err
}

// LatestRevision is the highest revision filed for a period (0: none).
func (tx *Tx) LatestRevision(creditCode, period string) (int, error) {
	var n int
	err := tx.get(&n, tx.q.LatestRevision, creditCode, period)
	return n, err
}

// ReplaceFigures swaps a draft's figures for figs and raises its version
// if the stored version is still d.Version.
func (tx *Tx) ReplaceFigures(d *filing.Declaration, figs []filing.Figure) error {
	n, err := tx.exec(tx.q.TouchDeclaration, tx.now, d.ID, d.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("declaration " + strconv.FormatInt(d.ID, 10))
	}
	d.Version++
	d.UpdatedAt = tx.now
	return tx.putFigures(d.CreditCode, d.ID, figs)
}

// PutFigures writes the figures of a new draft.
func (tx *Tx) PutFigures(id int64, figs []filing.Figure) error {
	var code string
	if err := tx.get(&code, tx.q.DeclarationTaxpayer, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("declaration_not_found", "申报不存在", "no declaration "+strconv.FormatInt(id, 10))
		}
		return err
	}
	return tx.putFigures(code, id, figs)
}

// putFigures writes a declaration's figures, each with the declaration's
// taxpayer (the row's distribution column).
func (tx *Tx) putFigures(code string, id int64, figs []filing.Figure) error {
	if _, err := tx.exec(tx.q.DeleteFigures, id); err != nil {
		return err
	}
	for i, f := range figs {
		_, err := tx.exec(tx.q.InsertFigure, code, id, i, f.SourceID, f.Month, f.EmissionKg, f.WastewaterT,
			f.AvgConcentration, f.MaxConcentration, f.Value, f.Measured, f.Standard, f.DayMeasuredDB, f.DayExceedDays,
			f.NightMeasuredDB, f.NightExceedDays, f.GeneratedT, f.StoredT, f.DisposedT, f.UtilizedT, f.StockStart,
			f.StockEnd, f.Quantity)
		if err != nil {
			return err
		}
	}
	return nil
}

// Figures lists a declaration's figures in their order.
func (tx *Tx) Figures(id int64) ([]filing.Figure, error) {
	out := []filing.Figure{}
	err := tx.sel(&out, tx.q.ListFigures, id)
	return out, err
}

// Submit stores the assessment and totals and makes the draft immutable.
func (tx *Tx) Submit(d *filing.Declaration, taxDue, reduction, tax decimal.Decimal, assessment []byte, actor string) error {
	diff := filing.Money{}
	if d.PreviousTax.Valid {
		diff = filing.MoneyOf(tax.Sub(d.PreviousTax.Decimal))
	}
	n, err := tx.exec(tx.q.SubmitDeclaration, taxDue, reduction, tax, diff, string(assessment), tx.now, actor, tx.now, d.ID, d.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("declaration " + strconv.FormatInt(d.ID, 10))
	}
	now := tx.now
	d.Status, d.SubmittedAt, d.SubmittedBy, d.Version, d.UpdatedAt = filing.StatusSubmitted, &now, actor, d.Version+1, now
	d.TotalTaxDue, d.TotalReduction, d.TotalTax = filing.MoneyOf(taxDue), filing.MoneyOf(reduction), filing.MoneyOf(tax)
	d.TaxDifference = diff
	d.Assessment = assessment
	return nil
}

// Accept locks a submitted declaration.
func (tx *Tx) Accept(d *filing.Declaration, actor string) error {
	n, err := tx.exec(tx.q.AcceptDeclaration, tx.now, actor, tx.now, d.ID, d.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("declaration " + strconv.FormatInt(d.ID, 10))
	}
	now := tx.now
	d.Status, d.AcceptedAt, d.AcceptedBy, d.Version, d.UpdatedAt = filing.StatusAccepted, &now, actor, d.Version+1, now
	return nil
}

// Pay records the payment (入库) of a submitted declaration.
func (tx *Tx) Pay(d *filing.Declaration, paidOn filing.Date, amount decimal.Decimal) error {
	n, err := tx.exec(tx.q.PayDeclaration, paidOn, amount, tx.now, d.ID, d.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("declaration " + strconv.FormatInt(d.ID, 10))
	}
	d.PaidOn, d.PaidAmount = paidOn, filing.MoneyOf(amount)
	d.Version++
	d.UpdatedAt = tx.now
	return nil
}
