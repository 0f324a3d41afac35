package main

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the README's table of environment variables from envVars")

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.dsn() != "ecotax.db" || c.Addr != ":8080" || c.LogLevel != slog.LevelInfo || c.Store.SQLiteSynchronous != "" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Server.API.RateLimit != 0 || c.Server.API.TrustProxy || c.ExchangeKey != nil || c.Server.Pages.SessionKey != nil || c.Server.API.AccessLogSample != 0 {
		t.Errorf("api defaults are api.Config's (zero values): %+v", c.Server.API)
	}
}

// Every variable of envVars has a good value (and what it sets) and bad
// values, each refused with the variable's name; a variable without cases
// fails the test.
func TestEnvVars(t *testing.T) {
	key := "9f86d081884c7d659a2feaa0c55ad015"
	cases := map[string]struct {
		good  string
		check func(c *config) bool
		bad   []string
	}{
		"DATABASE_URL": {"postgres://u:p@db:5432/ecotax?sslmode=disable", func(c *config) bool { return c.dsn() == "postgres://u:p@db:5432/ecotax?sslmode=disable" },
			[]string{"ecotax.db", "mysql://db/x", "postgres://"}},
		"ECOTAX_SQLITE_PATH": {"/var/lib/ecotax/e.db", func(c *config) bool { return c.dsn() == "/var/lib/ecotax/e.db" },
			[]string{"e.db?mode=ro", "postgres://db/x"}},
		"ECOTAX_SQLITE_SYNCHRONOUS": {"normal", func(c *config) bool { return c.Store.SQLiteSynchronous == "normal" },
			[]string{"off", "FULL", "2"}},
		"ECOTAX_ADDR": {"127.0.0.1:9000", func(c *config) bool { return c.Addr == "127.0.0.1:9000" },
			[]string{"8080", "localhost:http", ":70000"}},
		"ECOTAX_LOG_LEVEL": {"warn", func(c *config) bool { return c.LogLevel == slog.LevelWarn },
			[]string{"verbose", "WARN", "warning", "info+1"}},
		"ECOTAX_RATE_LIMIT": {"2.5", func(c *config) bool { return c.Server.API.RateLimit == 2.5 },
			[]string{"fast", "0", "-1", "NaN", "Inf"}},
		"ECOTAX_RATE_BURST": {"7", func(c *config) bool { return c.Server.API.RateBurst == 7 },
			[]string{"0", "1.5", "many"}},
		"ECOTAX_BODY_LIMIT": {"4096", func(c *config) bool { return c.Server.API.BodyLimit == 4096 },
			[]string{"0", "1MB", "-5"}},
		"ECOTAX_REQUEST_TIMEOUT": {"30s", func(c *config) bool { return c.Server.API.RequestTimeout == 30*time.Second },
			[]string{"30", "0s", "-1s"}},
		"ECOTAX_TRUST_PROXY": {"1", func(c *config) bool { return c.Server.API.TrustProxy },
			[]string{"yes", "true", "2"}},
		"ECOTAX_ACCESS_LOG_SAMPLE": {"0.01", func(c *config) bool { return c.Server.API.AccessLogSample == 0.01 },
			[]string{"1.5", "-0.1", "1%", "NaN"}},
		"ECOTAX_SLOW_REQUEST": {"250ms", func(c *config) bool { return c.Server.API.SlowRequest == 250*time.Millisecond },
			[]string{"250", "0s"}},
		"ECOTAX_EXCHANGE_KEY": {key, func(c *config) bool { return string(c.ExchangeKey) == key },
			[]string{"short", strings.Repeat("k", 32), strings.Repeat("0123456789ab", 3)}},
		"ECOTAX_RAW_RETENTION_MONTHS": {"3", func(c *config) bool { return c.RawRetention == 3 },
			[]string{"0", "-1", "1.5", "3m", "90d", "1201"}},
		"ECOTAX_SESSION_KEY": {key, func(c *config) bool { return string(c.Server.Pages.SessionKey) == key },
			[]string{"short", strings.Repeat("k", 32), strings.Repeat("0123456789ab", 3)}},
		"ECOTAX_SESSION_LIFETIME": {"2h", func(c *config) bool { return c.Server.Pages.SessionLifetime == 2*time.Hour },
			[]string{"2", "0s", "10s", "9000h"}},
		"ECOTAX_SESSION_IDLE": {"15m", func(c *config) bool { return c.Server.Pages.SessionIdle == 15*time.Minute },
			[]string{"15", "-1m", "1s"}},
		"ECOTAX_TRUSTED_PROXIES": {"10.0.0.5, 10.0.1.0/24", func(c *config) bool {
			return len(c.Server.API.TrustedProxies) == 2 && c.Server.API.TrustedProxies[0].String() == "10.0.0.5/32" && c.Server.API.TrustedProxies[1].String() == "10.0.1.0/24"
		}, []string{"proxy", "10.0.0.0/33", "10.0.0.5,"}},
	}
	for _, v := range envVars {
		tc, ok := cases[v.Name]
		if !ok {
			t.Errorf("%s: no test case", v.Name)
			continue
		}
		delete(cases, v.Name)
		t.Run(v.Name, func(t *testing.T) {
			c, err := loadConfig(envOf(map[string]string{v.Name: tc.good}))
			if err != nil {
				t.Fatalf("%s=%q: %v", v.Name, tc.good, err)
			}
			if !tc.check(c) {
				t.Errorf("%s=%q not taken: %+v", v.Name, tc.good, c)
			}
			for _, b := range tc.bad {
				_, err := loadConfig(envOf(map[string]string{v.Name: b}))
				if err == nil || !strings.Contains(err.Error(), v.Name) {
					t.Errorf("%s=%q: err %v, want an error naming the variable", v.Name, b, err)
				}
				if strings.HasSuffix(v.Name, "_KEY") && err != nil && strings.Contains(err.Error(), b) {
					t.Errorf("%s: the error shows the key: %v", v.Name, err)
				}
			}
		})
	}
	for name := range cases {
		t.Errorf("%s: a case for a variable envVars does not list", name)
	}
}

