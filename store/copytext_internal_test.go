package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// TestCopyTextSameAsLibPQ (PostgreSQL): the rows ingest stores by its own
// COPY text (copyText) are the rows lib/pq's per-row COPY (pq.CopyIn and
// one Exec per row, as ingest did before) stores from the same packets:
// compared column by column in the database, both ways. The packets
// include every sample of hj212/testdata (valid, lenient and rejected,
// 2005 to 2025), origins and values with tabs, newlines, carriage
// returns, backslashes, "\N", Chinese, a NUL byte and invalid UTF-8 (the
// last two stored Go-quoted), and a reading of a month's data. The new
// packets' ids follow the batch's order.
func TestCopyTextSameAsLibPQ(t *testing.T) {
	db := benchPostgres(t)
	ctx := context.Background()
	opt := hj212.Options{Lenient: true}
	var batch []Incoming
	origins := []string{"file\tname.txt:1", "a\\b\nc\r\nd", `\N`, "中文来源", "nul\x00byte", "bad\xffutf8", "", "\\."}
	add := func(raw string) {
		batch = append(batch, Incoming{Packet: hj212.Parse([]byte(raw), opt), Origin: origins[len(batch)%len(origins)]})
	}
	fh, err := os.Open("../hj212/testdata/hj212_samples.txt")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "##") {
			add(sc.Text())
		}
	}
	fh.Close()
	// The parser refuses control bytes in a data segment (those packets
	// are stored rejected, with their reason); backslashes and "\N" pass.
	for _, cp := range []string{
		"a21026-Cou=1.50,a21026-Flag=D\t,a01012-Avg=\\N,a01012-Flag=N",
		"a21026-Avg=-0.000,a21026-Max=123456789012345678901234567890.5,a34013-Avg=1e5,a34013-Info=中文\\x",
		"a21026-Avg=\\.,a21026-Min=1\\2,a21026-Max=\r\n",
	} {
		for _, data := range []string{
			"QN=1;ST=31;CN=2061;PW=1;MN=M-copy\\1;Flag=4;CP=&&DataTime=20240301010000;" + cp + "&&",
			"QN=2;ST=31;CN=2011;PW=1;MN=M-copy\t2;Flag=4;CP=&&DataTime=20240302010000;" + cp + "&&",
			"QN=3;ST=31;CN=2011;PW=1;MN=M-copy\\3;Flag=4;CP=&&DataTime=20240302010000;" + strings.NewReplacer("\t", "", "\r\n", "").Replace(cp) + "&&",
		} {
			add(fmt.Sprintf("##%04d%s%s", len(data), data, hj212.Checksum([]byte(data))))
		}
	}
	frames, _, err := reconciletest.Month(benchDevice("MN-COPYTEXT"), "2024-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames[:50] {
		add(string(f))
	}
	st, err := db.Ingest(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored < len(batch)-2 || st.Values < 50*24 {
		t.Fatalf("stored %+v of %d packets", st, len(batch))
	}

	// The same rows through lib/pq's own encoding, with the ids and the
	// time the ingest gave them.
	for _, q := range []string{
		`CREATE TABLE want_packets (LIKE monitoring_packets)`,
		`CREATE TABLE want_values (LIKE monitoring_values)`,
	} {
		if _, err := db.x.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		var rows []*packetRow
		seen := map[string]bool{}
		for _, in := range batch {
			r := rowOf(in, time.Time{})
			if seen[r.hash] {
				continue
			}
			seen[r.hash] = true
			if err := tx.x.QueryRowxContext(ctx, `SELECT id, received_at FROM monitoring_packets WHERE mn = $1 AND hash = $2`, r.mn, r.hash).Scan(&r.id, &r.received); err != nil {
				return fmt.Errorf("packet %q: %w", in.Packet.Raw, err)
			}
			if len(rows) > 0 && r.id <= rows[len(rows)-1].id {
				return fmt.Errorf("packet ids not in batch order: %d after %d", r.id, rows[len(rows)-1].id)
			}
			rows = append(rows, r)
		}
		err := tx.copyRows("want_packets", packetCols, func(emit func([]any) error) error {
			for _, r := range rows {
				if err := emit([]any{r.id, r.hash, r.raw, r.received, r.origin, r.verdict, r.reason, r.problems, r.warnings,
					r.qn, r.cn, r.mn, int64(r.flag), r.dataTime, r.month, int64(r.pairs), r.note}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.copyRows("want_values", valueCols, func(emit func([]any) error) error {
			for _, r := range rows {
				for _, v := range r.values {
					if err := emit([]any{r.id, int64(v.seq), r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, v.decimal()}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	pc, vc := strings.Join(packetCols, ", "), strings.Join(valueCols, ", ")
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT " + pc + " FROM monitoring_packets EXCEPT ALL SELECT " + pc + " FROM want_packets) d",
		"SELECT count(*) FROM (SELECT " + pc + " FROM want_packets EXCEPT ALL SELECT " + pc + " FROM monitoring_packets) d",
		// num compared as text too: NUMERIC equality ignores trailing zeros.
		"SELECT count(*) FROM (SELECT " + vc + ", num::text FROM monitoring_values EXCEPT ALL SELECT " + vc + ", num::text FROM want_values) d",
		"SELECT count(*) FROM (SELECT " + vc + ", num::text FROM want_values EXCEPT ALL SELECT " + vc + ", num::text FROM monitoring_values) d",
	} {
		var n int
		if err := db.x.GetContext(ctx, &n, q); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows differ: %s", n, q)
		}
	}
	var odd int
	if err := db.x.GetContext(ctx, &odd, `SELECT count(*) FROM monitoring_values WHERE value ~ E'\\\\' AND mn ~ E'\\\\'`); err != nil {
		t.Fatal(err)
	}
	if odd == 0 {
		t.Error("no stored value and MN hold a backslash: the test lost its point")
	}
}

// TestSimpleQueryLiterals (PostgreSQL): arguments put into a simple query
// as literals come back from the server as they were, whatever they hold
// (quotes, backslashes, a "$1", braces, commas, Chinese, the empty
// string), alone and in arrays.
func TestSimpleQueryLiterals(t *testing.T) {
	db := benchPostgres(t)
	in := []string{"a'b", `c\d`, "$1", "$2x", "{x,y}", `"q"`, "中文", "", "NULL", " sp ", "e'\\'"}
	var got []string
	q := simpleQuery("SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) WHERE $2 <> '' ORDER BY i", arrayLit(in), `it's \ here`)
	if err := db.x.Select(&got, q); err != nil {
		t.Fatal(q, err)
	}
	if strings.Join(got, "|") != strings.Join(in, "|") || len(got) != len(in) {
		t.Fatalf("got %q, want %q", got, in)
	}
	var one string
	if err := db.x.Get(&one, simpleQuery("SELECT $1::text", `it's \ $1 here`)); err != nil || one != `it's \ $1 here` {
		t.Fatalf("got %q, %v", one, err)
	}
}

// TestIngestCopyFailureStoresNothing (PostgreSQL): when the database
// refuses the COPY text half-way (here: values of a month whose partition
// nobody made), the batch fails as a whole, nothing of it is stored, and
// the pool's connection serves the next batch.
func TestIngestCopyFailureStoresNothing(t *testing.T) {
	db := benchPostgres(t)
	ctx := context.Background()
	opt := hj212.Options{Lenient: true}
	batch := func(month string) []Incoming {
		frames, _, err := reconciletest.Month(benchDevice("MN-COPYFAIL"), month)
		if err != nil {
			t.Fatal(err)
		}
		var in []Incoming
		for _, f := range frames[:200] { // ≈ 4 800 value rows: more than one chunk of text
			in = append(in, Incoming{Packet: hj212.Parse(f, opt), Origin: "copy failure"})
		}
		return in
	}
	err := db.IngestTx(ctx, func(tx *Tx) error { _, _, err := tx.IngestEach(batch("2031-05")); return err })
	if err == nil || !strings.Contains(err.Error(), "partition") {
		t.Fatalf("ingest into a month without partition: %v", err)
	}
	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM monitoring_packets`); err != nil || n != 0 {
		t.Fatalf("%d packets stored after a failed batch (%v)", n, err)
	}
	if err := db.InTx(ctx, func(tx *Tx) error { _, _, err := tx.IngestEach(batch("2031-05")); return err }); err == nil || !errors.Is(err, errNoConn) {
		t.Fatalf("ingest in a transaction of InTx: %v", err)
	}
	st, err := db.Ingest(ctx, batch("2031-06"))
	if err != nil || st.Stored != 200 || st.Values < 200*20 {
		t.Fatalf("next batch: %+v, %v", st, err)
	}
}
