// Package walls checks the floor plan of the repository (docs/architecture.md):
// which package may import which. A wall that is crossed fails here, not
// in a review.
package walls

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/ecotax/ecotax"

type pkg struct {
	ImportPath string
	Imports    []string
	Name       string
}

// list reads every package of the module from its source files (with
// go/build, so the test's cached result is invalidated when a file
// changes), tests left out.
func list(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			var none *build.NoGoError
			if errors.As(err, &none) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		ip := module
		if rel != "." {
			ip += "/" + filepath.ToSlash(rel)
		}
		pkgs = append(pkgs, pkg{ImportPath: ip, Imports: bp.Imports, Name: bp.Name})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 {
		t.Fatalf("only %d packages found", len(pkgs))
	}
	return pkgs
}

func under(path, dir string) bool {
	return path == module+"/"+dir || strings.HasPrefix(path, module+"/"+dir+"/")
}

// forbidden lists, for a package tree, the imports it must not have:
// packages of this module (by tree) and outside ones (by prefix).
var walls = []struct {
	tree    string
	own     []string // trees of this module
	outside []string // import path prefixes
	why     string
}{
	{"calc", []string{"app", "api", "web", "store", "cmd", "filing", "exchange", "reconcile", "monitor", "budget", "hj212", "fixtures", "internal"},
		[]string{"net", "os", "database/sql", "io/fs", "time", "github.com/labstack", "github.com/jmoiron", "github.com/lib/pq", "modernc.org"},
		"the engine is pure: no I/O, no clock, no adapter"},
	{"hj212", []string{"app", "api", "web", "store", "cmd"}, []string{"database/sql", "net/http", "github.com/labstack", "github.com/jmoiron"},
		"the parser knows no store and no HTTP"},
	{"store", []string{"app", "api", "web", "cmd"}, []string{"net/http", "github.com/labstack"},
		"the store maps rows; it knows no HTTP and no application layer"},
	{"app", []string{"api", "web", "cmd"}, []string{"net/http", "github.com/labstack"},
		"the application layer knows no door"},
	{"filing", []string{"app", "api", "web", "store", "cmd"}, []string{"net/http", "database/sql", "github.com/labstack"}, "vocabulary"},
	{"exchange", []string{"app", "api", "web", "store", "cmd"}, []string{"net/http", "database/sql", "github.com/labstack"}, "vocabulary"},
	{"reconcile", []string{"app", "api", "web", "store", "cmd"}, []string{"net/http", "database/sql", "github.com/labstack"}, "vocabulary"},
	{"monitor", []string{"app", "api", "web", "store", "cmd"}, []string{"net/http", "database/sql", "github.com/labstack"}, "vocabulary"},
	{"budget", []string{"app", "api", "web", "store", "cmd"}, []string{"net/http", "database/sql", "github.com/labstack"}, "vocabulary"},
	{"api", []string{"web", "cmd", "store", "listener"}, nil, "the JSON door reaches the data only through the application layer"},
	{"listener", []string{"api", "web", "cmd"}, []string{"net/http", "github.com/labstack"}, "the data loggers' door knows no other door"},
	{"web", []string{"api", "cmd", "store"}, nil, "the pages reach the data only through the application layer"},
}

func TestWalls(t *testing.T) {
	for _, p := range list(t) {
		for _, w := range walls {
			if !under(p.ImportPath, w.tree) {
				continue
			}
			for _, imp := range p.Imports {
				for _, own := range w.own {
					if under(imp, own) && !(w.tree == "calc" && under(imp, "calc")) {
						t.Errorf("%s imports %s: %s", p.ImportPath, imp, w.why)
					}
				}
				for _, out := range w.outside {
					// database/sql/driver is allowed: a value type may say how it is stored.
					if imp == out || (strings.HasPrefix(imp, out+"/") && imp != "database/sql/driver") {
						t.Errorf("%s imports %s: %s", p.ImportPath, imp, w.why)
					}
				}
			}
		}
	}
}

// Nothing imports cmd, and only cmd/ecotax imports the HTTP doors (only
// its serve command builds the server).
func TestDoors(t *testing.T) {
	for _, p := range list(t) {
		for _, imp := range p.Imports {
			if under(imp, "cmd") {
				t.Errorf("%s imports %s: nothing imports a command", p.ImportPath, imp)
			}
			if (imp == module+"/api" || under(imp, "web/pages")) && p.ImportPath != module+"/cmd/ecotax" {
				t.Errorf("%s imports %s: only ecotax serve builds the HTTP server", p.ImportPath, imp)
			}
		}
	}
}
