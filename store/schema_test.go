package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/store/storetest"
)

// The two dialects' migrations (store/migrations/<dialect>/) must build
// the same schema: the same tables; the same columns with compatible
// types and the same nullability; the same primary keys, unique keys
// (constraints and unique indexes, partial or not), foreign keys (columns,
// target, ON DELETE) and, where they can be compared, CHECK constraints
// (by the columns each one reads). TestSchemasAgree migrates an SQLite file
// and a PostgreSQL schema and compares what their catalogs say
// (sqlite_master and the pragmas; information_schema and pg_catalog).

// schema is one database's schema, normalised for comparison.
type schema map[string]*table

type table struct {
	cols    map[string]column
	pk      string   // columns, comma-joined, in key order
	uniques []string // "a,b" (sorted) and " WHERE" when partial
	fks     []string // "a,b -> t(x,y) on delete cascade"
	checks  []string // sorted columns each CHECK reads
}

type column struct {
	typ     string // the declared type, lower case
	notNull bool
}

// compatible says whether a PostgreSQL type and an SQLite declared type
// hold the same values in this store: exact decimals and times are TEXT
// in SQLite, booleans INTEGER 0/1, JSON TEXT, bytes BLOB.
func compatible(pg, lite string) bool {
	allowed := map[string][]string{
		"bigint":                   {"integer", "bigint"},
		"integer":                  {"integer"},
		"smallint":                 {"integer"},
		"numeric":                  {"text"},
		"text":                     {"text"},
		"boolean":                  {"integer"},
		"date":                     {"date", "text"},
		"timestamp with time zone": {"timestamp", "text"},
		"jsonb":                    {"text"},
		"json":                     {"text"},
		"bytea":                    {"blob"},
		"double precision":         {"real"},
	}
	return slices.Contains(allowed[pg], lite)
}

// pgPartitioned are the tables PostgreSQL stores partitioned, with how
// (pg_get_partkeydef of the table): a storage detail of PostgreSQL only
// (SQLite keeps one plain table with the same columns and keys). Their
// partitions are not tables of the schema and are left out of the
// comparison; any other partitioned table, or a partition of one not
// listed here, fails the test.
var pgPartitioned = map[string]string{
	"monitoring_values": "RANGE (month)", // by month of the data time, then LIST (cn): store/migrations/postgres/0047
}

// sqliteRowidKeys are the tables whose PostgreSQL primary key carries the
// distribution column (credit_code, id) while SQLite keeps its
// AUTOINCREMENT id as the primary key (a key of two columns cannot be a
// rowid) and has UNIQUE (credit_code, id) beside it for the composite
// foreign keys to point at (store/migrations/sqlite/0049). With the ids
// from one sequence the two accept the same rows; the test checks that
// exactly this is the difference.
var sqliteRowidKeys = map[string]string{
	"tax_sources":     "credit_code,id",
	"declarations":    "credit_code,id",
	"penalty_records": "credit_code,id",
}

func TestSchemasAgree(t *testing.T) {
	lite := sqliteSchema(t, storetest.OpenSQLite(t).SQL())
	for name, key := range sqliteRowidKeys {
		tb := lite[name]
		if tb == nil || tb.pk != "id" || !slices.Contains(tb.uniques, key) {
			t.Errorf("%s: SQLite should have PRIMARY KEY (id) AUTOINCREMENT and UNIQUE (%s) (sqliteRowidKeys)", name, key)
			continue
		}
		tb.pk = key
		tb.uniques = slices.DeleteFunc(tb.uniques, func(u string) bool { return u == key })
	}
	pgdb := storetest.OpenPostgres(t).SQL()
	pg := postgresSchema(t, pgdb)
	var name, how, root string
	parts := 0
	partitioned := maps.Clone(pgPartitioned)
	query(t, pgdb, `SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'p' AND NOT c.relispartition`, nil, &name, &how)(func() {
		if want, ok := partitioned[name]; !ok || want != how {
			t.Errorf("%s: partitioned by %s in PostgreSQL, pgPartitioned says %q", name, how, want)
		}
		delete(partitioned, name)
	})
	for name := range partitioned {
		t.Errorf("%s: pgPartitioned says partitioned, PostgreSQL has a plain table", name)
	}
	query(t, pgdb, `SELECT c.relname, pg_partition_root(c.oid)::regclass::text FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relispartition AND c.relkind IN ('r', 'p')`, nil, &name, &root)(func() {
		parts++
		if root != "monitoring_values" {
			t.Errorf("%s: a partition of %s, which is not in pgPartitioned", name, root)
		}
	})
	if parts == 0 {
		t.Error("no partitions of monitoring_values (this month's and the next are made at start-up)")
	}
	// The catalog queries read something on both sides (else all would agree).
	for dialect, sc := range map[string]schema{"sqlite": lite, "postgres": pg} {
		var cols, uniques, fks, checks int
		for _, tb := range sc {
			cols, uniques, fks, checks = cols+len(tb.cols), uniques+len(tb.uniques), fks+len(tb.fks), checks+len(tb.checks)
		}
		t.Logf("%s: %d tables, %d columns, %d unique keys, %d foreign keys, %d checks", dialect, len(sc), cols, uniques, fks, checks)
		if len(sc) < 20 || cols < 200 || uniques < 5 || fks < 15 || checks < 30 {
			t.Fatalf("%s: too little read from the catalog", dialect)
		}
	}
	for _, name := range sortedKeys(lite, pg) {
		l, p := lite[name], pg[name]
		switch {
		case l == nil:
			t.Errorf("%s: only in PostgreSQL", name)
			continue
		case p == nil:
			t.Errorf("%s: only in SQLite", name)
			continue
		}
		for _, c := range sortedKeys(l.cols, p.cols) {
			lc, lok := l.cols[c]
			pc, pok := p.cols[c]
			switch {
			case !lok:
				t.Errorf("%s.%s: only in PostgreSQL (%s)", name, c, pc.typ)
			case !pok:
				t.Errorf("%s.%s: only in SQLite (%s)", name, c, lc.typ)
			default:
				if !compatible(pc.typ, lc.typ) {
					t.Errorf("%s.%s: PostgreSQL %s, SQLite %s", name, c, pc.typ, lc.typ)
				}
				if lc.notNull != pc.notNull {
					t.Errorf("%s.%s: NOT NULL in PostgreSQL %v, in SQLite %v", name, c, pc.notNull, lc.notNull)
				}
			}
		}
		if l.pk != p.pk {
			t.Errorf("%s: primary key PostgreSQL (%s), SQLite (%s)", name, p.pk, l.pk)
		}
		for what, pair := range map[string][2][]string{"unique keys": {p.uniques, l.uniques}, "foreign keys": {p.fks, l.fks}, "checks (by the columns they read)": {p.checks, l.checks}} {
			if d := diff(pair[0], pair[1]); d != "" {
				t.Errorf("%s: %s differ: %s", name, what, d)
			}
		}
	}
}

