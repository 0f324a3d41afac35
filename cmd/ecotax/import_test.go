package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// dbVars is the environment of a command run against a fresh database of
// the dialect.
func dbVars(t *testing.T, dialect string) func(string) string {
	vars := map[string]string{"ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "ecotax.db")}
	if dialect == "postgres" {
		vars["DATABASE_URL"] = storetest.PostgresSchemaURL(t)
	}
	return func(k string) string { return vars[k] }
}

type importOut struct {
	Files, Packets, Stored, Duplicates, Rejected, Values int
	Monthly                                              int `json:"monthly_refreshed"`
}

func runImport(t *testing.T, getenv func(string) string, stdin io.Reader, args ...string) (int, importOut, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"import", "hj212"}, args...), getenv, stdin, &out, &errb)
	var res importOut
	if code == exitOK {
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%q: %v", out.String(), err)
		}
	}
	return code, res, errb.String()
}

// TestImportHJ212: a file of one packet per line and a raw capture are
// stored with every verdict; importing again stores nothing; the progress
// bar stays off a non-terminal stderr.
func TestImportHJ212(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			getenv := dbVars(t, dialect)
			frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-IMP", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 50}}}, "2024-02")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			// Lines: the first 100 hours, a comment, a blank line and a bad packet.
			var lines bytes.Buffer
			lines.WriteString("\xef\xbb\xbf# hour data\n\n")
			for _, f := range frames[:100] {
				lines.Write(bytes.TrimSuffix(f, []byte("\r\n")))
				lines.WriteString("\n")
			}
			lines.Write(bytes.TrimSuffix(reconciletest.Corrupt(frames[0]), []byte("\r\n")))
			lines.WriteString("\n")
			linesFile := filepath.Join(dir, "hours.txt")
			os.WriteFile(linesFile, lines.Bytes(), 0o644)
			// Stream: hours 90 to 199 as sent (overlapping the lines
			// file), with noise between two frames.
			var stream bytes.Buffer
			for i, f := range frames[90:200] {
				if i == 5 {
					stream.WriteString("GARBAGE")
				}
				stream.Write(f)
			}
			streamFile := filepath.Join(dir, "capture.bin")
			os.WriteFile(streamFile, stream.Bytes(), 0o644)

			code, out, errs := runImport(t, getenv, nil, linesFile)
			if code != exitOK || errs != "" {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if out.Packets != 101 || out.Stored != 101 || out.Rejected != 1 || out.Duplicates != 0 || out.Values != 300 || out.Monthly != 1 {
				t.Errorf("lines: %+v", out)
			}
			code, out, errs = runImport(t, getenv, nil, "--stream", "--batch", "7", streamFile)
			if code != exitOK || errs != "" {
				t.Fatalf("exit %d: %s", code, errs)
			}
			// 110 frames, 10 already stored; the garbage is one rejected packet.
			if out.Packets != 111 || out.Stored != 101 || out.Duplicates != 10 || out.Rejected != 1 {
				t.Errorf("stream: %+v", out)
			}
			code, out, _ = runImport(t, getenv, nil, linesFile, linesFile)
			if code != exitOK || out.Stored != 0 || out.Duplicates != 202 || out.Monthly != 0 {
				t.Errorf("again: exit %d %+v", code, out)
			}
			code, out, _ = runImport(t, getenv, nil, "--stream", streamFile)
			if code != exitOK || out.Stored != 0 || out.Duplicates != 111 {
				t.Errorf("stream again: exit %d %+v", code, out)
			}
			// Standard input works too.
			code, out, _ = runImport(t, getenv, bytes.NewReader(frames[250]), "-")
			if code != exitOK || out.Stored != 1 {
				t.Errorf("stdin: exit %d %+v", code, out)
			}
			// Usage and unreadable files.
			if code, _, _ := runImport(t, getenv, nil); code != exitInput {
				t.Errorf("no file: exit %d", code)
			}
			if code, _, errs := runImport(t, getenv, nil, linesFile, filepath.Join(dir, "missing.txt")); code != exitInput || !strings.Contains(errs, "missing.txt") {
				t.Errorf("missing file: exit %d %s", code, errs)
			}
			if code, _, _ := runImport(t, getenv, nil, "--batch", "0", linesFile); code != exitInput {
				t.Errorf("batch 0: exit %d", code)
			}
		})
	}
}

