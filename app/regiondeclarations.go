package app

import (
	"context"
	"sort"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// RegionDeclaration is one period of one taxpayer as an officer's list
// shows it: the latest revision and what the period owes.
type RegionDeclaration struct {
	Taxpayer filing.Taxpayer
	Latest   filing.Declaration
	Balance  *filing.Balance // nil while nothing of the period is filed
}

// RegionDeclarations lists, for the taxpayers the principal may see, each
// period's latest revision with the given status ("" for all), the
// latest deadlines first.
func (s *Service) RegionDeclarations(ctx context.Context, p filing.Principal, status filing.Status) ([]RegionDeclaration, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	f := store.TaxpayerFilter{Limit: 2000}
	if p.Role == filing.RoleEnterprise {
		f.CreditCode = p.CreditCode
	} else if p.Region != "" {
		f.RegionPrefix = calc.RegionPrefix(p.Region)
	}
	var out []RegionDeclaration
	err := s.store.View(ctx, func(tx *store.Tx) error {
		tps, err := tx.ListTaxpayers(f)
		if err != nil {
			return err
		}
		today := filing.Today(tx.Now())
		for _, tp := range tps {
			if !p.Sees(tp.CreditCode, tp.Region) {
				continue
			}
			list, err := tx.ListDeclarations(tp.CreditCode)
			if err != nil {
				return err
			}
			latest := map[string]filing.Declaration{}
			for _, d := range list {
				if cur, ok := latest[d.Period]; !ok || d.Revision > cur.Revision {
					latest[d.Period] = d
				}
			}
			bs, err := s.periodBalances(list, today)
			if err != nil {
				return err
			}
			for per, d := range latest {
				if status != "" && d.Status != status {
					continue
				}
				out = append(out, RegionDeclaration{Taxpayer: tp, Latest: d, Balance: bs[per]})
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Latest, out[j].Latest
		if a.Deadline != b.Deadline {
			return a.Deadline > b.Deadline
		}
		return a.CreditCode < b.CreditCode
	})
	return out, err
}