func sortedKeys[V any](a, b map[string]V) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// diff lists what only one of two multisets holds.
func diff(pg, lite []string) string {
	count := map[string]int{}
	for _, s := range pg {
		count[s]++
	}
	for _, s := range lite {
		count[s]--
	}
	var out []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range count {
			if !yield(k) {
				return
			}
		}
	}) {
		switch n := count[k]; {
		case n > 0:
			out = append(out, fmt.Sprintf("only in PostgreSQL: %s (×%d)", k, n))
		case n < 0:
			out = append(out, fmt.Sprintf("only in SQLite: %s (×%d)", k, -n))
		}
	}
	return strings.Join(out, "; ")
}

func query(t *testing.T, db *sql.DB, q string, args []any, dst ...any) func(each func()) {
	return func(each func()) {
		t.Helper()
		rows, err := db.QueryContext(context.Background(), q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			each()
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func sqliteSchema(t *testing.T, db *sql.DB) schema {
	s := schema{}
	var name, ddl string
	query(t, db, `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`, nil, &name, &ddl)(func() {
		s[name] = &table{cols: map[string]column{}, checks: sqliteChecks(ddl)}
	})
	for name, tb := range s {
		var (
			cid, notNull, pk int
			col, typ         string
			dflt             sql.NullString
		)
		pks := map[int]string{}
		query(t, db, `SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, []any{name}, &cid, &col, &typ, &notNull, &dflt, &pk)(func() {
			tb.cols[col] = column{typ: strings.ToLower(typ), notNull: notNull == 1 || pk > 0}
			if pk > 0 {
				pks[pk] = col
			}
		})
		for i := 1; i <= len(pks); i++ {
			tb.pk += "," + pks[i]
		}
		tb.pk = strings.TrimPrefix(tb.pk, ",")
		for c := range tb.checks {
			tb.checks[c] = checkColumns(tb.checks[c], tb.cols)
		}
		var (
			seq, unique, partial int
			idx, origin          string
		)
		type index struct {
			name    string
			partial bool
		}
		var uniques []index
		query(t, db, `SELECT seq, name, "unique", origin, partial FROM pragma_index_list(?)`, []any{name}, &seq, &idx, &unique, &origin, &partial)(func() {
			if unique == 1 && origin != "pk" {
				uniques = append(uniques, index{idx, partial == 1})
			}
		})
		for _, u := range uniques {
			var cols []string
			var seqno, cid int
			var col sql.NullString
			query(t, db, `SELECT seqno, cid, name FROM pragma_index_info(?)`, []any{u.name}, &seqno, &cid, &col)(func() {
				cols = append(cols, col.String)
			})
			tb.uniques = append(tb.uniques, uniqueKey(cols, u.partial))
		}
		var (
			id, fseq            int
			ref, from, onDelete string
			to                  sql.NullString
		)
		fks := map[int]*[3][]string{}
		var fkAction = map[int]string{}
		query(t, db, `SELECT id, seq, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?)`, []any{name}, &id, &fseq, &ref, &from, &to, &onDelete)(func() {
			f := fks[id]
			if f == nil {
				f = &[3][]string{{ref}}
				fks[id] = f
			}
			f[1] = append(f[1], from)
			f[2] = append(f[2], to.String)
			fkAction[id] = onDelete
		})
		for id, f := range fks {
			tb.fks = append(tb.fks, fkKey(f[1], f[0][0], f[2], fkAction[id]))
		}
		for _, fk := range tb.fks {
			if strings.Contains(fk, "()") || strings.Contains(fk, "(,") {
				t.Errorf("%s: foreign key %s names no target columns (write them out: PostgreSQL's catalog has them)", name, fk)
			}
		}
	}
	return s
}

func postgresSchema(t *testing.T, db *sql.DB) schema {
	s := schema{}
	var name, col, typ, nullable string
	query(t, db, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable
		FROM information_schema.columns c JOIN information_schema.tables tb USING (table_schema, table_name)
		WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
			AND NOT (SELECT relispartition FROM pg_class WHERE oid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass)`, nil, &name, &col, &typ, &nullable)(func() {
		tb := s[name]
		if tb == nil {
			tb = &table{cols: map[string]column{}}
			s[name] = tb
		}
		tb.cols[col] = column{typ: typ, notNull: nullable == "NO"}
	})
	// Constraints and unique indexes from pg_catalog, columns in key order.
	var (
		kind, ref, onDelete, def string
		cols, refCols            []string
		partial                  bool
	)
	colsArr, refArr := stringArray{&cols}, stringArray{&refCols}
	query(t, db, `
		SELECT c.relname, k.contype::text,
			ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o)::text[],
			COALESCE(f.relname, ''),
			ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)::text[],
			k.confdeltype::text, pg_get_constraintdef(k.oid), false
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class f ON f.oid = k.confrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND k.contype IN ('p', 'u', 'f', 'c') AND NOT c.relispartition
		UNION ALL
		SELECT c.relname, 'i',
			ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, o) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n ORDER BY u.o)::text[],
			'', '{}'::text[], '', '', i.indpred IS NOT NULL
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND i.indisunique AND NOT i.indisprimary AND NOT c.relispartition
			AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u')`,
		nil, &name, &kind, colsArr, &ref, refArr, &onDelete, &def, &partial)(func() {
		tb := s[name]
		if tb == nil {
			t.Fatalf("constraint on unknown table %s", name)
		}
		switch kind {
		case "p":
			tb.pk = strings.Join(cols, ",")
		case "u", "i":
			tb.uniques = append(tb.uniques, uniqueKey(cols, partial))
		case "f":
			tb.fks = append(tb.fks, fkKey(cols, ref, refCols, map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}[onDelete]))
		case "c":
			tb.checks = append(tb.checks, checkColumns(def, tb.cols))
		}
	})
	return s
}

// stringArray scans a PostgreSQL text[] (as its text form {a,b}); the
// names here need no quoting.
type stringArray struct{ dst *[]string }

func (a stringArray) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case []byte:
		s = string(v)
	case string:
		s = v
	default:
		return fmt.Errorf("text[]: %T", v)
	}
	s = strings.Trim(s, "{}")
	*a.dst = nil
	if s != "" {
		*a.dst = strings.Split(s, ",")
	}
	return nil
}

