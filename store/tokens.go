package store

import (
	"database/sql"
	"errors"
	"strconv"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// InsertToken stores a token by the hash of its secret.
func (tx *Tx) InsertToken(t *filing.Token, hash string) error {
	t.CreatedAt = tx.now
	return tx.get(&t.ID, tx.q.InsertToken, hash, t.Role, t.CreditCode, t.Region, t.Label, tx.now)
}

// TokenByHash finds a live token; a revoked or unknown one is not
// found (app.PrincipalOf makes that unauthorized).
func (tx *Tx) TokenByHash(hash string) (*filing.Token, error) {
	var t filing.Token
	if err := tx.get(&t, tx.q.TokenByHash, hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, &calc.Error{Kind: calc.KindNotFound, Code: "token_not_found", Title: "令牌无效", Detail: "unknown token"}
		}
		return nil, err
	}
	if t.RevokedAt != nil {
		return nil, &calc.Error{Kind: calc.KindNotFound, Code: "token_not_found", Title: "令牌无效", Detail: "the token was revoked"}
	}
	return &t, nil
}

// ListTokens lists every token (never a secret: only hashes are stored).
func (tx *Tx) ListTokens() ([]filing.Token, error) {
	out := []filing.Token{}
	err := tx.sel(&out, tx.q.ListTokens)
	return out, err
}

// RevokeToken revokes a live token.
func (tx *Tx) RevokeToken(id int64) error {
	n, err := tx.exec(tx.q.RevokeToken, tx.now, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("token_not_found", "令牌不存在", "no live token "+strconv.FormatInt(id, 10))
	}
	return nil
}
