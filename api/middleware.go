package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

const (
	keyRequestID = "request_id"
	keyPrincipal = "principal"
)

func requestID(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// recoverer turns a panic into an internal error (logged with its stack
// by the error handler's log line) instead of a dropped connection.
func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// withRequestID keeps a caller's X-Request-ID when it is sane, or makes one.
func (s *Server) withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !saneID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(keyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// observe renders errors itself (so the status is known), then logs the
// request and records its metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		s.metrics.observe(c.Request().Method, route, status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("ms", float64(d.Microseconds())/1000),
			slog.String("client", c.RealIP()))
		return nil
	}
}

// timeout bounds every request's context; the store's queries honour it.
func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// auth requires a live bearer token and puts its principal in the
// request's context values.
func (s *Server) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, filing.TokenPrefix) || len(secret) > 200 {
			return apiError(calc.KindUnauthorized, "unauthorized", "未认证", "send Authorization: Bearer <token> (made by `ecotax token create`)")
		}
		var tok *filing.Token
		err := s.store.View(c.Request().Context(), func(tx *store.Tx) error {
			var err error
			tok, err = tx.TokenByHash(filing.HashToken(secret))
			return err
		})
		if err != nil {
			return err
		}
		c.Set(keyPrincipal, tok.Principal())
		return next(c)
	}
}

func who(c echo.Context) filing.Principal {
	p, _ := c.Get(keyPrincipal).(filing.Principal)
	return p
}

// rateLimited applies the per-client limit of the public calculator.
func (s *Server) rateLimited(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.limiter.allow(c.RealIP()) {
			c.Response().Header().Set("Retry-After", "1")
			return apiError(calc.KindTooMany, "rate_limited", "请求过于频繁", "too many requests from this client; retry later")
		}
		return next(c)
	}
}

// clientLimiter keeps one token bucket per client address, forgetting
// clients idle for ten minutes.
type clientLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	now     func() time.Time
	clients map[string]*clientBucket
	swept   time.Time
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(l rate.Limit, burst int, now func() time.Time) *clientLimiter {
	return &clientLimiter{limit: l, burst: burst, now: now, clients: map[string]*clientBucket{}}
}

func (l *clientLimiter) allow(client string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.clients {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	b := l.clients[client]
	if b == nil {
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// ifMatch reads the version a write was based on, from If-Match ("3" or
// W/"3") or from the body's version field; neither is 428.
func ifMatch(c echo.Context, bodyVersion int) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h != "" {
		h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
		v, err := strconv.Atoi(h)
		if err != nil || v <= 0 {
			return 0, apiError(calc.KindInvalid, "invalid_if_match", "If-Match 无效", "If-Match must be the version, e.g. \"3\"",
				calc.FieldError{Path: "If-Match", Code: "invalid_value", Message: "want the ETag of the resource, a version number"})
		}
		if bodyVersion != 0 && bodyVersion != v {
			return 0, apiError(calc.KindInvalid, "version_mismatch", "版本不一致", "If-Match and the body's version differ",
				calc.FieldError{Path: "version", Code: "version_mismatch", Message: "differs from If-Match"})
		}
		return v, nil
	}
	if bodyVersion > 0 {
		return bodyVersion, nil
	}
	return 0, apiError(kindPrecondition, "version_required", "缺少版本号", "send If-Match with the resource's ETag (or a version field) so a stale write is refused",
		calc.FieldError{Path: "version", Code: "required", Message: "If-Match header or version field required"})
}

func setETag(c echo.Context, version int) {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}
