package store

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// storedAndBack turns a packet into the value rows Ingest writes and back
// into the packet MonthPackets rebuilds, without a database.
func storedAndBack(p *hj212.Packet) (*packetRow, []*hj212.Packet) {
	r := rowOf(Incoming{Packet: p, Origin: "fuzz"}, time.Unix(0, 0))
	vals := make([]valueScan, len(r.values))
	for i, v := range r.values {
		vals[i] = valueScan{PacketID: 1, Verdict: r.verdict, CN: r.cn, DataTime: r.dataTime, Code: v.code, Suffix: v.suffix, Value: v.value, Num: v.decimal()}
	}
	return r, packetsFromValues(r.mn, vals)
}

// FuzzStoredValues: for any packet, the monthly figures computed from the
// stored values equal those computed from the packet itself, and a
// packet's values are stored only when it is accepted and says whose and
// when they are. Seeded with the HJ 212 samples.
func FuzzStoredValues(f *testing.F) {
	if fh, err := os.Open("../hj212/testdata/hj212_samples.txt"); err == nil {
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "##") {
				f.Add([]byte(sc.Text()))
			}
		}
		fh.Close()
	}
	f.Add([]byte("##0086QN=1;ST=31;CN=2061;PW=1;MN=M;Flag=4;CP=&&DataTime=20240301010000;a21026-Cou=1.50,a21026-Flag=D&&"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := hj212.Parse(raw, hj212.Options{Lenient: true})
		r, back := storedAndBack(p)
		if PacketHash(p.Raw) != PacketHash(strings.TrimSuffix(p.Raw, "\r\n")) {
			t.Fatal("hash depends on the CR LF")
		}
		if len(r.values) > 0 && (!p.Accepted() || p.MN == "" || p.Time.IsZero()) {
			t.Fatalf("values stored for a packet that is %s, MN %q, time %v", p.Verdict, p.MN, p.Time)
		}
		if !p.Accepted() || p.MN == "" || p.Time.IsZero() || r.note != "" {
			return
		}
		want, err1 := monitor.Monthly([]*hj212.Packet{p}, monitor.Options{Places: 4, Quality: testQuality(t)})
		got, err2 := monitor.Monthly(back, monitor.Options{Places: 4, Quality: testQuality(t)})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if !reflect.DeepEqual(want.Figures, got.Figures) {
			t.Fatalf("figures differ:\n from the packet %+v\n from the rows   %+v", want.Figures, got.Figures)
		}
	})
}

// TestStoredValuesSamples runs the fuzz property over generated hour data
// with flags, where every figure is non-trivial.
func TestStoredValuesRoundTrip(t *testing.T) {
	raw := "##0000QN=20240301010000000;ST=31;CN=2061;PW=1;MN=MN-1;Flag=4;CP=&&DataTime=20240301010000;a21026-Avg=1.230,a21026-Cou=0.0015,a21026-Flag=N;a21002-Avg=2,a21002-Cou=x,a21002-Flag=N;a34013-ZsAvg=3.5,a34013-Avg=3,a34013-Cou=1E-3,a34013-Flag=T&&"
	data := raw[6:]
	raw = "##" + leftPad(len(data)) + data + hj212.Checksum([]byte(data))
	p := hj212.Parse([]byte(raw), hj212.Options{})
	if p.Verdict != hj212.Valid {
		t.Fatalf("%s: %s", p.Verdict, p.Reason)
	}
	_, back := storedAndBack(p)
	want, _ := monitor.Monthly([]*hj212.Packet{p}, monitor.Options{Places: 4, Quality: testQuality(t)})
	got, _ := monitor.Monthly(back, monitor.Options{Places: 4, Quality: testQuality(t)})
	if len(want.Figures) != 3 || !reflect.DeepEqual(want.Figures, got.Figures) {
		t.Errorf("from the packet %+v\nfrom the rows %+v", want.Figures, got.Figures)
	}
}

func leftPad(n int) string {
	s := "0000" + itoa(n)
	return s[len(s)-4:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// TestValuesHavePackets: without a foreign key (migration 0013), every
// value row still belongs to a stored, accepted packet, on both databases.
func TestValuesHavePackets(t *testing.T) {
	sqliteDB, err := Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqliteDB.Close()
	if err := sqliteDB.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dbs := map[string]*DB{"sqlite": sqliteDB}
	if os.Getenv("ECOTAX_TEST_DATABASE_URL") != "" {
		dbs["postgres"] = benchPostgres(t)
	}
	frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-V", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 1, AvgTenths: 1}}}, "2024-02")
	if err != nil {
		t.Fatal(err)
	}
	for name, db := range dbs {
		var batch []Incoming
		for _, f := range append(frames[:50], reconciletest.Corrupt(frames[50])) {
			batch = append(batch, Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "t"})
		}
		for i := 0; i < 2; i++ { // the second time, every packet is a resend
			if _, err := db.Ingest(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
		}
		var orphans, fromRejected, values int
		q := db.x.Rebind(`SELECT COUNT(*) FROM monitoring_values v LEFT JOIN monitoring_packets p ON p.id = v.packet_id WHERE p.id IS NULL`)
		if err := db.x.Get(&orphans, q); err != nil {
			t.Fatal(err)
		}
		q = `SELECT COUNT(*) FROM monitoring_values v JOIN monitoring_packets p ON p.id = v.packet_id WHERE p.verdict = 'rejected'`
		if err := db.x.Get(&fromRejected, q); err != nil {
			t.Fatal(err)
		}
		if err := db.x.Get(&values, `SELECT COUNT(*) FROM monitoring_values`); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 || fromRejected != 0 || values != 50*3 {
			t.Errorf("%s: %d orphan values, %d from rejected packets, %d values (want 150)", name, orphans, fromRejected, values)
		}
	}
}

// testQuality is the data-quality rules of the fixtures in force in March
// 2024 (the month of the test packets), loaded once.
func testQuality(t testing.TB) *monitor.Quality {
	t.Helper()
	qualityOnce.Do(func() {
		r, err := fixtures.LoadQuality()
		if err == nil {
			quality, err = r.On(param.NewDate(2024, 3, 1))
		}
		qualityErr = err
	})
	if qualityErr != nil {
		t.Fatal(qualityErr)
	}
	return quality
}

var (
	qualityOnce sync.Once
	quality     *monitor.Quality
	qualityErr  error
)
