package store

import (
	"github.com/ecotax/ecotax/exchange"
)

// permitQueries are the named queries of queries/permits.sql.
type permitQueries struct {
	InsertPermit     string `query:"insert-permit"`
	InsertPermitLine string `query:"insert-permit-line"`
	ListPermits      string `query:"list-permits"`
	ListPermitLines  string `query:"list-permit-lines"`
}

// InsertPermit stores a permit with its lines; a number registered
// already for the taxpayer is a conflict (duplicate).
func (tx *Tx) InsertPermit(p *exchange.Permit) error {
	p.CreatedAt = tx.now
	if _, err := tx.exec(tx.q.InsertPermit, p.CreditCode, p.PermitNo, p.ValidFrom, p.ValidTo, p.CreatedBy, p.CreatedAt); err != nil {
		return err
	}
	for i, l := range p.Lines {
		if _, err := tx.exec(tx.q.InsertPermitLine, p.CreditCode, p.PermitNo, i+1, l.OutletNo, l.Pollutant, l.Standard,
			l.ConcentrationLimit, l.AnnualLimitKg); err != nil {
			return err
		}
	}
	return nil
}

// Permits lists a taxpayer's permits with their lines.
func (tx *Tx) Permits(creditCode string) ([]exchange.Permit, error) {
	var ps []exchange.Permit
	if err := tx.sel(&ps, tx.q.ListPermits, creditCode); err != nil {
		return nil, err
	}
	var lines []struct {
		PermitNo string `db:"permit_no"`
		exchange.PermitLine
	}
	if err := tx.sel(&lines, tx.q.ListPermitLines, creditCode); err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].Lines = []exchange.PermitLine{}
		for _, l := range lines {
			if l.PermitNo == ps[i].PermitNo {
				ps[i].Lines = append(ps[i].Lines, l.PermitLine)
			}
		}
	}
	return ps, nil
}
