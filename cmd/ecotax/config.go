package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/store"
)

// config is every setting the binary takes from its environment, parsed
// and checked in one place (loadConfig). A variable that is set to a
// value it cannot take is an error naming it: nothing falls back to a
// default silently. The README's table of variables is envVars, and
// TestEnvVarsDoc fails when the two differ.
type config struct {
	DatabaseURL string        // DATABASE_URL: PostgreSQL; empty: SQLite
	SQLitePath  string        // ECOTAX_SQLITE_PATH
	Store       store.Options // ECOTAX_SQLITE_SYNCHRONOUS
	Addr        string        // ECOTAX_ADDR (serve's --addr wins)
	LogLevel    slog.Level    // ECOTAX_LOG_LEVEL
	ExchangeKey []byte        // ECOTAX_EXCHANGE_KEY: the application layer's (exchange batches)
	// RawRetention is ECOTAX_RAW_RETENTION_MONTHS: months of raw real-time
	// and minute monitoring data kept before the current one; 0 (unset):
	// kept for ever.
	RawRetention int
	Server       serverConfig // the HTTP server's limits, access log and sessions (cmd/ecotax/serve.go)
}

// envVar is one row of the README's table.
type envVar struct {
	Name, Meaning, Default, Example string
	parse                           func(c *config, v string) error
}

// envVars lists every variable the binary reads, in the README's order.
var envVars = []envVar{
	{"DATABASE_URL", "PostgreSQL: a `postgres://` or `postgresql://` URL", "unset: SQLite", "`postgres://ecotax:pw@db:5432/ecotax?sslmode=require`",
		func(c *config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
				return fmt.Errorf("want a postgres:// or postgresql:// URL with a host")
			}
			c.DatabaseURL = v
			return nil
		}},
	{"ECOTAX_SQLITE_PATH", "the SQLite file (pure Go, modernc.org/sqlite) when `DATABASE_URL` is unset", "`ecotax.db`", "`/var/lib/ecotax/ecotax.db`",
		func(c *config, v string) error {
			if strings.ContainsAny(v, "?#") || strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
				return fmt.Errorf("want a file path (without ? or #; a PostgreSQL URL goes in DATABASE_URL)")
			}
			c.SQLitePath = v
			return nil
		}},
	{"ECOTAX_SQLITE_SYNCHRONOUS", "SQLite's `synchronous`: `full` (a commit survives a power loss) or `normal` (≈ 4× faster commits; a power loss may lose the last ones; docs/service.md)", "`full`", "`normal`",
		func(c *config, v string) error {
			for _, m := range store.SQLiteSynchronousModes {
				if v == m {
					c.Store.SQLiteSynchronous = v
					return nil
				}
			}
			return fmt.Errorf("want %s", strings.Join(store.SQLiteSynchronousModes, " or "))
		}},
	{"ECOTAX_ADDR", "listen address of `serve` when `--addr` is not given", "`:8080`", "`127.0.0.1:9000`",
		func(c *config, v string) error {
			_, port, err := net.SplitHostPort(v)
			if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
				return fmt.Errorf("want HOST:PORT, e.g. :8080")
			}
			c.Addr = v
			return nil
		}},
	{"ECOTAX_LOG_LEVEL", "`debug`, `info`, `warn` or `error` (JSON logs on stderr, log/slog)", "`info`", "`warn`",
		func(c *config, v string) error {
			switch v {
			case "debug":
				c.LogLevel = slog.LevelDebug
			case "info":
				c.LogLevel = slog.LevelInfo
			case "warn":
				c.LogLevel = slog.LevelWarn
			case "error":
				c.LogLevel = slog.LevelError
			default:
				return fmt.Errorf("want debug, info, warn or error")
			}
			return nil
		}},
	{"ECOTAX_RATE_LIMIT", "the public calculators (tax, fees) and the sign-in and pre-check forms: requests per second per client address (`inf`: no limit)", "`10`", "`50`",
		func(c *config, v string) error {
			if v == "inf" {
				c.Server.API.RateLimit = rate.Inf
				return nil
			}
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || !(n > 0) || n > 1e9 {
				return fmt.Errorf("want requests per second (> 0) or inf")
			}
			c.Server.API.RateLimit = rate.Limit(n)
			return nil
		}},
	{"ECOTAX_RATE_BURST", "the burst of that limit", "`20`", "`100`",
		func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("want a whole number > 0")
			}
			c.Server.API.RateBurst = n
			return nil
		}},
	{"ECOTAX_BODY_LIMIT", "JSON body limit, bytes (XLSX uploads: 10 MiB)", "`1048576`", "`4194304`",
		func(c *config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("want bytes > 0")
			}
			c.Server.API.BodyLimit = n
			return nil
		}},
	{"ECOTAX_REQUEST_TIMEOUT", "per-request deadline (the database queries honour it)", "`15s`", "`30s`",
		func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a duration > 0 like 15s")
			}
			c.Server.API.RequestTimeout = d
			return nil
		}},
	{"ECOTAX_TRUST_PROXY", "`1`: the client address is taken from `X-Forwarded-For` (behind a proxy); `0`: the direct peer", "`0`", "`1`",
		func(c *config, v string) error {
			switch v {
			case "1":
				c.Server.API.TrustProxy = true
			case "0":
				c.Server.API.TrustProxy = false
			default:
				return fmt.Errorf("want 1 or 0")
			}
			return nil
		}},
	{"ECOTAX_TRUSTED_PROXIES", "with `ECOTAX_TRUST_PROXY=1`, the proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` hops count; the client is the rightmost hop that is not one of them", "loopback, private and link-local ranges", "`10.0.0.5,10.0.1.0/24`",
		func(c *config, v string) error {
			var ps []netip.Prefix
			for _, f := range strings.Split(v, ",") {
				f = strings.TrimSpace(f)
				p, err := netip.ParsePrefix(f)
				if err != nil {
					a, err2 := netip.ParseAddr(f)
					if err2 != nil {
						return fmt.Errorf("want addresses or CIDR ranges separated by commas, like 10.0.0.5,10.0.1.0/24")
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				ps = append(ps, p.Masked())
			}
			c.Server.API.TrustedProxies = ps
			return nil
		}},
	{"ECOTAX_ACCESS_LOG_SAMPLE", "share of successful fast requests written to the access log, 0 to 1 (errors and slow requests are always written)", "`1`", "`0.01`",
		func(c *config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0 && f <= 1) {
				return fmt.Errorf("want a share between 0 and 1, e.g. 0.01")
			}
			c.Server.setLogSample(f)
			return nil
		}},
	{"ECOTAX_SLOW_REQUEST", "a request at least this long is slow: always logged, at level warn", "`1s`", "`250ms`",
		func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("want a duration > 0 like 1s")
			}
			c.Server.API.SlowRequest = d
			return nil
		}},
	{"ECOTAX_EXCHANGE_KEY", "HMAC key of the exchange batches, at least 32 bytes; required by `ecotax exchange`; without it the exchange routes refuse (docs/exchange.md)", "unset", "`openssl rand -hex 32`",
		func(c *config, v string) error {
			if err := exchange.CheckKey([]byte(v)); err != nil {
				return err
			}
			c.ExchangeKey = []byte(v)
			return nil
		}},
	{"ECOTAX_RAW_RETENTION_MONTHS", "raw real-time (2011, 30-second) and minute (2051) monitoring data are kept for the current month and this many before it; `serve` drops older ones every 6 hours, `ecotax hj212 retention` at once (whole monthly partitions on PostgreSQL; packets as received, hour and day data and monthly figures stay; docs/scale.md)", "unset: kept for ever", "`3`",
		func(c *config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > app.MaxRawRetentionMonths {
				return fmt.Errorf("want a whole number of months from 1 to %d", app.MaxRawRetentionMonths)
			}
			c.RawRetention = n
			return nil
		}},
	{"ECOTAX_SESSION_KEY", "signs the web pages' session cookies, at least 32 characters; unset: a random key per process (sessions end on restart and are not shared between servers; docs/web.md)", "random", "`openssl rand -hex 32`",
		func(c *config, v string) error {
			if len(v) < 32 {
				return fmt.Errorf("want at least 32 characters")
			}
			if exchange.WeakKey([]byte(v)) {
				return fmt.Errorf("too regular to be secret; make one with openssl rand -hex 32")
			}
			c.Server.Pages.SessionKey = []byte(v)
			return nil
		}},
	{"ECOTAX_SESSION_LIFETIME", "how long a web session lasts from sign-in (sessions are kept on the server: signing out ends a session everywhere its cookie was copied)", "`8h`", "`2h`",
		func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute || d > 30*24*time.Hour {
				return fmt.Errorf("want a duration from 1m to 720h like 8h")
			}
			c.Server.Pages.SessionLifetime = d
			return nil
		}},
	{"ECOTAX_SESSION_IDLE", "a web session unused for this long ends", "`30m`", "`15m`",
		func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute || d > 30*24*time.Hour {
				return fmt.Errorf("want a duration from 1m to 720h like 30m")
			}
			c.Server.Pages.SessionIdle = d
			return nil
		}},
}

