package app

import (
	"strings"
	"testing"

	"github.com/ecotax/ecotax/store/storetest"
)

// The service computes only with tables its caller loaded: a missing one
// is refused at construction, naming it, rather than found by a request.
func TestNewRefusesMissingTables(t *testing.T) {
	db := storetest.OpenSQLite(t)
	full := loadTables(t)
	for name, drop := range map[string]func(*Tables){
		"Engine":    func(t *Tables) { t.Engine = nil },
		"Fees":      func(t *Tables) { t.Fees = nil },
		"Ecocomp":   func(t *Tables) { t.Ecocomp = nil },
		"Damage":    func(t *Tables) { t.Damage = nil },
		"Reconcile": func(t *Tables) { t.Reconcile = nil },
		"Review":    func(t *Tables) { t.Review = nil },
		"Filing":    func(t *Tables) { t.Filing = nil },
	} {
		tb := *full
		drop(&tb)
		if _, err := New(Deps{Store: db, Tables: &tb}); err == nil || !strings.Contains(err.Error(), "table "+name+" is missing") {
			t.Errorf("without %s: %v", name, err)
		}
	}
	if _, err := New(Deps{Tables: full}); err == nil {
		t.Error("no store accepted")
	}
	if _, err := New(Deps{Store: db, Tables: full}); err != nil {
		t.Error(err)
	}
}
