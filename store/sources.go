package store

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/ecotax/ecotax/filing"
)

// InsertSource registers a tax source and records it in its history.
func (tx *Tx) InsertSource(s *filing.Source, actor string) error {
	err := tx.get(&s.ID, tx.q.InsertSource, s.CreditCode, s.OutletNo, s.OutletName, s.Location, s.Kind, s.Fugitive,
		s.Pollutant, s.Method, s.Standard, s.StandardConcentration, s.DayLimitDB, s.NightLimitDB, s.MultiplePoints,
		s.ValidFrom, s.ValidTo, tx.now, tx.now)
	if err != nil {
		return err
	}
	s.Version, s.CreatedAt, s.UpdatedAt = 1, tx.now, tx.now
	return tx.history(s.ID, "create", actor)
}

func (tx *Tx) history(id int64, change, actor string) error {
	_, err := tx.exec(tx.q.InsertSourceHistory, change, actor, tx.now, id)
	return err
}

// GetSource finds a source by ID.
func (tx *Tx) GetSource(id int64) (*filing.Source, error) {
	var s filing.Source
	if err := tx.get(&s, tx.q.GetSource, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("source_not_found", "税源不存在", "no tax source "+strconv.FormatInt(id, 10))
		}
		return nil, err
	}
	return &s, nil
}

// ListSources lists a taxpayer's sources, ended ones included.
func (tx *Tx) ListSources(creditCode string) ([]*filing.Source, error) {
	out := []*filing.Source{}
	err := tx.sel(&out, tx.q.ListSources, creditCode)
	return out, err
}

// UpdateSource writes a change (change = "change") or an end ("end") if
// the stored version is still s.Version, and records the new version in
// the history.
func (tx *Tx) UpdateSource(s *filing.Source, change, actor string) error {
	n, err := tx.exec(tx.q.UpdateSource, s.OutletNo, s.OutletName, s.Location, s.Fugitive, s.Pollutant, s.Method,
		s.Standard, s.StandardConcentration, s.DayLimitDB, s.NightLimitDB, s.MultiplePoints, s.ValidFrom, s.ValidTo,
		tx.now, s.ID, s.Version)
	if err != nil {
		return err
	}
	if n == 0 {
		return stale("tax source " + strconv.FormatInt(s.ID, 10))
	}
	s.Version++
	s.UpdatedAt = tx.now
	return tx.history(s.ID, change, actor)
}

// SourceHistory lists every version of a source, oldest first.
func (tx *Tx) SourceHistory(id int64) ([]filing.SourceVersion, error) {
	out := []filing.SourceVersion{}
	err := tx.sel(&out, tx.q.ListSourceHistory, id)
	return out, err
}
