package store

import (
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

// permitQueries are the named queries of queries/permits.sql.
type permitQueries struct {
	InsertPermit     string `query:"insert-permit"`
	InsertPermitLine string `query:"insert-permit-line"`
	ListPermits      string `query:"list-permits"`
	ListPermitLines  string `query:"list-permit-lines"`
	InsertSample     string `query:"insert-sample"`
	ListSamples      string `query:"list-samples"`
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

// InsertSample stores a supervisory measurement; the same report for the
// same outlet, pollutant and day is a conflict (duplicate).
func (tx *Tx) InsertSample(m *exchange.Sample) error {
	m.CreatedAt = tx.now
	_, err := tx.exec(tx.q.InsertSample, m.CreditCode, m.OutletNo, m.Pollutant, m.SampledOn, m.ReportNo, m.Agency,
		m.Concentration, m.Flow, m.FlowUnit, m.CreatedBy, m.CreatedAt)
	return err
}

// Samples lists a taxpayer's supervisory measurements taken in [from, to].
func (tx *Tx) Samples(creditCode string, from, to filing.Date) ([]exchange.Sample, error) {
	out := []exchange.Sample{}
	err := tx.sel(&out, tx.q.ListSamples, creditCode, from, to)
	return out, err
}
