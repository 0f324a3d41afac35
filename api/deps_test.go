package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// The server computes only with tables its caller loaded: a missing one is
// refused at construction, naming it, rather than found by a request.
func TestNewRefusesMissingTables(t *testing.T) {
	full := loadTables(t)
	full.Store = storetest.OpenSQLite(t)
	for name, drop := range map[string]func(*api.Deps){
		"Fees":      func(d *api.Deps) { d.Fees = nil },
		"Ecocomp":   func(d *api.Deps) { d.Ecocomp = nil },
		"Damage":    func(d *api.Deps) { d.Damage = nil },
		"Reconcile": func(d *api.Deps) { d.Reconcile = nil },
		"Review":    func(d *api.Deps) { d.Review = nil },
		"Filing":    func(d *api.Deps) { d.Filing = nil },
	} {
		d := full
		drop(&d)
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Deps."+name+" is nil") {
					t.Errorf("without %s: recovered %v", name, r)
				}
			}()
			api.New(d)
		}()
	}
	api.New(full) // and with all of them it builds
}
