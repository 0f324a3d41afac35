// Package listener receives HJ 212 packets from data loggers over TCP and
// stores them through the application layer (app.Ingest), answering a
// packet only once it is durable.
//
// How a packet travels:
//
//	conn reader ──▶ per-connection window (PerConn) ──▶ shared queue (Queue)
//	   ──▶ collector: one batch of all connections, cut at Batch packets or
//	       Flush after its first packet ──▶ Committers transactions at once
//	   ──▶ each packet's outcome ──▶ conn writer: answers in arrival order
//
// Every buffer is bounded. When the database is slower than the devices,
// the committers are busy, the collector stops taking packets, the shared
// queue fills, readers stop reading and the TCP windows close: devices wait
// (back-pressure) instead of the listener's memory growing. A connection
// has at most PerConn packets read and not yet answered, so one device
// replaying a day of minute data (补发) keeps its batches full without
// starving the others. No packet is answered before the transaction
// holding it has committed; when a transaction fails its connections are
// closed without an answer, so the loggers send the packets again (a
// resent packet is stored once and answered again).
//
// The package is an adapter: it knows TCP and the HJ 212 framing, and
// nothing of SQL; it stores through a Sink (FromApp for *app.Service).
package listener

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
)

// Sink stores packets durably. Ingest stores a batch in one transaction
// and tells, per packet, whether it was new (false: already stored); it
// returns only once the batch is committed. Refresh brings up to limit
// out-of-date monthly figures up to date (all when limit ≤ 0).
type Sink interface {
	Ingest(ctx context.Context, batch []store.Incoming) ([]bool, error)
	Refresh(ctx context.Context, limit int) (int, error)
}

// FromApp is the Sink of the application layer, acting as p (the
// operator: only the operator stores packets).
func FromApp(svc *app.Service, p filing.Principal) Sink { return appSink{svc, p} }

type appSink struct {
	svc *app.Service
	p   filing.Principal
}

func (a appSink) Ingest(ctx context.Context, b []store.Incoming) ([]bool, error) {
	_, stored, err := a.svc.Ingest(ctx, a.p, b)
	return stored, err
}

func (a appSink) Refresh(ctx context.Context, limit int) (int, error) {
	return a.svc.RefreshFigures(ctx, limit)
}

// Config sets the limits. Zero values take the defaults in brackets.
type Config struct {
	Batch      int           // packets per transaction at most [500]
	Flush      time.Duration // a partial batch is stored this long after its first packet [200ms]
	Committers int           // transactions at once [2]
	Queue      int           // packets read and waiting for a batch, all connections [4 × Batch]
	PerConn    int           // packets read and not yet answered, per connection [1440: a day of minute data]
	MaxConns   int           // connections at once; more are closed at once [10000]
	Idle       time.Duration // a connection silent this long is closed [10m]
	WriteWait  time.Duration // an answer not written in this time closes the connection [30s]
	Refresh    time.Duration // monthly figures are brought up to date this often (0: only at stop)
	RefreshMax int           // device-months per refresh round [200]
	// Keys decrypts HJ 212-2025 data areas: app.Service.DeviceKeys (the
	// keys stored per device, then a key file's) in ecotax hj212 listen.
	Keys hj212.KeyStore
	Log  *slog.Logger // [discard]
}

