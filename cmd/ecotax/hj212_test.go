package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func runHJ212(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"hj212"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const samplesFile = "../../hj212/testdata/hj212_samples.txt"

// Every sample packet gets the verdict its "# note:" line gives, on the
// line it is on, and the output matches the reviewed golden file.
func TestHJ212CheckSamples(t *testing.T) {
	code, out, errs := runHJ212(t, "", "check", samplesFile)
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	golden, err := os.ReadFile("../../hj212/testdata/check_samples.golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(golden) {
		t.Errorf("output differs from hj212/testdata/check_samples.golden.jsonl:\n%s", out)
	}

	src, err := os.ReadFile(samplesFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	sc := bufio.NewScanner(strings.NewReader(out))
	seen := 0
	for sc.Scan() {
		var r struct {
			Line    int    `json:"line"`
			Verdict string `json:"verdict"`
			Reason  string `json:"reason"`
			CN      string `json:"cn"`
			MN      string `json:"mn"`
			Values  *int   `json:"values"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		seen++
		if r.Line < 3 || !strings.HasPrefix(lines[r.Line-1], "##") {
			t.Fatalf("line %d is not a packet line", r.Line)
		}
		note := lines[r.Line-3]
		want := "rejected"
		switch {
		case strings.Contains(note, "matches plain Modbus"):
			want = "lenient"
		case strings.Contains(note, "length ok") && strings.Contains(note, "CRC valid"):
			want = "valid"
		}
		if !strings.HasPrefix(note, "# note:") {
			t.Fatalf("line %d: no note two lines above", r.Line)
		}
		if r.Verdict != want {
			t.Errorf("line %d: %s, want %s (%s)", r.Line, r.Verdict, want, note)
		}
		if (r.Verdict == "valid") != (r.Reason == "") {
			t.Errorf("line %d: verdict %s with reason %q", r.Line, r.Verdict, r.Reason)
		}
		if !strings.Contains(note, "CN="+r.CN) || r.MN == "" || r.Values == nil || *r.Values <= 0 {
			t.Errorf("line %d: cn %q mn %q values %v", r.Line, r.CN, r.MN, r.Values)
		}
	}
	if seen != 16 {
		t.Errorf("%d packets checked, want 16", seen)
	}
}

func TestHJ212CheckStdin(t *testing.T) {
	in := "\xef\xbb\xbf# a comment\r\n\r\n   \n" +
		"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n" +
		"#\n" +
		"garbage\n" +
		"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C81" // no final newline
	code, out, _ := runHJ212(t, in, "check", "-")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		`{"line":4,"verdict":"valid","reason":"","cn":"1062","mn":"010000A8900016F000169DC0","version":"2017","values":1}`,
		`{"line":6,"verdict":"rejected","reason":"bad framing: no \"##\" frame start in \"garbage\"","cn":"","mn":"","values":0}`,
		`{"line":7,"verdict":"rejected","reason":"bad CRC: packet says 1C81, HJ 212-2017 Annex A gives 1C80","cn":"1062","mn":"010000A8900016F000169DC0","version":"2017","values":1}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
}

func TestHJ212CheckStrict(t *testing.T) {
	_, lenient, _ := runHJ212(t, "", "check", samplesFile)
	_, strict, _ := runHJ212(t, "", "check", "--strict", samplesFile)
	if strings.Count(lenient, `"verdict":"lenient"`) != 2 || strings.Count(strict, `"verdict":"lenient"`) != 0 {
		t.Errorf("lenient verdicts: %d by default, %d with --strict", strings.Count(lenient, `"lenient"`), strings.Count(strict, `"lenient"`))
	}
	if strings.Count(strict, `"verdict":"rejected"`) != strings.Count(lenient, `"verdict":"rejected"`)+2 {
		t.Error("--strict must reject the two Modbus-CRC packets")
	}
}

func TestHJ212Usage(t *testing.T) {
	for _, args := range [][]string{{}, {"check"}, {"check", "a", "b"}, {"nope"}, {"check", "--bogus", "-"}, {"check", "/no/such/file"}} {
		if code, _, errs := runHJ212(t, "", args...); code != exitInput || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if code, out, _ := runHJ212(t, "", "help"); code != exitOK || !strings.Contains(out, "hj212 check") {
		t.Errorf("help: %d %q", code, out)
	}
	var out, errb bytes.Buffer
	code := run([]string{"hj212", "check", "-"}, func(string) string { return "" }, iotest.ErrReader(os.ErrClosed), &out, &errb)
	if code != exitInput || !strings.Contains(errb.String(), "reading standard input") {
		t.Errorf("unreadable stdin: exit %d, stderr %q", code, errb.String())
	}
}

// The HJ 212-2025 packets: versions, back-fill, decryption with the
// standard's example key (and with a key file: current, previous key),
// sentinels; without any key the encrypted ones are rejected, and the
// others keep their verdicts.
func TestHJ212Check2025(t *testing.T) {
	const file = "../../hj212/testdata/hj212_2025_packets.txt"
	code, out, errs := runHJ212(t, "", "check", file)
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	golden, err := os.ReadFile("../../hj212/testdata/check_2025.golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(golden) {
		t.Errorf("output differs from hj212/testdata/check_2025.golden.jsonl:\n%s", out)
	}
	keys := t.TempDir() + "/keys"
	if err := os.WriteFile(keys, []byte("# MN current previous\n010000A8900016F000169DC0 1234567890abcdef 30303030303030303030303030303030\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, withKeys, _ := runHJ212(t, "", "check", "--keys", keys, "--no-example-key", file)
	_, none, _ := runHJ212(t, "", "check", "--no-example-key", file)
	want := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range strings.Split(strings.TrimSpace(withKeys), "\n") {
		n := strings.Split(strings.TrimSpace(none), "\n")[i]
		if strings.Contains(want[i], `"encrypted"`) {
			if !strings.Contains(l, `"verdict":"valid"`) || !strings.Contains(l, `"key":1`) {
				t.Errorf("with the key file: %s", l)
			}
			if !strings.Contains(n, `"verdict":"rejected"`) || !strings.Contains(n, "no key for MN") {
				t.Errorf("without keys: %s", n)
			}
		} else if l != want[i] || n != want[i] {
			t.Errorf("keys change a plaintext packet: %s", l)
		}
	}
	if code, _, _ := runHJ212(t, "", "check", "--keys", keys+".missing", file); code != exitInput {
		t.Errorf("missing key file: exit %d", code)
	}
}