// loadConfig reads every variable of envVars. An empty variable is unset;
// every bad value is reported, each with its name.
func loadConfig(getenv func(string) string) (*config, error) {
	c := &config{SQLitePath: "ecotax.db", Addr: ":8080", LogLevel: slog.LevelInfo}
	var bad []string
	for _, v := range envVars {
		s := ""
		if getenv != nil {
			s = getenv(v.Name)
		}
		if s == "" {
			continue
		}
		if err := v.parse(c, s); err != nil {
			shown := s
			if strings.HasSuffix(v.Name, "_KEY") || v.Name == "DATABASE_URL" {
				shown = "…" // keys and passwords stay out of the logs
			}
			bad = append(bad, fmt.Sprintf("%s=%q: %v", v.Name, shown, err))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("bad environment: %s", strings.Join(bad, "; "))
	}
	return c, nil
}

// dsn is the database to open: DATABASE_URL, else the SQLite file.
func (c *config) dsn() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.SQLitePath
}

// config parses the environment once (run checks it before any command).
func (e *env) config() (*config, error) {
	e.cfgOnce.Do(func() { e.cfg, e.cfgErr = loadConfig(e.getenv) })
	return e.cfg, e.cfgErr
}

type configOnce struct {
	cfgOnce sync.Once
	cfg     *config
	cfgErr  error
}
