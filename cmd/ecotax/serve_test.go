package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecotax/ecotax/store/storetest"
)

// syncBuffer is a buffer the server's logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe runs `ecotax serve` in-process on SQLite and PostgreSQL: a
// token made by `ecotax token create` works against it, and cancelling
// the context shuts it down cleanly.
func TestServe(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			vars := map[string]string{"ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "ecotax.db")}
			if dialect == "postgres" {
				vars["DATABASE_URL"] = storetest.PostgresSchemaURL(t)
			}
			getenv := func(k string) string { return vars[k] }

			var out, errb bytes.Buffer
			if code := run([]string{"token", "create", "--role", "admin", "--label", "test"}, getenv, nil, &out, &errb); code != exitOK {
				t.Fatalf("token create: %d %s", code, errb.String())
			}
			secret := strings.TrimSpace(out.String())
			if !strings.HasPrefix(secret, "etx_") || len(secret) < 40 {
				t.Fatalf("token %q", secret)
			}
			if code := run([]string{"token", "create", "--role", "enterprise"}, getenv, nil, io.Discard, io.Discard); code != exitInput {
				t.Errorf("enterprise token without --taxpayer: exit %d", code)
			}

			ctx, cancel := context.WithCancel(context.Background())
			logs := &syncBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- cmdServe(&env{ctx: ctx, getenv: getenv, stdin: nil, stdout: io.Discard, stderr: logs}, []string{"--addr", "127.0.0.1:0"})
			}()
			addr := ""
			for i := 0; i < 200 && addr == ""; i++ {
				time.Sleep(25 * time.Millisecond)
				for _, line := range strings.Split(logs.String(), "\n") {
					var l struct{ Msg, Addr string }
					if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
						addr = l.Addr
					}
				}
			}
			if addr == "" {
				cancel()
				t.Fatalf("server did not start: %s", logs.String())
			}
			get := func(path, token string) int {
				req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			if s := get("/readyz", ""); s != 200 {
				t.Errorf("readyz %d", s)
			}
			if s := get("/v1/taxpayers", secret); s != 200 {
				t.Errorf("with token: %d", s)
			}
			if s := get("/v1/taxpayers", "etx_wrong"); s != 401 {
				t.Errorf("wrong token: %d", s)
			}
			// Revoked tokens stop working.
			if code := run([]string{"token", "revoke", "1"}, getenv, nil, io.Discard, io.Discard); code != exitOK {
				t.Errorf("revoke: %d", code)
			}
			if s := get("/v1/taxpayers", secret); s != 401 {
				t.Errorf("revoked token: %d", s)
			}
			cancel()
			select {
			case code := <-done:
				if code != exitOK {
					t.Errorf("serve exit %d: %s", code, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
			if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("structured logs missing: %s", logs.String())
			}
		})
	}
}

func TestServeBadConfig(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"ECOTAX_RATE_LIMIT": "fast", "ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "x.db")}[k]
	}
	var errb bytes.Buffer
	if code := run([]string{"serve"}, getenv, nil, io.Discard, &errb); code != exitInput {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}
