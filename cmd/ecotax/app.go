package main

import (
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// cliPrincipal is who the command line acts as: the operator at the machine,
// with every permission (the audit log names it admin#0).
var cliPrincipal = filing.Principal{Role: filing.RoleAdmin}

// openApp opens the database (openStore) and builds the application
// layer over it with every law table and the exchange's key
// (ECOTAX_EXCHANGE_KEY; without one the exchange refuses); the caller
// closes the store.
func openApp(e *env) (*app.Service, *store.DB, error) {
	conf, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	t, err := app.LoadTables()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(e)
	if err != nil {
		return nil, nil, err
	}
	svc, err := app.New(app.Deps{Store: db, Tables: t, Now: time.Now, ExchangeKey: conf.ExchangeKey})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, db, nil
}