func (c *Config) defaults() {
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.Flush <= 0 {
		c.Flush = 200 * time.Millisecond
	}
	if c.Committers <= 0 {
		c.Committers = 2
	}
	if c.Queue <= 0 {
		c.Queue = 4 * c.Batch
	}
	if c.PerConn <= 0 {
		c.PerConn = 1440
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 10000
	}
	if c.Idle <= 0 {
		c.Idle = 10 * time.Minute
	}
	if c.WriteWait <= 0 {
		c.WriteWait = 30 * time.Second
	}
	if c.RefreshMax <= 0 {
		c.RefreshMax = 200
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Stats counts what the listener did since it started.
type Stats struct {
	Connections int64 // accepted
	Refused     int64 // closed at once: MaxConns reached
	Packets     int64 // read
	Stored      int64 // new packets committed (valid, lenient or rejected)
	Duplicates  int64 // already stored
	Rejected    int64 // stored with a rejected verdict
	Answered    int64 // answers written
	Batches     int64 // transactions committed
	Failed      int64 // transactions failed (their packets not answered)
}

// Listener serves one net.Listener; make it with New.
type Listener struct {
	cfg  Config
	sink Sink

	jobs    chan *job
	batches chan []*job

	mu       sync.Mutex
	conns    map[net.Conn]bool
	stopping bool
	readers  sync.WaitGroup
	writers  sync.WaitGroup

	connections, refused, packets, stored, duplicates, rejected, answered, batchesDone, failed atomic.Int64
}

// New makes a listener storing into sink.
func New(sink Sink, cfg Config) *Listener {
	cfg.defaults()
	return &Listener{cfg: cfg, sink: sink, jobs: make(chan *job, cfg.Queue), batches: make(chan []*job),
		conns: map[net.Conn]bool{}}
}

// Stats reads the counters.
func (l *Listener) Stats() Stats {
	return Stats{Connections: l.connections.Load(), Refused: l.refused.Load(), Packets: l.packets.Load(),
		Stored: l.stored.Load(), Duplicates: l.duplicates.Load(), Rejected: l.rejected.Load(),
		Answered: l.answered.Load(), Batches: l.batchesDone.Load(), Failed: l.failed.Load()}
}

// job is one packet on its way; done gets its outcome exactly once.
type job struct {
	in   store.Incoming
	done chan result
}

type result struct {
	stored bool
	err    error
}

// Serve accepts connections on ln until ctx ends. Then it stops
// accepting, lets every connection finish the packets it holds (a half
// frame is stored as rejected), stores and answers them, brings the
// monthly figures up to date and returns. It returns an error only when
// accepting failed or the final refresh failed.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	var commit sync.WaitGroup
	for range l.cfg.Committers {
		commit.Add(1)
		go func() { defer commit.Done(); l.commit() }()
	}
	collected := make(chan struct{})
	go func() { defer close(collected); l.collect() }()
	refreshStop := make(chan struct{})
	refreshDone := make(chan struct{})
	go func() { defer close(refreshDone); l.refreshLoop(refreshStop) }()

	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopWatch:
		}
		l.mu.Lock()
		l.stopping = true
		for c := range l.conns {
			// Unblock the reads; each reader hands on what it has.
			c.SetReadDeadline(time.Now())
		}
		l.mu.Unlock()
		ln.Close()
	}()
	var acceptErr error
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				l.cfg.Log.Error("accept", slog.Any("error", err))
				acceptErr = err
			}
			break
		}
		l.mu.Lock()
		if l.stopping || len(l.conns) >= l.cfg.MaxConns {
			full := !l.stopping
			l.mu.Unlock()
			if full {
				l.refused.Add(1)
				l.cfg.Log.Warn("refused", slog.String("peer", c.RemoteAddr().String()), slog.Int("max_conns", l.cfg.MaxConns))
			}
			c.Close()
			continue
		}
		l.conns[c] = true
		l.readers.Add(1)
		l.writers.Add(1)
		l.mu.Unlock()
		l.connections.Add(1)
		go l.handle(c)
	}
	close(stopWatch)
	l.readers.Wait()
	close(l.jobs) // the collector stores the rest, then closes batches
	<-collected
	commit.Wait()
	l.writers.Wait()
	close(refreshStop)
	<-refreshDone
	n, err := l.sink.Refresh(context.Background(), 0)
	if err != nil {
		l.cfg.Log.Error("monthly figures", slog.Any("error", err))
		return errors.Join(acceptErr, err)
	}
	l.cfg.Log.Info("monthly figures", slog.Int("refreshed", n))
	l.cfg.Log.Info("stopped", slog.Int64("packets", l.packets.Load()), slog.Int64("stored", l.stored.Load()),
		slog.Int64("answered", l.answered.Load()))
	return acceptErr
}

// handle runs one connection: this goroutine reads, a second one answers
// in order. window bounds the packets read and not yet answered.
func (l *Listener) handle(c net.Conn) {
	peer := c.RemoteAddr().String()
	origin := "tcp " + peer
	window := newFIFO(l.cfg.PerConn)
	go l.answer(c, peer, window)
	defer l.readers.Done()
	defer window.close()
	l.cfg.Log.Debug("connection", slog.String("peer", peer))
	rd := hj212.NewReader(c, hj212.Options{Lenient: true, Keys: l.cfg.Keys})
	for {
		l.mu.Lock()
		if !l.stopping {
			c.SetReadDeadline(time.Now().Add(l.cfg.Idle))
		}
		l.mu.Unlock()
		p, err := rd.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
				l.cfg.Log.Warn("read", slog.String("peer", peer), slog.Any("error", err))
			}
			return
		}
		l.packets.Add(1)
		j := &job{in: store.Incoming{Packet: p, Origin: origin}, done: make(chan result, 1)}
		window.push(j) // blocks when PerConn packets wait for their answers
		l.jobs <- j    // blocks when the shared queue is full
	}
}

