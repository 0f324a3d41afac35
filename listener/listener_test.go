package listener

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
)

// minutePackets: n minute-data packets (CN=2051) of device mn asking for
// an answer, with 8 factors, CR LF included; back-fill (RF=1, HJ
// 212-2025) when rf.
func minutePackets(t testing.TB, mn string, n int, rf bool) [][]byte {
	t.Helper()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	codes := []string{"a21026", "a21002", "a34013", "a21005", "a24088", "a21001", "a19001", "a01012"}
	out := make([][]byte, n)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		flag := "5"
		h := []hj212.Field{{Key: "QN", Value: at.Format("20060102150405") + fmt.Sprintf("%03d", i%1000)},
			{Key: "ST", Value: "22"}, {Key: "CN", Value: "2051"}, {Key: "PW", Value: "123456"}, {Key: "MN", Value: mn}}
		if rf {
			flag = "9"
			h = append(h, hj212.Field{Key: "RF", Value: "1"})
		}
		h = append(h, hj212.Field{Key: "Flag", Value: flag})
		cp := [][]hj212.Field{{{Key: "DataTime", Value: at.Format("20060102150405")}}}
		for k, c := range codes {
			cp = append(cp, []hj212.Field{{Key: c + "-Avg", Value: fmt.Sprintf("%d.%d", 10+k, i%10)},
				{Key: c + "-Cou", Value: fmt.Sprintf("0.%03d", 1+i%97)}, {Key: c + "-Flag", Value: "N"}})
		}
		b, err := hj212.Encode(h, cp)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// fakeSink records what it stored; gate (when set) holds every Ingest
// until it is closed; fail makes Ingest fail.
type fakeSink struct {
	mu      sync.Mutex
	seen    map[string]bool
	batches []int
	gate    chan struct{}
	fail    atomic.Bool
	calls   atomic.Int64
}

func (f *fakeSink) Ingest(ctx context.Context, b []store.Incoming) ([]bool, error) {
	f.calls.Add(1)
	if f.gate != nil {
		<-f.gate
	}
	if f.fail.Load() {
		return nil, errors.New("disk on fire")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	out := make([]bool, len(b))
	for i, in := range b {
		k := strings.TrimRight(in.Packet.Raw, "\r\n")
		out[i] = !f.seen[k]
		f.seen[k] = true
	}
	f.batches = append(f.batches, len(b))
	return out, nil
}

func (f *fakeSink) Refresh(context.Context, int) (int, error) { return 0, nil }

func (f *fakeSink) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

// start serves l on a loopback port; stop cancels and waits.
func start(t testing.TB, l *Listener) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-done:
			case <-time.After(60 * time.Second):
				serr = errors.New("listener did not stop")
			}
		})
		return serr
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

// readAnswers reads n answer lines and checks they answer frames in order.
func readAnswers(t testing.TB, r *bufio.Reader, frames [][]byte) {
	t.Helper()
	for i, f := range frames {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		a := hj212.Parse(line, hj212.Options{})
		q := hj212.Parse(f, hj212.Options{})
		if a.Verdict != hj212.Valid || a.CN != "9014" || a.QN != q.QN || a.MN != q.MN {
			t.Fatalf("answer %d: %q for %q", i, line, f)
		}
	}
}

// TestNoAnswerBeforeCommit: while the transaction is held, packets are
// read but nothing is answered; once it commits every packet is
// answered, in order, in batches shared by connections.
func TestNoAnswerBeforeCommit(t *testing.T) {
	sink := &fakeSink{gate: make(chan struct{})}
	l := New(sink, Config{Batch: 50, Flush: 20 * time.Millisecond})
	addr, stop := start(t, l)
	var conns []net.Conn
	var frames [][][]byte
	for i := range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fs := minutePackets(t, fmt.Sprintf("MN%d", i), 40, i == 2)
		for _, f := range fs {
			c.Write(f)
		}
		conns, frames = append(conns, c), append(frames, fs)
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.Stats().Packets < 120 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := l.Stats().Packets; n != 120 {
		t.Fatalf("read %d packets", n)
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
		var b [1]byte
		if n, err := c.Read(b[:]); n != 0 || !errors.Is(err, errTimeout(err)) {
			t.Fatalf("answer before commit: %d %v", n, err)
		}
	}
	close(sink.gate)
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		readAnswers(t, bufio.NewReader(c), frames[i])
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	if st.Stored != 120 || st.Answered != 120 || sink.count() != 120 {
		t.Errorf("stats %+v, sink %d", st, sink.count())
	}
	if len(sink.batches) >= 120/2 {
		t.Errorf("batches %v: not shared", sink.batches)
	}
}

