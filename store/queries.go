package store

import (
	"bufio"
	"fmt"
	"io/fs"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"
)

// queries holds every named query of queries/*.sql, listmonk style: each
// field names its query by tag, and loading fails if a query is missing
// or a named query is never used.
type queries struct {
	InsertTaxpayer string `query:"insert-taxpayer"`
	GetTaxpayer    string `query:"get-taxpayer"`
	ListTaxpayers  string `query:"list-taxpayers"`
	UpdateTaxpayer string `query:"update-taxpayer"`

	InsertSource        string `query:"insert-source"`
	GetSource           string `query:"get-source"`
	ListSources         string `query:"list-sources"`
	UpdateSource        string `query:"update-source"`
	InsertSourceHistory string `query:"insert-source-history"`
	ListSourceHistory   string `query:"list-source-history"`

	InsertDeclaration   string `query:"insert-declaration"`
	GetDeclaration      string `query:"get-declaration"`
	ListDeclarations    string `query:"list-declarations"`
	LatestRevision      string `query:"latest-revision"`
	TouchDeclaration    string `query:"touch-declaration"`
	SubmitDeclaration   string `query:"submit-declaration"`
	AcceptDeclaration   string `query:"accept-declaration"`
	PayDeclaration      string `query:"pay-declaration"`
	DeleteFigures       string `query:"delete-figures"`
	InsertFigure        string `query:"insert-figure"`
	DeclarationTaxpayer string `query:"declaration-taxpayer"`
	ListFigures         string `query:"list-figures"`

	InsertToken string `query:"insert-token"`
	TokenByHash string `query:"token-by-hash"`
	ListTokens  string `query:"list-tokens"`
	RevokeToken string `query:"revoke-token"`

	InsertAudit string `query:"insert-audit"`
	ListAudit   string `query:"list-audit"`

	GetIdempotency    string `query:"get-idempotency"`
	InsertIdempotency string `query:"insert-idempotency"`

	// Embedded groups of later features, each declared next to the code
	// that uses it; loadQueries fills their fields like the ones above.
	reviewQueries     // store/reviews.go, exchange.go, penalties.go (复核, 信息共享, 处罚)
	sessionQueries    // store/sessions.go (web sessions kept on the server)
	budgetQueries     // store/budget.go (预算: damage cases, eco settlements, fee bills, gathering)
	monitoringQueries // store/monitoring.go (HJ 212 devices, packets, monthly figures, production output)
	reconcileQueries  // store/reconcile.go (比对: runs, results, items, risk flags)
	permitQueries     // store/permits.go (排污许可)
	splitQueries      // store/splits.go (split HJ 212 messages, 分包)
	deviceKeyQueries  // store/devicekeys.go (SM4 keys of HJ 212-2025 devices)

	// nameOf finds a query's name by its text, so that a failure says
	// which query failed.
	nameOf map[string]string
}

// parseNamed reads "-- name: x" blocks from one file.
func parseNamed(file string, data []byte, into map[string]string) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("%s: query %q defined twice", file, name)
		}
		into[name] = strings.TrimSpace(body.String())
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(n)
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		if name == "" && strings.TrimSpace(line) != "" {
			return fmt.Errorf("%s: SQL before the first -- name:", file)
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	return flush()
}

func loadQueries(fsys fs.FS, dialect string) (*queries, error) {
	named := map[string]string{}
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := parseNamed(f, data, named); err != nil {
			return nil, err
		}
	}
	bind := sqlx.QUESTION
	if dialect == Postgres {
		bind = sqlx.DOLLAR
	}
	q := &queries{}
	used := map[string]bool{}
	if err := fillQueries(reflect.ValueOf(q).Elem(), named, bind, used); err != nil {
		return nil, err
	}
	for name := range named {
		if !used[name] {
			return nil, fmt.Errorf("store: query %q is defined but unused", name)
		}
	}
	q.nameOf = map[string]string{}
	for name, sql := range named {
		q.nameOf[strings.TrimSuffix(sqlx.Rebind(bind, sql), ";")] = name
	}
	return q, nil
}

// fillQueries sets every tagged string field of v (and of its embedded
// structs) to its named query.
func fillQueries(v reflect.Value, named map[string]string, bind int, used map[string]bool) error {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := fillQueries(v.Field(i), named, bind, used); err != nil {
				return err
			}
			continue
		}
		tag := f.Tag.Get("query")
		if tag == "" {
			continue
		}
		sql, ok := named[tag]
		if !ok {
			return fmt.Errorf("store: query %q not found in queries/*.sql", tag)
		}
		used[tag] = true
		v.Field(i).SetString(strings.TrimSuffix(sqlx.Rebind(bind, sql), ";"))
	}
	return nil
}
