package storetest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/ecotax/ecotax/internal/silentproxy"
	"github.com/ecotax/ecotax/store"
)

// OpenPostgresBehind opens a migrated store in a schema of its own (see
// PostgresSchemaURL) through a silentproxy.Proxy, with the options o (the
// default statement and I/O timeouts unless o names them).
func OpenPostgresBehind(t testing.TB, o store.Options) (*store.DB, *silentproxy.Proxy) {
	t.Helper()
	dsn := PostgresSchemaURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	direct, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	err = direct.Migrate(ctx)
	direct.Close()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := silentproxy.New(t, u.Host)
	u.Host = p.Addr()
	pdb, err := store.OpenWith(ctx, u.String(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pdb.Close() })
	return pdb, p
}
