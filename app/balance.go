package app

import (
	"github.com/ecotax/ecotax/filing"
)

// periodBalances works out, for each period among a taxpayer's revisions,
// what is unpaid across its revisions and payments and the late-payment
// surcharge on it as of today (filing.Params.BalanceOf).
func (s *Service) periodBalances(revs []filing.Declaration, today filing.Date) (map[string]*filing.Balance, error) {
	byPeriod := map[string][]filing.Declaration{}
	for _, d := range revs {
		byPeriod[d.Period] = append(byPeriod[d.Period], d)
	}
	out := make(map[string]*filing.Balance, len(byPeriod))
	for per, list := range byPeriod {
		b, err := s.t.Filing.BalanceOf(list, today)
		if err != nil {
			return nil, err
		}
		if b.Revision == 0 {
			continue // nothing filed yet
		}
		out[per] = &b
	}
	return out, nil
}
