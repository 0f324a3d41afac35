// Package web holds the browser interface of ecotax: the html/template
// pages, the stylesheet and script, and the pieces of Go behind them that
// know nothing of HTTP routing — the pre-check form model, the signed
// session cookie, the result layout and server-side SVG charts. Everything
// is embedded in the binary: the pages load nothing from anywhere else, so
// they work on a closed government network. The handlers live in package
// web/pages, which calls the application layer (app/) for everything a
// page shows or does.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

//go:embed templates/*.html static/*
var files embed.FS

// Asset is one embedded static file.
type Asset struct {
	Body  []byte
	Type  string
	ETag  string
	Short string // first 12 hex digits of the SHA-256, for cache-busting URLs
}

// UI is the parsed pages and the static files.
type UI struct {
	pages   map[string]*template.Template
	assets  map[string]*Asset
	regions map[string]string // region code → name, for regionName
}

// SetRegionNames gives the pages the names of the region codes they show
// (set once at start-up, before any page is rendered).
func (u *UI) SetRegionNames(names map[string]string) { u.regions = names }

// RegionName names a region code: its own name, else the name of the
// city or province it lies in (the law tables name provinces and the
// cities with zone rates, not every county); "" when none is known.
func (u *UI) RegionName(code string) string {
	if n := u.regions[code]; n != "" || len(code) != 6 {
		return n
	}
	if n := u.regions[code[:4]+"00"]; n != "" {
		return n
	}
	return u.regions[code[:2]+"0000"]
}

// New parses every page with the layout. A template error stops start-up.
func New() (*UI, error) {
	u := &UI{pages: map[string]*template.Template{}, assets: map[string]*Asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])
		ctype := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		case ".txt", "":
			ctype = "text/plain; charset=utf-8"
		}
		u.assets[strings.TrimPrefix(p, "static/")] = &Asset{Body: body, Type: ctype, ETag: `"` + h[:32] + `"`, Short: h[:12]}
		return nil
	})
	if err != nil {
		return nil, err
	}
	layout, err := template.New("layout.html").Funcs(u.funcs()).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "parts.html" {
			continue
		}
		t, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, n); err != nil {
			return nil, err
		}
		u.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return u, nil
}

// Asset returns a static file by name ("app.css").
func (u *UI) Asset(name string) (*Asset, bool) {
	a, ok := u.assets[name]
	return a, ok
}

// AssetURL is a static file's URL with its content hash, so browsers may
// keep it for a year and still see a new version at once.
func (u *UI) AssetURL(name string) string {
	a, ok := u.assets[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + name + "?v=" + a.Short
}

// Render writes a page. It renders into a buffer first, so a template
// error never leaves half a page.
func (u *UI) Render(w io.Writer, page string, data any) error {
	t, ok := u.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return fmt.Errorf("web: page %s: %w", page, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Pages lists the page names, for tests.
func (u *UI) Pages() []string {
	out := make([]string, 0, len(u.pages))
	for k := range u.pages {
		out = append(out, k)
	}
	return out
}

func (u *UI) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     u.AssetURL,
		"group":     param.GroupDigits,
		"stepLabel": func(s string) string { return orDefault(StepLabel[s], s) },
		"kindLabel": func(s string) string { return orDefault(KindLabel[s], s) },
		"fieldID":   FieldID,
		"yesno": func(b bool) string {
			if b {
				return "是"
			}
			return "否"
		},
		"add":       func(a, b int) int { return a + b },
		"list":      func(s ...string) []string { return s },
		"percent":   Percent,
		"rounding":  RoundingText,
		"plainWarn": PlainWarningsOf,
		"neg1":      func(a int) int { return -a },
		// days from a to b (YYYY-MM-DD), negative when b is before a
		"daysFrom": func(a, b any) int {
			return filing.Date(fmt.Sprint(b)).Day().Ordinal() - filing.Date(fmt.Sprint(a)).Day().Ordinal()
		},
		"str": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"regionName": u.RegionName,
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"money": Money,
		"decimal": func(d decimal.NullDecimal) string {
			if !d.Valid {
				return ""
			}
			return d.Decimal.String()
		},
		"statusLabel": func(s any) string { k := fmt.Sprint(s); return orDefault(filing.StatusLabel[filing.Status(k)], k) },
		"methodLabel": func(s string) string { return orDefault(filing.MethodLabel[s], s) },
		"changeLabel": func(s string) string { return orDefault(ChangeLabel[s], s) },
		"colour":      Colour,
		"neg":         func(s string) bool { return strings.HasPrefix(s, "-") },
		"pos": func(s string) bool {
			return s != "" && !strings.HasPrefix(s, "-") && strings.Trim(s, "0.") != ""
		},
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Money writes an amount with two decimals and thousands separators; an
// absent amount is empty.
func Money(v any) string {
	switch m := v.(type) {
	case filing.Money:
		if !m.Valid {
			return ""
		}
		return param.GroupDigits(m.String())
	case *filing.Money:
		if m == nil {
			return ""
		}
		return Money(*m)
	case decimal.Decimal:
		return param.MoneyOf(m).Grouped()
	case string:
		return param.GroupDigits(m)
	case *string:
		if m == nil {
			return ""
		}
		return param.GroupDigits(*m)
	}
	return fmt.Sprint(v)
}

// ChangeLabel names the changes of a source's history (税源新增/变更/删除).
var ChangeLabel = map[string]string{"create": "新增", "change": "变更", "end": "终止（删除）"}
