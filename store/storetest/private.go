package storetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PrivatePostgres is a PostgreSQL instance of the test's own, in a
// temporary directory on a free port, so that a test may restart it
// without touching the shared cluster other tests and sessions use.
type PrivatePostgres struct {
	DSN       string // postgres://ecotax@127.0.0.1:PORT/postgres, trust authentication
	bin, data string
	log       string
	asUser    bool // run the binaries as the postgres user (the test runs as root)
}

// StartPrivatePostgres initialises and starts a private instance with the
// newest /usr/lib/postgresql/*/bin; without those binaries the test skips,
// unless ECOTAX_REQUIRE_PG=1, where it fails. initdb refuses to run as
// root: as root the binaries run as the postgres user (runuser) in a
// directory that user owns. The instance is stopped and removed when the
// test ends.
func StartPrivatePostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("ECOTAX_REQUIRE_PG") == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		missing("no /usr/lib/postgresql/*/bin/initdb: the private PostgreSQL test needs the server binaries")
	}
	version := func(p string) int { // /usr/lib/postgresql/16/bin/initdb → 16
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return n
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) < version(found[j]) })
	p := &PrivatePostgres{bin: filepath.Dir(found[len(found)-1]), asUser: os.Geteuid() == 0}
	// Not t.TempDir: its parent directories are the test user's (0700),
	// which the postgres user could not enter.
	dir, err := os.MkdirTemp("", "ecotax-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if p.asUser {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing("running as root and there is no postgres user to run initdb as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p.data, p.log = filepath.Join(dir, "data"), filepath.Join(dir, "log")
	if out, err := p.run("initdb", "-D", p.data, "-U", "ecotax", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB", port, dir)
	// -l always: without it the server would keep our output pipe open.
	if out, err := p.run("pg_ctl", "-D", p.data, "-l", p.log, "-o", opts, "-w", "-t", "30", "start"); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, p.serverLog())
	}
	t.Cleanup(func() {
		if out, err := p.run("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "-t", "30", "stop"); err != nil {
			t.Errorf("pg_ctl stop: %v\n%s", err, out)
		}
	})
	p.DSN = fmt.Sprintf("postgres://ecotax@127.0.0.1:%d/postgres?sslmode=disable", port)
	return p
}

// Restart stops the instance with -m fast (sessions are ended, the
// server shuts down cleanly) and starts it again with the same options.
func (p *PrivatePostgres) Restart(t testing.TB) {
	t.Helper()
	if out, err := p.run("pg_ctl", "-D", p.data, "-l", p.log, "-m", "fast", "-w", "-t", "30", "restart"); err != nil {
		t.Fatalf("pg_ctl restart: %v\n%s\n%s", err, out, p.serverLog())
	}
}

func (p *PrivatePostgres) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	if p.asUser {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, name)}, args...)...)
	}
	cmd.Dir = os.TempDir() // a directory the postgres user may stand in
	return cmd.CombinedOutput()
}

func (p *PrivatePostgres) serverLog() string {
	b, _ := os.ReadFile(p.log)
	return strings.TrimSpace(string(b))
}