func uniqueKey(cols []string, partial bool) string {
	c := slices.Clone(cols)
	sort.Strings(c)
	k := strings.Join(c, ",")
	if partial {
		k += " WHERE …"
	}
	return k
}

func fkKey(from []string, ref string, to []string, onDelete string) string {
	return strings.Join(from, ",") + " -> " + ref + "(" + strings.Join(to, ",") + ") on delete " + strings.ToLower(onDelete)
}

var (
	checkKeyword = regexp.MustCompile(`(?i)\bCHECK\s*\(`)
	identifier   = regexp.MustCompile(`"?([A-Za-z_][A-Za-z0-9_]*)"?`)
	quoted       = regexp.MustCompile(`'(?:[^']|'')*'`)
)

// sqliteChecks cuts the CHECK (…) expressions out of a CREATE TABLE.
func sqliteChecks(ddl string) []string {
	var out []string
	for _, loc := range checkKeyword.FindAllStringIndex(ddl, -1) {
		depth, i := 0, loc[1]-1
		for ; i < len(ddl); i++ {
			switch ddl[i] {
			case '(':
				depth++
			case ')':
				depth--
			case '\'':
				for i++; i < len(ddl) && ddl[i] != '\''; i++ {
				}
			}
			if depth == 0 {
				break
			}
		}
		out = append(out, ddl[loc[1]-1:i+1])
	}
	return out
}

// checkColumns names a CHECK by the table's columns it reads.
func checkColumns(expr string, cols map[string]column) string {
	expr = quoted.ReplaceAllString(expr, "''")
	seen := map[string]bool{}
	for _, m := range identifier.FindAllStringSubmatch(expr, -1) {
		if _, ok := cols[m[1]]; ok {
			seen[m[1]] = true
		}
	}
	var c []string
	for k := range seen {
		c = append(c, k)
	}
	sort.Strings(c)
	return "(" + strings.Join(c, ",") + ")"
}
