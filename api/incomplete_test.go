package api_test

import (
	"fmt"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// A source valid in a month needs figures for it: the pre-check lists
// what is missing and submit refuses, storing nothing.
func TestIncompleteDeclaration(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	ids := registerA(t, e)
	var d declaration
	must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")[:5]}, nil), 201).json(t, &d)
	var pre struct {
		OK     bool
		Errors []struct{ Path, Code string }
	}
	decl := fmt.Sprintf("/v1/declarations/%d", d.ID)
	must(t, e.do("enterprise", "POST", decl+"/precheck", nil, nil), 200).json(t, &pre)
	if pre.OK || len(pre.Errors) != 10 || pre.Errors[0].Code != "missing_figures" {
		t.Errorf("precheck: %+v, want 10 missing (5 sources × February, March)", pre)
	}
	p := must(t, e.do("enterprise", "POST", decl+"/submit", nil, hdr{"If-Match": `"1"`}), 400).problem(t)
	if p["code"] != "missing_figures" {
		t.Errorf("submit: %v", p)
	}
	must(t, e.do("enterprise", "GET", decl, nil, nil), 200).json(t, &d)
	if d.Status != "draft" || d.Version != 1 {
		t.Errorf("after a refused submit: %+v", d)
	}
}