// Special values: inf, no access log, trust proxy off.
func TestEnvVarsSpecial(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"ECOTAX_RATE_LIMIT": "inf", "ECOTAX_ACCESS_LOG_SAMPLE": "0", "ECOTAX_TRUST_PROXY": "0", "ECOTAX_LOG_LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.API.RateLimit != rate.Inf || c.Server.API.AccessLogSample != api.LogNone || c.Server.API.TrustProxy || c.LogLevel != slog.LevelDebug {
		t.Errorf("%+v", c)
	}
	// Every bad value is reported at once.
	_, err = loadConfig(envOf(map[string]string{"ECOTAX_LOG_LEVEL": "loud", "ECOTAX_RATE_BURST": "x"}))
	if err == nil || !strings.Contains(err.Error(), "ECOTAX_LOG_LEVEL") || !strings.Contains(err.Error(), "ECOTAX_RATE_BURST") {
		t.Errorf("err %v", err)
	}
}

// A bad variable stops every command before it runs (exit 2), naming it.
func TestBadEnvStopsCommands(t *testing.T) {
	for _, args := range [][]string{{"calc", "-"}, {"token", "list"}, {"serve"}} {
		var out, errb bytes.Buffer
		code := run(args, envOf(map[string]string{"ECOTAX_LOG_LEVEL": "verbose", "ECOTAX_SQLITE_PATH": t.TempDir() + "/x.db"}), strings.NewReader("{}"), &out, &errb)
		if code != exitInput || !strings.Contains(errb.String(), "ECOTAX_LOG_LEVEL") {
			t.Errorf("%v: exit %d, %s", args, code, errb.String())
		}
	}
}

const (
	envDocStart = "<!-- environment table: generated from cmd/ecotax/config.go by `go test ./cmd/ecotax -run EnvVarsDoc -update-docs` -->"
	envDocEnd   = "<!-- end of environment table -->"
)

// The README's table is envVars.
func TestEnvVarsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString(envDocStart + "\n| variable | meaning | default | example |\n|---|---|---|---|\n")
	for _, v := range envVars {
		b.WriteString("| `" + v.Name + "` | " + v.Meaning + " | " + v.Default + " | " + v.Example + " |\n")
	}
	b.WriteString(envDocEnd)
	const readme = "../../README.md"
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, envDocStart), strings.Index(s, envDocEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no environment table between %q and %q", envDocStart, envDocEnd)
	}
	got := s[i : j+len(envDocEnd)]
	if got == b.String() {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(readme, []byte(s[:i]+b.String()+s[j+len(envDocEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's environment table differs from envVars; run go test ./cmd/ecotax -run EnvVarsDoc -update-docs\nwant:\n%s", b.String())
}

// The connection's write timeout is 15 s past the request's deadline,
// also when ECOTAX_REQUEST_TIMEOUT is unset (it was 15 s then: the
// request's own deadline, as api.Config's zero value was read).
func TestWriteTimeout(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 30 * time.Second, "1m": 75 * time.Second} {
		c, err := loadConfig(envOf(map[string]string{"ECOTAX_REQUEST_TIMEOUT": v}))
		if err != nil {
			t.Fatal(err)
		}
		if got := httpServer(nil, c.Server.API, slog.Default()).WriteTimeout; got != want {
			t.Errorf("ECOTAX_REQUEST_TIMEOUT=%q: write timeout %v, want %v", v, got, want)
		}
	}
}
