package filing

import (
	"fmt"
	"strings"
)

// creditAlphabet is the 31-character set of GB 32100-2015 (法人和其他组织
// 统一社会信用代码编码规则): digits and upper-case letters without I, O, S,
// V and Z. A character's value is its index.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^(i-1) mod 31 for positions 1..17 (GB 32100-2015 §4.2).
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar computes the check character (校验码, 18th position) of
// the first 17 characters of a unified social credit code. ok is false
// when a character is outside the code's alphabet or the length is wrong.
func CreditCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditAlphabet[c], true
}

// CheckCreditCode explains why s is not a valid unified social credit
// code, or returns "" when it is. Only the structure and the check
// character are checked; whether the code was ever issued is not knowable
// here.
func CheckCreditCode(s string) string {
	if len(s) != 18 {
		return "a unified social credit code (统一社会信用代码) has 18 characters"
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, s[i]) < 0 {
			return fmt.Sprintf("character %d (%q) is not one of 0-9 and A-Y without I, O, S, V, Z (GB 32100-2015)", i+1, s[i])
		}
	}
	want, _ := CreditCheckChar(s[:17])
	if s[17] != want {
		return fmt.Sprintf("check character (校验码) is %c, GB 32100-2015 gives %c", s[17], want)
	}
	return ""
}
