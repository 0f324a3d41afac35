package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/gorilla/securecookie"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Strict; the
// anonymous one only carries the nonce that ties a signed-out visitor's
// form posts (sign-in, pre-check) to their browser.
const (
	SessionCookie = "ecotax_session"
	AnonCookie    = "ecotax_anon"
	CSRFField     = "_csrf"
)

// SessionTTL is how long a sign-in lasts by default (ECOTAX_SESSION_LIFETIME).
// Signing out, the idle timeout and revoking the token end it sooner: the
// server keeps every session (app/sessions.go).
const SessionTTL = 8 * time.Hour

// Session is what the signed session cookie carries: the SHA-256 of the
// service token (the same hash the token table stores, never the secret
// itself), a random nonce for the CSRF token, and the expiry.
type Session struct {
	TokenHash string
	Nonce     string
	Expires   time.Time
}

// Keys signs session cookies (gorilla/securecookie: HMAC-SHA256 over the
// cookie's name, a timestamp and the value; not encrypted, as nothing in a
// session is secret) and CSRF tokens (HMAC-SHA256).
type Keys struct {
	key    []byte // CSRF
	cookie *securecookie.SecureCookie
}

// NewKeys uses secret as the signing key; an empty secret gets a random
// key, so sessions then last only as long as the process.
func NewKeys(secret []byte) *Keys {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic("web: no randomness for the session key: " + err.Error())
		}
	}
	// Derive, so the configured secret is never used as is, and each use
	// has a key of its own.
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	sc := securecookie.New(derive("ecotax web session cookie v2"), nil)
	sc.SetSerializer(securecookie.JSONEncoder{})
	sc.MaxAge(0) // the session's own expiry (and the server's row, app/sessions.go) is the one that counts
	return &Keys{key: derive("ecotax web session v1"), cookie: sc}
}

// Nonce returns 16 random bytes, hex.
func Nonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("web: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func (k *Keys) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, k.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// sealed is what the cookie carries.
type sealed struct {
	H string `json:"h"` // token hash
	N string `json:"n"` // nonce
	E int64  `json:"e"` // expiry, Unix seconds
}

// Seal writes a session as a signed cookie value.
func (k *Keys) Seal(s Session) string {
	v, err := k.cookie.Encode(SessionCookie, sealed{H: s.TokenHash, N: s.Nonce, E: s.Expires.Unix()})
	if err != nil {
		panic("web: sealing a session: " + err.Error()) // only a value too long for a cookie fails, and a session is not
	}
	return v
}

// Open checks a cookie value's signature and expiry. Only the one
// encoding Seal writes is taken (strict base64: no two values open to the
// same session by flipping unused bits).
func (k *Keys) Open(v string, now time.Time) (Session, bool) {
	if len(v) > 1024 {
		return Session{}, false
	}
	if _, err := base64.URLEncoding.Strict().DecodeString(v); err != nil {
		return Session{}, false
	}
	var p sealed
	if err := k.cookie.Decode(SessionCookie, v, &p); err != nil {
		return Session{}, false
	}
	if len(p.H) != 64 || !ValidNonce(p.N) {
		return Session{}, false
	}
	exp := time.Unix(p.E, 0)
	if !now.Before(exp) {
		return Session{}, false
	}
	return Session{TokenHash: p.H, Nonce: p.N, Expires: exp}, true
}

// CSRF is the form token bound to a nonce (the session's, or a signed-out
// visitor's): a page embeds it, a post must send it back.
func (k *Keys) CSRF(nonce string) string {
	return base64.RawURLEncoding.EncodeToString(k.mac("csrf", nonce))
}

// CheckCSRF compares in constant time.
func (k *Keys) CheckCSRF(nonce, token string) bool {
	if nonce == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(k.CSRF(nonce)))
}

// ValidNonce reports whether s looks like a nonce made by Nonce.
func ValidNonce(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
