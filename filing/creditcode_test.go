package filing

import (
	"testing"

	"pgregory.net/rapid"
)

func TestCheckCreditCodeKnown(t *testing.T) {
	valid := []string{
		"91350100M000100Y43", // the worked example of GB 32100-2015 (附录)
		"91440300708461136T", // 深圳市腾讯计算机系统有限公司, as printed on its public business licence
	}
	for _, c := range valid {
		if msg := CheckCreditCode(c); msg != "" {
			t.Errorf("%s: %s", c, msg)
		}
	}
	invalid := map[string]string{
		"91350100M000100Y44":  "wrong check character",
		"91350100M000100Y4":   "17 characters",
		"91350100M000100Y433": "19 characters",
		"91350100M000I00Y43":  "I is not in the alphabet",
		"91350100m000100Y43":  "lower case",
		"":                    "empty",
		"９1350100M000100Y43":  "full-width digit",
	}
	for c, why := range invalid {
		if CheckCreditCode(c) == "" {
			t.Errorf("%q (%s) accepted", c, why)
		}
	}
}

// Any 17 characters of the alphabet plus their check character form a
// valid code, and changing any one character to another breaks it: the
// weights are non-zero modulo the prime 31, so every single substitution
// is detected.
func TestCreditCodeSingleSubstitution(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := make([]byte, 17)
		for i := range b {
			b[i] = creditAlphabet[rapid.IntRange(0, 30).Draw(t, "c")]
		}
		ch, ok := CreditCheckChar(string(b))
		if !ok {
			t.Fatalf("alphabet characters rejected: %s", b)
		}
		code := string(b) + string(ch)
		if msg := CheckCreditCode(code); msg != "" {
			t.Fatalf("%s: %s", code, msg)
		}
		pos := rapid.IntRange(0, 17).Draw(t, "pos")
		repl := creditAlphabet[rapid.IntRange(0, 30).Draw(t, "repl")]
		if repl == code[pos] {
			return
		}
		bad := []byte(code)
		bad[pos] = repl
		if CheckCreditCode(string(bad)) == "" {
			t.Fatalf("substitution at %d not detected: %s → %s", pos, code, bad)
		}
	})
}

func FuzzCheckCreditCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("x")
	f.Fuzz(func(t *testing.T, s string) {
		if CheckCreditCode(s) == "" {
			ch, ok := CreditCheckChar(s[:17])
			if !ok || ch != s[17] || len(s) != 18 {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
