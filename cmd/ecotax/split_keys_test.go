package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
)

// partFrames cuts an hour message of nf factors into k parts (Flag=7:
// 2017, answer wanted, split).
func partFrames(mn, qn string, nf, k int) [][]byte {
	items := []string{"DataTime=20240301100000"}
	for i := 0; i < nf; i++ {
		items = append(items, fmt.Sprintf("a%05d-Avg=%d.5,a%05d-Cou=1.%03d,a%05d-Flag=N", 21000+i, i, 21000+i, i, 21000+i))
	}
	per := (len(items) + k - 1) / k
	var out [][]byte
	for i := 0; i < k; i++ {
		lo, hi := i*per, min((i+1)*per, len(items))
		data := fmt.Sprintf("QN=%s;ST=31;CN=2061;PW=123456;MN=%s;Flag=7;PNUM=%d;PNO=%d;CP=&&%s&&", qn, mn, k, i+1, strings.Join(items[lo:hi], ";"))
		out = append(out, []byte(fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(data)))))
	}
	return out
}

// encFrame is an HJ 212-2025 hour packet (Flag=9: answer wanted) whose data
// area is SM4-encrypted with key and sent as hex digits.
func encFrame(t *testing.T, mn string, key []byte) []byte {
	t.Helper()
	content := "DataTime=20240301100000;a21026-Avg=3.5,a21026-Cou=1.25,a21026-Flag=N"
	head := "QN=20240301100000777;ST=31;CN=2061;PW=123456;MN=" + mn + ";Flag=9;CP=&&"
	ct, err := hj212.EncryptData(key, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	full := len(content) / 16 * 16
	data := head + strings.ToUpper(hex.EncodeToString(ct[:full])) + content[full:] + "&&"
	return []byte(fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(head+content+"&&"))))
}

func storedState(t *testing.T, getenv func(string) string) (sets map[string]int, verdicts map[string]int) {
	t.Helper()
	db, err := openStore(&env{ctx: context.Background(), getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sets, verdicts = map[string]int{}, map[string]int{}
	err = db.View(context.Background(), func(tx *store.Tx) error {
		l, err := tx.ListSplitSets(store.SplitFilter{})
		if err != nil {
			return err
		}
		for _, s := range l {
			sets[s.Verdict]++
		}
		ps, err := tx.ListPackets(store.PacketFilter{})
		for _, p := range ps {
			verdicts[p.Verdict]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sets, verdicts
}

// TestImportSplitAndKeys: a device key set with "hj212 key set" (never
// echoed) decrypts the import's packets; a split message whose parts are
// in two files is judged incomplete after the first and complete after the
// second.
func TestImportSplitAndKeys(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			getenv := dbVars(t, dialect)
			key := "a1b2c3d4e5f60718293a4b5c6d7e8f90"
			var out, errb bytes.Buffer
			if code := run([]string{"hj212", "key", "set", "MN-ENC"}, getenv, strings.NewReader(key+"\n"), &out, &errb); code != exitOK {
				t.Fatalf("key set: exit %d %s", code, errb.String())
			}
			if strings.Contains(out.String()+errb.String(), key) || !strings.Contains(out.String(), `"fingerprint"`) {
				t.Fatalf("key set printed %q %q", out.String(), errb.String())
			}
			out.Reset()
			if code := run([]string{"hj212", "key", "set", "MN-ENC"}, getenv, strings.NewReader("0000000000000000\n"), &out, &errb); code != exitInput {
				t.Fatalf("the example key: exit %d", code)
			}
			raw, _ := hex.DecodeString(key)
			parts := partFrames("MN-SPL", "20240301100000001", 30, 4)
			dir := t.TempDir()
			write := func(name string, frames ...[]byte) string {
				var b bytes.Buffer
				for _, f := range frames {
					b.Write(bytes.TrimSuffix(f, []byte("\r\n")))
					b.WriteString("\n")
				}
				p := filepath.Join(dir, name)
				os.WriteFile(p, b.Bytes(), 0o644)
				return p
			}
			a := write("a.txt", parts[2], parts[0], encFrame(t, "MN-ENC", raw))
			b := write("b.txt", parts[3], parts[1], parts[0])
			code, res, errs := runImport(t, getenv, nil, a)
			if code != exitOK || res.Stored != 3 || res.Rejected != 0 || res.Values != 3 {
				t.Fatalf("first file: exit %d %+v %s", code, res, errs)
			}
			if sets, _ := storedState(t, getenv); sets["incomplete"] != 1 {
				t.Fatalf("after the first file: %v", sets)
			}
			code, res, errs = runImport(t, getenv, nil, b)
			// Two new parts and the reassembled message (its 90 values).
			if code != exitOK || res.Stored != 3 || res.Duplicates != 1 || res.Values != 90 {
				t.Fatalf("second file: exit %d %+v %s", code, res, errs)
			}
			if sets, verdicts := storedState(t, getenv); sets["complete"] != 1 || len(sets) != 1 || verdicts["rejected"] != 0 {
				t.Fatalf("after the second file: %v %v", sets, verdicts)
			}
			out.Reset()
			if code := run([]string{"hj212", "key", "show", "MN-ENC"}, getenv, nil, &out, &errb); code != exitOK || strings.Contains(out.String(), key) || !strings.Contains(out.String(), `"seq":1`) {
				t.Fatalf("key show: %d %s", code, out.String())
			}
		})
	}
}

// TestListenSplitAndKeys: over TCP, the parts of a split message (out of
// order, one twice) are each answered once stored and the message is
// stored whole; an encrypted packet decrypts with the stored device key.
func TestListenSplitAndKeys(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			getenv := dbVars(t, dialect)
			key := []byte("listener-key-016")
			var out, errb bytes.Buffer
			if code := run([]string{"hj212", "key", "set", "MN-ENC"}, getenv, strings.NewReader(string(key)+"\n"), &out, &errb); code != exitOK {
				t.Fatalf("key set: %d %s", code, errb.String())
			}
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
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := bufio.NewReader(c)
			parts := partFrames("MN-SPL", "20240301100000002", 30, 3)
			send := []([]byte){parts[2], parts[0], parts[0], parts[1], encFrame(t, "MN-ENC", key)}
			for i, f := range send {
				c.Write(f)
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				line, err := r.ReadBytes('\n')
				if err != nil || !bytes.Contains(line, []byte("CN=9014")) {
					t.Fatalf("answer to %d: %q %v", i, line, err)
				}
			}
			cancel()
			select {
			case code := <-done:
				if code != exitOK {
					t.Fatalf("listen exit %d: %s", code, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("listen did not stop")
			}
			sets, verdicts := storedState(t, getenv)
			// Three parts, the whole message, the encrypted packet.
			if sets["complete"] != 1 || len(sets) != 1 || verdicts["valid"] != 5 || verdicts["rejected"] != 0 {
				t.Fatalf("stored: sets %v packets %v\n%s", sets, verdicts, logs.String())
			}
		})
	}
}