func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errors.New("not a timeout")
}

// TestBackPressure: with the database stuck, a device sending without
// end is read only up to the bounded buffers, then no further.
func TestBackPressure(t *testing.T) {
	sink := &fakeSink{gate: make(chan struct{})}
	cfg := Config{Batch: 10, Flush: 5 * time.Millisecond, Committers: 1, Queue: 20, PerConn: 1000}
	l := New(sink, cfg)
	addr, stop := start(t, l)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fs := minutePackets(t, "MNBP", 1440, false)
	go func() {
		for _, f := range fs {
			if _, err := c.Write(f); err != nil {
				return
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	// one batch in the committer, one in the collector's hand, the queue,
	// and the packet the reader holds
	bound := int64(cfg.Batch + cfg.Batch + cfg.Queue + 1)
	if n := l.Stats().Packets; n > bound || n < int64(cfg.Batch) {
		t.Errorf("read %d packets with the database stuck, bound %d", n, bound)
	}
	close(sink.gate)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	readAnswers(t, bufio.NewReader(c), fs)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if sink.count() != len(fs) {
		t.Errorf("stored %d", sink.count())
	}
}

// TestFailedCommit: packets of a failed transaction are not answered and
// their connection is closed; the listener goes on serving.
func TestFailedCommit(t *testing.T) {
	sink := &fakeSink{}
	sink.fail.Store(true)
	l := New(sink, Config{Batch: 5, Flush: 5 * time.Millisecond})
	addr, stop := start(t, l)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	fs := minutePackets(t, "MNF", 3, false)
	c.Write(fs[0])
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := bufio.NewReader(c).ReadBytes('\n'); err == nil || len(b) > 0 {
		t.Fatalf("answered a packet that was not stored: %q %v", b, err)
	}
	sink.fail.Store(false)
	c2, _ := net.Dial("tcp", addr)
	defer c2.Close()
	c2.Write(fs[0])
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	readAnswers(t, bufio.NewReader(c2), fs[:1])
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.Failed < 1 || st.Answered != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestLimits: connections beyond MaxConns are closed at once; an idle
// connection is closed after Idle; a resent packet is answered again.
func TestLimits(t *testing.T) {
	sink := &fakeSink{}
	l := New(sink, Config{MaxConns: 2, Idle: 300 * time.Millisecond, Flush: 5 * time.Millisecond})
	addr, stop := start(t, l)
	a, _ := net.Dial("tcp", addr)
	defer a.Close()
	b, _ := net.Dial("tcp", addr)
	defer b.Close()
	fs := minutePackets(t, "MNL", 1, false)
	a.Write(fs[0])
	b.Write(fs[0])
	ra, rb := bufio.NewReader(a), bufio.NewReader(b)
	a.SetReadDeadline(time.Now().Add(10 * time.Second))
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	readAnswers(t, ra, fs)
	readAnswers(t, rb, fs)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("third connection not closed")
	}
	start := time.Now()
	if _, err := ra.ReadByte(); err == nil {
		t.Error("idle connection not closed")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle close after %v", d)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.Refused != 1 || st.Stored != 1 || st.Duplicates != 1 || st.Answered != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestStopStoresWhatWasRead: cancelling stores and answers every packet
// already read, and a half frame as rejected.
func TestStopStoresWhatWasRead(t *testing.T) {
	sink := &fakeSink{}
	l := New(sink, Config{Flush: time.Hour, Batch: 1000})
	addr, stop := start(t, l)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	fs := minutePackets(t, "MNS", 30, false)
	for _, f := range fs {
		c.Write(f)
	}
	c.Write(fs[0][:20])
	deadline := time.Now().Add(10 * time.Second)
	for l.Stats().Packets < 30 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	go stop()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	readAnswers(t, bufio.NewReader(c), fs)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.Stored != 31 || st.Rejected != 1 {
		t.Errorf("stats %+v", st)
	}
}