// answer writes the answers of one connection in the order its packets
// arrived, each once its packet is committed; after a failed transaction
// or a failed write it closes the connection and answers nothing more.
func (l *Listener) answer(c net.Conn, peer string, window *fifo) {
	defer l.writers.Done()
	defer func() {
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		c.Close()
	}()
	broken := false
	for {
		j := window.pop()
		if j == nil {
			return
		}
		res := <-j.done
		if broken {
			continue
		}
		p := j.in.Packet
		if res.err != nil {
			// Not stored: no answer, so the logger sends it again.
			broken = true
			c.Close()
			continue
		}
		if !res.stored {
			l.duplicates.Add(1)
		} else {
			l.stored.Add(1)
			if p.Verdict == hj212.Rejected {
				l.rejected.Add(1)
				l.cfg.Log.Warn("rejected", slog.String("peer", peer), slog.String("mn", p.MN), slog.String("reason", p.Reason))
			}
		}
		// 9014 for data that asks for it; 9013 for an HJ 212-2025
		// heartbeat or hardware serial; 9011 refusing key requests.
		reply, err := hj212.Answer(p)
		if err != nil {
			l.cfg.Log.Warn("no answer", slog.String("peer", peer), slog.String("mn", p.MN), slog.Any("error", err))
			continue
		}
		if reply == nil {
			continue
		}
		c.SetWriteDeadline(time.Now().Add(l.cfg.WriteWait))
		if _, err := c.Write(reply); err != nil {
			l.cfg.Log.Warn("answer", slog.String("peer", peer), slog.Any("error", err))
			broken = true
			c.Close()
			continue
		}
		l.answered.Add(1)
	}
}

// collect cuts the shared queue into batches: at Batch packets, or Flush
// after the batch's first packet. Handing a batch on waits for a free
// committer, which is what pushes back on the readers.
func (l *Listener) collect() {
	defer close(l.batches)
	var (
		pending []*job
		timer   = time.NewTimer(time.Hour)
		armed   bool
	)
	timer.Stop()
	send := func() {
		if len(pending) == 0 {
			return
		}
		l.batches <- pending
		pending = make([]*job, 0, l.cfg.Batch)
		if armed && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		armed = false
	}
	for {
		select {
		case j, ok := <-l.jobs:
			if !ok {
				send()
				return
			}
			pending = append(pending, j)
			if !armed {
				timer.Reset(l.cfg.Flush)
				armed = true
			}
			if len(pending) >= l.cfg.Batch {
				send()
			}
		case <-timer.C:
			armed = false
			send()
		}
	}
}

// commit stores batches, one transaction each, and tells every packet its
// outcome once the transaction has committed (or failed).
func (l *Listener) commit() {
	for b := range l.batches {
		in := make([]store.Incoming, len(b))
		for i, j := range b {
			in[i] = j.in
		}
		// Not the caller's context: packets already received are stored
		// even while stopping.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		stored, err := l.sink.Ingest(ctx, in)
		cancel()
		if err == nil && len(stored) != len(b) {
			err = errors.New("listener: the sink did not tell every packet's outcome")
		}
		if err != nil {
			l.failed.Add(1)
			l.cfg.Log.Error("store", slog.Int("packets", len(b)), slog.Any("error", err))
		} else {
			l.batchesDone.Add(1)
		}
		for i, j := range b {
			if err != nil {
				j.done <- result{err: err}
			} else {
				j.done <- result{stored: stored[i]}
			}
		}
	}
}

func (l *Listener) refreshLoop(stop chan struct{}) {
	if l.cfg.Refresh <= 0 {
		<-stop
		return
	}
	t := time.NewTicker(l.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Refresh)
			if _, err := l.sink.Refresh(ctx, l.cfg.RefreshMax); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				l.cfg.Log.Error("monthly figures", slog.Any("error", err))
			}
			cancel()
		}
	}
}

// fifo is a connection's window: a queue of at most max jobs whose
// memory grows with what is in it (a channel of that capacity would hold
// max slots for each of thousands of mostly quiet connections).
type fifo struct {
	mu             sync.Mutex
	notEmpty, room sync.Cond
	q              []*job
	head, max      int
	closed         bool
}

func newFIFO(max int) *fifo {
	f := &fifo{max: max}
	f.notEmpty.L, f.room.L = &f.mu, &f.mu
	return f
}

// push waits for room, then appends j.
func (f *fifo) push(j *job) {
	f.mu.Lock()
	for len(f.q)-f.head >= f.max {
		f.room.Wait()
	}
	f.q = append(f.q, j)
	f.mu.Unlock()
	f.notEmpty.Signal()
}

// pop waits for a job; nil once the fifo is closed and empty.
func (f *fifo) pop() *job {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.head == len(f.q) && !f.closed {
		f.notEmpty.Wait()
	}
	if f.head == len(f.q) {
		return nil
	}
	j := f.q[f.head]
	f.q[f.head] = nil
	f.head++
	if f.head == len(f.q) {
		f.q, f.head = f.q[:0], 0
	} else if f.head > 64 && f.head*2 > len(f.q) {
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	f.room.Signal()
	return j
}

func (f *fifo) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.notEmpty.Broadcast()
}
