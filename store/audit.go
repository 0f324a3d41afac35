package store

import (
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/ecotax/ecotax/filing"
)

// Audit appends one entry; before and after are marshalled to JSON (nil
// stays NULL).
func (tx *Tx) Audit(e *filing.AuditEntry, before, after any) error {
	var err error
	if e.Before, err = marshalOrNil(before); err != nil {
		return err
	}
	if e.After, err = marshalOrNil(after); err != nil {
		return err
	}
	e.At = tx.now
	_, err = tx.exec(tx.q.InsertAudit, e.At, e.Actor, e.TokenID, e.Action, e.Entity, e.EntityID, e.CreditCode,
		e.Before, e.After, e.RequestID)
	return err
}

func marshalOrNil(v any) (filing.RawJSON, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	return filing.RawJSON(b), err
}

// AuditFilter narrows the audit listing; empty fields match everything.
type AuditFilter struct {
	Entity, EntityID, CreditCode string
	Limit                        int
}

// ListAudit lists entries, newest first.
func (tx *Tx) ListAudit(f AuditFilter) ([]filing.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	out := []filing.AuditEntry{}
	err := tx.sel(&out, tx.q.ListAudit, f.Entity, f.Entity, f.EntityID, f.EntityID, f.CreditCode, f.CreditCode, f.Limit)
	return out, err
}

// Idempotent is a stored answer to a create request.
type Idempotent struct {
	RequestHash string `db:"request_hash"`
	Status      int    `db:"status"`
	Location    string `db:"location"`
	Body        string `db:"body"`
}

// GetIdempotency returns the stored answer for a token's key, or nil.
func (tx *Tx) GetIdempotency(tokenID int64, key string) (*Idempotent, error) {
	var r Idempotent
	if err := tx.get(&r, tx.q.GetIdempotency, tokenID, key); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &r, nil
}

// PutIdempotency stores the answer in the same transaction as the row it
// created, so both exist or neither.
func (tx *Tx) PutIdempotency(tokenID int64, key string, r *Idempotent) error {
	_, err := tx.exec(tx.q.InsertIdempotency, tokenID, key, r.RequestHash, r.Status, r.Location, r.Body, tx.now)
	return err
}
