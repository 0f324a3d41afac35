package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadQueriesStrict(t *testing.T) {
	for _, d := range []string{Postgres, SQLite} {
		q, err := loadQueries(sqlFiles, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(q.GetTaxpayer, "?") == (d == Postgres) {
			t.Errorf("%s: placeholders not rebound: %s", d, q.GetTaxpayer)
		}
	}
	cases := map[string]string{
		"missing": "-- name: get-taxpayer\nSELECT 1;\n",
		"unused":  "-- name: nobody-uses-me\nSELECT 1;\n",
		"twice":   "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n",
		"stray":   "SELECT 1;\n",
	}
	for name, body := range cases {
		fsys := fstest.MapFS{"queries/x.sql": {Data: []byte(body)}}
		if name == "unused" {
			for _, f := range []string{"taxpayers", "sources", "declarations", "tokens", "audit", "idempotency"} {
				data, _ := sqlFiles.ReadFile("queries/" + f + ".sql")
				fsys["queries/"+f+".sql"] = &fstest.MapFile{Data: data}
			}
		}
		if _, err := loadQueries(fsys, SQLite); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
