package main

import (
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// openService builds the application layer on the database of ecotax
// serve (DATABASE_URL or ECOTAX_SQLITE_PATH) for a command that calls its
// operations directly, without the HTTP server; key is the exchange's
// HMAC key (nil: the exchange refuses). The caller closes the store.
func openService(e *env, key []byte) (*app.Service, *store.DB, error) {
	tables, err := app.LoadTables()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(e)
	if err != nil {
		return nil, nil, err
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables, ExchangeKey: key})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}

// operator is the principal a command acts as: the operator (admin#0),
// bound to a region when one is given. region is checked by the caller.
func operator(region string) filing.Principal {
	return filing.Principal{Role: filing.RoleAdmin, Region: region}
}
