package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

type ctxKey int

const keyRequestID ctxKey = 0

// WithRequestID returns ctx carrying the request's id, which the audit
// log records beside each change.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, keyRequestID, id)
}

// RequestID is the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// Authenticate turns a bearer secret into the principal it speaks for.
func (s *Service) Authenticate(ctx context.Context, secret string) (filing.Principal, error) {
	return s.PrincipalOf(ctx, filing.HashToken(secret))
}

// PrincipalOf is the principal of a live token by its hash (what a page's
// session cookie carries); an unknown or revoked token is unauthorized.
// Every request looks the token up again, so revoking it ends every
// session at once.
func (s *Service) PrincipalOf(ctx context.Context, hash string) (filing.Principal, error) {
	var tok *filing.Token
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		tok, err = tx.TokenByHash(hash)
		return err
	})
	if isKind(err, calc.KindNotFound) {
		ce := err.(*calc.Error)
		return filing.Principal{}, Fail(KindUnauthorized, "invalid_token", "令牌无效", ce.Detail)
	}
	if err != nil {
		return filing.Principal{}, err
	}
	return tok.Principal(), nil
}

// allowed checks that the principal's role may perform act at all; what
// it may see is checked per record (visibleTaxpayer).
func allowed(p filing.Principal, act filing.Action) error {
	if !p.Can(act) {
		return Fail(KindForbidden, "forbidden", "无权执行该操作", "role "+string(p.Role)+" may not "+string(act))
	}
	return nil
}

// Allowed is allowed for the doors that only need to know whether to
// offer an action.
func Allowed(p filing.Principal, act filing.Action) error { return allowed(p, act) }

// visibleTaxpayer loads a taxpayer the caller may see; one it may not see
// is reported exactly like one that does not exist, so an enterprise
// cannot even learn which other taxpayers are registered.
func visibleTaxpayer(tx *store.Tx, p filing.Principal, code string) (*filing.Taxpayer, error) {
	hidden := Fail(calc.KindNotFound, "taxpayer_not_found", "纳税人不存在", "no taxpayer "+code+" visible to this token")
	if p.Role == filing.RoleEnterprise && p.CreditCode != code {
		return nil, hidden
	}
	t, err := tx.GetTaxpayer(code)
	if err != nil {
		return nil, err
	}
	if !p.Sees(t.CreditCode, t.Region) {
		return nil, hidden
	}
	return t, nil
}

// parsePeriod reads a period (税款所属期) given as "period".
func parsePeriod(text string) (filing.Period, error) {
	per, err := filing.ParsePeriod(text)
	if err != nil {
		return per, calc.Invalid([]calc.FieldError{{Path: "period", Code: "invalid_value", Message: err.Error()}})
	}
	return per, nil
}

// audit appends one entry to the audit log in the change's transaction.
func audit(ctx context.Context, tx *store.Tx, p filing.Principal, act filing.Action, entity, id, code string, before, after any) error {
	return tx.Audit(&filing.AuditEntry{Actor: p.Actor(), TokenID: p.TokenID, Action: string(act), Entity: entity,
		EntityID: id, CreditCode: code, RequestID: RequestID(ctx)}, before, after)
}

// Idem names a create request for idempotency (Idempotency-Key): the key
// the client chose and a hash of what it asked (Hash of the door's route
// and body). The zero value asks for no idempotency.
type Idem struct {
	Key  string
	Hash string
}

// IdemHash is the hash of a request as Idem wants it.
func IdemHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func (k Idem) check() error {
	if len(k.Key) > 200 || !printable(k.Key) {
		return Fail(calc.KindInvalid, "invalid_idempotency_key", "Idempotency-Key 无效", "at most 200 printable ASCII characters",
			calc.FieldError{Path: "Idempotency-Key", Code: "invalid_value", Message: "at most 200 printable ASCII characters"})
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Created is the answer of a create operation: the new record (nil when
// the answer is a replay), its JSON as stored for replays, where it lives
// (Ref, e.g. "declarations/12", which each door turns into its own
// address) and its version.
type Created[T any] struct {
	Value    T
	Body     []byte
	Ref      string
	Version  int
	Replayed bool
}

// created is what a create operation's body returns.
type created[T any] struct {
	value   T
	ref     string
	version int
}

// create runs a create in one transaction, honouring the idempotency key:
// the same key with the same request replays the stored answer without a
// second row; the same key with another request is a conflict. The answer
// is stored in the transaction that created the row, so both exist or
// neither.
func create[T any](ctx context.Context, s *Service, p filing.Principal, k Idem, fn func(tx *store.Tx) (created[T], error)) (*Created[T], error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	out := &Created[T]{}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if k.Key != "" {
			prev, err := tx.GetIdempotency(p.TokenID, k.Key)
			if err != nil {
				return err
			}
			if prev != nil {
				if prev.RequestHash != k.Hash {
					return idemReused()
				}
				out.Body, out.Ref, out.Replayed = []byte(prev.Body), prev.Location, true
				return nil
			}
		}
		r, err := fn(tx)
		if err != nil {
			return err
		}
		if out.Body, err = json.Marshal(r.value); err != nil {
			return err
		}
		out.Value, out.Ref, out.Version = r.value, r.ref, r.version
		if k.Key != "" {
			err := tx.PutIdempotency(p.TokenID, k.Key, &store.Idempotent{RequestHash: k.Hash, Status: 201, Location: r.ref, Body: string(out.Body)})
			if isKind(err, calc.KindConflict) {
				return Fail(calc.KindConflict, "idempotency_key_in_use", "幂等键正在使用", "a request with this Idempotency-Key is in progress; retry")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func idemReused() error {
	return Fail(calc.KindConflict, "idempotency_key_reused", "幂等键已用于其他请求",
		"this Idempotency-Key was used with a different request; use a new key",
		calc.FieldError{Path: "Idempotency-Key", Code: "idempotency_key_reused", Message: "already used with a different body"})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
