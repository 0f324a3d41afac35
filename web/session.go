package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Strict; the
// anonymous one only carries the nonce that ties a signed-out visitor's
// form posts (sign-in, pre-check) to their browser.
const (
	SessionCookie = "ecotax_session"
	AnonCookie    = "ecotax_anon"
	CSRFField     = "_csrf"
)

// SessionTTL is how long a sign-in lasts. Revoking the token ends the
// session at once: every request looks the token up again.
const SessionTTL = 8 * time.Hour

// Session is what the signed session cookie carries: the SHA-256 of the
// service token (the same hash the token table stores, never the secret
// itself), a random nonce for the CSRF token, and the expiry.
type Session struct {
	TokenHash string
	Nonce     string
	Expires   time.Time
}

// Keys signs session cookies and CSRF tokens with HMAC-SHA256.
type Keys struct {
	key []byte
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
	// Derive, so the configured secret is never used as is.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("ecotax web session v1"))
	return &Keys{key: m.Sum(nil)}
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

// Seal writes a session as a cookie value: payload "." signature.
func (k *Keys) Seal(s Session) string {
	payload := s.TokenHash + "|" + s.Nonce + "|" + strconv.FormatInt(s.Expires.Unix(), 10)
	p := base64.RawURLEncoding.EncodeToString([]byte(payload))
	return p + "." + base64.RawURLEncoding.EncodeToString(k.mac("session", payload))
}

// Open checks a cookie value's signature and expiry.
func (k *Keys) Open(v string, now time.Time) (Session, bool) {
	p, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 512 {
		return Session{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return Session{}, false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, k.mac("session", string(raw))) {
		return Session{}, false
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 3 || len(f[0]) != 64 || len(f[1]) != 32 {
		return Session{}, false
	}
	exp, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || !now.Before(time.Unix(exp, 0)) {
		return Session{}, false
	}
	return Session{TokenHash: f[0], Nonce: f[1], Expires: time.Unix(exp, 0)}, true
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
