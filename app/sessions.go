package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// Web sessions are kept on the server: the page door's signed cookie
// names a session (its nonce), and a session works only while its row
// says so. Signing out ends the row, so a copy of the cookie taken before
// stops working at once; a session also ends at its lifetime and after
// being idle for longer than the idle timeout; revoking the token ends
// every session of it (the token is looked up on every request).

// SessionPolicy is how long a session lasts.
type SessionPolicy struct {
	Lifetime time.Duration // from sign-in
	Idle     time.Duration // from the last request
}

// sessionTouch is how stale the last-seen time may get before a request
// writes it again (so that not every page view is a write).
const sessionTouch = time.Minute

func sessionID(nonce string) string {
	h := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(h[:])
}

func sessionEnded() error {
	return Fail(KindUnauthorized, "session_ended", "会话已结束", "the session was signed out, expired or idle too long; sign in again")
}

// StartSession records the session of a sign-in with the token whose hash
// is tokenHash, named by nonce; it ends at the returned time.
func (s *Service) StartSession(ctx context.Context, tokenHash, nonce string, pol SessionPolicy) (time.Time, error) {
	now := s.now().UTC()
	exp := now.Add(pol.Lifetime)
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.InsertSession(&store.WebSession{ID: sessionID(nonce), TokenHash: tokenHash, CreatedAt: now, SeenAt: now, ExpiresAt: exp})
	})
	return exp, err
}

// SessionPrincipal is the principal of a live session: one that was
// started with this token, not ended, within its lifetime and not idle
// for longer than pol.Idle. Anything else is unauthorized.
func (s *Service) SessionPrincipal(ctx context.Context, tokenHash, nonce string, pol SessionPolicy) (filing.Principal, error) {
	id := sessionID(nonce)
	var ws *store.WebSession
	if err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		ws, err = tx.Session(id)
		return err
	}); err != nil {
		return filing.Principal{}, err
	}
	now := s.now().UTC()
	if ws == nil || ws.TokenHash != tokenHash || ws.EndedAt != nil || !now.Before(ws.ExpiresAt) || (pol.Idle > 0 && now.Sub(ws.SeenAt) > pol.Idle) {
		return filing.Principal{}, sessionEnded()
	}
	p, err := s.PrincipalOf(ctx, tokenHash)
	if err != nil {
		return p, err
	}
	if now.Sub(ws.SeenAt) > sessionTouch {
		if err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.TouchSession(id, now) }); err != nil {
			return filing.Principal{}, err
		}
	}
	return p, nil
}

// EndSession ends the session named by nonce (signing out).
func (s *Service) EndSession(ctx context.Context, nonce string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error { return tx.EndSession(sessionID(nonce)) })
}
