package store

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

// InsertPenalty stores a penalty record with its pollutants and 产生量.
// Revision 1 is a new decision for an outlet; a later revision must name
// the active record it replaces, which becomes superseded in the same
// transaction (the database allows no other change to a record).
func (tx *Tx) InsertPenalty(p *exchange.Penalty) error {
	latest := 0
	if err := tx.get(&latest, tx.q.LatestPenRev, p.CreditCode, p.CaseNo, p.OutletNo); err != nil {
		return err
	}
	if p.Revision != latest+1 {
		return stalePenalty(p, latest)
	}
	if p.ReplacesID != nil {
		old, err := tx.GetPenalty(*p.ReplacesID)
		if err != nil {
			return err
		}
		if old.CreditCode != p.CreditCode || old.CaseNo != p.CaseNo || old.OutletNo != p.OutletNo || old.Revision != latest {
			return stalePenalty(p, latest)
		}
		n, err := tx.exec(tx.q.SupersedePen, tx.now, old.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return stalePenalty(p, latest)
		}
	}
	err := tx.get(&p.ID, tx.q.InsertPenalty, p.CreditCode, p.CaseNo, p.OutletNo, p.Revision, p.ReplacesID, p.CaseCode,
		p.PeriodFrom, p.PeriodTo, p.DecidedOn, p.Note, p.CreatedBy, tx.now)
	if err != nil {
		return err
	}
	for _, name := range p.Pollutants {
		if _, err := tx.exec(tx.q.InsertPenPoll, p.CreditCode, p.ID, name); err != nil {
			return err
		}
	}
	for _, g := range p.Generated {
		if _, err := tx.exec(tx.q.InsertPenGen, p.CreditCode, p.ID, g.Pollutant, g.Month, g.GeneratedKg); err != nil {
			return err
		}
	}
	p.Status, p.CreatedAt = exchange.PenaltyActive, tx.now
	return nil
}

func stalePenalty(p *exchange.Penalty, latest int) error {
	detail := "penalty " + p.CaseNo + " " + p.OutletNo + ": revision " + strconv.Itoa(p.Revision) + " does not follow the latest revision " + strconv.Itoa(latest)
	if latest > 0 {
		detail += "; a new revision names the record it replaces (replaces_id)"
	}
	return &calc.Error{Kind: calc.KindConflict, Code: "penalty_revision_conflict", Title: "处罚记录版本冲突", Detail: detail}
}

// GetPenalty finds a record with its items.
func (tx *Tx) GetPenalty(id int64) (*exchange.Penalty, error) {
	var p exchange.Penalty
	if err := tx.get(&p, tx.q.GetPenalty, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("penalty_not_found", "处罚记录不存在", "no penalty record "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &p, tx.penaltyItems(&p)
}

// FindPenalty finds a revision of a decision for an outlet, or nil.
func (tx *Tx) FindPenalty(creditCode, caseNo, outletNo string, revision int) (*exchange.Penalty, error) {
	var p exchange.Penalty
	if err := tx.get(&p, tx.q.FindPenalty, creditCode, caseNo, outletNo, revision); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &p, tx.penaltyItems(&p)
}

func (tx *Tx) penaltyItems(p *exchange.Penalty) error {
	p.Pollutants = []string{}
	if err := tx.sel(&p.Pollutants, tx.q.ListPenPoll, p.ID); err != nil {
		return err
	}
	p.Generated = []exchange.Generated{}
	return tx.sel(&p.Generated, tx.q.ListPenGen, p.ID)
}

func (tx *Tx) penaltiesWithItems(q string, args ...any) ([]*exchange.Penalty, error) {
	var list []exchange.Penalty
	if err := tx.sel(&list, q, args...); err != nil {
		return nil, err
	}
	out := make([]*exchange.Penalty, len(list))
	for i := range list {
		if err := tx.penaltyItems(&list[i]); err != nil {
			return nil, err
		}
		out[i] = &list[i]
	}
	return out, nil
}

// PenaltyFilter narrows the penalty listing; empty fields match everything.
type PenaltyFilter struct {
	CreditCode, RegionPrefix string
	From, To                 filing.Date // the violation overlaps [From, To]
}

// ListPenalties lists records (every revision) by taxpayer, decision,
// outlet and revision.
func (tx *Tx) ListPenalties(f PenaltyFilter) ([]*exchange.Penalty, error) {
	if f.From == "" {
		f.From = "1900-01-01"
	}
	if f.To == "" {
		f.To = "2999-12-31"
	}
	return tx.penaltiesWithItems(tx.q.ListPenalties, f.CreditCode, f.CreditCode, f.RegionPrefix, f.From, f.To)
}

// PenaltiesCovering lists a taxpayer's active records whose violation
// overlaps [from, to], oldest first.
func (tx *Tx) PenaltiesCovering(creditCode string, from, to filing.Date) ([]*exchange.Penalty, error) {
	return tx.penaltiesWithItems(tx.q.PenaltiesCover, creditCode, from, to)
}
