package store

import (
	"database/sql"
	"errors"

	"github.com/ecotax/ecotax/filing"
)

// InsertTaxpayer registers a taxpayer at version 1.
func (tx *Tx) InsertTaxpayer(t *filing.Taxpayer) error {
	if _, err := tx.exec(tx.q.InsertTaxpayer, t.CreditCode, t.Name, t.Region, t.Industry, tx.now, tx.now); err != nil {
		return err
	}
	t.Version, t.CreatedAt, t.UpdatedAt = 1, tx.now, tx.now
	return nil
}

// GetTaxpayer finds a taxpayer by credit code.
func (tx *Tx) GetTaxpayer(code string) (*filing.Taxpayer, error) {
	var t filing.Taxpayer
	if err := tx.get(&t, tx.q.GetTaxpayer, code); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("taxpayer_not_found", "纳税人不存在", "no taxpayer "+code)
		}
		return nil, err
	}
	return &t, nil
}

// TaxpayerFilter narrows a listing; empty fields match everything.
type TaxpayerFilter struct {
	CreditCode   string
	RegionPrefix string
	Limit        int
	Offset       int
}

// ListTaxpayers lists taxpayers in credit-code order.
func (tx *Tx) ListTaxpayers(f TaxpayerFilter) ([]filing.Taxpayer, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := []filing.Taxpayer{}
	err := tx.sel(&out, tx.q.ListTaxpayers, f.CreditCode, f.CreditCode, f.RegionPrefix, f.Limit, f.Offset)
	return out, err
}

// UpdateTaxpayer writes t if the stored version is still t.Version, and
// raises the version.
func (tx *Tx) UpdateTaxpayer(t *filing.Taxpayer) error {
	n, err := tx.exec(tx.q.UpdateTaxpayer, t.Name, t.Region, t.Industry, tx.now, t.CreditCode, t.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("taxpayer " + t.CreditCode)
	}
	t.Version++
	t.UpdatedAt = tx.now
	return nil
}
