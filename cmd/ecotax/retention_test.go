package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/app"
)

// TestHJ212Retention: the command applies the setting of --months or,
// without it, of ECOTAX_RAW_RETENTION_MONTHS, prints what it did, and
// refuses to run with neither.
func TestHJ212Retention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.db")
	cmd := func(env map[string]string, args ...string) (int, string, string) {
		env["ECOTAX_SQLITE_PATH"] = path
		var out, errb bytes.Buffer
		code := run(append([]string{"hj212", "retention"}, args...), envOf(env), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, errs := cmd(map[string]string{}); code != exitInput || !strings.Contains(errs, "ECOTAX_RAW_RETENTION_MONTHS") {
		t.Errorf("no setting: exit %d, %q", code, errs)
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		keep int
	}{
		{map[string]string{"ECOTAX_RAW_RETENTION_MONTHS": "4"}, nil, 4},
		{map[string]string{"ECOTAX_RAW_RETENTION_MONTHS": "4"}, []string{"--months", "2"}, 2},
	} {
		code, out, errs := cmd(c.env, c.args...)
		var r app.RawRetention
		if code != exitOK || json.Unmarshal([]byte(out), &r) != nil || r.KeepMonths != c.keep || len(r.Before) != 7 {
			t.Errorf("%v %v: exit %d, %q %q", c.env, c.args, code, out, errs)
		}
	}
	if code, _, _ := cmd(map[string]string{}, "--months", "0"); code != exitInput {
		t.Errorf("--months 0: exit %d", code)
	}
	if code, _, _ := cmd(map[string]string{}, "--months", "-3"); code != exitInput {
		t.Errorf("--months -3: exit %d", code)
	}
}
