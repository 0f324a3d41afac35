package jsontest

import (
	"fmt"
	"strings"
)

// BatchDeclaration is the i-th declaration of the batch benchmarks
// (cmd/ecotax BenchmarkCalcJSONL, calc BenchmarkAssessLine): one month,
// 20 pollutant lines in two air outlets and one water outlet, every
// other declaration with concentrations, amounts varying with i; on one
// line.
func BatchDeclaration(i int) []byte {
	air := []string{"二氧化硫", "氮氧化物", "烟尘", "一氧化碳", "氯化氢", "甲苯", "硫化氢"}
	water := []string{"化学需氧量", "生化需氧量", "氨氮", "总磷", "悬浮物", "石油类", "总铬", "总镍", "挥发酚", "总锌"}
	var sb strings.Builder
	sb.WriteString(`{"region":"500107","period":"2024-01","rounding":"per_line_2dp","rates":{"air":"2.4","water":"3"},"sources":[`)
	for o, src := range []struct {
		kind, id string
		n        int
	}{{"air", "DA001", 5}, {"air", "DA002", 5}, {"water", "DW001", 10}} {
		if o > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"%s","kind":"%s","month":"2024-01","pollutants":[`, src.id, src.kind)
		for j := 0; j < src.n; j++ {
			name := air[(j+o)%len(air)]
			if src.kind == "water" {
				name = water[j]
			}
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"name":"%s","emission_kg":"%d.%02d","method":"automatic"`, name, (i*7919+j*104729)%100000, (i+j)%100)
			if i%2 == 0 {
				sb.WriteString(`,"avg_concentration":"40","max_concentration":"60","standard_concentration":"100"`)
			}
			sb.WriteByte('}')
		}
		sb.WriteString("]}")
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}
