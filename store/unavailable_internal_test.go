package store

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/ecotax/ecotax/calc"
)

// TestRefusedIsUnavailable (issue 11, item 3): a database that refuses
// connections is an unavailable error (503 with Retry-After at the
// doors), not an internal one.
func TestRefusedIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connections are refused
	x, err := sqlx.Open("postgres", "postgres://u:p@"+addr+"/x?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	db := &DB{x: x, r: x, dialect: Postgres}
	err = db.View(context.Background(), func(tx *Tx) error { return nil })
	var ce *calc.Error
	if !errors.As(err, &ce) || ce.Kind != KindUnavailable || ce.Code != "database_unavailable" {
		t.Fatalf("got %v", err)
	}
}