// TestListenHJ212 sends packets over TCP: a packet asking for an answer
// gets the 9014 data answer once stored, a bad frame in between costs
// nothing but itself, a resent packet is answered again and stored once,
// and cancelling the context stores what was received and stops.
func TestListenHJ212(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			getenv := dbVars(t, dialect)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logs := &syncBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- cmdHJ212(&env{ctx: ctx, getenv: getenv, stdout: io.Discard, stderr: logs},
					[]string{"listen", "--flush", "20ms", "--refresh", "50ms", "127.0.0.1:0"})
			}()
			addr := ""
			for i := 0; i < 400 && addr == ""; i++ {
				time.Sleep(25 * time.Millisecond)
				for _, line := range strings.Split(logs.String(), "\n") {
					var l struct{ Msg, Addr string }
					if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
						addr = l.Addr
					}
				}
			}
			if addr == "" {
				t.Fatalf("listener did not start: %s", logs.String())
			}
			frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-TCP", Ack: true, Factors: []reconciletest.Factor{{Code: "a21002", CouMilli: 300, AvgTenths: 70}}}, "2024-03")
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(c)
			answer := func(i int) {
				t.Helper()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				line, err := r.ReadBytes('\n')
				if err != nil {
					t.Fatalf("no answer to packet %d: %v", i, err)
				}
				p := hj212.Parse(line, hj212.Options{})
				req := hj212.Parse(frames[i], hj212.Options{})
				if p.Verdict != hj212.Valid || p.CN != "9014" || p.QN != req.QN || p.MN != "MN-TCP" || p.ST != "91" {
					t.Errorf("answer to %d: %q", i, line)
				}
			}
			c.Write(frames[0])
			answer(0)
			// A corrupted frame, stray bytes and a good one in one write: the
			// good one is answered, the bad ones are stored unanswered.
			var buf bytes.Buffer
			buf.Write(reconciletest.Corrupt(frames[1]))
			buf.WriteString("noise")
			buf.Write(frames[2])
			c.Write(buf.Bytes())
			answer(2)
			c.Write(frames[0]) // resent: answered, not stored twice
			answer(0)
			// A second connection at the same time.
			c2, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c2.Write(frames[3])
			c2.SetReadDeadline(time.Now().Add(10 * time.Second))
			if line, err := bufio.NewReader(c2).ReadBytes('\n'); err != nil || !bytes.Contains(line, []byte("CN=9014")) {
				t.Errorf("second connection: %q %v", line, err)
			}
			c.Write(frames[4][:20]) // half a frame when the stop comes
			time.Sleep(100 * time.Millisecond)
			cancel()
			select {
			case code := <-done:
				if code != exitOK {
					t.Errorf("listen exit %d: %s", code, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("listen did not stop")
			}
			c.Close()
			c2.Close()
			if !strings.Contains(logs.String(), `"msg":"stopped"`) || !strings.Contains(logs.String(), `"msg":"rejected"`) {
				t.Errorf("logs: %s", logs.String())
			}
			// What is stored: frames 0, 2, 3 valid; the corrupt frame and
			// the noise rejected; the half frame rejected (not terminated).
			db, err := openStore(&env{ctx: context.Background(), getenv: getenv})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.InTx(context.Background(), func(tx *store.Tx) error {
				all, err := tx.ListPackets(store.PacketFilter{})
				if err != nil {
					return err
				}
				verdicts := map[string]int{}
				for _, p := range all {
					verdicts[p.Verdict]++
				}
				if verdicts["valid"] != 3 || verdicts["rejected"] != 3 || len(all) != 6 {
					t.Errorf("stored %v (%d)", verdicts, len(all))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
