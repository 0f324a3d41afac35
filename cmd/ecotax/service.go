package main

import (
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// cliOperator is who the commands that call the application layer act as:
// the operator, an admin principal without a token (recorded as
// "admin#0" in the audit log and as a run's creator).
var cliOperator = filing.Principal{Role: filing.RoleAdmin}

// openService loads the law tables, opens the store and builds the
// application service on them. The caller closes the store.
func openService(e *env) (*app.Service, *store.DB, error) {
	tables, err := app.LoadTables()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(e)
	if err != nil {
		return nil, nil, err
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}

// exitFor is the exit status of an operation's error: the caller's
// mistake (invalid, not found) is exitInput, anything else exitInternal.
func exitFor(err error) int {
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindNotFound) {
		return exitInput
	}
	return exitInternal
}
