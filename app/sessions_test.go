package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestSessions (issue 11, item 9): a session works until it is ended,
// idle too long or past its lifetime; it is bound to its token.
func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		svc := newService(t, db, func() time.Time { return now })
		hash := filing.HashToken("secret-of-a-test-token")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertToken(&filing.Token{Role: filing.RoleTaxOfficer, Label: "t"}, hash)
		}); err != nil {
			t.Fatal(err)
		}
		pol := app.SessionPolicy{Lifetime: 8 * time.Hour, Idle: 30 * time.Minute}
		live := func(nonce string) bool {
			_, err := svc.SessionPrincipal(ctx, hash, nonce, pol)
			return err == nil
		}
		for _, n := range []string{"n1", "n2", "n3"} {
			if _, err := svc.StartSession(ctx, hash, n, pol); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.SessionPrincipal(ctx, hash, "n1", pol); err != nil {
			t.Fatal(err)
		}
		if !live("n1") || live("unknown") {
			t.Fatal("a started session is dead or an unknown one lives")
		}
		if _, err := svc.SessionPrincipal(ctx, filing.HashToken("other"), "n1", pol); err == nil {
			t.Error("a session works with another token's hash")
		}
		if err := svc.EndSession(ctx, "n1"); err != nil || live("n1") {
			t.Errorf("an ended session lives (%v)", err)
		}
		// n2 is used every 20 minutes for 7 hours; n3 not at all.
		for i := 0; i < 21; i++ {
			now = now.Add(20 * time.Minute)
			if !live("n2") {
				t.Fatalf("a session in use ended after %s", time.Duration(i+1)*20*time.Minute)
			}
		}
		if live("n3") {
			t.Error("an idle session lives")
		}
		now = now.Add(time.Hour + time.Minute) // past the 8 h lifetime
		if live("n2") {
			t.Error("a session past its lifetime lives")
		}
	})
}
