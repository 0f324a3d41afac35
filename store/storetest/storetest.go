// Package storetest opens throw-away databases for tests: an SQLite file
// in a temporary directory, and a fresh PostgreSQL schema (dropped after
// the test) in the database named by ECOTAX_TEST_DATABASE_URL. Without
// that variable the PostgreSQL tests skip — unless ECOTAX_REQUIRE_PG=1
// (CI), where they fail instead.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/ecotax/ecotax/store"
)

// Each runs f once per dialect, as subtests "sqlite" and "postgres", each
// with a fresh migrated database.
func Each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run(store.SQLite, func(t *testing.T) { f(t, OpenSQLite(t)) })
	t.Run(store.Postgres, func(t *testing.T) { f(t, OpenPostgres(t)) })
}

// OpenSQLite opens a migrated SQLite file that lives as long as the test.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ecotax.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns the test database URL, skipping (or, with
// ECOTAX_REQUIRE_PG=1, failing) when there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("ECOTAX_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("ECOTAX_REQUIRE_PG") == "1" {
			t.Fatal("ECOTAX_REQUIRE_PG=1 but ECOTAX_TEST_DATABASE_URL is not set")
		}
		t.Skip("ECOTAX_TEST_DATABASE_URL not set; PostgreSQL tests skipped")
	}
	return u
}

// PostgresSchemaURL creates a schema of its own in the test database and
// returns a URL whose search_path is that schema; the schema is dropped
// when the test ends.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "ecotax_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a migrated store in a schema of its own (see
// PostgresSchemaURL).
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresSchemaURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
