package store

import (
	"database/sql"
	"errors"
	"time"
)

type sessionQueries struct {
	InsertSession string `query:"insert-session"`
	GetSession    string `query:"get-session"`
	TouchSession  string `query:"touch-session"`
	EndSession    string `query:"end-session"`
	PurgeSessions string `query:"purge-sessions"`
}

// WebSession is a signed-in browser's session as the server keeps it.
type WebSession struct {
	ID        string     `db:"id"` // SHA-256 of the cookie's nonce
	TokenHash string     `db:"token_hash"`
	CreatedAt time.Time  `db:"created_at"`
	SeenAt    time.Time  `db:"seen_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	EndedAt   *time.Time `db:"ended_at"`
}

// InsertSession starts a session (at s.CreatedAt, the application's
// clock), and forgets sessions expired a day before it.
func (tx *Tx) InsertSession(s *WebSession) error {
	if _, err := tx.exec(tx.q.PurgeSessions, s.CreatedAt.Add(-24*time.Hour)); err != nil {
		return err
	}
	_, err := tx.exec(tx.q.InsertSession, s.ID, s.TokenHash, s.CreatedAt, s.SeenAt, s.ExpiresAt)
	return err
}

// Session finds a session by id; nil when there is none.
func (tx *Tx) Session(id string) (*WebSession, error) {
	var s WebSession
	if err := tx.get(&s, tx.q.GetSession, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &s, nil
}

// TouchSession records that a live session was used at at.
func (tx *Tx) TouchSession(id string, at time.Time) error {
	_, err := tx.exec(tx.q.TouchSession, at, id)
	return err
}

// EndSession ends a session (signing out); ending one already ended or
// unknown does nothing.
func (tx *Tx) EndSession(id string) error {
	_, err := tx.exec(tx.q.EndSession, tx.now, id)
	return err
}
